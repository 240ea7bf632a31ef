//! Authorisation: the permission check every use-case makes, in one place. The acting staff
//! member's role allows, denies, or asks for a manager's approval (a manager's name and PIN
//! for that one action, recorded as the approver in the audit entry). The `system` actor
//! (headless tools) is not limited by a role. PINs are hashed and checked here too.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use backroom_api::Approval;
use backroom_domain::staff::check_pin;
use backroom_domain::staff::{Grant, Permission, Role};
use rusqlite::{Connection, OptionalExtension};

use crate::uow::Uow;
use crate::{StoreError, StoreResult};

/// A role by code.
pub(crate) fn role(conn: &Connection, code: &str) -> StoreResult<Role> {
    conn.prepare_cached("SELECT code, name, grants, discount_limit_bp FROM role WHERE code = ?1")?
        .query_row([code], |r| {
            let grants: String = r.get(2)?;
            Ok(Role {
                code: r.get(0)?,
                name: r.get(1)?,
                grants: serde_json::from_str(&grants).unwrap_or_default(),
                discount_limit_bp: r.get(3)?,
            })
        })
        .optional()?
        .ok_or_else(|| StoreError::not_found("role", "role", code))
}

/// The role of the acting staff member, or `None` for the system actor.
pub(crate) fn actor_role(conn: &Connection, actor: &str) -> StoreResult<Option<Role>> {
    let code: Option<String> = conn
        .prepare_cached("SELECT role_code FROM staff WHERE id = ?1")?
        .query_row([actor], |r| r.get(0))
        .optional()?;
    code.map(|c| role(conn, &c)).transpose()
}

/// Checks that the actor may do `permission`. Returns the approving manager's id when the role
/// asks for approval and a valid one was given.
pub(crate) fn authorize(
    uow: &Uow,
    permission: Permission,
    approval: Option<&Approval>,
) -> StoreResult<Option<String>> {
    let Some(own) = actor_role(&uow.tx, uow.actor)? else {
        return Ok(None);
    };
    match own.grant(permission) {
        Grant::Allow => Ok(None),
        Grant::Deny => Err(StoreError::invalid(
            "permission",
            "denied",
            format!(
                "the {} role may not {}",
                own.name,
                permission.as_str().replace('_', " ")
            ),
        )),
        Grant::Approval => {
            let Some(a) = approval else {
                return Err(StoreError::invalid(
                    "approval",
                    "approval_required",
                    format!(
                        "{} needs a manager's approval",
                        permission.as_str().replace('_', " ")
                    ),
                ));
            };
            let manager: Option<(String, String, String, bool, Option<i64>)> = uow
                .tx
                .query_row(
                    "SELECT s.id, s.role_code, s.pin_hash, s.active, l.locked_until
                     FROM staff s LEFT JOIN staff_lockout l ON l.staff_id = s.id WHERE s.name = ?1",
                    [a.manager.trim()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let Some((id, role_code, hash, active, locked_until)) = manager else {
                return Err(StoreError::not_found(
                    "approval.manager",
                    "staff member",
                    &a.manager,
                ));
            };
            if !active || locked_until.is_some_and(|t| t > uow.now) {
                return Err(StoreError::invalid(
                    "approval.manager",
                    "unavailable",
                    format!("{} cannot approve now", a.manager),
                ));
            }
            if role(&uow.tx, &role_code)?.grant(permission) != Grant::Allow {
                return Err(StoreError::invalid(
                    "approval.manager",
                    "cannot_approve",
                    format!(
                        "{} is not allowed to {} and so cannot approve it",
                        a.manager,
                        permission.as_str().replace('_', " ")
                    ),
                ));
            }
            if !pin_matches(&hash, &a.pin) {
                return Err(StoreError::invalid(
                    "approval.pin",
                    "wrong_pin",
                    "the manager PIN is not correct",
                ));
            }
            Ok(Some(id))
        }
    }
}

/// Hashes a PIN with argon2id (checked first: digits, length).
pub(crate) fn hash_pin(uow: &Uow, pin: &str) -> StoreResult<String> {
    check_pin(pin)?;
    // The salt comes from the injected id source: random in production, seeded in the demo.
    let salt_bytes = *uuid::Uuid::parse_str(&uow.new_id())
        .unwrap_or_default()
        .as_bytes();
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| StoreError::invalid("pin", "hash_failed", e.to_string()))?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::invalid("pin", "hash_failed", e.to_string()))
}

/// Whether `pin` is the one `hash` was made from.
pub(crate) fn pin_matches(hash: &str, pin: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    })
}
