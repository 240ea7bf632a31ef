//! Embedded, numbered, append-only migrations tracked in `PRAGMA user_version`.

use rusqlite::Connection;

use crate::{StoreError, StoreResult};

const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/local/0001_init.sql"),
    include_str!("../../../migrations/local/0002_counter.sql"),
    include_str!("../../../migrations/local/0003_indexes.sql"),
    include_str!("../../../migrations/local/0004_field_cases.sql"),
    include_str!("../../../migrations/local/0005_units.sql"),
    include_str!("../../../migrations/local/0006_device_self.sql"),
    include_str!("../../../migrations/local/0007_inbox.sql"),
    include_str!("../../../migrations/local/0008_field_stamp.sql"),
    include_str!("../../../migrations/local/0009_local_state.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn migrate(conn: &mut Connection) -> StoreResult<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    for (i, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(current).unwrap_or(0))
    {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        tx.execute_batch(sql)?;
        // A migration that edits a table definition in place (writable_schema) bumps the
        // schema cookie afterwards, so every connection re-reads the schema.
        if sql.contains("writable_schema") {
            let cookie: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
            tx.pragma_update(None, "schema_version", cookie + 1)?;
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
