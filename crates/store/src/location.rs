//! Locations (stores and warehouses): finding one by code, the till's default, adding and
//! listing them. Every use-case that names a location resolves it here.

use backroom_sync::catalog::LocationCreatedV1;
use rusqlite::{Connection, OptionalExtension};
use serde_json::json;

use crate::uow::Change;
use crate::{Store, StoreError, StoreResult};
use backroom_api::NewLocation;
use backroom_domain::error::{check_code, required};

/// The prefix of a location code that names another store of the chain: `@SOUTH` is store
/// SOUTH's receiving point, the destination of a transfer to that store.
pub const STORE_PREFIX: char = '@';

/// The id of store `code`'s receiving point: the same on every replica (UUID v5 of the code),
/// so a transfer to another store names one location everywhere.
pub fn store_location_id(code: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_OID,
        format!("backroom:store:{code}").as_bytes(),
    )
    .to_string()
}

/// Store `code`'s receiving point, made here if it is not yet (code `@CODE`, inactive: no
/// till of this store sells or counts there); returns its id.
pub(crate) fn ensure_store_location(conn: &Connection, code: &str) -> StoreResult<String> {
    let id = store_location_id(code);
    stand_in(
        conn,
        &id,
        &format!("{STORE_PREFIX}{code}"),
        &format!("Store {code} (transfers to it)"),
    )?;
    Ok(id)
}

/// An inactive `store` location row, unless its id or code is here already.
fn stand_in(conn: &Connection, id: &str, code: &str, name: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO location (id, code, name, kind, active) VALUES (?1, ?2, ?3, 'store', 0)
         ON CONFLICT DO NOTHING",
    )?
    .execute(rusqlite::params![id, code, name])?;
    Ok(())
}

/// Another store's locations that an op copied from it names (its transfer's source, where its
/// receipt put the goods, its import's location): each one this replica does not have is made
/// as an inactive stand-in, so the op's facts apply (this replica's own locations are never
/// touched, and a stand-in never shows among them).
pub(crate) fn ensure_foreign_locations(
    conn: &Connection,
    body: &serde_json::Value,
    origin: &str,
) -> StoreResult<()> {
    fn ids<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    match (k.ends_with("location_id"), v.as_str()) {
                        (true, Some(id)) => out.push(id),
                        _ => ids(v, out),
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| ids(v, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    ids(body, &mut found);
    found.sort_unstable();
    found.dedup();
    for id in found {
        let short: String = id.chars().filter(|c| *c != '-').take(8).collect();
        stand_in(
            conn,
            id,
            &format!("{origin}~{short}"),
            &format!("A location of store {origin}"),
        )?;
    }
    Ok(())
}

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
            "SELECT id, code FROM location ORDER BY active = 0, kind <> 'store', rowid LIMIT 1",
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
            // Another store's stand-ins (inactive, not `@CODE`) hold a partial picture of that
            // store: never listed. Another store's receiving point (`@CODE`) is: transfers to
            // it show there as incoming.
            .prepare(
                "SELECT id, code, name, kind, store_code FROM location
                 WHERE active = 1 OR code LIKE '@%' ORDER BY store_code, code",
            )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(backroom_api::LocationView {
                    id: r.get(0)?,
                    code: r.get(1)?,
                    name: r.get(2)?,
                    kind: r.get(3)?,
                    store: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
