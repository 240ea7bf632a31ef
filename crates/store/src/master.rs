//! Master-data rows written once: locations, tax classes, price lists, promotions, attributes
//! and staff, for the use-case that makes them here and for [`crate::apply`] when they arrive
//! from another till.
//!
//! Each takes the natural key to write (its code or name). The use-case refuses a taken key
//! before calling; the apply path first asks [`claim`] for a free one, which keeps a clashing
//! arrival under a suffixed key and records the clash in `sync_conflict`
//! (docs/replication.md, "Keys when two stores' data meet"): never a failed apply.

use backroom_sync::catalog::{
    AttributeDefinedV1, LocationCreatedV1, PriceListCreatedV1, PromotionCreatedV1, StaffAddedV1,
    TaxClassCreatedV1,
};
use rusqlite::{params, Connection, OptionalExtension};

use crate::facts::Ctx;
use crate::StoreResult;

/// The key an arriving row may take: `value` when free or already its own, otherwise
/// `value~<first 8 of the row's id>` (then `-2`, `-3`… if that is taken too), with the clash
/// recorded. `table`/`column` name where the key lives (the conflict names it
/// `table.column`: `location.code`, `staff.name`…).
pub(crate) fn claim(
    tx: &Connection,
    ctx: Ctx,
    table: &str,
    column: &str,
    value: &str,
    id: &str,
) -> StoreResult<String> {
    let key = format!("{table}.{column}");
    let holder = |v: &str| -> StoreResult<Option<String>> {
        Ok(tx
            .prepare_cached(&format!("SELECT id FROM {table} WHERE {column} = ?1"))?
            .query_row([v], |r| r.get(0))
            .optional()?)
    };
    let existing = match holder(value)? {
        None => return Ok(value.to_string()),
        Some(h) if h == id => return Ok(value.to_string()),
        Some(h) => h,
    };
    // The suffix comes from the arriving row's own id, so every replica that keeps it aside
    // names it the same way (a device code is only known locally).
    let mut kept_as = format!("{value}~{}", id.chars().take(8).collect::<String>());
    let mut n = 2;
    while holder(&kept_as)?.is_some() {
        kept_as = format!("{value}~{}-{n}", id.chars().take(8).collect::<String>());
        n += 1;
    }
    record_conflict(tx, ctx, &key, value, id, &existing, &kept_as)?;
    Ok(kept_as)
}

/// Records a natural-key clash for a manager to see (`sync_conflict`).
pub(crate) fn record_conflict(
    tx: &Connection,
    ctx: Ctx,
    key: &str,
    value: &str,
    entity_id: &str,
    existing_id: &str,
    kept_as: &str,
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO sync_conflict (id, op_id, key, value, entity_id, existing_id, kept_as, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![
        format!("{}:{key}:{entity_id}", ctx.op_id),
        ctx.op_id,
        key,
        value,
        entity_id,
        existing_id,
        kept_as,
        ctx.at
    ])?;
    Ok(())
}

/// A location under `code`.
pub(crate) fn insert_location(
    tx: &Connection,
    l: &LocationCreatedV1,
    code: &str,
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO location (id, code, name, kind) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![l.id, code, l.name, l.kind])?;
    Ok(())
}

/// A tax class under `code`; the first class of a store becomes its default. Returns whether
/// it did.
pub(crate) fn insert_tax_class(
    tx: &Connection,
    t: &TaxClassCreatedV1,
    code: &str,
) -> StoreResult<bool> {
    tx.prepare_cached(
        "INSERT INTO tax_class (id, code, name, rate_milli) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![t.id, code, t.name, t.rate_milli])?;
    Ok(tx
        .prepare_cached(
            "INSERT INTO setting (key, value) VALUES ('default_tax_class', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE value = ''",
        )?
        .execute([code])?
        > 0)
}

/// A price list under `code`.
pub(crate) fn insert_price_list(
    tx: &Connection,
    p: &PriceListCreatedV1,
    code: &str,
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO price_list (id, code, name, starts_at, ends_at, customer_group,
             location_id, priority)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![
        p.id,
        code,
        p.name,
        p.starts_at,
        p.ends_at,
        p.customer_group,
        p.location_id,
        p.priority
    ])?;
    Ok(())
}

/// A promotion under `code` (none: automatic). The kind is stored as the domain's
/// `PromotionKind` writes it (read back through it, so every replica keeps the same text).
pub(crate) fn insert_promotion(
    tx: &Connection,
    p: &PromotionCreatedV1,
    code: Option<&str>,
) -> StoreResult<()> {
    let kind: backroom_domain::sale::PromotionKind = serde_json::from_value(p.kind.clone())
        .map_err(|e| crate::StoreError::invalid("kind", "invalid", e.to_string()))?;
    let kind = serde_json::to_string(&kind)
        .map_err(|e| crate::StoreError::invalid("kind", "invalid", e.to_string()))?;
    tx.prepare_cached(
        "INSERT INTO promotion (id, name, code, kind, targets, combines, priority,
             min_subtotal, starts_at, ends_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![
        p.id,
        p.name,
        code,
        kind,
        p.targets.to_string(),
        p.combines,
        p.priority,
        p.min_subtotal,
        p.starts_at,
        p.ends_at
    ])?;
    Ok(())
}

/// An attribute definition (its id is derived from its code, so the same code arriving from
/// two tills is one row).
pub(crate) fn insert_attribute(tx: &Connection, a: &AttributeDefinedV1) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO attribute_def (id, code, name, kind, options) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![
        a.id,
        a.code,
        a.name,
        a.kind,
        serde_json::to_string(&a.options).unwrap_or_else(|_| "[]".into())
    ])?;
    Ok(())
}

/// A staff member under `name`, with the locations they work at; `at`: when added (ms).
pub(crate) fn insert_staff(
    tx: &Connection,
    at: i64,
    s: &StaffAddedV1,
    name: &str,
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO staff (id, name, role_code, pin_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![s.id, name, s.role, s.pin_hash, at])?;
    for l in &s.locations {
        tx.prepare_cached(
            "INSERT INTO staff_location (staff_id, location_id) VALUES (?1, ?2) ON CONFLICT (staff_id, location_id) DO NOTHING",
        )?
        .execute(params![s.id, l])?;
    }
    Ok(())
}
