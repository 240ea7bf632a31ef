//! The sales dashboards (issue 16): daily rollups of orders, lines, returns and payments moved
//! in the same transaction as those facts, and the reads over them (the headline against the
//! previous period, days, the hour × weekday heat map, products, categories, return reasons,
//! tenders, staff and stores, with the NPS of the answers tied to each), plus "frequently
//! bought together" from co-occurrence in orders.
//!
//! The rollups (`migrations/local/0015_dashboards.sql`) are keyed by the store's own day and
//! hour. SQLite has no time zones, so the store registers two SQL functions on its connection,
//! `br_local_day(ms)` (`2026-11-30`) and `br_local_hour(ms)` (0–23), on the zone its settings
//! name ([`register_functions`]). The rollups are rebuilt when that zone changes
//! ([`ensure_zone`]); `check` compares them with a recomputation (`sales_rollup`).
//!
//! Each fact moves its rollup once, when its row is new ([`crate::facts`] calls in here), so a
//! sale made here and the same sale applied from another till count alike and a replayed op
//! counts nothing. A void takes its order's whole contribution back out.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use backroom_api::sales::{
    BoughtTogether, CategorySales, FrequentlyBoughtTogether, GroupNps, GroupSales, HeatCell,
    ProductSales, ReasonSales, SalesDashboard, SalesDay, SalesFilter, SalesKpis,
};
use backroom_domain::feedback::Nps;
use backroom_domain::money::div_round_half_away;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rusqlite::functions::FunctionFlags;
use rusqlite::{params, Connection, OptionalExtension};

use crate::{Store, StoreError, StoreResult};

/// The zone the rollups' days and hours are on, shared with the connection's SQL functions.
pub(crate) type SharedZone = Arc<RwLock<TimeZone>>;

/// The zone's wall clock at `ms`: (day, hour).
fn wall(zone: &SharedZone, ms: i64) -> rusqlite::Result<(String, i64)> {
    let tz = zone
        .read()
        .map(|z| z.clone())
        .unwrap_or_else(|p| p.into_inner().clone());
    let t = Timestamp::from_millisecond(ms)
        .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?
        .to_zoned(tz);
    Ok((t.date().to_string(), i64::from(t.hour())))
}

/// Registers `br_local_day(ms)` and `br_local_hour(ms)` on `conn`, reading `zone`.
pub(crate) fn register_functions(conn: &Connection, zone: &SharedZone) -> StoreResult<()> {
    let z = zone.clone();
    conn.create_scalar_function("br_local_day", 1, FunctionFlags::SQLITE_UTF8, move |ctx| {
        Ok(wall(&z, ctx.get::<i64>(0)?)?.0)
    })?;
    let z = zone.clone();
    conn.create_scalar_function("br_local_hour", 1, FunctionFlags::SQLITE_UTF8, move |ctx| {
        Ok(wall(&z, ctx.get::<i64>(0)?)?.1)
    })?;
    Ok(())
}

/// Sets the functions' zone to `tz` (named `name`) and rebuilds the rollups when they were
/// made on another zone (or never: a store migrated from before them).
pub(crate) fn ensure_zone(
    conn: &mut Connection,
    zone: &SharedZone,
    name: &str,
    tz: &TimeZone,
) -> StoreResult<()> {
    match zone.write() {
        Ok(mut z) => *z = tz.clone(),
        Err(p) => *p.into_inner() = tz.clone(),
    }
    let made_on: Option<String> = conn
        .query_row(
            "SELECT value FROM local_setting WHERE key = 'sales_rollup_zone'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if made_on.as_deref() == Some(name) {
        return Ok(());
    }
    let tx = conn.transaction()?;
    rebuild(&tx)?;
    tx.execute(
        "INSERT OR REPLACE INTO local_setting (key, value) VALUES ('sales_rollup_zone', ?1)",
        [name],
    )?;
    tx.commit()?;
    Ok(())
}

/// The upsert tail adding `excluded`'s figures to a rollup row.
const ADD_HOURLY: &str = "ON CONFLICT (local_day, hour, device_id, staff_id) DO UPDATE SET
    orders = orders + excluded.orders, items = items + excluded.items, gross = gross + excluded.gross,
    discounts = discounts + excluded.discounts, tax = tax + excluded.tax, total = total + excluded.total";
const ADD_VARIANT: &str = "ON CONFLICT (local_day, device_id, variant_id) DO UPDATE SET
    orders = orders + excluded.orders, quantity = quantity + excluded.quantity,
    items = items + excluded.items, total = total + excluded.total, tax = tax + excluded.tax";

/// A line's items: its pieces, or one for a weighed or measured line.
const ITEMS: &str = "CASE WHEN l.sale_unit = 'pcs' THEN l.quantity ELSE 1 END";

/// Adds (`sign` 1) or takes out (−1) an order's head figures, its items from the lines it
/// has now.
pub(crate) fn roll_order(tx: &Connection, order_id: &str, sign: i64) -> StoreResult<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO sales_hourly (local_day, hour, device_id, staff_id, orders, items, gross, discounts, tax, total)
         SELECT br_local_day(o.created_at), br_local_hour(o.created_at), o.device_id, o.staff_id, ?2,
                ?2 * (SELECT COALESCE(SUM({ITEMS}), 0) FROM order_line l WHERE l.order_id = o.id),
                ?2 * o.subtotal, ?2 * o.discount_total, ?2 * o.tax_total, ?2 * o.total
         FROM sale_order o WHERE o.id = ?1 {ADD_HOURLY}"
    ))?
    .execute(params![order_id, sign])?;
    if sign < 0 {
        tx.prepare_cached(&format!(
            "INSERT INTO sales_variant_daily (local_day, device_id, variant_id, orders, quantity, items, total, tax)
             SELECT br_local_day(o.created_at), o.device_id, l.variant_id, -1, -SUM(l.quantity),
                    -SUM({ITEMS}), -SUM(l.total), -SUM(l.tax)
             FROM order_line l JOIN sale_order o ON o.id = l.order_id WHERE o.id = ?1
             GROUP BY l.variant_id {ADD_VARIANT}"
        ))?
        .execute([order_id])?;
    }
    Ok(())
}

/// Adds a new line of a live order: its items to the order's hour, the line to its variant's
/// day (the variant's first line of the order counts the order).
pub(crate) fn roll_line(tx: &Connection, line_id: &str) -> StoreResult<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO sales_hourly (local_day, hour, device_id, staff_id, orders, items, gross, discounts, tax, total)
         SELECT br_local_day(o.created_at), br_local_hour(o.created_at), o.device_id, o.staff_id, 0,
                {ITEMS}, 0, 0, 0, 0
         FROM order_line l JOIN sale_order o ON o.id = l.order_id
         WHERE l.id = ?1 AND o.voided_at IS NULL {ADD_HOURLY}"
    ))?
    .execute([line_id])?;
    tx.prepare_cached(&format!(
        "INSERT INTO sales_variant_daily (local_day, device_id, variant_id, orders, quantity, items, total, tax)
         SELECT br_local_day(o.created_at), o.device_id, l.variant_id,
                NOT EXISTS (SELECT 1 FROM order_line x WHERE x.order_id = l.order_id
                              AND x.variant_id = l.variant_id AND x.id <> l.id),
                l.quantity, {ITEMS}, l.total, l.tax
         FROM order_line l JOIN sale_order o ON o.id = l.order_id
         WHERE l.id = ?1 AND o.voided_at IS NULL {ADD_VARIANT}"
    ))?
    .execute([line_id])?;
    Ok(())
}

/// Adds a new returned line (on the day of its return).
pub(crate) fn roll_return_line(tx: &Connection, line_id: &str) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO returns_daily (local_day, device_id, variant_id, reason_code, quantity, items, refunded, tax)
         SELECT br_local_day(r.created_at), r.device_id, rl.variant_id, rl.reason_code, rl.quantity,
                CASE WHEN COALESCE(ol.sale_unit, v.sale_unit) = 'pcs' THEN rl.quantity ELSE 1 END,
                rl.refund_amount, rl.tax_amount
         FROM return_line rl JOIN sale_return r ON r.id = rl.return_id
         JOIN variant v ON v.id = rl.variant_id LEFT JOIN order_line ol ON ol.id = rl.order_line_id
         WHERE rl.id = ?1
         ON CONFLICT (local_day, device_id, variant_id, reason_code) DO UPDATE SET
           quantity = quantity + excluded.quantity, items = items + excluded.items,
           refunded = refunded + excluded.refunded, tax = tax + excluded.tax",
    )?
    .execute([line_id])?;
    Ok(())
}

/// Adds a new payment (on its own day, under the till of its order or return).
pub(crate) fn roll_payment(tx: &Connection, payment_id: &str) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO tender_daily (local_day, device_id, kind, tender, n, amount)
         SELECT br_local_day(p.at), COALESCE(o.device_id, r.device_id, ''), p.kind, p.tender, 1, p.amount
         FROM payment p LEFT JOIN sale_order o ON o.id = p.order_id
         LEFT JOIN sale_return r ON r.id = p.return_id WHERE p.id = ?1
         ON CONFLICT (local_day, device_id, kind, tender) DO UPDATE SET
           n = n + excluded.n, amount = amount + excluded.amount",
    )?
    .execute([payment_id])?;
    Ok(())
}

/// The rollups recomputed from the facts, one query per table, in the tables' column order.
const FRESH: [(&str, &str); 4] = [
    (
        "sales_hourly",
        "SELECT br_local_day(o.created_at), br_local_hour(o.created_at), o.device_id, o.staff_id,
                COUNT(*), SUM((SELECT COALESCE(SUM(CASE WHEN l.sale_unit = 'pcs' THEN l.quantity ELSE 1 END), 0)
                               FROM order_line l WHERE l.order_id = o.id)),
                SUM(o.subtotal), SUM(o.discount_total), SUM(o.tax_total), SUM(o.total)
         FROM sale_order o WHERE o.voided_at IS NULL GROUP BY 1, 2, 3, 4",
    ),
    (
        "sales_variant_daily",
        "SELECT br_local_day(o.created_at), o.device_id, l.variant_id, COUNT(DISTINCT l.order_id),
                SUM(l.quantity), SUM(CASE WHEN l.sale_unit = 'pcs' THEN l.quantity ELSE 1 END),
                SUM(l.total), SUM(l.tax)
         FROM order_line l JOIN sale_order o ON o.id = l.order_id
         WHERE o.voided_at IS NULL GROUP BY 1, 2, 3",
    ),
    (
        "returns_daily",
        "SELECT br_local_day(r.created_at), r.device_id, rl.variant_id, rl.reason_code, SUM(rl.quantity),
                SUM(CASE WHEN COALESCE(ol.sale_unit, v.sale_unit) = 'pcs' THEN rl.quantity ELSE 1 END),
                SUM(rl.refund_amount), SUM(rl.tax_amount)
         FROM return_line rl JOIN sale_return r ON r.id = rl.return_id
         JOIN variant v ON v.id = rl.variant_id LEFT JOIN order_line ol ON ol.id = rl.order_line_id
         GROUP BY 1, 2, 3, 4",
    ),
    (
        "tender_daily",
        "SELECT br_local_day(p.at), COALESCE(o.device_id, r.device_id, ''), p.kind, p.tender, COUNT(*), SUM(p.amount)
         FROM payment p LEFT JOIN sale_order o ON o.id = p.order_id
         LEFT JOIN sale_return r ON r.id = p.return_id GROUP BY 1, 2, 3, 4",
    ),
];

/// Replaces every sales rollup with its recomputation from the facts.
pub(crate) fn rebuild(tx: &Connection) -> StoreResult<()> {
    for (table, fresh) in FRESH {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
        tx.execute(&format!("INSERT INTO {table} {fresh}"), [])?;
    }
    Ok(())
}

/// The rollup rows that differ from a recomputation (rows whose figures are all 0 are the same
/// as no row), one line per table and key.
pub(crate) fn rollup_mismatches(conn: &Connection) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for (table, fresh) in FRESH {
        let (keys, figures): (&[&str], &[&str]) = match table {
            "sales_hourly" => (
                &["local_day", "hour", "device_id", "staff_id"],
                &["orders", "items", "gross", "discounts", "tax", "total"],
            ),
            "sales_variant_daily" => (
                &["local_day", "device_id", "variant_id"],
                &["orders", "quantity", "items", "total", "tax"],
            ),
            "returns_daily" => (
                &["local_day", "device_id", "variant_id", "reason_code"],
                &["quantity", "items", "refunded", "tax"],
            ),
            _ => (
                &["local_day", "device_id", "kind", "tender"],
                &["n", "amount"],
            ),
        };
        let columns = [keys, figures].concat().join(", ");
        let nonzero = figures
            .iter()
            .map(|f| format!("{f} <> 0"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let label = keys.join(" || ' ' || ");
        let sql = format!(
            "WITH fresh ({columns}) AS ({fresh}),
                  kept AS (SELECT {columns} FROM {table} WHERE {nonzero})
             SELECT DISTINCT {label} FROM (
               SELECT * FROM (SELECT * FROM fresh EXCEPT SELECT * FROM kept)
               UNION ALL SELECT * FROM (SELECT * FROM kept EXCEPT SELECT * FROM fresh))
             LIMIT 20"
        );
        let mut stmt = conn.prepare(&sql)?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            out.push(format!("{table} differs from the facts: {}", row?));
        }
    }
    Ok(out)
}

/// The rollup reads' filter on the rows of alias `a` (`""` or `"d."`): store days `?1..=?2`,
/// and the tills of store `?3` when it is not NULL.
fn scope(a: &str) -> String {
    format!(
        "{a}local_day BETWEEN ?1 AND ?2
         AND (?3 IS NULL OR {a}device_id IN (SELECT device_id FROM device_store WHERE store_code = ?3))"
    )
}

/// `n / d` in thousandths of a percent (`None` when `d` is 0).
fn pct_milli(n: i64, d: i64) -> Option<i64> {
    (d != 0).then(|| div_round_half_away(i128::from(n) * 100_000, i128::from(d)) as i64)
}

/// `n / d` rounded half away from zero (`None` when `d` is 0).
fn ratio(n: i64, d: i64) -> Option<i64> {
    (d != 0).then(|| div_round_half_away(i128::from(n), i128::from(d)) as i64)
}

fn group_nps(n: &Nps) -> GroupNps {
    GroupNps {
        score_milli: n.score_milli(),
        n: n.n(),
    }
}

/// `(promoters, passives, detractors)` rows keyed by their first column, as [`Nps`].
fn nps_by(
    conn: &Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> StoreResult<BTreeMap<String, Nps>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(args, |r| {
        Ok((
            r.get::<_, Option<String>>(0)?.unwrap_or_default(),
            Nps {
                promoters: r.get::<_, i64>(1)? as u64,
                passives: r.get::<_, i64>(2)? as u64,
                detractors: r.get::<_, i64>(3)? as u64,
                skipped: 0,
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The NPS answers in scope with the order each is tied to (by id, or by the receipt number a
/// storefront sent): `(response, order id or NULL, response's staff, bucket)`.
const NPS_ANSWERS: &str = "SELECT r.id AS response_id, r.staff_id AS staff_id, a.nps_bucket AS bucket,
        COALESCE(r.order_id, (SELECT id FROM sale_order WHERE receipt_number = r.order_ref)) AS order_id
    FROM survey_response r JOIN survey_answer a ON a.response_id = r.id
    WHERE a.question_type = 'nps' AND a.skipped = 0 AND a.nps_bucket IS NOT NULL
      AND r.local_day BETWEEN ?1 AND ?2
      AND (?3 IS NULL OR r.device_id IN (SELECT device_id FROM device_store WHERE store_code = ?3))";

const BUCKETS: &str =
    "SUM(bucket = 'promoter'), SUM(bucket = 'passive'), SUM(bucket = 'detractor')";

impl Store {
    /// The last 30 store days up to today where `f` leaves them empty, checked: dates, `from`
    /// ≤ `to`, a known store.
    fn sales_scope(&self, f: &SalesFilter) -> StoreResult<SalesFilter> {
        let to = match f.to.trim() {
            "" => crate::feedback::local_day(&self.conn, self.now())?,
            t => crate::local::parse_day(t, "to")?.to_string(),
        };
        let from = match f.from.trim() {
            "" => crate::local::parse_day(&to, "to")?
                .checked_sub(jiff::Span::new().days(29))
                .map_err(|e| StoreError::invalid("from", "invalid_date", e.to_string()))?
                .to_string(),
            t => crate::local::parse_day(t, "from")?.to_string(),
        };
        if to < from {
            return Err(StoreError::invalid(
                "to",
                "empty_range",
                "the range ends before it starts",
            ));
        }
        Ok(SalesFilter {
            from,
            to,
            store: self.known_store(f.store.as_deref())?,
        })
    }

    /// The headline figures of store days `from..=to` in `store` (None: all).
    fn sales_kpis(&self, from: &str, to: &str, store: Option<&str>) -> StoreResult<SalesKpis> {
        let c = &self.conn;
        let sc = scope("");
        let mut k = SalesKpis::default();
        (k.orders, k.items, k.gross, k.discounts, k.tax, k.total) = c
            .prepare_cached(&format!(
                "SELECT COALESCE(SUM(orders), 0), COALESCE(SUM(items), 0), COALESCE(SUM(gross), 0),
                        COALESCE(SUM(discounts), 0), COALESCE(SUM(tax), 0), COALESCE(SUM(total), 0)
                 FROM sales_hourly WHERE {sc}"
            ))?
            .query_row(params![from, to, store], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?;
        k.net = k.total - k.tax;
        k.aov = ratio(k.total, k.orders);
        k.upt_milli = ratio(k.items * 1000, k.orders);
        (k.returned_items, k.refunded) = c
            .prepare_cached(&format!(
                "SELECT COALESCE(SUM(items), 0), COALESCE(SUM(refunded), 0) FROM returns_daily WHERE {sc}"
            ))?
            .query_row(params![from, to, store], |r| Ok((r.get(0)?, r.get(1)?)))?;
        k.return_rate_milli = pct_milli(k.returned_items, k.items);
        // Margin: per variant with a cost, net revenue − quantity × cost (per sale unit).
        let (costed_net, cost, all_net): (i64, i64, i64) = c
            .prepare_cached(&format!(
                "SELECT COALESCE(SUM(CASE WHEN v.cost_minor IS NOT NULL THEN s.net END), 0),
                        COALESCE(SUM(CASE WHEN v.cost_minor IS NOT NULL
                            THEN s.quantity * v.cost_minor / (CASE WHEN v.sale_unit = 'pcs' THEN 1 ELSE 1000 END) END), 0),
                        COALESCE(SUM(s.net), 0)
                 FROM (SELECT variant_id, SUM(total - tax) AS net, SUM(quantity) AS quantity
                       FROM sales_variant_daily WHERE {sc} GROUP BY variant_id) s
                 JOIN variant v ON v.id = s.variant_id"
            ))?
            .query_row(params![from, to, store], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        let any_cost: bool = c
            .prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM sales_variant_daily s JOIN variant v ON v.id = s.variant_id
                                WHERE v.cost_minor IS NOT NULL AND {sc})"
            ))?
            .query_row(params![from, to, store], |r| r.get(0))?;
        if any_cost {
            k.margin = Some(costed_net - cost);
            k.margin_milli = pct_milli(costed_net - cost, costed_net);
            k.costed_share_milli = pct_milli(costed_net, all_net);
        }
        Ok(k)
    }

    /// The Dashboards screen's sales section: the period's figures against the previous
    /// period of the same length, by day and hour × weekday, the best sellers and the most
    /// returned products with their reasons and NPS, categories, return reasons, tenders, staff
    /// and stores. Reads the rollups (and, for the NPS of products and staff, the answers of
    /// the period tied to orders). Errors: `from`/`to` not dates or the wrong way round; an
    /// unknown `store`.
    pub fn sales_dashboard(&self, f: &SalesFilter) -> StoreResult<SalesDashboard> {
        let f = self.sales_scope(f)?;
        let (from, to, store) = (f.from.as_str(), f.to.as_str(), f.store.as_deref());
        let c = &self.conn;
        let settings = self.settings()?;
        let (pf, pt) = crate::feedback::previous_period(from, to)?;
        let kpis = self.sales_kpis(from, to, store)?;
        let previous = self.sales_kpis(&pf, &pt, store)?;
        let args = params![from, to, store];
        let sc = scope("");

        let by_day = c
            .prepare_cached(&format!(
                "SELECT local_day, SUM(orders), SUM(total) FROM sales_hourly WHERE {sc}
                 GROUP BY local_day ORDER BY local_day"
            ))?
            .query_map(args, |r| {
                Ok(SalesDay {
                    day: r.get(0)?,
                    orders: r.get(1)?,
                    total: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        // strftime's %w counts from Sunday (0); the map counts from Monday.
        let heat = c
            .prepare_cached(&format!(
                "SELECT (CAST(strftime('%w', local_day) AS INTEGER) + 6) % 7, hour, SUM(orders), SUM(total)
                 FROM sales_hourly WHERE {sc} GROUP BY 1, 2 HAVING SUM(orders) <> 0 ORDER BY 1, 2"
            ))?
            .query_map(args, |r| {
                Ok(HeatCell {
                    weekday: r.get::<_, i64>(0)? as u8,
                    hour: r.get::<_, i64>(1)? as u8,
                    orders: r.get(2)?,
                    total: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;

        // Products: sales, returns (with reasons) and the NPS of answers tied to their orders.
        let product_nps = nps_by(
            c,
            &format!(
                "SELECT product_id, {BUCKETS} FROM (
                   SELECT DISTINCT a.response_id, v.product_id, a.bucket
                   FROM ({NPS_ANSWERS}) a JOIN order_line l ON l.order_id = a.order_id
                   JOIN variant v ON v.id = l.variant_id)
                 GROUP BY product_id"
            ),
            args,
        )?;
        let mut returned: BTreeMap<String, (i64, i64, Vec<(String, String, i64)>)> =
            BTreeMap::new();
        {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT v.product_id, d.reason_code, COALESCE(rr.label, d.reason_code), SUM(d.items), SUM(d.refunded)
                 FROM returns_daily d JOIN variant v ON v.id = d.variant_id
                 LEFT JOIN return_reason rr ON rr.code = d.reason_code
                 WHERE {} GROUP BY 1, 2 ORDER BY 4 DESC, 2",
                scope("d.")
            ))?;
            let rows = stmt.query_map(args, |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?;
            for row in rows {
                let (product, code, label, items, refunded) = row?;
                let e = returned.entry(product).or_default();
                e.0 += items;
                e.1 += refunded;
                e.2.push((code, label, items));
            }
        }
        let product_row = |r: &rusqlite::Row| -> rusqlite::Result<ProductSales> {
            let id: String = r.get(0)?;
            let (returned_items, refunded, reasons) =
                returned.get(&id).cloned().unwrap_or_default();
            let net: i64 = r.get::<_, i64>(4)? - r.get::<_, i64>(5)?;
            let cost: Option<i64> = r.get(6)?;
            Ok(ProductSales {
                nps: group_nps(&product_nps.get(&id).copied().unwrap_or_default()),
                product_id: id,
                title: r.get(1)?,
                category: r.get(2)?,
                items: r.get(3)?,
                total: r.get(4)?,
                net,
                margin: cost.map(|c| net - c),
                returned_items,
                refunded,
                return_reasons: reasons,
            })
        };
        // (product, title, category, items, total, tax, cost of the costed part or NULL).
        let products_sql = |order: &str, only: &str| {
            format!(
                "SELECT p.id, p.title, COALESCE(cat.path, ''), COALESCE(SUM(s.items), 0),
                        COALESCE(SUM(s.total), 0), COALESCE(SUM(s.tax), 0),
                        CASE WHEN SUM(v.cost_minor IS NULL) = 0 THEN
                          SUM(s.quantity * v.cost_minor / (CASE WHEN v.sale_unit = 'pcs' THEN 1 ELSE 1000 END)) END
                 FROM product p JOIN variant v ON v.product_id = p.id
                 LEFT JOIN category cat ON cat.id = p.category_id
                 LEFT JOIN (SELECT variant_id, SUM(items) AS items, SUM(total) AS total, SUM(tax) AS tax,
                                   SUM(quantity) AS quantity
                            FROM sales_variant_daily WHERE {sc} GROUP BY variant_id) s ON s.variant_id = v.id
                 WHERE {only}
                 GROUP BY p.id {order} LIMIT 10"
            )
        };
        let top_products = c
            .prepare_cached(&products_sql(
                "HAVING SUM(s.items) > 0 ORDER BY SUM(s.total) - SUM(s.tax) DESC, p.title",
                "s.variant_id IS NOT NULL",
            ))?
            .query_map(args, product_row)?
            .collect::<Result<Vec<_>, _>>()?;
        let mut most: Vec<(&String, &(i64, i64, Vec<(String, String, i64)>))> =
            returned.iter().collect();
        most.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
        let mut most_returned = Vec::new();
        for (id, _) in most.into_iter().take(10) {
            let mut stmt = c.prepare_cached(&products_sql("", "p.id = ?4"))?;
            if let Some(p) = stmt
                .query_row(params![from, to, store, id], product_row)
                .optional()?
            {
                most_returned.push(p);
            }
        }

        let categories = c
            .prepare_cached(&format!(
                "SELECT COALESCE(cat.path, ''), SUM(s.items), SUM(s.total), SUM(s.total - s.tax),
                        COALESCE((SELECT SUM(d.items) FROM returns_daily d JOIN variant v2 ON v2.id = d.variant_id
                                  JOIN product p2 ON p2.id = v2.product_id
                                  WHERE p2.category_id IS cat.id AND d.local_day BETWEEN ?1 AND ?2
                                    AND (?3 IS NULL OR d.device_id IN (SELECT device_id FROM device_store WHERE store_code = ?3))), 0)
                 FROM (SELECT variant_id, SUM(items) AS items, SUM(total) AS total, SUM(tax) AS tax
                       FROM sales_variant_daily WHERE {sc} GROUP BY variant_id) s
                 JOIN variant v ON v.id = s.variant_id JOIN product p ON p.id = v.product_id
                 LEFT JOIN category cat ON cat.id = p.category_id
                 GROUP BY cat.id ORDER BY 4 DESC LIMIT 12"
            ))?
            .query_map(args, |r| {
                Ok(CategorySales {
                    category: r.get(0)?,
                    items: r.get(1)?,
                    total: r.get(2)?,
                    net: r.get(3)?,
                    returned_items: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;

        let return_reasons = c
            .prepare_cached(&format!(
                "SELECT d.reason_code, COALESCE(rr.label, d.reason_code), SUM(d.items), SUM(d.refunded)
                 FROM returns_daily d LEFT JOIN return_reason rr ON rr.code = d.reason_code
                 WHERE {} GROUP BY 1 HAVING SUM(d.items) <> 0 ORDER BY 3 DESC, 1",
                scope("d.")
            ))?
            .query_map(args, |r| {
                let items: i64 = r.get(2)?;
                Ok(ReasonSales {
                    code: r.get(0)?,
                    label: r.get(1)?,
                    items,
                    refunded: r.get(3)?,
                    share_milli: pct_milli(items, kpis.returned_items).unwrap_or(0),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;

        let tenders = |kinds: &str, sign: i64| -> StoreResult<Vec<(String, i64)>> {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT tender, ?4 * SUM(amount) FROM tender_daily WHERE {sc} AND kind IN ({kinds})
                 GROUP BY tender HAVING SUM(amount) <> 0 ORDER BY 2 DESC, 1"
            ))?;
            let rows = stmt.query_map(params![from, to, store, sign], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        let refunds_by_tender = tenders("'refund'", -1)?;
        let sales_by_tender = tenders("'sale', 'change', 'void'", 1)?;

        let staff_nps = nps_by(
            c,
            &format!(
                "SELECT COALESCE((SELECT staff_id FROM sale_order WHERE id = a.order_id), a.staff_id), {BUCKETS}
                 FROM ({NPS_ANSWERS}) a GROUP BY 1"
            ),
            args,
        )?;
        let by_staff = c
            .prepare_cached(&format!(
                "SELECT h.staff_id, COALESCE(s.name, h.staff_id), SUM(orders), SUM(items), SUM(total)
                 FROM sales_hourly h LEFT JOIN staff s ON s.id = h.staff_id
                 WHERE {} GROUP BY h.staff_id HAVING SUM(orders) <> 0 ORDER BY 5 DESC, 2",
                scope("h.")
            ))?
            .query_map(args, |r| {
                let key: String = r.get(0)?;
                let (orders, total) = (r.get::<_, i64>(2)?, r.get::<_, i64>(4)?);
                Ok(GroupSales {
                    nps: group_nps(&staff_nps.get(&key).copied().unwrap_or_default()),
                    key,
                    name: r.get(1)?,
                    orders,
                    items: r.get(3)?,
                    total,
                    aov: ratio(total, orders),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let store_nps = nps_by(
            c,
            &format!(
                "SELECT ds.store_code, SUM(d.promoters), SUM(d.passives), SUM(d.detractors)
                 FROM feedback_daily d JOIN device_store ds ON ds.device_id = d.device_id
                 WHERE d.question_type = 'nps' AND {}
                 GROUP BY 1",
                scope("d.")
            ),
            args,
        )?;
        let by_store = c
            .prepare_cached(&format!(
                "SELECT ds.store_code, SUM(orders), SUM(items), SUM(total)
                 FROM sales_hourly h JOIN device_store ds ON ds.device_id = h.device_id
                 WHERE {} GROUP BY 1 HAVING SUM(orders) <> 0 ORDER BY 4 DESC, 1",
                scope("h.")
            ))?
            .query_map(args, |r| {
                let key: String = r.get(0)?;
                let (orders, total) = (r.get::<_, i64>(1)?, r.get::<_, i64>(3)?);
                Ok(GroupSales {
                    nps: group_nps(&store_nps.get(&key).copied().unwrap_or_default()),
                    name: key.clone(),
                    key,
                    orders,
                    items: r.get(2)?,
                    total,
                    aov: ratio(total, orders),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;

        Ok(SalesDashboard {
            currency: settings.currency.code().to_string(),
            exponent: settings.currency.exponent(),
            filter: f.clone(),
            kpis,
            previous,
            by_day,
            heat,
            top_products,
            most_returned,
            categories,
            return_reasons,
            refunds_by_tender,
            sales_by_tender,
            by_staff,
            by_store,
            stores: self.stores()?,
        })
    }

    /// The products most often bought with `product` (its id, its handle, or a variant's SKU
    /// or barcode) in orders of the last 365 days (voided ones not counted), best first: at
    /// least two orders together and a lift above 1 (more often than chance), ranked by
    /// orders together then lift; at most 5. Errors: `product` not found.
    pub fn frequently_bought_together(
        &self,
        product: &str,
    ) -> StoreResult<FrequentlyBoughtTogether> {
        let key = product.trim();
        let c = &self.conn;
        let (id, title): (String, String) = c
            .prepare_cached(
                "SELECT p.id, p.title FROM product p WHERE p.id = ?1 OR p.handle = ?1
                 UNION ALL SELECT p.id, p.title FROM variant v JOIN product p ON p.id = v.product_id
                   WHERE v.sku = ?1
                 UNION ALL SELECT p.id, p.title FROM barcode b JOIN variant v ON v.id = b.variant_id
                   JOIN product p ON p.id = v.product_id WHERE b.code = ?1
                 LIMIT 1",
            )?
            .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .ok_or_else(|| StoreError::not_found("product", "product", key))?;
        let now = self.now();
        let since_ms = now - 365 * 86_400_000;
        let since = crate::feedback::local_day(c, since_ms)?;
        let orders_with = |product_id: &str| -> StoreResult<i64> {
            Ok(c.prepare_cached(
                "SELECT COUNT(DISTINCT l.order_id) FROM variant v JOIN order_line l ON l.variant_id = v.id
                 JOIN sale_order o ON o.id = l.order_id
                 WHERE v.product_id = ?1 AND o.voided_at IS NULL AND o.created_at >= ?2",
            )?
            .query_row(params![product_id, since_ms], |r| r.get(0))?)
        };
        let all_orders: i64 = c
            .prepare_cached(
                "SELECT COUNT(*) FROM sale_order WHERE voided_at IS NULL AND created_at >= ?1",
            )?
            .query_row([since_ms], |r| r.get(0))?;
        let orders = orders_with(&id)?;
        let candidates: Vec<(String, String, i64)> = c
            .prepare_cached(
                "WITH mine AS (
                   SELECT DISTINCT l.order_id FROM variant v JOIN order_line l ON l.variant_id = v.id
                   JOIN sale_order o ON o.id = l.order_id
                   WHERE v.product_id = ?1 AND o.voided_at IS NULL AND o.created_at >= ?2)
                 SELECT v.product_id, p.title, COUNT(DISTINCT l.order_id)
                 FROM mine m JOIN order_line l ON l.order_id = m.order_id
                 JOIN variant v ON v.id = l.variant_id JOIN product p ON p.id = v.product_id
                 WHERE v.product_id <> ?1 AND p.status = 'active'
                 GROUP BY v.product_id HAVING COUNT(DISTINCT l.order_id) >= 2
                 ORDER BY 3 DESC, 2 LIMIT 20",
            )?
            .query_map(params![id, since_ms], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut items = Vec::new();
        for (pid, ptitle, together) in candidates {
            let theirs = orders_with(&pid)?;
            // lift = P(both) / (P(this) P(that)) = together × all / (orders × theirs).
            let lift_milli =
                ratio(together * all_orders * 1000, orders.saturating_mul(theirs)).unwrap_or(0);
            if lift_milli <= 1000 {
                continue;
            }
            let sku: String = c
                .prepare_cached(
                    "SELECT sku FROM variant WHERE product_id = ?1 AND archived = 0 ORDER BY position LIMIT 1",
                )?
                .query_row([&pid], |r| r.get(0))
                .optional()?
                .unwrap_or_default();
            items.push(BoughtTogether {
                product_id: pid,
                title: ptitle,
                sku,
                together,
                orders: theirs,
                support_milli: pct_milli(together, all_orders).unwrap_or(0),
                confidence_milli: pct_milli(together, orders).unwrap_or(0),
                lift_milli,
            });
        }
        items.sort_by(|a, b| {
            b.together
                .cmp(&a.together)
                .then(b.lift_milli.cmp(&a.lift_milli))
                .then(a.title.cmp(&b.title))
        });
        items.truncate(5);
        Ok(FrequentlyBoughtTogether {
            product_id: id,
            title,
            orders,
            all_orders,
            since,
            items,
        })
    }
}
