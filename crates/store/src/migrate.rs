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
    include_str!("../../../migrations/local/0010_chain_keys.sql"),
    include_str!("../../../migrations/local/0011_sync_cursor.sql"),
    include_str!("../../../migrations/local/0012_outbox_unpushed.sql"),
    include_str!("../../../migrations/local/0013_device_store.sql"),
    include_str!("../../../migrations/local/0014_feedback.sql"),
    include_str!("../../../migrations/local/0015_dashboards.sql"),
    include_str!("../../../migrations/local/0016_nps_links.sql"),
];

/// The first line of a migration that rebuilds a table other tables reference: foreign keys
/// are switched off around its transaction (they cannot change inside one) and checked before
/// it commits, the procedure SQLite documents for schema changes ALTER TABLE cannot make.
const FOREIGN_KEYS_OFF: &str = "-- foreign_keys: off";

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(crate) fn migrate(conn: &mut Connection) -> StoreResult<()> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Runs the migrations after the database's version up to `target`.
fn migrate_to(conn: &mut Connection, target: i64) -> StoreResult<()> {
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
        .take(usize::try_from(target - current).unwrap_or(0))
    {
        let keys_off = sql.starts_with(FOREIGN_KEYS_OFF);
        if keys_off {
            conn.pragma_update(None, "foreign_keys", "OFF")?;
        }
        let result = run(conn, i, sql, keys_off);
        if keys_off {
            conn.pragma_update(None, "foreign_keys", "ON")?;
        }
        result?;
    }
    Ok(())
}

/// Runs migration number `i` (0-based) in its own transaction.
fn run(conn: &mut Connection, i: usize, sql: &str, keys_off: bool) -> StoreResult<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
    tx.execute_batch(sql)?;
    if keys_off {
        let broken: i64 =
            tx.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })?;
        if broken > 0 {
            return Err(StoreError::invalid(
                "schema",
                "foreign_key_check",
                format!("migration {} would leave {broken} broken references", i + 1),
            ));
        }
    }
    // A migration that edits a table definition in place (writable_schema) bumps the
    // schema cookie afterwards, so every connection re-reads the schema.
    if sql.contains("writable_schema") {
        let cookie: i64 = tx.query_row("PRAGMA schema_version", [], |r| r.get(0))?;
        tx.pragma_update(None, "schema_version", cookie + 1)?;
    }
    tx.pragma_update(None, "user_version", i as i64 + 1)?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store at schema 9 with two tills' sales, a return and a movement per sale, moved to
    /// schema 10: every row is kept, the references still hold, a sale's movements learn their
    /// order, a return learns its till, and a cart id is unique per till only.
    #[test]
    fn chain_keys_keep_every_row() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut conn = Connection::open(dir.path().join("v9.sqlite")).expect("open");
        conn.pragma_update(None, "foreign_keys", "ON")
            .expect("keys on");
        migrate_to(&mut conn, 9).expect("to 9");
        conn.execute_batch(
            "INSERT INTO device (id, name, code, is_self) VALUES ('d1', 'till-1', 'AAAA', 1), ('d2', 'till-2', 'BBBB', 0);
             INSERT INTO location (id, code, name, kind) VALUES ('l1', 'MAIN', 'Main', 'store');
             INSERT INTO product (id, handle, title, status, created_at, updated_at) VALUES ('p1', 'tee', 'Tee', 'active', 0, 0);
             INSERT INTO variant (id, product_id, position, sku, option_values, price_minor, created_at, updated_at)
                 VALUES ('v1', 'p1', 0, 'TEE', '[]', 1000, 0, 0);
             INSERT INTO sale_order (id, cart_id, receipt_number, location_id, device_id, staff_id, currency, tax_mode,
                 subtotal, discount_total, tax_total, total, payment_status, fulfilment_status, fulfilment_method,
                 return_status, created_at)
                 VALUES ('o1', 'c-1', 'MAIN-AAAA-1', 'l1', 'd1', 's', 'EUR', 'inclusive', 1000, 0, 0, 1000, 'paid',
                         'fulfilled', 'take_away', 'none', 1),
                        ('o2', 'c-2', 'MAIN-BBBB-1', 'l1', 'd2', 's', 'EUR', 'inclusive', 1000, 0, 0, 1000, 'paid',
                         'fulfilled', 'take_away', 'none', 2);
             INSERT INTO order_line (id, order_id, position, variant_id, sku, title, quantity, unit_price, price_source,
                 gross, discount_total, net, tax_rate_milli, tax, total)
                 VALUES ('ol1', 'o1', 0, 'v1', 'TEE', 'Tee', 1, 1000, 'base', 1000, 0, 1000, 0, 0, 1000);
             INSERT INTO payment (id, order_id, location_id, kind, tender, amount, at)
                 VALUES ('pay1', 'o1', 'l1', 'sale', 'cash', 1000, 1);
             INSERT INTO stock_movement (id, op_id, at, variant_id, location_id, state, delta, reason, actor, device_id, reference)
                 VALUES ('m1', 'op1', 1, 'v1', 'l1', 'available', -1, 'sale', 's', 'd1', 'MAIN-AAAA-1'),
                        ('m2', 'op2', 2, 'v1', 'l1', 'available', 5, 'receipt', 's', 'd1', 'MAIN-AAAA-1');
             INSERT INTO outbox (op_id, device_id, device_seq, hlc, actor, kind, body, created_at)
                 VALUES ('op3', 'd2', 1, '', 's', 'return.processed', '{}', 3);
             INSERT INTO audit_log (id, op_id, at, actor, device_id, action, entity_type, entity_id, before_json, after_json)
                 VALUES ('a3', 'op3', 3, 's', 'd2', 'return.processed', 'return', 'r1', 'null', 'null');
             INSERT INTO sale_return (id, number, order_id, location_id, staff_id, refund_total, created_at)
                 VALUES ('r1', 'RMAIN-BBBB-1', 'o2', 'l1', 's', 1000, 3),
                        ('r2', 'RMAIN-AAAA-1', 'o1', 'l1', 's', 1000, 4);",
        )
        .expect("a v9 store");
        migrate(&mut conn).expect("to 10");
        let one = |sql: &str| -> String {
            conn.query_row(sql, [], |r| r.get::<_, String>(0))
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
        };
        assert_eq!(
            one("SELECT group_concat(id) FROM (SELECT id FROM sale_order ORDER BY id)"),
            "o1,o2"
        );
        assert_eq!(
            one("SELECT order_id FROM order_line"),
            "o1",
            "lines keep their order"
        );
        assert_eq!(
            one("SELECT order_id FROM stock_movement WHERE id = 'm1'"),
            "o1"
        );
        assert_eq!(
            one("SELECT COALESCE(order_id, 'none') FROM stock_movement WHERE id = 'm2'"),
            "none",
            "a receipt that shares the reference is no sale's"
        );
        assert_eq!(
            one("SELECT device_id FROM sale_return WHERE id = 'r1'"),
            "d2",
            "from its op"
        );
        assert_eq!(
            one("SELECT device_id FROM sale_return WHERE id = 'r2'"),
            "d1",
            "this till's"
        );
        let broken: i64 = conn
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .expect("check");
        assert_eq!(broken, 0);
        let keys_on: i64 = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .expect("pragma");
        assert_eq!(keys_on, 1, "foreign keys are on again");
        // The same cart id on another till is a different sale; on the same till it is refused.
        let insert = "INSERT INTO sale_order (id, cart_id, receipt_number, location_id, device_id, staff_id,
                currency, tax_mode, subtotal, discount_total, tax_total, total, payment_status,
                fulfilment_status, fulfilment_method, return_status, created_at)
             VALUES (?1, 'c-1', ?2, 'l1', ?3, 's', 'EUR', 'inclusive', 0, 0, 0, 0, 'paid', 'fulfilled',
                     'take_away', 'none', 5)";
        conn.execute(insert, ["o3", "MAIN-BBBB-2", "d2"])
            .expect("another till's c-1");
        assert!(conn.execute(insert, ["o4", "MAIN-AAAA-2", "d1"]).is_err());
        assert!(
            conn.execute("DELETE FROM sale_order WHERE id = 'o1'", [])
                .is_err(),
            "its lines still reference it"
        );
    }
}
