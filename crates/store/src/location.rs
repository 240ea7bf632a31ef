//! Locations (stores and warehouses): finding one by code, the till's default, adding and
//! listing them. Every use-case that names a location resolves it here.

use backroom_sync::catalog::LocationCreatedV1;
use rusqlite::{Connection, OptionalExtension};
use serde_json::json;

use crate::uow::Change;
use crate::{Store, StoreError, StoreResult};
use backroom_api::NewLocation;
use backroom_domain::error::{check_code, required};

/// The id of the location with this code (case and surrounding blanks ignored); `not_found`
/// under the field `location` otherwise.
pub(crate) fn location_id(conn: &Connection, code: &str) -> StoreResult<String> {
    conn.query_row(
        "SELECT id FROM location WHERE code = ?1",
        [code.trim().to_ascii_uppercase()],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| StoreError::not_found("location", "location", code))
}

/// The default location: the first `store` location set up (the first of any kind when there
/// is no store), as `(id, code)`; `None` on an empty database.
pub(crate) fn default_location(conn: &Connection) -> StoreResult<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT id, code FROM location ORDER BY kind <> 'store', rowid LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// The location named by `code`, or the default one when `code` is blank, as `(id, code)`.
pub(crate) fn location_or_default(conn: &Connection, code: &str) -> StoreResult<(String, String)> {
    if code.trim().is_empty() {
        default_location(conn)?
            .ok_or_else(|| StoreError::not_found("location", "location", "(default)"))
    } else {
        let id = location_id(conn, code)?;
        Ok((id, code.trim().to_ascii_uppercase()))
    }
}

impl Store {
    pub fn create_location(&mut self, input: NewLocation) -> StoreResult<String> {
        let code = check_code(&input.code, "code")?;
        let name = required(&input.name, "name")?;
        let kind = match input.kind.trim().to_ascii_lowercase().as_str() {
            "store" | "" => "store",
            "warehouse" => "warehouse",
            other => {
                return Err(StoreError::invalid(
                    "kind",
                    "invalid_kind",
                    format!("'{other}' is not store or warehouse"),
                ))
            }
        };
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageCatalog, None)?;
            let exists: bool = uow.tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM location WHERE code = ?1)",
                [&code],
                |r| r.get(0),
            )?;
            if exists {
                return Err(StoreError::invalid(
                    "code",
                    "duplicate",
                    format!("location '{code}' already exists"),
                ));
            }
            let l = LocationCreatedV1 {
                id: uow.new_id(),
                code: code.clone(),
                name: name.clone(),
                kind: kind.to_string(),
            };
            crate::master::insert_location(&uow.tx, &l, &code)?;
            let id = l.id.clone();
            Ok((
                id.clone(),
                Change::new("location.created", "location", id)
                    .after(json!(l))
                    .facts(1, &l)?,
            ))
        })
    }

    pub fn locations(&self) -> StoreResult<Vec<backroom_api::LocationView>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, code, name, kind FROM location ORDER BY code")?;
        let rows = stmt
            .query_map([], |r| {
                Ok(backroom_api::LocationView {
                    id: r.get(0)?,
                    code: r.get(1)?,
                    name: r.get(2)?,
                    kind: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
