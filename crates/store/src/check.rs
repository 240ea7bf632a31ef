//! Health and safety: `check` (storage structure, ledger/level drift, outbox density, one audit
//! entry per op, money invariants), `check_full` (adds SQLite's full integrity check with the
//! search index, and foreign keys), consistent online backups with the SQLite backup API,
//! restore, and a summary.

use std::path::Path;

use backroom_api::{CheckFinding, CheckReport, RestoreReport, StoreSummary};
use rusqlite::{Connection, OpenFlags, OptionalExtension, MAIN_DB};

use crate::{migrate, Store, StoreError, StoreResult};

impl Store {
    /// Verifies the database, fast enough to run any time (about 1 s over 350k movements):
    /// the B-tree structure of every table (SQLite's `quick_check`, table by table, leaving out
    /// the search index), `stock_level == Σ stock_movement` for every variant × location ×
    /// state, dense per-device `device_seq` with the device head in step, exactly one audit
    /// entry per op, every movement tied to an op, and the money invariants (paid = total,
    /// voids net to zero, refunds within what was paid, per order and per payment, gift cards
    /// and store credit within their ledgers, taxable variants that would sell at 0 %).
    pub fn check(&self) -> StoreResult<CheckReport> {
        self.run_check(false)
    }

    /// [`Store::check`] plus SQLite's full `integrity_check` (indexes against their tables, the
    /// search index against the catalogue) and `foreign_key_check`: several seconds on a large
    /// store; `backroom check --full`.
    pub fn check_full(&self) -> StoreResult<CheckReport> {
        self.run_check(true)
    }

    fn run_check(&self, full: bool) -> StoreResult<CheckReport> {
        let c = &self.conn;
        let mut findings = Vec::new();
        let mut push = |kind: &str, detail: String| {
            findings.push(CheckFinding {
                kind: kind.into(),
                detail,
            })
        };

        let integrity: Vec<String> = if full {
            c.prepare("PRAGMA integrity_check")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        } else {
            // Table by table, so the search index (whose own check compares it with the whole
            // catalogue: 1.6 s of 2.0 on 300k variants) is left to the full check.
            let tables: Vec<String> = c
                .prepare(
                    "SELECT name FROM sqlite_schema WHERE type = 'table'
                     AND name NOT LIKE 'catalog_fts%' AND name NOT LIKE 'sqlite_%'",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut lines = Vec::new();
            for t in &tables {
                let mut stmt = c.prepare(&format!("PRAGMA quick_check(\"{t}\")"))?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                for line in rows {
                    let line = line?;
                    if line != "ok" {
                        lines.push(line);
                    }
                }
            }
            if lines.is_empty() {
                vec!["ok".to_string()]
            } else {
                lines
            }
        };
        if integrity != ["ok"] {
            for line in integrity {
                push("integrity", line);
            }
        }
        if full {
            let fk: Vec<(String, i64)> = c
                .prepare("PRAGMA foreign_key_check")?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            for (table, rowid) in fk {
                push(
                    "foreign_key",
                    format!("{table} row {rowid} points at a missing row"),
                );
            }
        }

        // The ledger grouped in key order straight from the covering index
        // `stock_movement_key` (no sort), each group looked up in the levels by their primary
        // key; then the levels that have no movement at all.
        let mut drift = c.prepare(
            "SELECT COALESCE(v.sku, g.variant_id), COALESCE(lo.code, g.location_id), g.state, g.q, COALESCE(l.qty, 0)
             FROM (SELECT variant_id, location_id, state, SUM(delta) AS q FROM stock_movement
                   GROUP BY variant_id, location_id, state) g
             LEFT JOIN stock_level l ON l.variant_id = g.variant_id AND l.location_id = g.location_id AND l.state = g.state
             LEFT JOIN variant v ON v.id = g.variant_id LEFT JOIN location lo ON lo.id = g.location_id
             WHERE g.q <> COALESCE(l.qty, 0)
             UNION ALL
             SELECT COALESCE(v.sku, l.variant_id), COALESCE(lo.code, l.location_id), l.state, 0, l.qty
             FROM stock_level l
             LEFT JOIN variant v ON v.id = l.variant_id LEFT JOIN location lo ON lo.id = l.location_id
             WHERE l.qty <> 0 AND NOT EXISTS (SELECT 1 FROM stock_movement m WHERE m.variant_id = l.variant_id
                                                AND m.location_id = l.location_id AND m.state = l.state)",
        )?;
        let rows = drift.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        for row in rows {
            let (sku, loc, state, ledger, level) = row?;
            push(
                "stock_drift",
                format!("{sku} at {loc} ({state}): ledger says {ledger}, level says {level}"),
            );
        }

        let mut dens = c.prepare(
            "SELECT d.id, d.last_seq, COUNT(o.op_id), COALESCE(MIN(o.device_seq), 0), COALESCE(MAX(o.device_seq), 0)
             FROM device d LEFT JOIN outbox o ON o.device_id = d.id GROUP BY d.id",
        )?;
        let rows = dens.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        for row in rows {
            let (device, head, n, min, max) = row?;
            if n > 0 && (min != 1 || max != n) {
                push(
                    "outbox_gap",
                    format!("device {device}: {n} ops but device_seq runs {min}..{max}"),
                );
            }
            if head != max {
                push(
                    "outbox_head",
                    format!("device {device}: head says {head}, last op is {max}"),
                );
            }
        }
        let orphan_ops: i64 = c.query_row(
            "SELECT COUNT(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.op_id = o.op_id)",
            [],
            |r| r.get(0),
        )?;
        if orphan_ops > 0 {
            push(
                "audit_missing",
                format!("{orphan_ops} outbox ops have no audit entry"),
            );
        }
        let orphan_moves: i64 = c.query_row(
            "SELECT COUNT(*) FROM stock_movement m
             WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.op_id = m.op_id)
               AND NOT EXISTS (SELECT 1 FROM inbox i WHERE i.op_id = m.op_id AND i.status = 'applied')",
            [],
            |r| r.get(0),
        )?;
        if orphan_moves > 0 {
            push(
                "movement_without_op",
                format!("{orphan_moves} stock movements belong to no op (written here or applied)"),
            );
        }

        // Derived columns agree with their facts: a line's returned quantity is the sum of its
        // return lines (a replica recomputes it from the facts it applied, never ships it).
        let drifted_returns: i64 = c.query_row(
            "SELECT COUNT(*) FROM order_line l
             WHERE l.returned_qty <> COALESCE((SELECT SUM(quantity) FROM return_line r
                                               WHERE r.order_line_id = l.id), 0)",
            [],
            |r| r.get(0),
        )?;
        if drifted_returns > 0 {
            push(
                "returned_qty_drift",
                format!("{drifted_returns} order lines' returned quantity differs from their return lines"),
            );
        }

        // What two tills did that one till would have refused: kept, and flagged.
        let mut flagged: Vec<(&str, String)> = Vec::new();
        for (what, sql) in [
            ("over_return",
             "SELECT o.receipt_number || ' ' || l.sku, l.quantity, l.returned_qty FROM order_line l
              JOIN sale_order o ON o.id = l.order_id WHERE l.returned_qty > l.quantity"),
            ("void_and_return",
             "SELECT o.receipt_number, 0, COUNT(r.id) FROM sale_order o JOIN sale_return r ON r.order_id = o.id
              WHERE o.voided_at IS NOT NULL GROUP BY o.id"),
            ("sync_conflict",
             "SELECT key || ' ' || value || ' kept as ' || kept_as, 0, 0 FROM sync_conflict WHERE resolved_at IS NULL"),
        ] {
            let mut stmt = c.prepare(sql)?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
            })?;
            for row in rows {
                let (who, a, b) = row?;
                flagged.push((
                    what,
                    match what {
                        "over_return" => format!("{who}: {a} sold, {b} returned"),
                        "void_and_return" => format!("{who}: voided, and {b} return(s) taken on another till"),
                        _ => who,
                    },
                ));
            }
        }
        // An order's status axes agree with its facts (a replica recomputes them).
        let drifted_orders: i64 = c.query_row(
            "SELECT COUNT(*) FROM sale_order o
             JOIN (SELECT order_id, SUM(quantity) AS sold, SUM(returned_qty) AS back FROM order_line GROUP BY order_id) t
               ON t.order_id = o.id
             WHERE o.payment_status <> CASE WHEN o.voided_at IS NOT NULL THEN 'voided' WHEN t.back = 0 THEN 'paid'
                                            WHEN t.back >= t.sold THEN 'refunded' ELSE 'partially_refunded' END
                OR o.return_status <> CASE WHEN t.back = 0 THEN 'none' WHEN t.back >= t.sold THEN 'returned'
                                           ELSE 'partially_returned' END",
            [],
            |r| r.get(0),
        )?;
        if drifted_orders > 0 {
            push(
                "order_status_drift",
                format!(
                    "{drifted_orders} orders' payment or return status differs from their facts"
                ),
            );
        }
        let live_voided_cards: i64 = c.query_row(
            "SELECT COUNT(*) FROM gift_card g WHERE g.deactivated_at IS NULL
               AND EXISTS (SELECT 1 FROM gift_card_txn t JOIN sale_order o ON o.id = t.order_id
                           WHERE t.gift_card_id = g.id AND t.kind = 'issue' AND o.voided_at IS NOT NULL)",
            [],
            |r| r.get(0),
        )?;
        if live_voided_cards > 0 {
            push(
                "gift_card_void_drift",
                format!("{live_voided_cards} gift cards sold on voided sales are still active"),
            );
        }

        // Money: what was paid for each order equals its total; voided orders net to zero;
        // refunds never exceed what was paid; ledgers that are money never go below zero.
        let mut money = c.prepare(
            "SELECT o.receipt_number, o.total, o.voided_at IS NOT NULL,
                    COALESCE((SELECT SUM(amount) FROM payment p WHERE p.order_id = o.id AND p.kind IN ('sale', 'change')), 0),
                    COALESCE((SELECT SUM(amount) FROM payment p WHERE p.order_id = o.id), 0),
                    COALESCE((SELECT SUM(total) FROM order_line l WHERE l.order_id = o.id), 0),
                    COALESCE((SELECT SUM(refund_total + restocking_fee) FROM sale_return r WHERE r.order_id = o.id), 0),
                    (SELECT COUNT(DISTINCT at) FROM payment p WHERE p.order_id = o.id AND p.kind = 'void')
             FROM sale_order o",
        )?;
        let rows = money.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
            ))
        })?;
        for row in rows {
            let (receipt, total, voided, paid, all, lines, refunded, voids) = row?;
            if paid != total {
                push(
                    "payment_mismatch",
                    format!("{receipt}: paid {paid} but the total is {total}"),
                );
            }
            if lines != total {
                push(
                    "line_mismatch",
                    format!("{receipt}: lines add up to {lines} but the total is {total}"),
                );
            }
            if voids > 1 {
                flagged.push((
                    "voided_twice",
                    format!("{receipt}: voided on {voids} tills; payments net to {all}"),
                ));
            } else if voided && all != 0 {
                push(
                    "void_mismatch",
                    format!("{receipt}: voided but payments net to {all}"),
                );
            }
            if refunded > total {
                flagged.push((
                    "over_refund",
                    format!("{receipt}: {refunded} refunded on a total of {total}"),
                ));
            }
        }
        for (what, sql) in [
            ("gift_card_negative", "SELECT g.code, SUM(t.amount) FROM gift_card g JOIN gift_card_txn t ON t.gift_card_id = g.id GROUP BY g.id HAVING SUM(t.amount) < 0"),
            ("store_credit_negative", "SELECT customer_id, SUM(amount) FROM store_credit_txn GROUP BY customer_id HAVING SUM(amount) < 0"),
        ] {
            let mut stmt = c.prepare(sql)?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (who, balance) = row?;
                flagged.push((what, format!("{who}: balance {balance}")));
            }
        }

        // Refunds go back to individual payments: none gives back more than it paid, and no
        // gift card holds more than was loaded onto it.
        for (what, sql) in [
            ("payment_over_refund",
             "SELECT COALESCE(o.receipt_number, s.order_id) || ' ' || s.tender || CASE WHEN s.reference <> '' THEN ' ' || s.reference ELSE '' END,
                     s.amount, SUM(-r.amount)
              FROM payment s JOIN payment r ON r.refund_of = s.id LEFT JOIN sale_order o ON o.id = s.order_id
              GROUP BY s.id HAVING SUM(-r.amount) > s.amount"),
            ("gift_card_over_loaded",
             "SELECT g.code, SUM(CASE WHEN t.kind IN ('issue', 'load') THEN t.amount ELSE 0 END), SUM(t.amount)
              FROM gift_card g JOIN gift_card_txn t ON t.gift_card_id = g.id
              GROUP BY g.id HAVING SUM(t.amount) > SUM(CASE WHEN t.kind IN ('issue', 'load') THEN t.amount ELSE 0 END)"),
        ] {
            let mut stmt = c.prepare(sql)?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
            })?;
            for row in rows {
                let (who, limit, actual) = row?;
                flagged.push((
                    what,
                    match what {
                        "payment_over_refund" => {
                            format!("{who}: paid {limit} but {actual} was refunded to it")
                        }
                        _ => format!("{who}: {limit} was loaded but it holds {actual}"),
                    },
                ));
            }
        }
        // A taxable variant with no class of its own sells under the default class; in a
        // store that charges tax (it has tax classes) but has no default, it would sell at 0 %.
        // A store without any tax class is a store that charges none.
        let default_rate: Option<i64> = c
            .query_row(
                "SELECT t.rate_milli FROM setting s JOIN tax_class t ON t.code = s.value
                 WHERE s.key = 'default_tax_class'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let charges_tax: bool =
            c.query_row("SELECT EXISTS(SELECT 1 FROM tax_class)", [], |r| r.get(0))?;
        if default_rate.is_none() && charges_tax {
            let untaxed: Vec<String> = c
                .prepare(
                    "SELECT sku FROM variant WHERE archived = 0 AND taxable = 1 AND tax_class_id IS NULL
                     ORDER BY sku",
                )?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            if !untaxed.is_empty() {
                let shown: Vec<&str> = untaxed.iter().take(10).map(String::as_str).collect();
                push(
                    "taxable_without_class",
                    format!(
                        "{} taxable variants have no tax class and the store has no default tax \
                         class, so they would sell at 0 % tax: {}{}; set a default tax class in \
                         Settings or give them a class",
                        untaxed.len(),
                        shown.join(", "),
                        if untaxed.len() > shown.len() {
                            ", …"
                        } else {
                            ""
                        }
                    ),
                );
            }
        }

        // The dashboards' rollups against a recomputation from the answers they count.
        for line in crate::feedback::rollup_mismatches(c)? {
            push("feedback_rollup", line);
        }
        for line in crate::sales::rollup_mismatches(c)? {
            push("sales_rollup", line);
        }

        let count = |sql: &str| -> StoreResult<u64> {
            Ok(c.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
        };
        Ok(CheckReport {
            ok: findings.is_empty(),
            flags: flagged
                .into_iter()
                .map(|(kind, detail)| CheckFinding {
                    kind: kind.into(),
                    detail,
                })
                .collect(),
            movements: count("SELECT COUNT(*) FROM stock_movement")?,
            levels: count("SELECT COUNT(*) FROM stock_level")?,
            outbox_ops: count("SELECT COUNT(*) FROM outbox")?,
            findings,
        })
    }

    /// Writes a consistent copy of the live database to `dest` (SQLite online backup API; the
    /// store stays usable). Refuses to overwrite an existing file.
    pub fn backup(&self, dest: &Path) -> StoreResult<()> {
        if dest.exists() {
            return Err(StoreError::invalid(
                "file",
                "exists",
                format!("{} already exists; choose a new file", dest.display()),
            ));
        }
        self.conn.backup(MAIN_DB, dest, None)?;
        Ok(())
    }

    /// [`Store::restore`], first keeping a set-up store beside its database file `db` as
    /// `<db>.before-restore-<unix seconds>.sqlite` (a restore is never the last copy of
    /// anything). Returns the report and where the previous store was kept (`None` when the
    /// database was still empty).
    pub fn restore_keeping(
        &mut self,
        src: &Path,
        db: &Path,
    ) -> StoreResult<(RestoreReport, Option<std::path::PathBuf>)> {
        let kept = if self.is_initialised() {
            let kept = db.with_extension(format!("before-restore-{}.sqlite", self.now() / 1000));
            self.backup(&kept)?;
            Some(kept)
        } else {
            None
        };
        Ok((self.restore(src)?, kept))
    }

    /// After a restore: this database continues as a new device (docs/replication.md). The
    /// backup's device keeps its ops and `device_seq` numbers; the new one has its own id and
    /// code (receipt numbers never repeat), numbers its ops from 1, carries the HLC on so it
    /// never goes back, and takes over the open shifts of the till it replaces.
    fn continue_as_new_device(&mut self) -> StoreResult<()> {
        let Some(old) = self.device.clone() else {
            return Ok(());
        };
        let id = self.ids.new_id(self.now()).to_string();
        let code = crate::catalog::device_code(&self.conn, &id)?;
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE device SET is_self = 0 WHERE id = ?1", [&old.id])?;
        tx.execute(
            "INSERT INTO device (id, name, code, last_seq, last_hlc, is_self, restored_from)
             SELECT ?1, name, ?2, 0, last_hlc, 1, id FROM device WHERE id = ?3",
            rusqlite::params![id, code, old.id],
        )?;
        tx.execute(
            "UPDATE shift SET device_id = ?1 WHERE device_id = ?2 AND status = 'open'",
            rusqlite::params![id, old.id],
        )?;
        tx.commit()?;
        self.load_context()
    }

    /// Replaces this database (set up or still empty: a new till restores onto a fresh path)
    /// with a backup, after checking it is a healthy Backroom database this build can read;
    /// then runs `check` on the restored store and says what came back.
    pub fn restore(&mut self, src: &Path) -> StoreResult<RestoreReport> {
        if !src.is_file() {
            return Err(StoreError::invalid(
                "file",
                "not_found",
                format!("{} does not exist", src.display()),
            ));
        }
        let bad = |why: String| {
            StoreError::invalid("file", "not_a_backup", format!("{}: {why}", src.display()))
        };
        {
            let probe = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)
                .map_err(|e| bad(format!("cannot be opened ({e})")))?;
            let integrity: String = probe
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .map_err(|e| bad(format!("is not a database ({e})")))?;
            if integrity != "ok" {
                return Err(bad(format!("is damaged ({integrity})")));
            }
            let version: i64 = probe.query_row("PRAGMA user_version", [], |r| r.get(0))?;
            if version > migrate::SCHEMA_VERSION {
                return Err(StoreError::NewerSchema {
                    found: version,
                    supported: migrate::SCHEMA_VERSION,
                });
            }
            let has_device: bool = probe
                .query_row("SELECT EXISTS(SELECT 1 FROM device)", [], |r| r.get(0))
                .map_err(|_| bad("is not a Backroom store".into()))?;
            if !has_device {
                return Err(bad("is an empty Backroom store".into()));
            }
        }
        let taken = std::fs::metadata(src)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as i64);
        self.conn
            .restore(MAIN_DB, src, None::<fn(rusqlite::backup::Progress)>)?;
        migrate::migrate(&mut self.conn)?;
        self.load_context()?;
        self.continue_as_new_device()?;
        let tz = self.settings()?.tz.clone();
        let summary = self.summary()?;
        let (orders, last): (i64, Option<i64>) = self.conn.query_row(
            "SELECT COUNT(*), MAX(created_at) FROM sale_order",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(RestoreReport {
            store_name: summary.store_name,
            currency: summary.currency,
            products: summary.products,
            orders: orders as u64,
            last_sale_local: last.map(|t| crate::local::format_local(t, &tz)),
            backup_taken_local: taken
                .map(|t| crate::local::format_local(t, &tz))
                .unwrap_or_default(),
            check: self.check()?,
        })
    }

    pub fn summary(&self) -> StoreResult<StoreSummary> {
        let s = self.settings()?;
        let c = &self.conn;
        let n = |sql: &str| -> StoreResult<i64> { Ok(c.query_row(sql, [], |r| r.get(0))?) };
        Ok(StoreSummary {
            store_name: s.store_name.clone(),
            currency: s.currency.code().to_string(),
            locations: n("SELECT COUNT(*) FROM location")? as u64,
            products: n("SELECT COUNT(*) FROM product")? as u64,
            variants: n("SELECT COUNT(*) FROM variant WHERE archived = 0")? as u64,
            units_on_hand: n(
                "SELECT COALESCE(SUM(qty), 0) FROM stock_level WHERE state <> 'incoming'",
            )?,
            movements: n("SELECT COUNT(*) FROM stock_movement")? as u64,
            outbox_ops: n("SELECT COUNT(*) FROM outbox")? as u64,
        })
    }
}
