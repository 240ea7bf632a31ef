//! Shifts and end-of-day: open with a float, cash in/out with a reason, close by counting the
//! drawer into an immutable Z-report. Selling never waits for a shift: an order made while no
//! shift is open is picked up by the next shift opened at that location.

use backroom_domain::staff::{Grant, Permission};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use crate::auth::authorize;
use crate::location::location_or_default;
use crate::sale::{next_number, open_shift};
use crate::uow::Change;
use crate::{Store, StoreError, StoreResult};
use backroom_api::{CloseShiftInput, CloseShiftReview, ShiftSummary, ZReport};
use backroom_sync::body::SHIFT_OPENED_VERSION;
use backroom_sync::facts::{CashMovedV1, ShiftClosedV1, ShiftOpenedV1};

fn compute(conn: &Connection, shift_id: &str) -> StoreResult<ZReport> {
    let mut z = conn
        .query_row(
            "SELECT s.id, s.number, l.code, s.opened_by, s.opened_at, s.float_minor FROM shift s
             JOIN location l ON l.id = s.location_id WHERE s.id = ?1 OR s.number = ?1",
            [shift_id],
            |r| {
                Ok(ZReport {
                    shift_id: r.get(0)?,
                    number: r.get(1)?,
                    location: r.get(2)?,
                    opened_by: r.get(3)?,
                    opened_at: r.get(4)?,
                    float: r.get(5)?,
                    ..Default::default()
                })
            },
        )
        .optional()?
        .ok_or_else(|| StoreError::not_found("shift", "shift", shift_id))?;
    let id = z.shift_id.clone();
    (z.orders, z.gross_sales, z.discounts, z.tax, z.net_sales) = conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(subtotal), 0), COALESCE(SUM(discount_total), 0), COALESCE(SUM(tax_total), 0),
                COALESCE(SUM(total), 0)
         FROM sale_order WHERE shift_id = ?1 AND voided_at IS NULL",
        [&id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
    )?;
    z.voided_orders = conn.query_row(
        "SELECT COUNT(*) FROM sale_order WHERE shift_id = ?1 AND voided_at IS NOT NULL",
        [&id],
        |r| r.get(0),
    )?;
    (z.returns, z.refunds, z.restocking_fees) = conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(refund_total), 0), COALESCE(SUM(restocking_fee), 0) FROM sale_return WHERE shift_id = ?1",
        [&id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT tender, kind, SUM(amount) FROM payment WHERE shift_id = ?1 GROUP BY tender, kind",
    )?;
    let rows = stmt.query_map([&id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (tender, kind, amount) = row?;
        let t = z.tenders.entry(tender).or_default();
        match kind.as_str() {
            "sale" | "change" => t.sales += amount,
            "refund" => t.refunds += amount,
            _ => t.voids += amount,
        }
        t.net += amount;
    }
    (z.cash_in, z.cash_out) = conn.query_row(
        "SELECT COALESCE(SUM(CASE WHEN amount > 0 THEN amount END), 0), COALESCE(-SUM(CASE WHEN amount < 0 THEN amount END), 0)
         FROM cash_movement WHERE shift_id = ?1",
        [&id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let cash = z.tenders.get("cash").map_or(0, |t| t.net);
    z.expected_cash = z.float + cash + z.cash_in - z.cash_out;
    z.taxes = crate::reports::taxes_by_rate(
        conn,
        "o.shift_id = ?1 AND o.voided_at IS NULL",
        "s.shift_id = ?1",
        &[&id],
    )?;
    Ok(z)
}

impl Store {
    /// Opens a shift on this till at a location with a cash float. Claims any orders, returns
    /// and payments made at the location while no shift was open.
    pub fn open_shift(&mut self, location: &str, float: i64) -> StoreResult<String> {
        backroom_domain::money::check_amount(float, "float")?;
        self.settings()?.cash_rounding.check_coins(float, "float")?;
        if float < 0 {
            return Err(StoreError::invalid(
                "float",
                "negative",
                "the float cannot be negative",
            ));
        }
        self.write(|uow| {
            authorize(uow, Permission::OpenCloseShift, None)?;
            let (loc_id, loc_code) = location_or_default(&uow.tx, location)?;
            crate::staff::check_location(uow, &loc_id, &loc_code)?;
            if open_shift(&uow.tx, &loc_id, uow.device_id)?.is_some() {
                return Err(StoreError::invalid("location", "shift_open", format!("a shift is already open on this till at {loc_code}")));
            }
            let id = uow.new_id();
            let number = next_number(uow, &format!("S{loc_code}"))?;
            let opened = ShiftOpenedV1 { id: id.clone(), number: number.clone(), location_id: loc_id.clone(), float };
            let orders = crate::facts::open_shift(&uow.tx, crate::facts::Ctx::from(&*uow), &opened)?;
            let after = json!({"id": id, "number": number, "location_id": loc_id, "float": float, "claimed_orders": orders});
            Ok((number.clone(), Change::new("shift.opened", "shift", id).after(after).facts(SHIFT_OPENED_VERSION, &opened)?))
        })
    }

    /// Cash put in (positive) or taken out (negative) of the drawer, with a reason.
    pub fn cash_movement(&mut self, location: &str, amount: i64, reason: &str) -> StoreResult<()> {
        backroom_domain::money::check_amount(amount, "amount")?;
        self.settings()?
            .cash_rounding
            .check_coins(amount, "amount")?;
        if amount == 0 {
            return Err(StoreError::invalid(
                "amount",
                "zero",
                "amount must not be zero",
            ));
        }
        if reason.trim().is_empty() {
            return Err(StoreError::invalid(
                "reason",
                "required",
                "say why cash goes in or out",
            ));
        }
        self.write(|uow| {
            authorize(uow, Permission::CashInOut, None)?;
            let (loc_id, loc_code) = location_or_default(&uow.tx, location)?;
            crate::staff::check_location(uow, &loc_id, &loc_code)?;
            let shift = open_shift(&uow.tx, &loc_id, uow.device_id)?.ok_or_else(|| {
                StoreError::invalid(
                    "location",
                    "no_shift",
                    format!("no shift is open on this till at {loc_code}"),
                )
            })?;
            let moved = CashMovedV1 {
                id: uow.new_id(),
                shift_id: shift.clone(),
                amount,
                reason: reason.trim().to_string(),
            };
            crate::facts::insert_cash_movement(&uow.tx, crate::facts::Ctx::from(&*uow), &moved)?;
            Ok((
                (),
                Change::new("shift.cash_moved", "shift", shift.clone())
                    .after(json!(moved))
                    .facts(1, &moved)?,
            ))
        })
    }

    /// Closes the open shift with the counted cash; returns the immutable Z-report. See
    /// [`Store::close_shift_with`] for a reason, a count by denomination and an approval.
    pub fn close_shift(&mut self, location: &str, counted_cash: i64) -> StoreResult<ZReport> {
        self.close_shift_with(CloseShiftInput {
            location: location.to_string(),
            counted: counted_cash,
            ..Default::default()
        })
    }

    /// What closing the shift with this count would give, written nowhere: the Z-report with
    /// its difference, and whether a reason or a manager's approval will be asked.
    pub fn review_close_shift(&mut self, input: CloseShiftInput) -> StoreResult<CloseShiftReview> {
        let settings = self.settings()?.clone();
        let report = self.close(input, true)?;
        let difference = report.variance.unwrap_or(0).abs();
        // The system actor (no role) and roles that allow it sign off themselves.
        let may_approve = crate::auth::actor_role(&self.conn, &self.actor)?
            .is_none_or(|r| r.grant(Permission::ApproveCashVariance) == Grant::Allow);
        Ok(CloseShiftReview {
            reason_required: difference > settings.variance_reason_above,
            approval_required: difference > settings.variance_approval_above && !may_approve,
            report,
        })
    }

    /// Closes the open shift: the drawer counted (as a sum, or note by note), a reason when the
    /// difference from the expected cash is above the store's threshold (field `reason`), and
    /// above the approval threshold the `approve_cash_variance` permission — a cashier's
    /// manager approves (field `approval`). Returns the immutable Z-report.
    pub fn close_shift_with(&mut self, input: CloseShiftInput) -> StoreResult<ZReport> {
        self.close(input, false)
    }

    fn close(&mut self, input: CloseShiftInput, preview: bool) -> StoreResult<ZReport> {
        let settings = self.settings()?.clone();
        let counted_cash = if input.denominations.is_empty() {
            input.counted
        } else {
            backroom_domain::cash::count_total(&input.denominations)?
        };
        backroom_domain::money::check_amount(counted_cash, "counted_cash")?;
        settings
            .cash_rounding
            .check_coins(counted_cash, "counted_cash")?;
        if counted_cash < 0 {
            return Err(StoreError::invalid(
                "counted_cash",
                "negative",
                "counted cash cannot be negative",
            ));
        }
        let reason = input.reason.trim().to_string();
        if reason.chars().count() > 500 {
            return Err(StoreError::invalid(
                "reason",
                "too_long",
                "the reason is at most 500 characters",
            ));
        }
        let exp = settings.currency.exponent();
        self.write_or_preview(preview, |uow| {
            authorize(uow, Permission::OpenCloseShift, None)?;
            let (loc_id, loc_code) = location_or_default(&uow.tx, &input.location)?;
            crate::staff::check_location(uow, &loc_id, &loc_code)?;
            let shift = open_shift(&uow.tx, &loc_id, uow.device_id)?
                .ok_or_else(|| StoreError::invalid("location", "no_shift", format!("no shift is open on this till at {loc_code}")))?;
            let mut z = compute(&uow.tx, &shift)?;
            let variance = counted_cash - z.expected_cash;
            z.closed_by = Some(uow.actor.to_string());
            z.closed_at = Some(uow.now);
            z.counted_cash = Some(counted_cash);
            z.variance = Some(variance);
            z.denominations = input.denominations.clone();
            z.variance_reason = reason.clone();
            if !preview {
                let m = |v: i64| backroom_domain::money::format_minor(v, exp);
                if variance.abs() > settings.variance_reason_above && reason.is_empty() {
                    return Err(StoreError::invalid(
                        "reason",
                        "reason_required",
                        format!(
                            "the drawer is {} {} (expected {}, counted {}): say why before closing",
                            m(variance.abs()),
                            if variance < 0 { "short" } else { "over" },
                            m(z.expected_cash),
                            m(counted_cash)
                        ),
                    ));
                }
                if variance.abs() > settings.variance_approval_above {
                    z.variance_approver =
                        authorize(uow, Permission::ApproveCashVariance, input.approval.as_ref())?;
                }
            }
            crate::facts::close_shift(&uow.tx, crate::facts::Ctx::from(&*uow), &shift, &z)?;
            let mut change = Change::new("shift.closed", "shift", shift.clone())
                .after(json!({"expected_cash": z.expected_cash, "counted_cash": counted_cash, "variance": z.variance,
                              "reason": reason}))
                .facts(1, &ShiftClosedV1 { id: shift.clone(), z_report: json!(z) })?;
            change.approver = z.variance_approver.clone();
            Ok((z, change))
        })
    }

    /// Past and open shifts at a location (blank: every location), newest first, at most
    /// `limit` (1–500): to find, view and reprint a Z-report.
    pub fn shifts(&self, location: &str, limit: u32) -> StoreResult<Vec<ShiftSummary>> {
        let tz = self.settings()?.tz.clone();
        let loc = if location.trim().is_empty() {
            None
        } else {
            Some(crate::location::location_id(&self.conn, location)?)
        };
        let mut stmt = self.conn.prepare(
            "SELECT s.id, s.number, l.code, COALESCE(st.name, s.opened_by), s.opened_at, s.closed_at, s.status,
                    s.float_minor, s.counted_cash, s.z_report
             FROM shift s JOIN location l ON l.id = s.location_id LEFT JOIN staff st ON st.id = s.opened_by
             WHERE (?1 IS NULL OR s.location_id = ?1)
             ORDER BY s.opened_at DESC, s.rowid DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![loc, i64::from(limit.clamp(1, 500))], |r| {
            Ok((
                ShiftSummary {
                    id: r.get(0)?,
                    number: r.get(1)?,
                    location: r.get(2)?,
                    opened_by: r.get(3)?,
                    opened_local: crate::local::format_local(r.get(4)?, &tz),
                    closed_local: r
                        .get::<_, Option<i64>>(5)?
                        .map(|t| crate::local::format_local(t, &tz))
                        .unwrap_or_default(),
                    status: r.get(6)?,
                    float: r.get(7)?,
                    counted_cash: r.get(8)?,
                    ..Default::default()
                },
                r.get::<_, Option<String>>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (mut s, report) = row?;
            if let Some(z) = report.and_then(|t| serde_json::from_str::<ZReport>(&t).ok()) {
                s.expected_cash = Some(z.expected_cash);
                s.variance = z.variance;
            }
            out.push(s);
        }
        Ok(out)
    }

    /// The Z-report of a shift (by id or number): the stored one once closed, a live
    /// X-report while open.
    pub fn z_report(&self, shift: &str) -> StoreResult<ZReport> {
        let stored: Option<Option<String>> = self
            .conn
            .query_row(
                "SELECT z_report FROM shift WHERE id = ?1 OR number = ?1",
                [shift],
                |r| r.get(0),
            )
            .optional()?;
        match stored {
            None => Err(StoreError::not_found("shift", "shift", shift)),
            Some(Some(text)) => serde_json::from_str(&text)
                .map_err(|e| StoreError::invalid("shift", "corrupt_report", e.to_string())),
            Some(None) => compute(&self.conn, shift),
        }
    }

    /// The open shift on this till at a location, if any (its number).
    pub fn current_shift(&self, location: &str) -> StoreResult<Option<String>> {
        let (loc_id, _) = location_or_default(&self.conn, location)?;
        let device = self.device_id()?.to_string();
        match open_shift(&self.conn, &loc_id, &device)? {
            Some(id) => Ok(Some(self.conn.query_row(
                "SELECT number FROM shift WHERE id = ?1",
                [id],
                |r| r.get(0),
            )?)),
            None => Ok(None),
        }
    }
}
