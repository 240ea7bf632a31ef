//! The sales dashboards (issue 16): rollups of orders, lines, returns, payments and baskets
//! moved in the same transaction as those facts, and the reads over them (the headline against
//! the previous period, days, the hour × weekday heat map, products, categories, return
//! reasons, tenders, staff and stores; the NPS of the answers tied to products and staff), plus
//! "frequently bought together" from co-occurrence in orders.
//!
//! The rollups (`migrations/local/0015_dashboards.sql`) are keyed by the store's own day and
//! hour. SQLite has no time zones, so the store registers SQL functions on its connection,
//! `br_local_day(ms)` (`2026-11-30`) and `br_local_hour(ms)` (0–23), on the zone its settings
//! name ([`register_functions`]). The rollups are rebuilt when that zone changes
//! ([`ensure_zone`]), and each roll first points the functions at the zone they were built on
//! (`br_use_zone`), so a connection whose settings are stale still rolls like the others.
//! `check` compares them with a recomputation (`sales_rollup`).
//!
//! Each fact moves its rollup once, when its row is new ([`crate::facts`] calls in here), so a
//! sale made here and the same sale applied from another till count alike and a replayed op
//! counts nothing. A void takes its order's whole contribution back out, and deletes the rows
//! that leaves at zero, so a replica that counted and uncounted an order holds exactly the rows
//! a rebuild makes.
//!
//! The NPS answers tied to an order are rolled per product and per staff member
//! (`nps_product_daily`, `nps_product_monthly`, `nps_staff_daily`; migration 0016). What an
//! answer is tied to can change after it is written (the order or its lines arrive later by
//! sync, a partial response names its order later), so every such write takes the answers it
//! touches out of these rollups before it and puts them back after it ([`roll_response_nps`]).
//!
//! Reads sum rows in Rust rather than with `GROUP BY` over text keys (which sorts every row), and
//! a long range reads its whole months from `sales_variant_monthly` and only its edges from
//! `sales_variant_daily`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

use backroom_api::sales::{
    BoughtTogether, CategorySales, FrequentlyBoughtTogether, GroupNps, GroupSales, HeatCell,
    ProductSales, ReasonSales, SalesDashboard, SalesDay, SalesFeedback, SalesFilter, SalesKpis,
};
use backroom_domain::feedback::Nps;
use backroom_domain::money::div_round_half_away;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use rusqlite::functions::FunctionFlags;
use rusqlite::{params, Connection, OptionalExtension};

use crate::{Store, StoreError, StoreResult};

/// The zone the rollups' days and hours are on (its name and the zone), shared with the
/// connection's SQL functions.
pub(crate) type SharedZone = Arc<RwLock<(String, TimeZone)>>;

/// A [`SharedZone`] on the zone named `name` (UTC where the name is unknown).
pub(crate) fn shared_zone(name: &str) -> SharedZone {
    Arc::new(RwLock::new((
        name.to_string(),
        TimeZone::get(name).unwrap_or(TimeZone::UTC),
    )))
}

fn set_zone(zone: &SharedZone, name: &str, tz: TimeZone) {
    match zone.write() {
        Ok(mut z) => *z = (name.to_string(), tz),
        Err(p) => *p.into_inner() = (name.to_string(), tz),
    }
}

/// The zone's wall clock at `ms`: (day, hour). An instant outside the calendar's range (a
/// corrupt op's time) is clamped to it rather than stopping the apply.
fn wall(zone: &SharedZone, ms: i64) -> rusqlite::Result<(String, i64)> {
    let tz = zone
        .read()
        .map(|z| z.1.clone())
        .unwrap_or_else(|p| p.into_inner().1.clone());
    let ms = ms.clamp(
        Timestamp::MIN.as_millisecond() + 86_400_000,
        Timestamp::MAX.as_millisecond() - 86_400_000,
    );
    let t = Timestamp::from_millisecond(ms)
        .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?
        .to_zoned(tz);
    Ok((t.date().to_string(), i64::from(t.hour())))
}

/// Registers `br_local_day(ms)` and `br_local_hour(ms)` on `conn`, reading `zone`, and
/// `br_use_zone(name)`, which points `zone` at the zone named (the one the rollups were made
/// on: another connection to the same file may have rebuilt them on a new zone).
pub(crate) fn register_functions(conn: &Connection, zone: &SharedZone) -> StoreResult<()> {
    let z = zone.clone();
    conn.create_scalar_function("br_use_zone", 1, FunctionFlags::SQLITE_UTF8, move |ctx| {
        let name: String = ctx.get(0)?;
        let same = z.read().map(|c| c.0 == name).unwrap_or(false);
        if !same {
            if let Ok(tz) = TimeZone::get(&name) {
                set_zone(&z, &name, tz);
            }
        }
        Ok(1i64)
    })?;
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
    set_zone(zone, name, tz.clone());
    let made_on: Option<String> = conn
        .query_row(
            "SELECT value FROM local_setting WHERE key = 'sales_rollup_zone'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if made_on.as_deref() == Some(name) {
        // A store migrated from before the NPS rollups builds them alone (they keep the
        // responses' own days: no zone in them).
        if conn
            .query_row(
                "SELECT 1 FROM local_setting WHERE key = 'nps_rollups_stale'",
                [],
                |_| Ok(()),
            )
            .optional()?
            .is_some()
        {
            let tx = conn.transaction()?;
            rebuild_tables(&tx, |table| table.starts_with("nps_"))?;
            tx.commit()?;
        }
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

/// Points the connection's functions at the zone the rollups were made on, before a roll.
fn use_rollup_zone(tx: &Connection) -> StoreResult<()> {
    tx.prepare_cached(
        "SELECT br_use_zone(value) FROM local_setting WHERE key = 'sales_rollup_zone'",
    )?
    .query_row([], |_| Ok(()))
    .optional()?;
    Ok(())
}

/// The upsert tails adding `excluded`'s figures to a rollup row.
const ADD_HOURLY: &str = "ON CONFLICT (local_day, hour, device_id, staff_id) DO UPDATE SET
    orders = orders + excluded.orders, items = items + excluded.items, gross = gross + excluded.gross,
    discounts = discounts + excluded.discounts, tax = tax + excluded.tax, total = total + excluded.total";
const ADD_VARIANT: &str = "ON CONFLICT (local_day, device_id, variant_id) DO UPDATE SET
    orders = orders + excluded.orders, quantity = quantity + excluded.quantity,
    items = items + excluded.items, total = total + excluded.total, tax = tax + excluded.tax";
const ADD_MONTHLY: &str = "ON CONFLICT (month, device_id, variant_id) DO UPDATE SET
    orders = orders + excluded.orders, quantity = quantity + excluded.quantity,
    items = items + excluded.items, total = total + excluded.total, tax = tax + excluded.tax";

/// A line's items: its pieces, or one for a weighed or measured line.
const ITEMS: &str = "CASE WHEN l.sale_unit = 'pcs' THEN l.quantity ELSE 1 END";

/// Adds (`sign` 1) an order's head figures (its items from the lines it has now), or takes
/// (−1) the whole order back out: head, variants, basket, and the rows that leaves at zero.
pub(crate) fn roll_order(tx: &Connection, order_id: &str, sign: i64) -> StoreResult<()> {
    use_rollup_zone(tx)?;
    tx.prepare_cached(&format!(
        "INSERT INTO sales_hourly (local_day, hour, device_id, staff_id, orders, items, gross, discounts, tax, total)
         SELECT br_local_day(o.created_at), br_local_hour(o.created_at), o.device_id, o.staff_id, ?2,
                ?2 * (SELECT COALESCE(SUM({ITEMS}), 0) FROM order_line l WHERE l.order_id = o.id),
                ?2 * o.subtotal, ?2 * o.discount_total, ?2 * o.tax_total, ?2 * o.total
         FROM sale_order o WHERE o.id = ?1 {ADD_HOURLY}"
    ))?
    .execute(params![order_id, sign])?;
    if sign >= 0 {
        return Ok(());
    }
    tx.prepare_cached(&format!(
        "INSERT INTO sales_variant_daily (local_day, device_id, variant_id, orders, quantity, items, total, tax)
         SELECT br_local_day(o.created_at), o.device_id, l.variant_id, -1, -SUM(l.quantity),
                -SUM({ITEMS}), -SUM(l.total), -SUM(l.tax)
         FROM order_line l JOIN sale_order o ON o.id = l.order_id WHERE o.id = ?1
         GROUP BY l.variant_id {ADD_VARIANT}"
    ))?
    .execute([order_id])?;
    tx.prepare_cached(&format!(
        "INSERT INTO sales_variant_monthly (month, device_id, variant_id, orders, quantity, items, total, tax)
         SELECT substr(br_local_day(o.created_at), 1, 7), o.device_id, l.variant_id, -1, -SUM(l.quantity),
                -SUM({ITEMS}), -SUM(l.total), -SUM(l.tax)
         FROM order_line l JOIN sale_order o ON o.id = l.order_id WHERE o.id = ?1
         GROUP BY l.variant_id {ADD_MONTHLY}"
    ))?
    .execute([order_id])?;
    let (day, hour, device, staff): (String, i64, String, String) = tx
        .prepare_cached(
            "SELECT br_local_day(created_at), br_local_hour(created_at), device_id, staff_id
             FROM sale_order WHERE id = ?1",
        )?
        .query_row([order_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    let month = day.get(..7).unwrap_or(&day).to_string();
    tx.prepare_cached(
        "DELETE FROM sales_hourly WHERE local_day = ?1 AND hour = ?2 AND device_id = ?3 AND staff_id = ?4
           AND orders = 0 AND items = 0 AND gross = 0 AND discounts = 0 AND tax = 0 AND total = 0",
    )?
    .execute(params![day, hour, device, staff])?;
    tx.prepare_cached(
        "DELETE FROM sales_variant_daily WHERE local_day = ?1 AND device_id = ?2
           AND variant_id IN (SELECT variant_id FROM order_line WHERE order_id = ?3)
           AND orders = 0 AND quantity = 0 AND items = 0 AND total = 0 AND tax = 0",
    )?
    .execute(params![day, device, order_id])?;
    tx.prepare_cached(
        "DELETE FROM sales_variant_monthly WHERE month = ?1 AND device_id = ?2
           AND variant_id IN (SELECT variant_id FROM order_line WHERE order_id = ?3)
           AND orders = 0 AND quantity = 0 AND items = 0 AND total = 0 AND tax = 0",
    )?
    .execute(params![month, device, order_id])?;
    let basket: Vec<String> = tx
        .prepare_cached(
            "SELECT DISTINCT v.product_id FROM order_line l JOIN variant v ON v.id = l.variant_id
             WHERE l.order_id = ?1",
        )?
        .query_map([order_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for a in &basket {
        for b in &basket {
            add_pair(tx, &month, a, b, -1)?;
        }
    }
    Ok(())
}

/// Adds a new line of a live order: its items to the order's hour, the line to its variant's
/// day and month (the variant's first line of the order counts the order), and its product to
/// the order's basket (counted once per order, paired with each other product in it).
pub(crate) fn roll_line(tx: &Connection, line_id: &str) -> StoreResult<()> {
    use_rollup_zone(tx)?;
    tx.prepare_cached(&format!(
        "INSERT INTO sales_hourly (local_day, hour, device_id, staff_id, orders, items, gross, discounts, tax, total)
         SELECT br_local_day(o.created_at), br_local_hour(o.created_at), o.device_id, o.staff_id, 0,
                {ITEMS}, 0, 0, 0, 0
         FROM order_line l JOIN sale_order o ON o.id = l.order_id
         WHERE l.id = ?1 AND o.voided_at IS NULL {ADD_HOURLY}"
    ))?
    .execute([line_id])?;
    let first_of_variant = "NOT EXISTS (SELECT 1 FROM order_line x WHERE x.order_id = l.order_id
                                         AND x.variant_id = l.variant_id AND x.id <> l.id)";
    tx.prepare_cached(&format!(
        "INSERT INTO sales_variant_daily (local_day, device_id, variant_id, orders, quantity, items, total, tax)
         SELECT br_local_day(o.created_at), o.device_id, l.variant_id, {first_of_variant},
                l.quantity, {ITEMS}, l.total, l.tax
         FROM order_line l JOIN sale_order o ON o.id = l.order_id
         WHERE l.id = ?1 AND o.voided_at IS NULL {ADD_VARIANT}"
    ))?
    .execute([line_id])?;
    tx.prepare_cached(&format!(
        "INSERT INTO sales_variant_monthly (month, device_id, variant_id, orders, quantity, items, total, tax)
         SELECT substr(br_local_day(o.created_at), 1, 7), o.device_id, l.variant_id, {first_of_variant},
                l.quantity, {ITEMS}, l.total, l.tax
         FROM order_line l JOIN sale_order o ON o.id = l.order_id
         WHERE l.id = ?1 AND o.voided_at IS NULL {ADD_MONTHLY}"
    ))?
    .execute([line_id])?;
    let first_of_product: Option<(String, String, String)> = tx
        .prepare_cached(
            "SELECT substr(br_local_day(o.created_at), 1, 7), v.product_id, o.id
             FROM order_line l JOIN sale_order o ON o.id = l.order_id JOIN variant v ON v.id = l.variant_id
             WHERE l.id = ?1 AND o.voided_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM order_line x JOIN variant xv ON xv.id = x.variant_id
                               WHERE x.order_id = l.order_id AND x.id <> l.id AND xv.product_id = v.product_id)",
        )?
        .query_row([line_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    if let Some((month, product, order)) = first_of_product {
        let others: Vec<String> = tx
            .prepare_cached(
                "SELECT DISTINCT v.product_id FROM order_line x JOIN variant v ON v.id = x.variant_id
                 WHERE x.order_id = ?1 AND v.product_id <> ?2",
            )?
            .query_map(params![order, product], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        add_pair(tx, &month, &product, &product, 1)?;
        for q in &others {
            add_pair(tx, &month, &product, q, 1)?;
            add_pair(tx, &month, q, &product, 1)?;
        }
    }
    Ok(())
}

/// Adds `n` to the orders in which product `a` was bought with `b` in `month` (a row left at 0
/// goes).
fn add_pair(tx: &Connection, month: &str, a: &str, b: &str, n: i64) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO basket_pair_monthly (product_id, month, with_id, orders) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (product_id, month, with_id) DO UPDATE SET orders = orders + excluded.orders",
    )?
    .execute(params![a, month, b, n])?;
    if n < 0 {
        tx.prepare_cached(
            "DELETE FROM basket_pair_monthly
             WHERE product_id = ?1 AND month = ?2 AND with_id = ?3 AND orders = 0",
        )?
        .execute(params![a, month, b])?;
    }
    Ok(())
}

/// Adds a new returned line (on the day of its return).
pub(crate) fn roll_return_line(tx: &Connection, line_id: &str) -> StoreResult<()> {
    use_rollup_zone(tx)?;
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
    use_rollup_zone(tx)?;
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

/// The NPS answers tied to an order per product it contained, by `$period` (`local_day`, or
/// `substr(local_day, 1, 7)` for the month) × till × product: each answer once per product,
/// the answer on the response's store day. `$filter` narrows the answers (`AND r.id = ?1`).
macro_rules! nps_by_product {
    ($period:literal, $filter:literal) => {
        concat!(
            "SELECT ", $period, " AS period, device_id, product_id,
                    SUM(bucket = 'promoter') AS promoters, SUM(bucket = 'passive') AS passives,
                    SUM(bucket = 'detractor') AS detractors
             FROM (SELECT DISTINCT r.id, a.question_key, r.local_day, r.device_id,
                          a.nps_bucket AS bucket, v.product_id
                   FROM survey_response r JOIN survey_answer a ON a.response_id = r.id
                   JOIN order_line l ON l.order_id = COALESCE(r.order_id,
                       (SELECT id FROM sale_order WHERE receipt_number = r.order_ref))
                   JOIN variant v ON v.id = l.variant_id
                   WHERE a.question_type = 'nps' AND a.skipped = 0 AND a.nps_bucket IS NOT NULL ",
            $filter,
            ") GROUP BY 1, 2, 3"
        )
    };
}

/// The NPS answers per store day × till × the staff member who sold the order they are tied
/// to (or who took an answer tied to no order that is here; '' for none).
macro_rules! nps_by_staff {
    ($filter:literal) => {
        concat!(
            "SELECT r.local_day AS period, r.device_id,
                    COALESCE((SELECT staff_id FROM sale_order WHERE id = COALESCE(r.order_id,
                        (SELECT id FROM sale_order WHERE receipt_number = r.order_ref))), r.staff_id, '')
                      AS staff_id,
                    SUM(a.nps_bucket = 'promoter') AS promoters, SUM(a.nps_bucket = 'passive') AS passives,
                    SUM(a.nps_bucket = 'detractor') AS detractors
             FROM survey_response r JOIN survey_answer a ON a.response_id = r.id
             WHERE a.question_type = 'nps' AND a.skipped = 0 AND a.nps_bucket IS NOT NULL ",
            $filter,
            " GROUP BY 1, 2, 3"
        )
    };
}

/// The upsert tail adding `excluded`'s buckets to an NPS rollup row.
const ADD_NPS: &str = "DO UPDATE SET promoters = promoters + excluded.promoters,
    passives = passives + excluded.passives, detractors = detractors + excluded.detractors";

/// Moves the NPS answers of response `id` into (`sign` 1) or out of (−1) `nps_product_daily`,
/// `nps_product_monthly` and `nps_staff_daily` as they are tied now (to the order and its
/// lines here now). A change to what they are tied to is an out before it and an in after.
pub(crate) fn roll_response_nps(tx: &Connection, id: &str, sign: i64) -> StoreResult<()> {
    // (table, its key, the column after the till in it, the response's rows).
    let nps_rollups = [
        (
            "nps_product_daily",
            "local_day, device_id, product_id",
            "product_id",
            nps_by_product!("local_day", "AND r.id = ?1"),
        ),
        (
            "nps_product_monthly",
            "month, device_id, product_id",
            "product_id",
            nps_by_product!("substr(local_day, 1, 7)", "AND r.id = ?1"),
        ),
        (
            "nps_staff_daily",
            "local_day, device_id, staff_id",
            "staff_id",
            nps_by_staff!("AND r.id = ?1"),
        ),
    ];
    for (table, key, last, select) in nps_rollups {
        tx.prepare_cached(&format!(
            "INSERT INTO {table} ({key}, promoters, passives, detractors)
             SELECT period, device_id, {last}, ?2 * promoters, ?2 * passives, ?2 * detractors
             FROM ({select}) WHERE true ON CONFLICT ({key}) {ADD_NPS}"
        ))?
        .execute(params![id, sign])?;
        if sign < 0 {
            tx.prepare_cached(&format!(
                "DELETE FROM {table} WHERE ({key}) IN (SELECT period, device_id, {last} FROM ({select}))
                   AND promoters = 0 AND passives = 0 AND detractors = 0"
            ))?
            .execute([id])?;
        }
    }
    Ok(())
}

/// The responses tied to order `order_id`: by its id, or by its receipt number (`receipt`, or
/// the stored order's) when they name no order id.
pub(crate) fn responses_of_order(
    tx: &Connection,
    order_id: &str,
    receipt: Option<&str>,
) -> StoreResult<Vec<String>> {
    let ids = match receipt {
        Some(receipt) => tx
            .prepare_cached(
                "SELECT id FROM survey_response WHERE order_id = ?1
                 UNION SELECT id FROM survey_response WHERE order_id IS NULL AND order_ref = ?2",
            )?
            .query_map(params![order_id, receipt], |r| r.get(0))?
            .collect::<Result<_, _>>()?,
        None => tx
            .prepare_cached(
                "SELECT id FROM survey_response WHERE order_id = ?1
                 UNION SELECT r.id FROM sale_order o JOIN survey_response r
                   ON r.order_ref = o.receipt_number AND r.order_id IS NULL WHERE o.id = ?1",
            )?
            .query_map([order_id], |r| r.get(0))?
            .collect::<Result<_, _>>()?,
    };
    Ok(ids)
}

/// Moves each of `responses`' NPS answers out (`sign` −1, before the order or a line they are
/// tied to is written) or back in (1, after).
pub(crate) fn roll_responses_nps(
    tx: &Connection,
    responses: &[String],
    sign: i64,
) -> StoreResult<()> {
    for r in responses {
        roll_response_nps(tx, r, sign)?;
    }
    Ok(())
}

/// The rollups recomputed from the facts: per table, its key and figure columns and the query,
/// in the table's column order.
type Fresh = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
);
const FRESH: [Fresh; 9] = [
    (
        "nps_product_daily",
        &["local_day", "device_id", "product_id"],
        &["promoters", "passives", "detractors"],
        nps_by_product!("local_day", ""),
    ),
    (
        "nps_product_monthly",
        &["month", "device_id", "product_id"],
        &["promoters", "passives", "detractors"],
        nps_by_product!("substr(local_day, 1, 7)", ""),
    ),
    (
        "nps_staff_daily",
        &["local_day", "device_id", "staff_id"],
        &["promoters", "passives", "detractors"],
        nps_by_staff!(""),
    ),
    (
        "sales_hourly",
        &["local_day", "hour", "device_id", "staff_id"],
        &["orders", "items", "gross", "discounts", "tax", "total"],
        "SELECT br_local_day(o.created_at), br_local_hour(o.created_at), o.device_id, o.staff_id,
                COUNT(*), SUM((SELECT COALESCE(SUM(CASE WHEN l.sale_unit = 'pcs' THEN l.quantity ELSE 1 END), 0)
                               FROM order_line l WHERE l.order_id = o.id)),
                SUM(o.subtotal), SUM(o.discount_total), SUM(o.tax_total), SUM(o.total)
         FROM sale_order o WHERE o.voided_at IS NULL GROUP BY 1, 2, 3, 4",
    ),
    (
        "sales_variant_daily",
        &["local_day", "device_id", "variant_id"],
        &["orders", "quantity", "items", "total", "tax"],
        "SELECT br_local_day(o.created_at), o.device_id, l.variant_id, COUNT(DISTINCT l.order_id),
                SUM(l.quantity), SUM(CASE WHEN l.sale_unit = 'pcs' THEN l.quantity ELSE 1 END),
                SUM(l.total), SUM(l.tax)
         FROM order_line l JOIN sale_order o ON o.id = l.order_id
         WHERE o.voided_at IS NULL GROUP BY 1, 2, 3",
    ),
    (
        "sales_variant_monthly",
        &["month", "device_id", "variant_id"],
        &["orders", "quantity", "items", "total", "tax"],
        "SELECT substr(br_local_day(o.created_at), 1, 7), o.device_id, l.variant_id, COUNT(DISTINCT l.order_id),
                SUM(l.quantity), SUM(CASE WHEN l.sale_unit = 'pcs' THEN l.quantity ELSE 1 END),
                SUM(l.total), SUM(l.tax)
         FROM order_line l JOIN sale_order o ON o.id = l.order_id
         WHERE o.voided_at IS NULL GROUP BY 1, 2, 3",
    ),
    (
        "basket_pair_monthly",
        &["product_id", "month", "with_id"],
        &["orders"],
        "SELECT a.product_id, substr(br_local_day(o.created_at), 1, 7), b.product_id, COUNT(*)
         FROM (SELECT DISTINCT l.order_id, v.product_id FROM order_line l JOIN variant v ON v.id = l.variant_id) a
         JOIN (SELECT DISTINCT l.order_id, v.product_id FROM order_line l JOIN variant v ON v.id = l.variant_id) b
           ON b.order_id = a.order_id
         JOIN sale_order o ON o.id = a.order_id
         WHERE o.voided_at IS NULL GROUP BY 1, 2, 3",
    ),
    (
        "returns_daily",
        &["local_day", "device_id", "variant_id", "reason_code"],
        &["quantity", "items", "refunded", "tax"],
        "SELECT br_local_day(r.created_at), r.device_id, rl.variant_id, rl.reason_code, SUM(rl.quantity),
                SUM(CASE WHEN COALESCE(ol.sale_unit, v.sale_unit) = 'pcs' THEN rl.quantity ELSE 1 END),
                SUM(rl.refund_amount), SUM(rl.tax_amount)
         FROM return_line rl JOIN sale_return r ON r.id = rl.return_id
         JOIN variant v ON v.id = rl.variant_id LEFT JOIN order_line ol ON ol.id = rl.order_line_id
         GROUP BY 1, 2, 3, 4",
    ),
    (
        "tender_daily",
        &["local_day", "device_id", "kind", "tender"],
        &["n", "amount"],
        "SELECT br_local_day(p.at), COALESCE(o.device_id, r.device_id, ''), p.kind, p.tender, COUNT(*), SUM(p.amount)
         FROM payment p LEFT JOIN sale_order o ON o.id = p.order_id
         LEFT JOIN sale_return r ON r.id = p.return_id GROUP BY 1, 2, 3, 4",
    ),
];

/// Replaces every sales rollup with its recomputation from the facts.
pub(crate) fn rebuild(tx: &Connection) -> StoreResult<()> {
    rebuild_tables(tx, |_| true)
}

/// Replaces the rollups whose table `which` names with their recomputation. Every caller
/// rebuilds at least the NPS ones, so they are no longer stale (migration 0016).
fn rebuild_tables(tx: &Connection, which: impl Fn(&str) -> bool) -> StoreResult<()> {
    for (table, _, _, fresh) in FRESH.iter().filter(|f| which(f.0)) {
        tx.execute(&format!("DELETE FROM {table}"), [])?;
        tx.execute(&format!("INSERT INTO {table} {fresh}"), [])?;
    }
    tx.execute(
        "DELETE FROM local_setting WHERE key = 'nps_rollups_stale'",
        [],
    )?;
    Ok(())
}

/// The rollup rows that differ from a recomputation (rows whose figures are all 0 are the same
/// as no row), one line per table and key (at most 20 per table).
pub(crate) fn rollup_mismatches(conn: &Connection) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    for (table, keys, figures, fresh) in FRESH {
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

/// What a variant is now: its product, title and category, its cost per sale unit (minor
/// units) and the unit's scale (1, or 1000 for a measure).
#[derive(Clone)]
struct VariantMeta {
    product_id: String,
    title: String,
    category: String,
    cost: Option<i64>,
    scale: i64,
}

/// The [`VariantMeta`] of each of `ids`, in one read.
fn variant_meta<'a>(
    conn: &Connection,
    ids: impl IntoIterator<Item = &'a String>,
) -> StoreResult<HashMap<String, VariantMeta>> {
    let list = serde_json::to_string(&ids.into_iter().collect::<Vec<_>>())
        .map_err(|e| StoreError::invalid("variant", "encode", e.to_string()))?;
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, p.id, p.title, COALESCE(cat.path, ''), v.cost_minor,
                CASE WHEN v.sale_unit = 'pcs' THEN 1 ELSE 1000 END
         FROM json_each(?1) j JOIN variant v ON v.id = j.value JOIN product p ON p.id = v.product_id
         LEFT JOIN category cat ON cat.id = p.category_id",
    )?;
    let rows = stmt.query_map([list], |r| {
        Ok((
            r.get::<_, String>(0)?,
            VariantMeta {
                product_id: r.get(1)?,
                title: r.get(2)?,
                category: r.get(3)?,
                cost: r.get(4)?,
                scale: r.get(5)?,
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One variant's sales over a scope, with what it is now.
struct VariantSales {
    meta: VariantMeta,
    items: i64,
    total: i64,
    tax: i64,
    quantity: i64,
}

impl VariantSales {
    /// Net revenue (total − tax) less the cost of what sold, when the cost is known.
    fn margin(&self) -> Option<i64> {
        self.meta.cost.map(|c| {
            self.total
                - self.tax
                - div_round_half_away(
                    i128::from(self.quantity) * i128::from(c),
                    i128::from(self.meta.scale),
                ) as i64
        })
    }
}

/// Splits store days `from..=to` into the whole calendar months inside them (`2025-02` ..
/// `2025-11`; `None` when there is none) and the day ranges left at either end.
fn split_months(
    from: &str,
    to: &str,
) -> StoreResult<(Option<(String, String)>, Vec<(String, String)>)> {
    let f = crate::local::parse_day(from, "from")?;
    let t = crate::local::parse_day(to, "to")?;
    let bad = |e: jiff::Error| StoreError::invalid("to", "invalid_date", e.to_string());
    // The first month starting on or after `from`, and the last day of the last month ending
    // on or before `to`.
    let first = if f.day() == 1 {
        f
    } else {
        f.last_of_month().tomorrow().map_err(bad)?
    };
    let last = if t == t.last_of_month() {
        t
    } else {
        t.first_of_month().yesterday().map_err(bad)?
    };
    if first > last {
        return Ok((None, vec![(from.to_string(), to.to_string())]));
    }
    let month = |d: jiff::civil::Date| d.strftime("%Y-%m").to_string();
    let mut edges = Vec::new();
    if f < first {
        edges.push((
            from.to_string(),
            first.yesterday().map_err(bad)?.to_string(),
        ));
    }
    if last < t {
        edges.push((last.tomorrow().map_err(bad)?.to_string(), to.to_string()));
    }
    Ok((Some((month(first), month(last))), edges))
}

/// [`split_months`] as six bounds for a monthly read plus two daily edges: first and last
/// month, then each edge's first and last day (an empty span where there is none, which
/// matches no row).
fn month_spans(from: &str, to: &str) -> StoreResult<[String; 6]> {
    let (months, edges) = split_months(from, to)?;
    let (m1, m2) = months.unwrap_or_else(|| ("9999-99".into(), "0000-00".into()));
    let edge = |i: usize| {
        edges
            .get(i)
            .cloned()
            .unwrap_or_else(|| ("9999-99-99".into(), "0000-00-00".into()))
    };
    let ((a1, a2), (b1, b2)) = (edge(0), edge(1));
    Ok([m1, m2, a1, a2, b1, b2])
}

/// A row's till is in store `?7` (or `?7` is NULL: all stores).
const IN_STORE_7: &str =
    "(?7 IS NULL OR device_id IN (SELECT device_id FROM device_store WHERE store_code = ?7))";

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

    /// Every variant sold in store days `from..=to` in `store`: whole months from the monthly
    /// rollup, the edges from the daily one, summed here.
    fn variant_sales(
        &self,
        from: &str,
        to: &str,
        store: Option<&str>,
    ) -> StoreResult<Vec<VariantSales>> {
        let [m1, m2, a1, a2, b1, b2] = month_spans(from, to)?;
        let mut sums: HashMap<String, [i64; 4]> = HashMap::new();
        {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT variant_id, items, total, tax, quantity FROM sales_variant_monthly
                   WHERE month BETWEEN ?1 AND ?2 AND {IN_STORE_7}
                 UNION ALL
                 SELECT variant_id, items, total, tax, quantity FROM sales_variant_daily
                   WHERE local_day BETWEEN ?3 AND ?4 AND {IN_STORE_7}
                 UNION ALL
                 SELECT variant_id, items, total, tax, quantity FROM sales_variant_daily
                   WHERE local_day BETWEEN ?5 AND ?6 AND {IN_STORE_7}"
            ))?;
            let mut rows = stmt.query(params![m1, m2, a1, a2, b1, b2, store])?;
            while let Some(r) = rows.next()? {
                let id = r.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
                let add = [r.get::<_, i64>(1)?, r.get(2)?, r.get(3)?, r.get(4)?];
                match sums.get_mut(id) {
                    Some(s) => s.iter_mut().zip(add).for_each(|(s, a)| *s += a),
                    None => {
                        sums.insert(id.to_string(), add);
                    }
                }
            }
        }
        sums.retain(|_, [items, total, _, _]| *items != 0 || *total != 0);
        let meta = variant_meta(&self.conn, sums.keys())?;
        Ok(sums
            .into_iter()
            .filter_map(|(id, [items, total, tax, quantity])| {
                Some(VariantSales {
                    meta: meta.get(&id)?.clone(),
                    items,
                    total,
                    tax,
                    quantity,
                })
            })
            .collect())
    }

    /// The headline figures of store days `from..=to` in `store` (None: all); the margin from
    /// `variants` (that scope's [`Store::variant_sales`]) when given.
    fn sales_kpis(
        &self,
        from: &str,
        to: &str,
        store: Option<&str>,
        variants: Option<&[VariantSales]>,
    ) -> StoreResult<SalesKpis> {
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
        if let Some(variants) = variants {
            let all_net: i64 = variants.iter().map(|v| v.total - v.tax).sum();
            let costed: Vec<&VariantSales> =
                variants.iter().filter(|v| v.meta.cost.is_some()).collect();
            if !costed.is_empty() {
                let costed_net: i64 = costed.iter().map(|v| v.total - v.tax).sum();
                let margin: i64 = costed.iter().filter_map(|v| v.margin()).sum();
                k.margin = Some(margin);
                k.margin_milli = pct_milli(margin, costed_net);
                k.costed_share_milli = pct_milli(costed_net, all_net);
            }
        }
        Ok(k)
    }

    /// The Dashboards screen's sales section: the period's figures against the previous
    /// period of the same length (whose margin is not read: `None`), by day and hour ×
    /// weekday, the best sellers and the most returned products with their reasons,
    /// categories, return reasons, tenders, staff and stores (with the NPS of each store's
    /// tills). Reads the rollups only; the NPS tied to each product's and staff member's orders
    /// is [`Store::sales_feedback`], read after. Errors: `from`/`to` not dates or the wrong way
    /// round; an unknown `store`.
    pub fn sales_dashboard(&self, f: &SalesFilter) -> StoreResult<SalesDashboard> {
        let f = self.sales_scope(f)?;
        let (from, to, store) = (f.from.as_str(), f.to.as_str(), f.store.as_deref());
        let c = &self.conn;
        let settings = self.settings()?;
        let (pf, pt) = crate::feedback::previous_period(from, to)?;
        let variants = self.variant_sales(from, to, store)?;
        let kpis = self.sales_kpis(from, to, store, Some(&variants))?;
        let previous = self.sales_kpis(&pf, &pt, store, None)?;
        let args = params![from, to, store];
        let sc = scope("");

        let mut by_day = c
            .prepare_cached(&format!(
                "SELECT local_day, SUM(orders), SUM(total) FROM sales_hourly WHERE {sc}
                 GROUP BY local_day HAVING SUM(orders) <> 0 ORDER BY local_day"
            ))?
            .query_map(args, |r| {
                Ok(SalesDay {
                    day: r.get(0)?,
                    orders: r.get(1)?,
                    total: r.get(2)?,
                    by_store: Vec::new(),
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

        // Returns: per (variant, reason), summed here, then per product, category and reason.
        let mut back: HashMap<(String, String), (i64, i64)> = HashMap::new();
        {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT d.variant_id, d.reason_code, d.items, d.refunded FROM returns_daily d WHERE {}",
                scope("d.")
            ))?;
            let mut rows = stmt.query(args)?;
            while let Some(r) = rows.next()? {
                let e = back.entry((r.get(0)?, r.get(1)?)).or_default();
                e.0 += r.get::<_, i64>(2)?;
                e.1 += r.get::<_, i64>(3)?;
            }
        }
        let labels: BTreeMap<String, String> = c
            .prepare_cached("SELECT code, label FROM return_reason")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let back_meta = variant_meta(c, back.keys().map(|k| &k.0).collect::<HashSet<_>>())?;
        // product → (items, refunded, [(reason, label, items)]), and per category and reason.
        type Back = (i64, i64, Vec<(String, String, i64)>);
        let mut returned: BTreeMap<String, Back> = BTreeMap::new();
        let mut returned_by_category: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_reason: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        let mut per_product_reason: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
        for ((variant, reason), (items, refunded)) in back {
            let Some(m) = back_meta.get(&variant) else {
                continue;
            };
            *returned_by_category.entry(m.category.clone()).or_default() += items;
            let r = by_reason.entry(reason.clone()).or_default();
            r.0 += items;
            r.1 += refunded;
            let e = per_product_reason
                .entry((m.product_id.clone(), reason))
                .or_default();
            e.0 += items;
            e.1 += refunded;
        }
        let label_of = |code: &str| {
            labels
                .get(code)
                .cloned()
                .unwrap_or_else(|| code.to_string())
        };
        for ((product, code), (items, refunded)) in per_product_reason {
            if items == 0 {
                continue;
            }
            let e = returned.entry(product).or_default();
            e.0 += items;
            e.1 += refunded;
            e.2.push((code.clone(), label_of(&code), items));
        }
        for e in returned.values_mut() {
            e.2.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        }
        let mut return_reasons: Vec<ReasonSales> = by_reason
            .into_iter()
            .filter(|(_, (items, _))| *items != 0)
            .map(|(code, (items, refunded))| ReasonSales {
                label: label_of(&code),
                code,
                items,
                refunded,
                share_milli: pct_milli(items, kpis.returned_items).unwrap_or(0),
            })
            .collect();
        return_reasons.sort_by(|a, b| b.items.cmp(&a.items).then(a.code.cmp(&b.code)));

        // Products and categories from the one read of the variants.
        let mut products: BTreeMap<&str, ProductSales> = BTreeMap::new();
        let mut categories: BTreeMap<&str, CategorySales> = BTreeMap::new();
        for v in &variants {
            let m = &v.meta;
            let p = products.entry(&m.product_id).or_insert_with(|| {
                let (returned_items, refunded, reasons) =
                    returned.get(&m.product_id).cloned().unwrap_or_default();
                ProductSales {
                    product_id: m.product_id.clone(),
                    title: m.title.clone(),
                    category: m.category.clone(),
                    items: 0,
                    total: 0,
                    net: 0,
                    margin: Some(0),
                    returned_items,
                    refunded,
                    return_reasons: reasons,
                    nps: GroupNps::default(),
                }
            });
            p.items += v.items;
            p.total += v.total;
            p.net += v.total - v.tax;
            // A product's margin needs the cost of every variant of it that sold.
            p.margin = p.margin.zip(v.margin()).map(|(a, b)| a + b);
            let cat = categories
                .entry(&m.category)
                .or_insert_with(|| CategorySales {
                    category: m.category.clone(),
                    items: 0,
                    total: 0,
                    net: 0,
                    returned_items: returned_by_category.get(&m.category).copied().unwrap_or(0),
                });
            cat.items += v.items;
            cat.total += v.total;
            cat.net += v.total - v.tax;
        }
        let mut top_products: Vec<ProductSales> = products.values().cloned().collect();
        top_products.sort_by(|a, b| b.net.cmp(&a.net).then(a.title.cmp(&b.title)));
        top_products.truncate(10);
        let mut most: Vec<(&String, &Back)> = returned.iter().collect();
        most.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
        let mut most_returned = Vec::new();
        for (id, (items_back, refunded, reasons)) in most.into_iter().take(10) {
            match products.get(id.as_str()) {
                Some(p) => most_returned.push(p.clone()),
                // Returned in the period, not sold in it.
                None => {
                    let (title, category): (String, String) = c
                        .prepare_cached(
                            "SELECT p.title, COALESCE(cat.path, '') FROM product p
                             LEFT JOIN category cat ON cat.id = p.category_id WHERE p.id = ?1",
                        )?
                        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    most_returned.push(ProductSales {
                        product_id: id.clone(),
                        title,
                        category,
                        items: 0,
                        total: 0,
                        net: 0,
                        margin: None,
                        returned_items: *items_back,
                        refunded: *refunded,
                        return_reasons: reasons.clone(),
                        nps: GroupNps::default(),
                    });
                }
            }
        }
        let mut categories: Vec<CategorySales> = categories.into_values().collect();
        categories.sort_by(|a, b| b.net.cmp(&a.net).then(a.category.cmp(&b.category)));
        categories.truncate(12);

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

        let by_staff = c
            .prepare_cached(&format!(
                "SELECT h.staff_id, COALESCE(s.name, h.staff_id), SUM(orders), SUM(items), SUM(total)
                 FROM sales_hourly h LEFT JOIN staff s ON s.id = h.staff_id
                 WHERE {} GROUP BY h.staff_id HAVING SUM(orders) <> 0 ORDER BY 5 DESC, 2",
                scope("h.")
            ))?
            .query_map(args, |r| {
                let (orders, total) = (r.get::<_, i64>(2)?, r.get::<_, i64>(4)?);
                Ok(GroupSales {
                    key: r.get(0)?,
                    name: r.get(1)?,
                    orders,
                    items: r.get(3)?,
                    total,
                    aov: ratio(total, orders),
                    nps: GroupNps::default(),
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

        if store.is_none() && by_store.len() > 1 {
            let mut day_store: HashMap<String, HashMap<String, i64>> = HashMap::new();
            let mut stmt = c.prepare_cached(&format!(
                "SELECT h.local_day, ds.store_code, SUM(h.total)
                 FROM sales_hourly h JOIN device_store ds ON ds.device_id = h.device_id
                 WHERE {} GROUP BY 1, 2",
                scope("h.")
            ))?;
            let mut rows = stmt.query(args)?;
            while let Some(r) = rows.next()? {
                day_store
                    .entry(r.get(0)?)
                    .or_default()
                    .insert(r.get(1)?, r.get(2)?);
            }
            for d in &mut by_day {
                let mine = day_store.remove(&d.day).unwrap_or_default();
                d.by_store = by_store
                    .iter()
                    .map(|g| (g.key.clone(), mine.get(&g.key).copied().unwrap_or(0)))
                    .collect();
            }
        }
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

    /// Feedback next to sales: the NPS of the answers in scope tied to an order (by id, or by
    /// the receipt number a storefront sent), per product the order contained (each
    /// answer once per product) and per staff member who sold it (an answer tied to no order
    /// here counts for the staff member who took it), on the responses' store days. Read from
    /// the NPS rollups (a long range from whole months plus its edges). Errors as
    /// [`Store::sales_dashboard`].
    pub fn sales_feedback(&self, f: &SalesFilter) -> StoreResult<SalesFeedback> {
        let f = self.sales_scope(f)?;
        let c = &self.conn;
        let [m1, m2, a1, a2, b1, b2] = month_spans(&f.from, &f.to)?;
        let by_product = nps_by(
            c,
            &format!(
                "SELECT product_id, SUM(promoters), SUM(passives), SUM(detractors) FROM (
                   SELECT product_id, promoters, passives, detractors FROM nps_product_monthly
                     WHERE month BETWEEN ?1 AND ?2 AND {IN_STORE_7}
                   UNION ALL
                   SELECT product_id, promoters, passives, detractors FROM nps_product_daily
                     WHERE local_day BETWEEN ?3 AND ?4 AND {IN_STORE_7}
                   UNION ALL
                   SELECT product_id, promoters, passives, detractors FROM nps_product_daily
                     WHERE local_day BETWEEN ?5 AND ?6 AND {IN_STORE_7})
                 GROUP BY 1"
            ),
            params![m1, m2, a1, a2, b1, b2, f.store],
        )?;
        let by_staff = nps_by(
            c,
            &format!(
                "SELECT staff_id, SUM(promoters), SUM(passives), SUM(detractors)
                 FROM nps_staff_daily WHERE {} GROUP BY 1",
                scope("")
            ),
            params![f.from, f.to, f.store],
        )?;
        Ok(SalesFeedback {
            filter: f,
            by_product: by_product
                .iter()
                .map(|(k, n)| (k.clone(), group_nps(n)))
                .collect(),
            by_staff: by_staff
                .iter()
                .map(|(k, n)| (k.clone(), group_nps(n)))
                .collect(),
        })
    }

    /// The products most often bought with `product` (its id, its handle, or a variant's SKU
    /// or barcode) in the live orders of this store month and the twelve before, best first:
    /// at least two orders together and a lift above 1 (more often than chance), ranked by
    /// orders together then lift; at most 5. Read from `basket_pair_monthly` and the hourly
    /// rollup's order count. Errors: `product` not found.
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
        let today = crate::local::parse_day(&crate::feedback::local_day(c, self.now())?, "today")?;
        let since_day = today
            .first_of_month()
            .checked_sub(jiff::Span::new().months(12))
            .map_err(|e| StoreError::invalid("product", "invalid_date", e.to_string()))?;
        let since = since_day.to_string();
        let since_month = since_day.strftime("%Y-%m").to_string();
        let with: Vec<(String, i64)> = c
            .prepare_cached(
                "SELECT with_id, SUM(orders) FROM basket_pair_monthly
                 WHERE product_id = ?1 AND month >= ?2 GROUP BY with_id",
            )?
            .query_map(params![id, since_month], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let orders = with.iter().find(|w| w.0 == id).map_or(0, |w| w.1);
        let mut candidates: Vec<(String, i64)> = with
            .into_iter()
            .filter(|(p, n)| *p != id && *n >= 2)
            .collect();
        candidates.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        candidates.truncate(20);
        let all_orders: i64 = c
            .prepare_cached(
                "SELECT COALESCE(SUM(orders), 0) FROM sales_hourly WHERE local_day >= ?1",
            )?
            .query_row([&since], |r| r.get(0))?;
        let mut theirs_of = c.prepare_cached(
            "SELECT COALESCE(SUM(orders), 0) FROM basket_pair_monthly
             WHERE product_id = ?1 AND month >= ?2 AND with_id = ?1",
        )?;
        let mut items = Vec::new();
        for (pid, together) in candidates {
            let theirs: i64 = theirs_of.query_row(params![pid, since_month], |r| r.get(0))?;
            // lift = P(both) / (P(this) P(that)) = together × all / (orders × theirs).
            let lift_milli =
                ratio(together * all_orders * 1000, orders.saturating_mul(theirs)).unwrap_or(0);
            if lift_milli <= 1000 {
                continue;
            }
            let (ptitle, status, sku): (String, String, String) = c
                .prepare_cached(
                    "SELECT p.title, p.status, COALESCE((SELECT sku FROM variant WHERE product_id = p.id
                                                          AND archived = 0 ORDER BY position LIMIT 1), '')
                     FROM product p WHERE p.id = ?1",
                )?
                .query_row([&pid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            if status != "active" {
                continue;
            }
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
