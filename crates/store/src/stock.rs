//! The stock ledger and its use-cases: receipts, adjustments with a reason, moves between
//! states, reorder points; levels, alerts and history as reads.
//!
//! Every change goes through [`apply_movements`], which appends ledger rows and updates the
//! `stock_level` projection in the same transaction. Nothing else writes `stock_level`.

use backroom_api::{StockAlertRow, StockLevelRow};
use backroom_domain::stock::{check_qty, stock_alert, MovementReason, StockAlert, StockState};
use backroom_domain::unit::SaleUnit;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::code::variant_id;
use crate::location::location_id;
use crate::uow::{Change, Uow};
use crate::{Store, StoreError, StoreResult};
use backroom_api::{Adjustment, StateMove};

/// One ledger row to append.
#[derive(Debug, Clone)]
pub(crate) struct Movement {
    pub variant_id: String,
    pub location_id: String,
    pub state: StockState,
    pub delta: i64,
    pub reason: MovementReason,
    pub reference: String,
    pub note: String,
}

/// One ledger row as history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovementView {
    pub at: i64,
    pub location: String,
    pub state: String,
    pub delta: i64,
    pub reason: String,
    pub actor: String,
    pub reference: String,
    pub note: String,
}

pub(crate) fn level(
    conn: &Connection,
    variant: &str,
    location: &str,
    state: StockState,
) -> StoreResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT qty FROM stock_level WHERE variant_id = ?1 AND location_id = ?2 AND state = ?3",
        )?
        .query_row(params![variant, location, state.as_str()], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

/// A ledger row as it travels in an op body: the wire crate's type, so what a till writes and
/// what another applies are one definition.
pub(crate) use backroom_sync::body::{MovementFact, ReorderPointSetV1, StockMovementsV1};

/// Moves the level projection by one ledger row's delta: the one place `stock_level` is
/// written, for a movement made here or one applied from another till.
pub(crate) fn project_level(
    conn: &Connection,
    variant: &str,
    location: &str,
    state: StockState,
    delta: i64,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO stock_level (variant_id, location_id, state, qty) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(variant_id, location_id, state) DO UPDATE SET qty = qty + excluded.qty",
    )?
    .execute(params![variant, location, state.as_str(), delta])?;
    Ok(())
}

/// Appends movements to the ledger and updates the level projection. Returns the facts for the
/// op body.
pub(crate) fn apply_movements(uow: &Uow, movements: &[Movement]) -> StoreResult<Vec<MovementFact>> {
    write_movements(uow, &uow.op_id, None, movements)
}

/// [`apply_movements`] for an order's movements (a sale's, its fulfilment's, its void's): they
/// carry the order's id, by which a void finds them.
pub(crate) fn apply_movements_of(
    uow: &Uow,
    order_id: Option<&str>,
    movements: &[Movement],
) -> StoreResult<Vec<MovementFact>> {
    write_movements(uow, &uow.op_id, order_id, movements)
}

/// [`apply_movements`] for the movements of one part of a use-case written as several ops
/// (see [`crate::uow::record_part`]): they belong to the op `op_id`.
pub(crate) fn apply_movements_for(
    uow: &Uow,
    op_id: &str,
    movements: &[Movement],
) -> StoreResult<Vec<MovementFact>> {
    write_movements(uow, op_id, None, movements)
}

fn write_movements(
    uow: &Uow,
    op_id: &str,
    order_id: Option<&str>,
    movements: &[Movement],
) -> StoreResult<Vec<MovementFact>> {
    let ctx = crate::facts::Ctx {
        op_id,
        ..crate::facts::Ctx::from(uow)
    };
    let mut facts = Vec::with_capacity(movements.len());
    for m in movements {
        if m.delta == 0 {
            continue;
        }
        let fact = MovementFact {
            id: uow.new_id(),
            variant_id: m.variant_id.clone(),
            location_id: m.location_id.clone(),
            state: m.state.as_str().to_string(),
            delta: m.delta,
            reason: m.reason.as_str().to_string(),
            reference: m.reference.clone(),
            note: m.note.clone(),
        };
        crate::facts::insert_movement(&uow.tx, ctx, order_id, &fact)?;
        facts.push(fact);
    }
    Ok(facts)
}

impl Store {
    /// Receives `quantity` units into `available` (a delivery without a purchase order).
    pub fn receive_stock(
        &mut self,
        sku: &str,
        location: &str,
        quantity: i64,
        reference: &str,
        note: &str,
    ) -> StoreResult<()> {
        check_qty(quantity, "quantity", true)?;
        self.adjust_stock(Adjustment {
            sku: sku.into(),
            location: location.into(),
            delta: quantity,
            reason: "receipt".into(),
            state: String::new(),
            reference: reference.into(),
            note: note.into(),
            approval: None,
        })
    }

    /// Adjusts one state by `delta` with a reason. Refuses to leave the state negative: a count
    /// or a correction with the right number is the way to fix a wrong level.
    pub fn adjust_stock(&mut self, a: Adjustment) -> StoreResult<()> {
        let delta = check_qty(a.delta, "delta", false)?;
        let reason = MovementReason::parse(&a.reason)?;
        if !reason.is_manual_adjustment() {
            return Err(StoreError::invalid(
                "reason",
                "not_manual",
                format!("'{}' movements are written by their documents; pick receipt, adjustment, correction, shrinkage or damage", reason.as_str()),
            ));
        }
        let state = if a.state.trim().is_empty() {
            StockState::Available
        } else {
            StockState::parse(&a.state)?
        };
        if state == StockState::Incoming {
            return Err(StoreError::invalid(
                "state",
                "not_adjustable",
                "incoming stock changes only through transfers",
            ));
        }
        self.write(|uow| {
            let mut approver =
                crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
            if delta < 0 && matches!(reason, MovementReason::Shrinkage | MovementReason::Damage) {
                approver = crate::auth::authorize(
                    uow,
                    backroom_domain::staff::Permission::StockWriteOff,
                    a.approval.as_ref(),
                )?;
            }
            let variant = variant_id(&uow.tx, &a.sku)?;
            let location = location_id(&uow.tx, &a.location)?;
            let before = level(&uow.tx, &variant, &location, state)?;
            if before + delta < 0 {
                return Err(StoreError::invalid(
                    "delta",
                    "insufficient_stock",
                    format!(
                        "only {before} {} at {}; cannot remove {}",
                        state.as_str(),
                        a.location,
                        -delta
                    ),
                ));
            }
            let facts = apply_movements(
                uow,
                &[Movement {
                    variant_id: variant.clone(),
                    location_id: location.clone(),
                    state,
                    delta,
                    reason,
                    reference: a.reference.trim().to_string(),
                    note: a.note.trim().to_string(),
                }],
            )?;
            let mut change =
                Change::new("stock.adjusted", "stock", format!("{variant}@{location}"))
                    .before(json!({"state": state, "qty": before}))
                    .after(json!({"state": state, "qty": before + delta}))
                    .facts(
                        1,
                        &StockMovementsV1 {
                            source: String::new(),
                            movements: facts,
                        },
                    )?;
            change.approver = approver;
            Ok(((), change))
        })
    }

    /// Moves units from one state to another at a location (available → damaged, …).
    pub fn move_stock(&mut self, m: StateMove) -> StoreResult<()> {
        let qty = check_qty(m.quantity, "quantity", true)?;
        let from = StockState::parse(&m.from).map_err(|e| e.at("from"))?;
        let to = StockState::parse(&m.to).map_err(|e| e.at("to"))?;
        if from == to {
            return Err(StoreError::invalid(
                "to",
                "same_state",
                "from and to are the same state",
            ));
        }
        if from == StockState::Incoming || to == StockState::Incoming {
            return Err(StoreError::invalid(
                "to",
                "not_adjustable",
                "incoming stock changes only through transfers",
            ));
        }
        let reason = if to == StockState::Damaged {
            MovementReason::Damage
        } else {
            MovementReason::StateChange
        };
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
            let variant = variant_id(&uow.tx, &m.sku)?;
            let location = location_id(&uow.tx, &m.location)?;
            let have = level(&uow.tx, &variant, &location, from)?;
            if have < qty {
                return Err(StoreError::invalid(
                    "quantity",
                    "insufficient_stock",
                    format!(
                        "only {have} {} at {}; cannot move {qty}",
                        from.as_str(),
                        m.location
                    ),
                ));
            }
            let base = Movement {
                variant_id: variant.clone(),
                location_id: location.clone(),
                state: from,
                delta: -qty,
                reason,
                reference: String::new(),
                note: m.note.trim().to_string(),
            };
            let facts = apply_movements(
                uow,
                &[
                    base.clone(),
                    Movement {
                        state: to,
                        delta: qty,
                        ..base
                    },
                ],
            )?;
            let change = Change::new("stock.moved", "stock", format!("{variant}@{location}"))
                .before(json!({"from": from, "qty": have}))
                .after(json!({"from": from, "qty": have - qty, "to": to}))
                .facts(
                    1,
                    &StockMovementsV1 {
                        source: String::new(),
                        movements: facts,
                    },
                )?;
            Ok(((), change))
        })
    }

    /// Sets (or with `None`, clears) the reorder point of a variant at a location.
    pub fn set_reorder_point(
        &mut self,
        sku: &str,
        location: &str,
        min_qty: Option<i64>,
    ) -> StoreResult<()> {
        if min_qty.is_some_and(|q| q < 0) {
            return Err(StoreError::invalid(
                "min_qty",
                "negative",
                "a reorder point cannot be negative",
            ));
        }
        self.write(|uow| {
            crate::auth::authorize(uow, backroom_domain::staff::Permission::ManageStock, None)?;
            let variant = variant_id(&uow.tx, sku)?;
            let loc = location_id(&uow.tx, location)?;
            let before: Option<i64> = uow
                .tx
                .query_row(
                    "SELECT min_qty FROM reorder_point WHERE variant_id = ?1 AND location_id = ?2",
                    params![variant, loc],
                    |r| r.get(0),
                )
                .optional()?;
            match min_qty {
                Some(q) => uow.tx.execute(
                    "INSERT OR REPLACE INTO reorder_point (variant_id, location_id, min_qty) VALUES (?1, ?2, ?3)",
                    params![variant, loc, q],
                )?,
                None => uow
                    .tx
                    .execute("DELETE FROM reorder_point WHERE variant_id = ?1 AND location_id = ?2", params![variant, loc])?,
            };
            let mut change = Change::new("stock.reorder_point_set", "stock", format!("{variant}@{loc}"))
                .before(json!({"min_qty": before}))
                .after(json!({"min_qty": min_qty}))
                .facts(1, &ReorderPointSetV1 { variant_id: variant.clone(), location_id: loc.clone(), min_qty })?;
            change.stamps = vec![("reorder_point", format!("{variant}@{loc}"), "min_qty")];
            Ok(((), change))
        })
    }

    /// The unit a quantity typed with `code` (SKU or barcode) is in; `sku` not found when it
    /// names no variant.
    pub fn sale_unit_of(&self, code: &str) -> StoreResult<SaleUnit> {
        let found = crate::code::require(&self.conn, code, "sku")?;
        let unit: String = self
            .conn
            .prepare_cached("SELECT sale_unit FROM variant WHERE id = ?1")?
            .query_row([&found.variant_id], |r| r.get(0))?;
        let unit = SaleUnit::parse(&unit, "sale_unit")?;
        // A scale's weight label carries its own weight: what is typed with it counts labels.
        Ok(match found.embedded {
            Some((backroom_domain::barcode::EmbeddedKind::Weight, _)) if unit.is_measure() => {
                SaleUnit::Piece
            }
            _ => unit,
        })
    }

    /// A typed quantity of `code` in stock units: `"0.5"` of a kg item is 500, `"3"` of a
    /// piece is 3 (pieces must be whole; so are labels of a scale's weight label, each
    /// carrying its weight). Signed; `positive` refuses zero and below. Errors name `field`.
    pub fn parse_quantity(
        &self,
        code: &str,
        text: &str,
        field: &str,
        positive: bool,
    ) -> StoreResult<i64> {
        let q = self.sale_unit_of(code)?.parse_quantity(text, field)?;
        Ok(backroom_domain::stock::check_qty(q, field, positive)?)
    }

    /// Quantity in one state (SKU or barcode, location code).
    pub fn stock_qty(&self, sku: &str, location: &str, state: StockState) -> StoreResult<i64> {
        let variant = variant_id(&self.conn, sku)?;
        let loc = location_id(&self.conn, location)?;
        level(&self.conn, &variant, &loc, state)
    }

    /// Levels by state for every variant with stock history, optionally at one location.
    pub fn stock_levels(&self, location: Option<&str>) -> StoreResult<Vec<StockLevelRow>> {
        self.levels(location, None, i64::MAX)
    }

    /// At most `limit` rows of [`Store::stock_levels`]: the variants matching `query` (title,
    /// SKU, barcode, vendor, tags — as the catalog search), or the first by SKU when it is
    /// blank. A screen over 300k variants asks for a page, never for everything.
    pub fn stock_levels_matching(
        &self,
        location: Option<&str>,
        query: &str,
        limit: usize,
    ) -> StoreResult<Vec<StockLevelRow>> {
        let limit = limit.clamp(1, 1000);
        if query.trim().is_empty() {
            return self.levels(location, None, limit as i64);
        }
        // Search hits span every location; ask for more than a page so a location's rows fill it.
        let ids: Vec<String> = self
            .search(query, limit.saturating_mul(4))?
            .into_iter()
            .map(|h| h.variant_id)
            .collect();
        self.levels(location, Some(ids), limit as i64)
    }

    fn levels(
        &self,
        location: Option<&str>,
        variants: Option<Vec<String>>,
        limit: i64,
    ) -> StoreResult<Vec<StockLevelRow>> {
        let loc = location.map(|l| location_id(&self.conn, l)).transpose()?;
        let variants = variants.map(|v| serde_json::to_string(&v).unwrap_or_else(|_| "[]".into()));
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.code, v.sku, p.title || CASE WHEN v.option_values = '[]' THEN '' ELSE ' (' || v.option_values || ')' END,
                    SUM(CASE WHEN s.state = 'available' THEN s.qty ELSE 0 END),
                    SUM(CASE WHEN s.state = 'committed' THEN s.qty ELSE 0 END),
                    SUM(CASE WHEN s.state = 'reserved' THEN s.qty ELSE 0 END),
                    SUM(CASE WHEN s.state = 'damaged' THEN s.qty ELSE 0 END),
                    SUM(CASE WHEN s.state = 'quality_control' THEN s.qty ELSE 0 END),
                    SUM(CASE WHEN s.state = 'safety_stock' THEN s.qty ELSE 0 END),
                    SUM(CASE WHEN s.state = 'incoming' THEN s.qty ELSE 0 END),
                    rp.min_qty, v.sale_unit
             FROM stock_level s
             JOIN variant v ON v.id = s.variant_id
             JOIN product p ON p.id = v.product_id
             JOIN location l ON l.id = s.location_id
             LEFT JOIN reorder_point rp ON rp.variant_id = s.variant_id AND rp.location_id = s.location_id
             WHERE (?1 IS NULL OR s.location_id = ?1)
               AND (?2 IS NULL OR s.variant_id IN (SELECT value FROM json_each(?2)))
             GROUP BY s.variant_id, s.location_id
             ORDER BY l.code, v.sku
             LIMIT ?3",
        )?;
        let rows = stmt
            .query_map(rusqlite::params![loc, variants, limit], |r| {
                let states: [i64; 7] = [
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ];
                Ok(StockLevelRow {
                    location: r.get(0)?,
                    sku: r.get(1)?,
                    title: clean_title(r.get(2)?),
                    available: states[0],
                    committed: states[1],
                    reserved: states[2],
                    damaged: states[3],
                    quality_control: states[4],
                    safety_stock: states[5],
                    on_hand: states[..6].iter().sum(),
                    incoming: states[6],
                    reorder_point: r.get(10)?,
                    sale_unit: r.get(11)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Low, out-of-stock and negative stock: every variant × location with stock history or a
    /// reorder point whose available quantity needs attention. Negative first.
    pub fn stock_alerts(&self, location: Option<&str>) -> StoreResult<Vec<StockAlertRow>> {
        let loc = location.map(|l| location_id(&self.conn, l)).transpose()?;
        let mut stmt = self.conn.prepare(
            "WITH keys AS (
                SELECT variant_id, location_id FROM stock_level
                UNION SELECT variant_id, location_id FROM reorder_point)
             SELECT l.code, v.sku, p.title,
                    COALESCE((SELECT qty FROM stock_level s WHERE s.variant_id = k.variant_id
                              AND s.location_id = k.location_id AND s.state = 'available'), 0),
                    rp.min_qty
             FROM keys k
             JOIN variant v ON v.id = k.variant_id AND v.archived = 0 AND v.inventory_tracked = 1
             JOIN product p ON p.id = v.product_id AND p.status <> 'archived'
             JOIN location l ON l.id = k.location_id
             LEFT JOIN reorder_point rp ON rp.variant_id = k.variant_id AND rp.location_id = k.location_id
             WHERE (?1 IS NULL OR k.location_id = ?1)
             ORDER BY l.code, v.sku",
        )?;
        let mut rows: Vec<(StockAlert, StockAlertRow)> = stmt
            .query_map([loc], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            })?
            .filter_map(|row| match row {
                Ok((location, sku, title, available, reorder_point)) => {
                    stock_alert(available, reorder_point).map(|alert| {
                        Ok((
                            alert,
                            StockAlertRow {
                                location,
                                sku,
                                title,
                                available,
                                reorder_point,
                                alert: alert_name(alert).into(),
                            },
                        ))
                    })
                }
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<_, _>>()?;
        rows.sort_by_key(|(alert, r)| (*alert as u8, r.location.clone(), r.sku.clone()));
        Ok(rows.into_iter().map(|(_, r)| r).collect())
    }

    /// The ledger of one variant (SKU or barcode), newest last.
    pub fn stock_history(&self, sku: &str) -> StoreResult<Vec<MovementView>> {
        let variant = variant_id(&self.conn, sku)?;
        let mut stmt = self.conn.prepare(
            "SELECT m.at, l.code, m.state, m.delta, m.reason, m.actor, m.reference, m.note
             FROM stock_movement m JOIN location l ON l.id = m.location_id
             WHERE m.variant_id = ?1 ORDER BY m.at, m.rowid",
        )?;
        let rows = stmt
            .query_map([variant], |r| {
                Ok(MovementView {
                    at: r.get(0)?,
                    location: r.get(1)?,
                    state: r.get(2)?,
                    delta: r.get(3)?,
                    reason: r.get(4)?,
                    actor: r.get(5)?,
                    reference: r.get(6)?,
                    note: r.get(7)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

fn alert_name(a: StockAlert) -> &'static str {
    match a {
        StockAlert::Negative => "negative",
        StockAlert::OutOfStock => "out_of_stock",
        StockAlert::Low => "low",
    }
}

/// `Tee (["Red","M"])` → `Tee (Red / M)`.
fn clean_title(t: String) -> String {
    match t.split_once(" ([") {
        Some((title, rest)) => {
            let values: Vec<String> =
                serde_json::from_str(&format!("[{}", rest.trim_end_matches(')')))
                    .unwrap_or_default();
            format!("{title} ({})", values.join(" / "))
        }
        None => t,
    }
}
