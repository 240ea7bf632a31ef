//! Cycle counts: scan-to-count sessions for a location (optionally one category).
//!
//! When an item is first counted, the available quantity the system shows at that moment is
//! snapshotted beside it. Applying the count writes `count_correction = counted − snapshot` as a
//! delta, so sales and receipts made while the count was running are not erased. Setting a
//! count explicitly re-takes the snapshot at that moment (the person recounted the shelf now).

use backroom_api::{CountLineView, CountView};
use backroom_domain::stock::{count_correction, MovementReason, StockState};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use crate::facts::{self, Ctx};
use crate::location::location_id;
use crate::stock::{apply_movements, level, Movement};
use crate::uow::Change;
use crate::{Store, StoreError, StoreResult};
use backroom_sync::body::COUNT_RECORDED_VERSION;
use backroom_sync::facts::{CountAppliedV1, CountCancelledV1, CountRecordedV2, CountStartedV1};

struct CountHeader {
    id: String,
    location_id: String,
    category_path: Option<String>,
    status: String,
}

fn count_header(conn: &Connection, id: &str) -> StoreResult<CountHeader> {
    conn.query_row(
        "SELECT s.id, s.location_id, c.path, s.status FROM stock_count s LEFT JOIN category c ON c.id = s.category_id
         WHERE s.id = ?1",
        [id.trim()],
        |r| Ok(CountHeader { id: r.get(0)?, location_id: r.get(1)?, category_path: r.get(2)?, status: r.get(3)? }),
    )
    .optional()?
    .ok_or_else(|| StoreError::not_found("count", "count", id))
}

fn require_open(h: &CountHeader) -> StoreResult<()> {
    if h.status != "open" {
        return Err(StoreError::invalid(
            "count",
            "not_open",
            format!("count {} is {}", h.id, h.status),
        ));
    }
    Ok(())
}

/// Whether a variant belongs to the count's category (or any sub-category).
fn in_scope(conn: &Connection, h: &CountHeader, variant: &str) -> StoreResult<bool> {
    let Some(path) = &h.category_path else {
        return Ok(true);
    };
    let p: Option<String> = conn.query_row(
        "SELECT c.path FROM variant v JOIN product p ON p.id = v.product_id LEFT JOIN category c ON c.id = p.category_id
         WHERE v.id = ?1",
        [variant],
        |r| r.get(0),
    )?;
    Ok(p.is_some_and(|p| p == *path || p.starts_with(&format!("{path} > "))))
}

impl Store {
    /// Starts a count at a location, optionally limited to a category path. One open count per
    /// location at a time, so two people never correct the same shelf twice.
    pub fn start_count(&mut self, location: &str, category: Option<&str>) -> StoreResult<String> {
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
            let loc = location_id(&uow.tx, location)?;
            let open: bool = uow.tx.query_row(
                "SELECT EXISTS(SELECT 1 FROM stock_count WHERE location_id = ?1 AND status = 'open')",
                [&loc],
                |r| r.get(0),
            )?;
            if open {
                return Err(StoreError::invalid("location", "count_open", format!("a count is already open at {location}")));
            }
            let category_id: Option<String> = match category.map(str::trim).filter(|c| !c.is_empty()) {
                Some(c) => {
                    let path = backroom_domain::catalog::category_path(c)?.join(" > ");
                    Some(
                        uow.tx
                            .query_row("SELECT id FROM category WHERE path = ?1", [&path], |r| r.get(0))
                            .optional()?
                            .ok_or_else(|| StoreError::not_found("category", "category", c))?,
                    )
                }
                None => None,
            };
            let started = CountStartedV1 { id: uow.new_id(), location_id: loc, category_id };
            facts::insert_count(&uow.tx, Ctx::from(&*uow), &started)?;
            let id = started.id.clone();
            Ok((id.clone(), Change::new("count.started", "count", id).after(json!(started)).facts(1, &started)?))
        })
    }

    /// Records a count of one item (SKU or barcode). `quantity = None` is one scan: +1.
    /// Returns the item's counted quantity so far.
    pub fn record_count(
        &mut self,
        count_id: &str,
        code: &str,
        quantity: Option<i64>,
    ) -> StoreResult<i64> {
        if quantity.is_some_and(|q| q < 0) {
            return Err(StoreError::invalid(
                "quantity",
                "negative",
                "a counted quantity cannot be negative",
            ));
        }
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
            let h = count_header(&uow.tx, count_id)?;
            require_open(&h)?;
            let found = crate::code::require(&uow.tx, code, "sku")?;
            let variant = found.variant_id;
            // One scan adds one piece; for goods sold by weight it adds the label's weight, and
            // without a label the weight must be typed.
            let unit: String = uow.tx.query_row(
                "SELECT sale_unit FROM variant WHERE id = ?1",
                [&variant],
                |r| r.get(0),
            )?;
            let unit = backroom_domain::unit::SaleUnit::parse(&unit, "sku")?;
            let step = match (found.embedded, unit.is_measure()) {
                (Some((backroom_domain::barcode::EmbeddedKind::Weight, grams)), true) => {
                    unit.from_grams(grams).unwrap_or(1)
                }
                (_, true) if quantity.is_none() => {
                    return Err(StoreError::invalid(
                        "quantity",
                        "required",
                        format!(
                            "'{code}' is sold in {}: type the quantity counted (e.g. 1.25)",
                            unit.as_str()
                        ),
                    ));
                }
                _ => 1,
            };
            if !in_scope(&uow.tx, &h, &variant)? {
                return Err(StoreError::invalid(
                    "sku",
                    "out_of_scope",
                    format!(
                        "'{code}' is not in this count's category ({})",
                        h.category_path.as_deref().unwrap_or("")
                    ),
                ));
            }
            let existing: Option<i64> = uow
                .tx
                .query_row(
                    "SELECT counted FROM stock_count_line WHERE count_id = ?1 AND variant_id = ?2",
                    params![h.id, variant],
                    |r| r.get(0),
                )
                .optional()?;
            // A typed quantity sets the line, a scan adds to it (see CountRecordedV2).
            let recorded = CountRecordedV2 {
                count_id: h.id.clone(),
                variant_id: variant.clone(),
                set: quantity,
                add: quantity.is_none().then_some(step),
                snapshot: level(&uow.tx, &variant, &h.location_id, StockState::Available)?,
            };
            let counted = facts::record_count(&uow.tx, Ctx::from(&*uow), &recorded)?;
            let change = Change::new("count.recorded", "count", h.id.clone())
                .before(json!({"variant_id": variant, "counted": existing}))
                .after(json!({"variant_id": variant, "counted": counted}))
                .facts(COUNT_RECORDED_VERSION, &recorded)?;
            Ok((counted, change))
        })
    }

    /// Applies a count: one `count_correction` per counted item (counted − snapshot). With
    /// `zero_uncounted`, items in scope that were not counted but show stock are set to zero.
    pub fn apply_count(&mut self, count_id: &str, zero_uncounted: bool) -> StoreResult<usize> {
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
            let h = count_header(&uow.tx, count_id)?;
            require_open(&h)?;
            let reference = format!("count:{}", h.id);
            let mut movements = Vec::new();
            {
                let mut stmt =
                    uow.tx.prepare("SELECT variant_id, counted, snapshot FROM stock_count_line WHERE count_id = ?1")?;
                let rows = stmt.query_map([&h.id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?;
                for row in rows {
                    let (variant, counted, snapshot) = row?;
                    movements.push(Movement {
                        variant_id: variant,
                        location_id: h.location_id.clone(),
                        state: StockState::Available,
                        delta: count_correction(counted, snapshot),
                        reason: MovementReason::CountCorrection,
                        reference: reference.clone(),
                        note: format!("counted {counted}, system showed {snapshot}"),
                    });
                }
            }
            if zero_uncounted {
                let mut stmt = uow.tx.prepare(
                    "SELECT s.variant_id, s.qty FROM stock_level s
                     WHERE s.location_id = ?1 AND s.state = 'available' AND s.qty <> 0
                       AND NOT EXISTS (SELECT 1 FROM stock_count_line c WHERE c.count_id = ?2 AND c.variant_id = s.variant_id)",
                )?;
                let rows = stmt.query_map(params![h.location_id, h.id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
                for row in rows {
                    let (variant, qty) = row?;
                    if in_scope(&uow.tx, &h, &variant)? {
                        movements.push(Movement {
                            variant_id: variant,
                            location_id: h.location_id.clone(),
                            state: StockState::Available,
                            delta: -qty,
                            reason: MovementReason::CountCorrection,
                            reference: reference.clone(),
                            note: format!("not found in count, system showed {qty}"),
                        });
                    }
                }
            }
            let applied = CountAppliedV1 { count_id: h.id.clone(), zero_uncounted, movements: apply_movements(uow, &movements)? };
            facts::close_count(&uow.tx, Ctx::from(&*uow), &h.id, "applied")?;
            let n = applied.movements.len();
            let change = Change::new("count.applied", "count", h.id.clone())
                .before(json!({"status": "open"}))
                .after(json!({"status": "applied", "corrections": n}))
                .facts(1, &applied)?;
            Ok((n, change))
        })
    }

    pub fn cancel_count(&mut self, count_id: &str) -> StoreResult<()> {
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
            let h = count_header(&uow.tx, count_id)?;
            require_open(&h)?;
            facts::close_count(&uow.tx, Ctx::from(&*uow), &h.id, "cancelled")?;
            let body = CountCancelledV1 {
                count_id: h.id.clone(),
            };
            Ok((
                (),
                Change::new("count.cancelled", "count", h.id.clone())
                    .after(json!({"status": "cancelled"}))
                    .facts(1, &body)?,
            ))
        })
    }

    pub fn count(&self, count_id: &str) -> StoreResult<CountView> {
        let h = count_header(&self.conn, count_id)?;
        let location: String = self.conn.query_row(
            "SELECT code FROM location WHERE id = ?1",
            [&h.location_id],
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare(
            "SELECT v.sku, c.counted, c.snapshot FROM stock_count_line c JOIN variant v ON v.id = c.variant_id
             WHERE c.count_id = ?1 ORDER BY v.sku",
        )?;
        let lines = stmt
            .query_map([&h.id], |r| {
                let (counted, snapshot): (i64, i64) = (r.get(1)?, r.get(2)?);
                Ok(CountLineView {
                    sku: r.get(0)?,
                    counted,
                    snapshot,
                    variance: count_correction(counted, snapshot),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CountView {
            id: h.id,
            location,
            status: h.status,
            lines,
        })
    }
}
