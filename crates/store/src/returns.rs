//! Returns and exchanges.
//!
//! A return takes lines back from a sale (found by receipt number or id) — partially, several
//! times, never more than was sold minus what came back already — or, with permission and a
//! manager's approval, without a receipt at the lowest price the item sold for in the last 90
//! days. Each line has a reason and a disposition independent of the refund: restock to
//! available, damaged, quality_control, or write-off.
//!
//! Refund amounts are cumulative proportional shares of what the line was paid (after its
//! discounts, including tax), so returning a line in parts refunds exactly the line total once
//! every unit is back — never a cent more. The refund goes to the original tenders (spread by
//! what each paid) unless a split is given; a tender the sale did not use needs permission.
//! Loyalty points earned by the returned units are reversed. An exchange is a return and a new
//! sale in one transaction: the returned value pays for the new sale first; any difference is
//! paid or refunded.

use std::collections::BTreeMap;

use backroom_domain::allocate::{allocate, cumulative_share};
use backroom_domain::cash::{round_cash_refund, ROUNDING_TENDER};
use backroom_domain::money::div_round_half_away;
use backroom_domain::sale::TenderKind;
use backroom_domain::staff::Permission;
use backroom_domain::stock::{MovementReason, StockState};
use backroom_sync::body::{ReturnReasonSetV1, FACTS_VERSION};
use backroom_sync::facts::{Ledger, LedgerFact, PaymentFact, ReturnFact, ReturnLineFact, ReturnV2};
use rusqlite::{params, OptionalExtension};
use serde_json::json;

use crate::auth::authorize;
use crate::code::variant_id;
use crate::customer::customer_exists;
use crate::facts::{self, Ctx, Owner};
use crate::location::location_or_default;
use crate::sale::{next_number, open_shift, order_view, write_sale};
use crate::stock::{apply_movements, Movement};
use crate::uow::{Change, Uow};
use crate::{Store, StoreError, StoreResult};
use backroom_api::{ReturnInput, ReturnView};

/// How many days back the lowest price for an unreceipted return is looked for.
pub const UNRECEIPTED_LOOKBACK_DAYS: i64 = 90;

struct LineBack {
    order_line_id: Option<String>,
    variant_id: String,
    quantity: i64,
    reason: String,
    disposition: String,
    refund: i64,
    tax: i64,
    /// The rate the tax is refunded at: the sale line's (thousandths of a percent).
    tax_rate_milli: i64,
    points: i64,
    tracked: bool,
}

fn disposition_state(d: &str, field: &str) -> StoreResult<Option<StockState>> {
    match d.trim() {
        "restock" | "" => Ok(Some(StockState::Available)),
        "damaged" => Ok(Some(StockState::Damaged)),
        "quality_control" => Ok(Some(StockState::QualityControl)),
        "write_off" => Ok(None),
        other => Err(StoreError::invalid(
            field,
            "invalid_disposition",
            format!("'{other}' is not restock, damaged, quality_control or write_off"),
        )),
    }
}

impl Store {
    /// The return reasons (code, label), in display order.
    pub fn return_reasons(&self) -> StoreResult<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT code, label FROM return_reason WHERE active = 1 ORDER BY position")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Adds or renames a return reason.
    pub fn set_return_reason(&mut self, code: &str, label: &str) -> StoreResult<()> {
        let code = code.trim().to_lowercase();
        if code.is_empty() || label.trim().is_empty() {
            return Err(StoreError::invalid(
                if code.is_empty() { "code" } else { "label" },
                "required",
                "code and label are required",
            ));
        }
        self.write(|uow| {
            authorize(uow, Permission::ManageCatalog, None)?;
            uow.tx.execute(
                "INSERT INTO return_reason (code, label, position) VALUES (?1, ?2, (SELECT COALESCE(MAX(position), 0) + 1 FROM return_reason))
                 ON CONFLICT(code) DO UPDATE SET label = excluded.label, active = 1",
                params![code, label.trim()],
            )?;
            let body = ReturnReasonSetV1 { code: code.clone(), label: label.trim().to_string() };
            let mut change = Change::new("return_reason.set", "return_reason", code.clone()).after(json!(body)).facts(1, &body)?;
            change.stamps = vec![("return_reason", code.clone(), "label")];
            Ok(((), change))
        })
    }

    /// Takes goods back, refunds, and optionally sells the exchange items, in one transaction.
    pub fn process_return(&mut self, input: ReturnInput) -> StoreResult<ReturnView> {
        self.run_return(input, false)
    }

    /// What [`Store::process_return`] would do — refund per tender, the exchange order and what
    /// is still due on it — without writing anything, so a till shows it before committing.
    pub fn preview_return(&mut self, input: ReturnInput) -> StoreResult<ReturnView> {
        self.run_return(input, true)
    }

    fn run_return(&mut self, input: ReturnInput, preview: bool) -> StoreResult<ReturnView> {
        if input.lines.is_empty() {
            return Err(StoreError::invalid(
                "lines",
                "required",
                "nothing to return",
            ));
        }
        if input.restocking_fee_bp > 10_000 {
            return Err(StoreError::invalid(
                "restocking_fee_bp",
                "out_of_range",
                "a restocking fee is at most 100%",
            ));
        }
        let settings = self.settings()?.clone();
        let lookback = UNRECEIPTED_LOOKBACK_DAYS * 86_400_000;
        self.write_or_preview(preview, |uow| {
            let mut approver = authorize(uow, Permission::Refund, input.approval.as_ref())?;
            let mut need = |p: Permission, uow: &Uow| -> StoreResult<()> {
                if let Some(a) = authorize(uow, p, input.approval.as_ref())? {
                    approver = Some(a);
                }
                Ok(())
            };
            let order = match &input.order {
                Some(key) => Some(order_view(&uow.tx, key)?),
                None => {
                    need(Permission::RefundWithoutReceipt, uow)?;
                    None
                }
            };
            if order.as_ref().is_some_and(|o| o.payment_status == "voided") {
                return Err(StoreError::invalid("order", "voided", "a voided sale cannot be returned"));
            }
            let (loc_id, loc_code) = match (&order, input.location.trim()) {
                (Some(o), "") => location_or_default(&uow.tx, &o.location)?,
                (_, l) => location_or_default(&uow.tx, l)?,
            };
            crate::staff::check_location(uow, &loc_id, &loc_code)?;
            let customer = input.customer_id.clone().or_else(|| order.as_ref().and_then(|o| o.customer_id.clone()));
            if let Some(c) = &customer {
                customer_exists(&uow.tx, c, "customer_id")?;
            }

            // Work out each returned line and what it refunds.
            let mut backs: Vec<LineBack> = Vec::new();
            let mut taken: BTreeMap<String, i64> = BTreeMap::new();
            for (i, l) in input.lines.iter().enumerate() {
                let f = |name: &str| format!("lines[{i}].{name}");
                if l.quantity <= 0 {
                    return Err(StoreError::invalid(&f("quantity"), "not_positive", "quantity must be at least 1"));
                }
                let reason = if l.reason.trim().is_empty() { "unknown".to_string() } else { l.reason.trim().to_lowercase() };
                let known: bool = uow.tx.query_row("SELECT EXISTS(SELECT 1 FROM return_reason WHERE code = ?1 AND active = 1)", [&reason], |r| r.get(0))?;
                if !known {
                    return Err(StoreError::invalid(&f("reason"), "invalid_reason", format!("'{reason}' is not a return reason")));
                }
                let disposition = if l.disposition.trim().is_empty() { "restock".to_string() } else { l.disposition.trim().to_string() };
                disposition_state(&disposition, &f("disposition"))?;
                if disposition == "write_off" {
                    need(Permission::StockWriteOff, uow)?;
                }
                match &order {
                    Some(o) => {
                        let line = match &l.line_id {
                            Some(id) => o.lines.iter().find(|x| x.id == *id),
                            None => {
                                let v = variant_id(&uow.tx, &l.sku).ok();
                                o.lines.iter().find(|x| {
                                    (x.sku == l.sku.trim() || v.as_deref().is_some_and(|v| line_variant(&uow.tx, &x.id).is_ok_and(|lv| lv == v)))
                                        && x.quantity - x.returned_qty - taken.get(&x.id).copied().unwrap_or(0) > 0
                                })
                            }
                        }
                        .ok_or_else(|| StoreError::invalid(&f("sku"), "not_on_order", format!("'{}' is not on {} (or all of it came back already)", l.line_id.as_deref().unwrap_or(&l.sku), o.receipt_number)))?;
                        let already = line.returned_qty + taken.get(&line.id).copied().unwrap_or(0);
                        let left = line.quantity - already;
                        if l.quantity > left {
                            return Err(StoreError::invalid(&f("quantity"), "over_return", format!("only {left} of {} can still be returned from {}", line.sku, o.receipt_number)));
                        }
                        let (variant, points, tracked): (String, i64, bool) = uow.tx.query_row(
                            "SELECT l.variant_id, l.points_earned, v.inventory_tracked FROM order_line l JOIN variant v ON v.id = l.variant_id WHERE l.id = ?1",
                            [&line.id],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                        )?;
                        let share = |total: i64| cumulative_share(total, already + l.quantity, line.quantity) - cumulative_share(total, already, line.quantity);
                        backs.push(LineBack {
                            order_line_id: Some(line.id.clone()),
                            variant_id: variant,
                            quantity: l.quantity,
                            reason,
                            disposition,
                            refund: share(line.total),
                            tax: share(line.tax),
                            tax_rate_milli: line.tax_rate_milli,
                            points: share(points),
                            tracked,
                        });
                        *taken.entry(line.id.clone()).or_insert(0) += l.quantity;
                    }
                    None => {
                        let variant = variant_id(&uow.tx, &l.sku).map_err(|e| match e {
                            StoreError::Invalid(fe) => StoreError::Invalid(fe.at(f("sku"))),
                            other => other,
                        })?;
                        // The lowest unit price it sold for recently (what it was paid, tax included).
                        let recent: Option<(i64, i64, i64, i64)> = uow.tx.query_row(
                            "SELECT l.total, l.tax, l.quantity, l.tax_rate_milli FROM order_line l JOIN sale_order o ON o.id = l.order_id
                             WHERE l.variant_id = ?1 AND o.created_at >= ?2 AND o.voided_at IS NULL
                             ORDER BY CAST(l.total AS REAL) / l.quantity ASC LIMIT 1",
                            params![variant, uow.now - lookback],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                        ).optional()?;
                        // (total, tax) for `per` stock units: a recent sale's line, or the shelf
                        // price of one piece or one unit of measure (1000 stock units).
                        let (unit_total, unit_tax, per, tax_rate_milli) = match recent {
                            Some((total, tax, qty, rate)) => (total, tax, qty, rate),
                            None => {
                                let (price, rate, taxable, unit): (i64, Option<i64>, bool, String) = uow.tx.query_row(
                                    "SELECT v.price_minor, t.rate_milli, v.taxable, v.sale_unit FROM variant v LEFT JOIN tax_class t ON t.id = v.tax_class_id WHERE v.id = ?1",
                                    [&variant],
                                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                                )?;
                                let per = backroom_domain::unit::SaleUnit::parse(&unit, &f("sku"))?.scale();
                                let rate = backroom_domain::tax::TaxRate(match (taxable, rate) {
                                    (false, _) => 0,
                                    (true, Some(r)) => r as u32,
                                    (true, None) => crate::sale::default_rate(&uow.tx, &settings)?,
                                });
                                let split = backroom_domain::tax::split_line(price, rate, settings.tax_mode);
                                (split.gross, split.tax, per, i64::from(rate.0))
                            }
                        };
                        let times = |amount: i64| div_round_half_away(i128::from(amount) * i128::from(l.quantity), i128::from(per.max(1))) as i64;
                        let tracked: bool = uow.tx.query_row("SELECT inventory_tracked FROM variant WHERE id = ?1", [&variant], |r| r.get(0))?;
                        backs.push(LineBack {
                            order_line_id: None,
                            variant_id: variant,
                            quantity: l.quantity,
                            reason,
                            disposition,
                            refund: times(unit_total),
                            tax: times(unit_tax),
                            tax_rate_milli,
                            points: 0,
                            tracked,
                        });
                    }
                }
            }
            let gross_refund: i64 = backs.iter().map(|b| b.refund).sum();
            let fee = div_round_half_away(i128::from(gross_refund) * i128::from(input.restocking_fee_bp), 10_000) as i64;
            let value_back = gross_refund - fee;

            let return_id = uow.new_id();
            let number = next_number(uow, &format!("R{loc_code}"))?;
            let shift = open_shift(&uow.tx, &loc_id, uow.device_id)?;

            // An exchange: the returned value pays for the new sale first.
            let mut exchange = None;
            let mut exchange_approver = None;
            let mut exchange_covered = 0;
            let mut to_refund = value_back;
            if let Some(ex) = &input.exchange {
                let mut ex = ex.clone();
                if ex.customer_id.is_none() {
                    ex.customer_id = customer.clone();
                }
                if ex.location.trim().is_empty() {
                    ex.location = loc_code.clone();
                }
                if ex.cart_id.trim().is_empty() {
                    ex.cart_id = format!("exchange:{return_id}");
                }
                ex.approval = ex.approval.or_else(|| input.approval.clone());
                let sale = write_sale(uow, &settings, &ex, value_back).map_err(|e| match e {
                    StoreError::Invalid(f) => StoreError::Invalid(f.clone().at(format!("exchange.{}", f.field))),
                    other => other,
                })?;
                exchange_approver = sale.approver.clone();
                exchange_covered = value_back.min(sale.total);
                to_refund = value_back - exchange_covered;
                exchange = Some(sale);
            }

            // Refund tenders: money goes back to the individual payments of the sale (two gift
            // cards each get their own share), never more than each paid.
            // What each payment of the sale can still give back; every part allocated below is
            // taken off it, so two refund lines of one tender never return a payment twice.
            let mut remaining: Vec<Refundable> = match &order {
                Some(o) => refundable_payments(&uow.tx, &o.id)?,
                None => Vec::new(),
            };
            let original_kinds: Vec<TenderKind> = remaining.iter().map(|p| p.kind).collect();
            let split: Vec<RefundPart> = if input.refund.is_empty() {
                if to_refund == 0 {
                    Vec::new()
                } else {
                    // Back to the payments in proportion; unreceipted: cash.
                    spread(&mut remaining, None, to_refund, "", None)
                }
            } else {
                let mut asked = Vec::new();
                let mut rest_at = None;
                for (i, t) in input.refund.iter().enumerate() {
                    let kind = TenderKind::parse(&t.kind).map_err(|e| e.at(format!("refund[{i}].kind")))?;
                    backroom_domain::money::check_amount(t.amount, &format!("refund[{i}].amount"))?;
                    if t.amount < 0 || (t.amount == 0 && rest_at.is_some()) {
                        return Err(StoreError::invalid(&format!("refund[{i}].amount"), "not_positive", "a refund amount must be positive (one tender may be 0: the rest)"));
                    }
                    if t.amount == 0 {
                        rest_at = Some(i);
                    }
                    asked.push((i, kind, t.amount, t.reference.trim().to_string()));
                }
                if let Some(i) = rest_at {
                    let rest = to_refund - asked.iter().map(|x| x.2).sum::<i64>();
                    if rest < 0 {
                        return Err(StoreError::invalid(&format!("refund[{i}].amount"), "nothing_left", format!("the other tenders already cover the {to_refund} due")));
                    }
                    if rest == 0 {
                        // Nothing left (an even exchange): "the rest" is no tender at all.
                        asked.retain(|x| x.0 != i);
                    } else if let Some(x) = asked.iter_mut().find(|x| x.0 == i) {
                        x.2 = rest;
                    }
                }
                let sum: i64 = asked.iter().map(|x| x.2).sum();
                if sum != to_refund {
                    return Err(StoreError::invalid("refund", "mismatch", format!("the refund split adds up to {sum} but {to_refund} is due")));
                }
                let mut out = Vec::new();
                for (i, kind, amount, reference) in asked {
                    if let Some(o) = &order {
                        let paid_by_kind = original_kinds.contains(&kind);
                        let left: i64 = remaining.iter().filter(|p| p.kind == kind).map(|p| p.amount).sum();
                        if !paid_by_kind {
                            need(Permission::RefundToDifferentTender, uow)?;
                        } else if kind != TenderKind::Cash && amount > left {
                            return Err(StoreError::invalid(&format!("refund[{i}].amount"), "over_refund", format!("only {left} was paid by {} on {} and not yet refunded", kind.as_str(), o.receipt_number)));
                        }
                    }
                    out.extend(spread(&mut remaining, Some(kind), amount, &reference, Some(i)));
                }
                out
            };
            for (k, part) in split.iter().enumerate() {
                let i = part.input_index.unwrap_or(k);
                if matches!(part.kind, TenderKind::StoreCredit | TenderKind::Loyalty) && customer.is_none() {
                    return Err(StoreError::invalid(&format!("refund[{i}].kind"), "customer_required", "refunding to store credit or points needs a customer"));
                }
                if part.kind == TenderKind::GiftCard && part.gift_card_id.is_none() {
                    return Err(StoreError::invalid(&format!("refund[{i}].kind"), "no_card", "only a gift card that paid for this sale can be refunded to"));
                }
            }

            // Cash goes back in coins: the cash parts are rounded together and the difference is
            // booked as the refund's own rounding payment (card and other parts stay exact).
            let cash_at: Vec<usize> = (0..split.len()).filter(|&k| split[k].kind == TenderKind::Cash).collect();
            let (paid_out, rounding) = round_cash_refund(
                &cash_at.iter().map(|&k| split[k].amount).collect::<Vec<_>>(),
                settings.cash_rounding,
            );
            let mut split = split;
            for (&k, amount) in cash_at.iter().zip(paid_out) {
                split[k].amount = amount;
            }
            split.retain(|p| p.amount > 0);

            let approver = approver.or(exchange_approver);
            let ret = ReturnFact {
                id: return_id.clone(),
                number: number.clone(),
                order_id: order.as_ref().map(|o| o.id.clone()),
                exchange_order_id: exchange.as_ref().map(|e| e.order_id.clone()),
                location_id: loc_id.clone(),
                shift_id: shift.clone(),
                customer_id: customer.clone(),
                refund_total: value_back,
                restocking_fee: fee,
                approver: approver.clone(),
                note: input.note.trim().to_string(),
            };
            let ctx = Ctx::from(&*uow);
            facts::insert_return(&uow.tx, ctx, &ret)?;
            let owner = Owner {
                order_id: None,
                return_id: Some(&return_id),
                shift_id: shift.as_deref(),
                location_id: &loc_id,
            };
            let mut payments = Vec::new();
            let mut ledger = Vec::new();
            let mut pay = |p: PaymentFact| -> StoreResult<()> {
                facts::insert_payment(&uow.tx, ctx, owner, &p)?;
                payments.push(p);
                Ok(())
            };
            let refund = |tender: &str, amount: i64| PaymentFact::plain(uow.new_id(), "refund", tender, amount);
            if exchange_covered > 0 {
                pay(refund("exchange", -exchange_covered))?;
            }
            let mut refunds = Vec::new();
            if rounding != 0 {
                pay(refund(ROUNDING_TENDER, -rounding))?;
                refunds.push((ROUNDING_TENDER.to_string(), rounding));
            }
            let mut give = |l: Ledger, account: &str, amount: i64, kind: &str| -> StoreResult<()> {
                let row = LedgerFact::new(uow.new_id(), l, account, amount, kind);
                facts::insert_ledger(&uow.tx, ctx, owner, &row)?;
                ledger.push(row);
                Ok(())
            };
            for part in &split {
                let (kind, amount) = (part.kind, part.amount);
                let pid = uow.new_id();
                pay(PaymentFact {
                    reference: part.reference.clone(),
                    gift_card_id: part.gift_card_id.clone(),
                    refund_of: part.refund_of.clone(),
                    ..PaymentFact::plain(pid.clone(), "refund", kind.as_str(), -amount)
                })?;
                match (kind, &customer, &part.gift_card_id) {
                    (TenderKind::StoreCredit, Some(c), _) => give(Ledger::StoreCredit, c, amount, "refund")?,
                    (TenderKind::GiftCard, _, Some(card)) => give(Ledger::GiftCard, card, amount, "refund")?,
                    (TenderKind::Loyalty, Some(c), _) => {
                        let points = match &part.refund_of {
                            // Back to a payment made with points: its share of the points it
                            // redeemed, cumulatively, so a full return gives back every point.
                            Some(of) => loyalty_points_back(&uow.tx, of, &pid, amount)?,
                            None => amount / settings.loyalty_point_value.max(1),
                        };
                        // A part too small to be worth a point gives none back (the ledger holds
                        // no zero rows); the cumulative share catches up on a later part.
                        if points != 0 {
                            give(Ledger::Loyalty, c, points, "refund")?;
                        }
                    }
                    _ => {}
                }
                refunds.push((kind.as_str().to_string(), amount));
            }

            // Lines, stock by disposition, points reversal.
            let mut movements = Vec::new();
            let mut points_back = 0;
            let mut lines = Vec::new();
            for b in &backs {
                let line = ReturnLineFact {
                    id: uow.new_id(),
                    order_line_id: b.order_line_id.clone(),
                    variant_id: b.variant_id.clone(),
                    quantity: b.quantity,
                    reason_code: b.reason.clone(),
                    disposition: b.disposition.clone(),
                    refund_amount: b.refund,
                    tax_amount: b.tax,
                    tax_rate_milli: b.tax_rate_milli,
                    points_reversed: b.points,
                };
                facts::insert_return_line(&uow.tx, &return_id, &line)?;
                lines.push(line);
                if b.tracked {
                    if let Some(state) = disposition_state(&b.disposition, "disposition")? {
                        movements.push(Movement {
                            variant_id: b.variant_id.clone(),
                            location_id: loc_id.clone(),
                            state,
                            delta: b.quantity,
                            reason: MovementReason::Return,
                            reference: number.clone(),
                            note: b.reason.clone(),
                        });
                    }
                }
                points_back += b.points;
            }
            if points_back > 0 {
                if let Some(c) = &customer {
                    give(Ledger::Loyalty, c, -points_back, "reverse")?;
                }
            }
            if let Some(o) = &order {
                facts::refresh_order(&uow.tx, &o.id)?;
            }
            let movements = apply_movements(uow, &movements)?;
            let body = ReturnV2 {
                ret,
                lines,
                payments,
                ledger,
                movements,
                exchange: exchange.as_ref().map(|e| Box::new(e.facts.clone())),
            };
            let view = ReturnView {
                id: return_id.clone(),
                number: number.clone(),
                order_id: order.as_ref().map(|o| o.id.clone()),
                refund_total: value_back,
                restocking_fee: fee,
                refunds: refunds.clone(),
                // Read inside the transaction, so a preview shows the exchange order too.
                exchange_order: match &exchange {
                    Some(e) => Some(order_view(&uow.tx, &e.order_id)?),
                    None => None,
                },
            };
            let mut change = Change::new(if exchange.is_some() { "return.exchanged" } else { "return.processed" }, "return", return_id.clone())
                .after(json!({"number": number, "refund_total": value_back, "refunds": refunds}))
                .facts(FACTS_VERSION, &body)?;
            change.approver = approver;
            Ok((view, change))
        })
    }
}

fn line_variant(conn: &rusqlite::Connection, line_id: &str) -> StoreResult<String> {
    Ok(conn
        .prepare_cached("SELECT variant_id FROM order_line WHERE id = ?1")?
        .query_row([line_id], |r| r.get(0))?)
}

/// The points a refund of `amount` to the loyalty payment `of` gives back: the cumulative share
/// of the points that payment redeemed (`cumulative_share` over what it paid), less what earlier
/// refunds to it gave back. `this` is the refund payment being written (not counted as earlier).
fn loyalty_points_back(
    conn: &rusqlite::Connection,
    of: &str,
    this: &str,
    amount: i64,
) -> StoreResult<i64> {
    let (paid, points): (i64, Option<i64>) = conn.query_row(
        "SELECT amount, points FROM payment WHERE id = ?1",
        [of],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let before: i64 = conn.query_row(
        "SELECT COALESCE(SUM(-amount), 0) FROM payment WHERE refund_of = ?1 AND id <> ?2",
        [of, this],
        |r| r.get(0),
    )?;
    let points = points.unwrap_or(0);
    Ok(cumulative_share(points, before + amount, paid) - cumulative_share(points, before, paid))
}

/// A sale payment that can still give money back.
struct Refundable {
    payment_id: String,
    kind: TenderKind,
    reference: String,
    gift_card_id: Option<String>,
    /// Paid (cash net of change) minus already refunded, in minor units; always > 0.
    amount: i64,
}

/// One refund payment to write.
struct RefundPart {
    kind: TenderKind,
    amount: i64,
    reference: String,
    /// The sale payment the money goes back to (`None`: a tender the sale was not paid with).
    refund_of: Option<String>,
    gift_card_id: Option<String>,
    /// The caller's `refund[i]` this part comes from (for error fields).
    input_index: Option<usize>,
}

/// Spreads `amount` of tender `kind` over the sale's payments of that kind (all of them when
/// `kind` is None) in proportion to what each can still give back, and takes the parts off
/// `remaining`; what no payment of that kind can take goes to `kind` (cash when None) without a
/// payment to return to.
fn spread(
    remaining: &mut [Refundable],
    kind: Option<TenderKind>,
    amount: i64,
    reference: &str,
    input_index: Option<usize>,
) -> Vec<RefundPart> {
    let pool: Vec<usize> = (0..remaining.len())
        .filter(|&k| kind.is_none_or(|t| remaining[k].kind == t))
        .collect();
    let weights: Vec<i64> = pool.iter().map(|&k| remaining[k].amount).collect();
    let parts = allocate(amount.min(weights.iter().sum()), &weights);
    let mut out = Vec::new();
    for (&k, a) in pool.iter().zip(parts) {
        if a <= 0 {
            continue;
        }
        let p = &mut remaining[k];
        p.amount -= a;
        out.push(RefundPart {
            kind: p.kind,
            amount: a,
            reference: if reference.is_empty() {
                p.reference.clone()
            } else {
                reference.to_string()
            },
            refund_of: Some(p.payment_id.clone()),
            gift_card_id: p.gift_card_id.clone(),
            input_index,
        });
    }
    let short = amount - out.iter().map(|x| x.amount).sum::<i64>();
    if short > 0 {
        out.push(RefundPart {
            kind: kind.unwrap_or(TenderKind::Cash),
            amount: short,
            reference: reference.to_string(),
            refund_of: None,
            gift_card_id: None,
            input_index,
        });
    }
    out
}

/// What each payment of an order can still give back: paid (cash net of change) minus what
/// earlier returns refunded to it. Refunds written before refunds named their payment
/// (`refund_of` NULL) are taken from the payments of their tender in order.
fn refundable_payments(
    conn: &rusqlite::Connection,
    order_id: &str,
) -> StoreResult<Vec<Refundable>> {
    let mut out: Vec<Refundable> = conn
        .prepare_cached(
            "SELECT id, tender, amount, reference, gift_card_id FROM payment
             WHERE order_id = ?1 AND kind = 'sale' ORDER BY rowid",
        )?
        .query_map([order_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter_map(|(id, tender, amount, reference, card)| {
            TenderKind::parse(&tender).ok().map(|kind| Refundable {
                payment_id: id,
                kind,
                reference,
                gift_card_id: card,
                amount,
            })
        })
        .collect();
    // Change comes out of the last cash payments; a refund written before refunds named their
    // payment is taken from its tender's payments in order, as it was given then (the first
    // gift card that paid).
    let take = |out: &mut Vec<Refundable>, kind: TenderKind, mut amount: i64, from_last: bool| {
        let mut idx: Vec<usize> = (0..out.len()).filter(|&k| out[k].kind == kind).collect();
        if from_last {
            idx.reverse();
        }
        for k in idx {
            let t = amount.min(out[k].amount);
            out[k].amount -= t;
            amount -= t;
        }
    };
    let change: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(-amount), 0) FROM payment WHERE order_id = ?1 AND kind = 'change'",
        )?
        .query_row([order_id], |r| r.get(0))?;
    take(&mut out, TenderKind::Cash, change, true);
    // Older gift-card refunds name their card in the card's ledger (same return, same amount).
    let refunded: Vec<(Option<String>, String, i64, Option<String>)> = conn
        .prepare_cached(
            "SELECT p.refund_of, p.tender, -p.amount,
                    COALESCE(p.gift_card_id, (SELECT t.gift_card_id FROM gift_card_txn t
                        WHERE t.return_id = p.return_id AND t.kind = 'refund' AND t.amount = -p.amount LIMIT 1))
             FROM payment p JOIN sale_return r ON r.id = p.return_id
             WHERE r.order_id = ?1 AND p.kind = 'refund' AND p.tender <> 'exchange'",
        )?
        .query_map([order_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    for (of, tender, amount, card) in refunded {
        let target = of
            .and_then(|id| out.iter().position(|p| p.payment_id == id))
            .or_else(|| {
                card.and_then(|c| {
                    out.iter()
                        .position(|p| p.gift_card_id.as_deref() == Some(c.as_str()))
                })
            });
        match target {
            Some(k) => out[k].amount -= amount.min(out[k].amount),
            None => {
                if let Ok(kind) = TenderKind::parse(&tender) {
                    take(&mut out, kind, amount, false);
                }
            }
        }
    }
    out.retain(|p| p.amount > 0);
    Ok(out)
}
