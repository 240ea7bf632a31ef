//! Staff, roles and permissions: PIN sign-in (argon2id, lockout after repeated failures), quick
//! switching, and the permission check every counter use-case makes — allow, deny, or manager
//! approval (a manager's PIN for that one action, recorded as the approver in the audit entry).
//!
//! Headless tools (the CLI without `--staff`, the demo generator, tests) act as `system`, which
//! is not a staff member and is not limited by a role: whoever can open the database file can
//! already change anything in it. The desktop app always signs a staff member in.

use backroom_domain::staff::{
    check_pin, Grant, Permission, Role, PIN_LOCKOUT_MS, PIN_MAX_FAILURES,
};
use backroom_sync::body::{RoleGrantSetV1, StaffPinSetV1, StaffRoleSetV1};
use backroom_sync::catalog::StaffAddedV1;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use crate::auth::{actor_role, authorize, hash_pin, pin_matches, role};
use crate::location::location_id;
use crate::uow::{Change, Uow};
use crate::{Store, StoreError, StoreResult};
use backroom_api::StaffView;

/// Roles as the domain writes them (grants as JSON); a role already here is left as it is.
pub(crate) fn insert_roles(conn: &Connection, roles: &[Role]) -> StoreResult<()> {
    for r in roles {
        conn.execute(
            "INSERT OR IGNORE INTO role (code, name, grants, discount_limit_bp) VALUES (?1, ?2, ?3, ?4)",
            params![r.code, r.name, serde_json::to_string(&r.grants).unwrap_or_default(), r.discount_limit_bp],
        )?;
    }
    Ok(())
}

/// Checks that the acting staff member works at `location_id` (staff with no locations work
/// everywhere; the system actor is not limited).
pub(crate) fn check_location(uow: &Uow, location_id: &str, code: &str) -> StoreResult<()> {
    let scoped: Vec<String> = uow
        .tx
        .prepare_cached("SELECT location_id FROM staff_location WHERE staff_id = ?1")?
        .query_map([uow.actor], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    if scoped.is_empty() || scoped.iter().any(|l| l == location_id) {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "location",
            "not_your_store",
            format!("you are not set up to work at {code}"),
        ))
    }
}

impl Store {
    /// Adds a staff member with a role and a PIN, optionally limited to some locations.
    pub fn add_staff(
        &mut self,
        name: &str,
        role_code: &str,
        pin: &str,
        locations: &[String],
    ) -> StoreResult<String> {
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err(StoreError::invalid("name", "required", "name is required"));
        }
        check_pin(pin)?;
        self.write(|uow| {
            authorize(uow, Permission::ManageStaff, None)?;
            role(&uow.tx, role_code)?;
            crate::catalog::taken(
                &uow.tx,
                "SELECT EXISTS(SELECT 1 FROM staff WHERE name = ?1)",
                &name,
                "name",
                &format!("a staff member called '{name}' exists"),
            )?;
            let mut loc_ids = Vec::new();
            for (i, l) in locations.iter().enumerate() {
                let lid = location_id(&uow.tx, l).map_err(|_| {
                    StoreError::not_found(&format!("locations[{i}]"), "location", l)
                })?;
                if !loc_ids.contains(&lid) {
                    loc_ids.push(lid);
                }
            }
            let added = StaffAddedV1 {
                id: uow.new_id(),
                name: name.clone(),
                role: role_code.to_string(),
                pin_hash: hash_pin(uow, pin)?,
                locations: loc_ids,
            };
            crate::master::insert_staff(&uow.tx, uow.now, &added, &name)?;
            let id = added.id.clone();
            let after =
                json!({"id": id, "name": name, "role": role_code, "locations": added.locations});
            Ok((
                id.clone(),
                Change::new("staff.added", "staff", id)
                    .after(after)
                    .facts(1, &added)?,
            ))
        })
    }

    pub fn set_staff_role(&mut self, name: &str, role_code: &str) -> StoreResult<()> {
        self.write(|uow| {
            authorize(uow, Permission::ManageStaff, None)?;
            role(&uow.tx, role_code)?;
            let (id, before) = staff_by_name(&uow.tx, name)?;
            uow.tx.execute(
                "UPDATE staff SET role_code = ?1 WHERE id = ?2",
                params![role_code, id],
            )?;
            let mut change = Change::new("staff.role_set", "staff", id.clone())
                .before(json!({"role": before}))
                .after(json!({"role": role_code}))
                .facts(
                    1,
                    &StaffRoleSetV1 {
                        id: id.clone(),
                        role: role_code.to_string(),
                    },
                )?;
            change.stamps = vec![("staff", id, "role")];
            Ok(((), change))
        })
    }

    /// Sets a PIN: staff may change their own; changing someone else's needs `manage_staff`.
    pub fn set_staff_pin(&mut self, name: &str, pin: &str) -> StoreResult<()> {
        check_pin(pin)?;
        self.write(|uow| {
            let (id, _) = staff_by_name(&uow.tx, name)?;
            if id != uow.actor {
                authorize(uow, Permission::ManageStaff, None)?;
            }
            let hash = hash_pin(uow, pin)?;
            uow.tx.execute(
                "UPDATE staff SET pin_hash = ?1 WHERE id = ?2",
                params![hash, id],
            )?;
            // A new PIN unlocks the person on this till.
            uow.tx
                .execute("DELETE FROM staff_lockout WHERE staff_id = ?1", [&id])?;
            let mut change = Change::new("staff.pin_set", "staff", id.clone()).facts(
                1,
                &StaffPinSetV1 {
                    id: id.clone(),
                    pin_hash: hash,
                },
            )?;
            change.stamps = vec![("staff", id, "pin_hash")];
            Ok(((), change))
        })
    }

    /// Edits one grant of a role (roles are editable sets of permissions).
    pub fn set_role_grant(
        &mut self,
        role_code: &str,
        permission: Permission,
        grant: Grant,
    ) -> StoreResult<()> {
        self.write(|uow| {
            authorize(uow, Permission::ManageStaff, None)?;
            let mut r = role(&uow.tx, role_code)?;
            let before = r.grant(permission);
            r.grants.insert(permission, grant);
            uow.tx.execute(
                "UPDATE role SET grants = ?1 WHERE code = ?2",
                params![
                    serde_json::to_string(&r.grants).unwrap_or_default(),
                    role_code
                ],
            )?;
            let mut change = Change::new("role.grant_set", "role", role_code)
                .before(json!({permission.as_str(): before}))
                .after(json!({permission.as_str(): grant}))
                .facts(
                    1,
                    &RoleGrantSetV1 {
                        role: role_code.to_string(),
                        permission: permission.as_str().to_string(),
                        grant: grant.as_str().to_string(),
                    },
                )?;
            change.stamps = vec![("role", role_code.to_string(), permission.as_str())];
            Ok(((), change))
        })
    }

    /// Who can approve for the signed-in staff member: active, unlocked staff (not the actor)
    /// whose role allows at least one permission the actor's role needs approval for. The
    /// till lists them to pick from, so nobody types a manager's full name.
    pub fn approvers(&self) -> StoreResult<Vec<StaffView>> {
        let Some(own) = actor_role(&self.conn, &self.actor)? else {
            return Ok(Vec::new());
        };
        let needs: Vec<Permission> = Permission::ALL
            .into_iter()
            .filter(|p| own.grant(*p) == Grant::Approval)
            .collect();
        let mut out = Vec::new();
        for s in self.staff()? {
            if !s.active || s.locked || s.id == self.actor {
                continue;
            }
            let r = role(&self.conn, &s.role)?;
            if needs.iter().any(|p| r.grant(*p) == Grant::Allow) {
                out.push(s);
            }
        }
        Ok(out)
    }

    pub fn staff(&self) -> StoreResult<Vec<StaffView>> {
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.name, s.role_code, s.active, l.locked_until FROM staff s
             LEFT JOIN staff_lockout l ON l.staff_id = s.id ORDER BY s.name COLLATE NOCASE",
        )?;
        let now = self.now();
        let rows: Vec<(String, String, String, bool, Option<i64>)> = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut loc = self.conn.prepare(
            "SELECT l.code FROM staff_location s JOIN location l ON l.id = s.location_id WHERE s.staff_id = ?1 ORDER BY l.code",
        )?;
        rows.into_iter()
            .map(|(id, name, role, active, locked_until)| {
                let locations = loc
                    .query_map([&id], |r| r.get(0))?
                    .collect::<Result<Vec<String>, _>>()?;
                Ok(StaffView {
                    id,
                    name,
                    role,
                    active,
                    locked: locked_until.is_some_and(|t| t > now),
                    locations,
                })
            })
            .collect()
    }

    /// Signs a staff member in with their PIN; following use-cases run as them. After
    /// repeated wrong PINs the member is locked out for a while (the failures are recorded even
    /// though sign-in fails).
    pub fn sign_in(&mut self, name: &str, pin: &str) -> StoreResult<StaffView> {
        let found: Option<(String, String, bool, i64, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT s.id, s.pin_hash, s.active, COALESCE(l.failed_attempts, 0), l.locked_until
                 FROM staff s LEFT JOIN staff_lockout l ON l.staff_id = s.id WHERE s.name = ?1",
                [name.trim()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let Some((id, hash, active, failures, locked_until)) = found else {
            return Err(StoreError::not_found("name", "staff member", name));
        };
        let now = self.now();
        if !active {
            return Err(StoreError::invalid(
                "name",
                "inactive",
                format!("{name} is not active"),
            ));
        }
        if let Some(until) = locked_until.filter(|t| *t > now) {
            return Err(StoreError::invalid(
                "pin",
                "locked",
                format!(
                    "too many wrong PINs; {name} is locked for {} more seconds",
                    (until - now + 999) / 1000
                ),
            ));
        }
        let ok = pin_matches(&hash, pin);
        let previous_actor = std::mem::replace(&mut self.actor, id.clone());
        let outcome = self.write(|uow| {
            if ok {
                uow.tx
                    .execute("DELETE FROM staff_lockout WHERE staff_id = ?1", [&id])?;
                Ok((true, Change::local("staff.signed_in", "staff", id.clone())))
            } else {
                let failures = failures + 1;
                let lock = (failures >= PIN_MAX_FAILURES).then_some(uow.now + PIN_LOCKOUT_MS);
                uow.tx.execute(
                    "INSERT OR REPLACE INTO staff_lockout (staff_id, failed_attempts, locked_until)
                     VALUES (?3, ?1, ?2)",
                    params![if lock.is_some() { 0 } else { failures }, lock, id],
                )?;
                let change = Change::local("staff.sign_in_failed", "staff", id.clone())
                    .after(json!({"failed_attempts": failures, "locked_until": lock}));
                Ok((false, change))
            }
        });
        match outcome {
            Ok(true) => Ok(self
                .staff()?
                .into_iter()
                .find(|s| s.id == id)
                .ok_or_else(|| StoreError::not_found("name", "staff member", name))?),
            Ok(false) => {
                self.actor = previous_actor;
                Err(StoreError::invalid(
                    "pin",
                    "wrong_pin",
                    "the PIN is not correct",
                ))
            }
            Err(e) => {
                self.actor = previous_actor;
                Err(e)
            }
        }
    }

    /// Locks the till: the next use-case needs a sign-in (the actor becomes `locked`, which no
    /// use-case accepts).
    pub fn lock(&mut self) {
        self.actor = "locked".into();
    }
}

fn staff_by_name(conn: &Connection, name: &str) -> StoreResult<(String, String)> {
    conn.query_row(
        "SELECT id, role_code FROM staff WHERE name = ?1",
        [name.trim()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| StoreError::not_found("name", "staff member", name))
}
