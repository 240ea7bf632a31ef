//! Fact rows written once: the functions that insert a sale's, a void's, a return's and a
//! shift's rows, used both by the use-case that makes them here and by [`crate::apply`] when they
//! arrive from another till (a rule exists once, so both replicas hold the same rows).
//!
//! Every insert is `INSERT OR IGNORE` on the row's own id and reports whether the row is new, so
//! a projection (a stock level) moves only for a row newly written. Derived state (an order's
//! status axes, a line's `returned_qty`, a gift card voided with its sale) is recomputed from the
//! facts by [`refresh_order`] and [`deactivate_voided_cards`], never shipped.

use backroom_domain::stock::{StockState, TransferStatus};
use backroom_sync::body::{MovementFact, TransferStep};
use backroom_sync::facts::{
    CashMovedV1, CountRecordedV2, CountStartedV1, GiftCardFact, Ledger, LedgerFact, OrderFact,
    OrderLineFact, PaymentFact, ReturnFact, ReturnLineFact, SaleCompletedV2, SaleVoidedV2,
    ShiftOpenedV1, TransferCreatedV1,
};
use rusqlite::{params, Connection};

use crate::StoreResult;

/// What a fact row takes from the op that carries it: its id, the device and actor that made
/// it, and when (ms since the epoch, UTC).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub op_id: &'a str,
    pub device_id: &'a str,
    pub actor: &'a str,
    pub at: i64,
}

impl<'a> From<&'a crate::uow::Uow<'a>> for Ctx<'a> {
    fn from(uow: &'a crate::uow::Uow<'a>) -> Self {
        Ctx {
            op_id: &uow.op_id,
            device_id: uow.device_id,
            actor: uow.actor,
            at: uow.now,
        }
    }
}

impl<'a> From<&'a backroom_sync::wire::OpEnvelope> for Ctx<'a> {
    fn from(op: &'a backroom_sync::wire::OpEnvelope) -> Self {
        Ctx {
            op_id: &op.op_id,
            device_id: &op.device_id,
            actor: &op.actor,
            at: op.created_at,
        }
    }
}

/// The document a payment or ledger row belongs to, and the shift and location its money moved
/// in.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Owner<'a> {
    pub order_id: Option<&'a str>,
    pub return_id: Option<&'a str>,
    pub shift_id: Option<&'a str>,
    pub location_id: &'a str,
}

/// Appends a movement to the ledger with its own id; the level moves only when the row is new.
/// `order_id` ties a sale's, fulfilment's or void's movement to its order (a void finds what to
/// reverse by it, never by receipt number).
pub(crate) fn insert_movement(
    tx: &Connection,
    ctx: Ctx,
    order_id: Option<&str>,
    m: &MovementFact,
) -> StoreResult<bool> {
    let state = StockState::parse(&m.state)
        .map_err(|e| crate::StoreError::Invalid(e.at("movements.state")))?;
    let inserted = tx
        .prepare_cached(
            "INSERT INTO stock_movement (id, op_id, at, variant_id, location_id, state,
                 delta, reason, actor, device_id, reference, note, order_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            m.id,
            ctx.op_id,
            ctx.at,
            m.variant_id,
            m.location_id,
            state.as_str(),
            m.delta,
            m.reason,
            ctx.actor,
            ctx.device_id,
            m.reference,
            m.note,
            order_id
        ])?;
    if inserted == 1 {
        crate::stock::project_level(tx, &m.variant_id, &m.location_id, state, m.delta)?;
    }
    Ok(inserted == 1)
}

/// Inserts a payment row of `owner`.
pub(crate) fn insert_payment(
    tx: &Connection,
    ctx: Ctx,
    owner: Owner,
    p: &PaymentFact,
) -> StoreResult<bool> {
    let new = tx
        .prepare_cached(
            "INSERT INTO payment (id, order_id, return_id, shift_id, location_id, kind,
                 tender, amount, reference, at, refund_of, gift_card_id, points)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            p.id,
            owner.order_id,
            owner.return_id,
            owner.shift_id,
            owner.location_id,
            p.kind,
            p.tender,
            p.amount,
            p.reference,
            ctx.at,
            p.refund_of,
            p.gift_card_id,
            p.points
        ])?
        == 1;
    if new {
        crate::sales::roll_payment(tx, &p.id)?;
    }
    Ok(new)
}

/// Inserts a balance-ledger row of `owner` (gift card, store credit or loyalty).
pub(crate) fn insert_ledger(
    tx: &Connection,
    ctx: Ctx,
    owner: Owner,
    l: &LedgerFact,
) -> StoreResult<bool> {
    let sql = match l.ledger {
        Ledger::GiftCard => {
            "INSERT INTO gift_card_txn (id, gift_card_id, amount, kind, order_id, return_id, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING"
        }
        Ledger::StoreCredit => {
            "INSERT INTO store_credit_txn (id, customer_id, amount, kind, order_id, return_id, at, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO NOTHING"
        }
        Ledger::Loyalty => {
            "INSERT INTO loyalty_txn (id, customer_id, points, kind, order_id, return_id, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING"
        }
    };
    let mut stmt = tx.prepare_cached(sql)?;
    let n = if l.ledger == Ledger::StoreCredit {
        stmt.execute(params![
            l.id,
            l.account,
            l.amount,
            l.kind,
            owner.order_id,
            owner.return_id,
            ctx.at,
            l.note
        ])?
    } else {
        stmt.execute(params![
            l.id,
            l.account,
            l.amount,
            l.kind,
            owner.order_id,
            owner.return_id,
            ctx.at
        ])?
    };
    Ok(n == 1)
}

/// Inserts a gift card. A code another card already has (two stores issued the same printed
/// code) is an error here: the use-case names it, and the apply path records the clash first.
pub(crate) fn insert_gift_card(tx: &Connection, ctx: Ctx, g: &GiftCardFact) -> StoreResult<bool> {
    Ok(tx
        .prepare_cached(
            "INSERT INTO gift_card (id, code, customer_id, initial_amount, currency, expires_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(id) DO NOTHING",
        )?
        .execute(params![
            g.id,
            g.code,
            g.customer_id,
            g.initial_amount,
            g.currency,
            g.expires_at,
            ctx.at
        ])
        .map_err(|e| {
            crate::error::unique_violation(e, "code", &format!("gift card {} already exists", g.code))
        })?
        == 1)
}

/// Inserts a completed sale's order row (its status axes start where a new sale's do: paid,
/// fulfilled when taken away, nothing returned).
pub(crate) fn insert_order(tx: &Connection, ctx: Ctx, o: &OrderFact) -> StoreResult<bool> {
    // Answers that named this order before it arrived move to it.
    let tied = crate::sales::responses_of_order(tx, &o.id, Some(&o.receipt_number))?;
    crate::sales::roll_responses_nps(tx, &tied, -1)?;
    let new =
        tx.prepare_cached(
            "INSERT INTO sale_order (id, cart_id, receipt_number, location_id, device_id,
                shift_id, staff_id, customer_id, currency, tax_mode, subtotal, discount_total,
                tax_total, total, payment_status, fulfilment_status, fulfilment_method,
                return_status, promotions, order_discount, note, approver, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 'paid', ?15, ?16,
                     'none', ?17, ?18, ?19, ?20, ?21) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            o.id,
            o.cart_id,
            o.receipt_number,
            o.location_id,
            ctx.device_id,
            o.shift_id,
            ctx.actor,
            o.customer_id,
            o.currency,
            o.tax_mode,
            o.subtotal,
            o.discount_total,
            o.tax_total,
            o.total,
            if o.fulfilment_method == "take_away" {
                "fulfilled"
            } else {
                "unfulfilled"
            },
            o.fulfilment_method,
            serde_json::to_string(&o.promotions).unwrap_or_else(|_| "[]".into()),
            o.order_discount,
            o.note,
            o.approver,
            ctx.at
        ])? == 1;
    if new {
        crate::sales::roll_order(tx, &o.id, 1)?;
    }
    crate::sales::roll_responses_nps(tx, &tied, 1)?;
    Ok(new)
}

/// Inserts an order line at `position` with its discounts and taxes.
pub(crate) fn insert_order_line(
    tx: &Connection,
    order_id: &str,
    position: usize,
    l: &OrderLineFact,
) -> StoreResult<bool> {
    let tied = crate::sales::responses_of_order(tx, order_id, None)?;
    crate::sales::roll_responses_nps(tx, &tied, -1)?;
    let n = tx
        .prepare_cached(
            "INSERT INTO order_line (id, order_id, position, variant_id, sku, title,
                quantity, unit_price, price_source, gross, discount_total, net, tax_rate_milli,
                tax, total, points_earned, sale_unit)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            l.id,
            order_id,
            position as i64,
            l.variant_id,
            l.sku,
            l.title,
            l.quantity,
            l.unit_price,
            l.price_source,
            l.gross,
            l.discount_total,
            l.net,
            l.tax_rate_milli,
            l.tax,
            l.total,
            l.points_earned,
            l.sale_unit
        ])?;
    crate::sales::roll_responses_nps(tx, &tied, 1)?;
    if n == 0 {
        return Ok(false);
    }
    crate::sales::roll_line(tx, &l.id)?;
    for (k, d) in l.discounts.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO order_line_discount (line_id, position, source, amount)
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (line_id, position) DO NOTHING",
        )?
        .execute(params![l.id, k as i64, d.source, d.amount])?;
    }
    for t in &l.taxes {
        tx.prepare_cached(
            "INSERT INTO order_line_tax (line_id, rate_milli, amount) VALUES (?1, ?2, ?3) ON CONFLICT (line_id, rate_milli) DO NOTHING",
        )?
        .execute(params![l.id, t.rate_milli, t.amount])?;
    }
    Ok(true)
}

/// Every row of a completed sale but its gift cards (the caller inserts those first: a printed
/// code may clash). `false` when the order was already here (nothing is written again).
pub(crate) fn insert_sale(tx: &Connection, ctx: Ctx, s: &SaleCompletedV2) -> StoreResult<bool> {
    if !insert_order(tx, ctx, &s.order)? {
        return Ok(false);
    }
    let o = &s.order;
    let owner = Owner {
        order_id: Some(&o.id),
        return_id: None,
        shift_id: o.shift_id.as_deref(),
        location_id: &o.location_id,
    };
    for (i, l) in s.lines.iter().enumerate() {
        insert_order_line(tx, &o.id, i, l)?;
    }
    for p in &s.payments {
        insert_payment(tx, ctx, owner, p)?;
    }
    for l in &s.ledger {
        insert_ledger(tx, ctx, owner, l)?;
    }
    for m in &s.movements {
        insert_movement(tx, ctx, Some(&o.id), m)?;
    }
    Ok(true)
}

/// Every row of a void, then the order's derived state.
pub(crate) fn insert_void(tx: &Connection, ctx: Ctx, v: &SaleVoidedV2) -> StoreResult<()> {
    let owner = Owner {
        order_id: Some(&v.order_id),
        return_id: None,
        shift_id: v.shift_id.as_deref(),
        location_id: &v.location_id,
    };
    for p in &v.payments {
        insert_payment(tx, ctx, owner, p)?;
    }
    for l in &v.ledger {
        insert_ledger(tx, ctx, owner, l)?;
    }
    for m in &v.movements {
        insert_movement(tx, ctx, Some(&v.order_id), m)?;
    }
    // The earliest void stands (two tills may void one sale; whichever arrives first). The
    // sales rollups lose the order when this void is the one that voids it.
    let was_live: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM sale_order WHERE id = ?1 AND voided_at IS NULL)",
        )?
        .query_row([&v.order_id], |r| r.get(0))?;
    if was_live {
        crate::sales::roll_order(tx, &v.order_id, -1)?;
    }
    tx.prepare_cached(
        "UPDATE sale_order SET voided_at = MIN(COALESCE(voided_at, ?2), ?2) WHERE id = ?1",
    )?
    .execute(params![v.order_id, ctx.at])?;
    deactivate_voided_cards(tx, &v.order_id, ctx.at)?;
    refresh_order(tx, &v.order_id)
}

/// A gift card sold on a voided sale (its `issue` row names the order) is dead from the void
/// on: the void is the fact, the deactivation follows from it. A card that only paid for the
/// sale gets its money back and stays live.
pub(crate) fn deactivate_voided_cards(tx: &Connection, order_id: &str, at: i64) -> StoreResult<()> {
    tx.prepare_cached(
        "UPDATE gift_card SET deactivated_at = MIN(COALESCE(deactivated_at, ?2), ?2)
         WHERE id IN (SELECT gift_card_id FROM gift_card_txn WHERE order_id = ?1 AND kind = 'issue')",
    )?
    .execute(params![order_id, at])?;
    Ok(())
}

/// Opens a till's shift and hands it the rows that till wrote while no shift was open at that
/// location (its own sales, returns and their payments, never another till's). Returns how
/// many orders it claimed. Deterministic wherever it runs: a till's ops arrive in its order.
pub(crate) fn open_shift(tx: &Connection, ctx: Ctx, s: &ShiftOpenedV1) -> StoreResult<usize> {
    tx.prepare_cached(
        "INSERT INTO shift (id, number, location_id, device_id, opened_by, opened_at,
             float_minor, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'open') ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![
        s.id,
        s.number,
        s.location_id,
        ctx.device_id,
        ctx.actor,
        ctx.at,
        s.float
    ])?;
    let orders = tx
        .prepare_cached(
            "UPDATE sale_order SET shift_id = ?1
             WHERE shift_id IS NULL AND location_id = ?2 AND device_id = ?3",
        )?
        .execute(params![s.id, s.location_id, ctx.device_id])?;
    tx.prepare_cached(
        "UPDATE sale_return SET shift_id = ?1
         WHERE shift_id IS NULL AND location_id = ?2 AND device_id = ?3",
    )?
    .execute(params![s.id, s.location_id, ctx.device_id])?;
    tx.prepare_cached(
        "UPDATE payment SET shift_id = ?1
         WHERE shift_id IS NULL AND location_id = ?2
           AND (order_id IN (SELECT id FROM sale_order WHERE device_id = ?3)
                OR return_id IN (SELECT id FROM sale_return WHERE device_id = ?3))",
    )?
    .execute(params![s.id, s.location_id, ctx.device_id])?;
    Ok(orders)
}

/// Cash put into (+) or taken out of (−) a shift's drawer.
pub(crate) fn insert_cash_movement(tx: &Connection, ctx: Ctx, c: &CashMovedV1) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO cash_movement (id, shift_id, amount, reason, staff_id, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![
        c.id, c.shift_id, c.amount, c.reason, ctx.actor, ctx.at
    ])?;
    Ok(())
}

/// Closes a shift with its Z report (JSON text, immutable from here on).
pub(crate) fn close_shift(
    tx: &Connection,
    ctx: Ctx,
    shift_id: &str,
    z: &backroom_api::ZReport,
) -> StoreResult<()> {
    let text = serde_json::to_string(z)
        .map_err(|e| crate::StoreError::invalid("z_report", "encode", e.to_string()))?;
    tx.prepare_cached(
        "UPDATE shift SET status = 'closed', closed_by = ?1, closed_at = ?2, counted_cash = ?3,
             z_report = ?4, variance_reason = ?5, variance_approver = ?6
         WHERE id = ?7 AND status = 'open'",
    )?
    .execute(params![
        ctx.actor,
        ctx.at,
        z.counted_cash,
        text,
        z.variance_reason,
        z.variance_approver,
        shift_id
    ])?;
    Ok(())
}

/// Moves an order along its fulfilment axis (a voided order stays unfulfilled).
pub(crate) fn set_fulfilment(tx: &Connection, order_id: &str, status: &str) -> StoreResult<()> {
    tx.prepare_cached(
        "UPDATE sale_order SET fulfilment_status = ?2 WHERE id = ?1 AND voided_at IS NULL",
    )?
    .execute(params![order_id, status])?;
    Ok(())
}

/// Marks a gift card dead from `at` on (the earliest deactivation stands, whatever order they
/// arrive in).
pub(crate) fn deactivate_card(tx: &Connection, id: &str, at: i64) -> StoreResult<()> {
    tx.prepare_cached(
        "UPDATE gift_card SET deactivated_at = MIN(COALESCE(deactivated_at, ?2), ?2) WHERE id = ?1",
    )?
    .execute(params![id, at])?;
    Ok(())
}

/// A return's own row.
pub(crate) fn insert_return(tx: &Connection, ctx: Ctx, r: &ReturnFact) -> StoreResult<bool> {
    Ok(tx
        .prepare_cached(
            "INSERT INTO sale_return (id, number, order_id, exchange_order_id, location_id,
                shift_id, staff_id, customer_id, refund_total, restocking_fee, approver, note,
                created_at, device_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            r.id,
            r.number,
            r.order_id,
            r.exchange_order_id,
            r.location_id,
            r.shift_id,
            ctx.actor,
            r.customer_id,
            r.refund_total,
            r.restocking_fee,
            r.approver,
            r.note,
            ctx.at,
            ctx.device_id
        ])?
        == 1)
}

/// A returned line of `return_id`.
pub(crate) fn insert_return_line(
    tx: &Connection,
    return_id: &str,
    l: &ReturnLineFact,
) -> StoreResult<bool> {
    let new = tx
        .prepare_cached(
            "INSERT INTO return_line (id, return_id, order_line_id, variant_id, quantity,
                reason_code, disposition, refund_amount, tax_amount, points_reversed, tax_rate_milli)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            l.id,
            return_id,
            l.order_line_id,
            l.variant_id,
            l.quantity,
            l.reason_code,
            l.disposition,
            l.refund_amount,
            l.tax_amount,
            l.points_reversed,
            l.tax_rate_milli
        ])?
        == 1;
    if new {
        crate::sales::roll_return_line(tx, &l.id)?;
    }
    Ok(new)
}

/// An order's derived state, recomputed from its facts: each line's `returned_qty` is the sum
/// of its return lines; the order is `voided` once a void fact names it, otherwise `returned` /
/// `refunded` when every unit came back, `partially_…` when some did. A return and a void made
/// on two tills both stay (the void wins the status; `check` reports the pair).
pub(crate) fn refresh_order(tx: &Connection, order_id: &str) -> StoreResult<()> {
    tx.prepare_cached(
        "UPDATE order_line SET returned_qty =
             (SELECT COALESCE(SUM(r.quantity), 0) FROM return_line r WHERE r.order_line_id = order_line.id)
         WHERE order_id = ?1",
    )?
    .execute([order_id])?;
    tx.prepare_cached(
        "UPDATE sale_order SET
             return_status = CASE
                 WHEN t.back = 0 THEN 'none' WHEN t.back >= t.sold THEN 'returned'
                 ELSE 'partially_returned' END,
             payment_status = CASE
                 WHEN sale_order.voided_at IS NOT NULL THEN 'voided'
                 WHEN t.back = 0 THEN 'paid' WHEN t.back >= t.sold THEN 'refunded'
                 ELSE 'partially_refunded' END,
             fulfilment_status = CASE
                 WHEN sale_order.voided_at IS NOT NULL THEN 'unfulfilled'
                 ELSE fulfilment_status END
         FROM (SELECT COALESCE(SUM(quantity), 0) AS sold, COALESCE(SUM(returned_qty), 0) AS back
               FROM order_line WHERE order_id = ?1) AS t
         WHERE sale_order.id = ?1",
    )?
    .execute([order_id])?;
    Ok(())
}

/// A drafted transfer and its lines. A variant twice on one transfer is refused (the field is
/// the line's).
pub(crate) fn insert_transfer(tx: &Connection, ctx: Ctx, t: &TransferCreatedV1) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO transfer (id, number, from_location_id, to_location_id, status, note, created_at, to_store)
         VALUES (?1, ?2, ?3, ?4, 'draft', ?5, ?6, ?7) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![t.id, t.number, t.from_location_id, t.to_location_id, t.note, ctx.at, t.to_store])?;
    for (i, l) in t.lines.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO transfer_line (transfer_id, variant_id, quantity) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![t.id, l.variant_id, l.quantity])
        .map_err(|e| {
            crate::error::unique_violation(
                e,
                &format!("lines[{i}].variant_id"),
                "that item is on the transfer twice",
            )
        })?;
    }
    Ok(())
}

/// A transfer's state after one of its steps, from the step's movements (already in the
/// ledger): each line's `received` grows by its `transfer_in` movements into `available`; a
/// closing receipt records what never arrived as the line's discrepancy.
pub(crate) fn transfer_progress(
    tx: &Connection,
    ctx: Ctx,
    id: &str,
    step: TransferStep,
    closes: bool,
    movements: &[MovementFact],
) -> StoreResult<()> {
    for m in movements
        .iter()
        .filter(|m| m.reason == "transfer_in" && m.state == "available")
    {
        tx.prepare_cached(
            "UPDATE transfer_line SET received = received + ?3 WHERE transfer_id = ?1 AND variant_id = ?2",
        )?
        .execute(params![id, m.variant_id, m.delta])?;
    }
    let (status, column) = match step {
        TransferStep::Sent => (TransferStatus::InTransit, Some("sent_at")),
        TransferStep::Received if closes => (TransferStatus::Received, Some("closed_at")),
        TransferStep::Received => (TransferStatus::PartiallyReceived, None),
        TransferStep::RemainderCancelled => (TransferStatus::Received, Some("closed_at")),
        TransferStep::Cancelled => (TransferStatus::Cancelled, Some("closed_at")),
    };
    if step == TransferStep::Received && closes {
        tx.prepare_cached(
            "UPDATE transfer_line SET discrepancy = quantity - received WHERE transfer_id = ?1",
        )?
        .execute([id])?;
    }
    tx.prepare_cached("UPDATE transfer SET status = ?2 WHERE id = ?1")?
        .execute(params![id, status.as_str()])?;
    if let Some(col) = column {
        tx.execute(
            &format!("UPDATE transfer SET {col} = ?2 WHERE id = ?1"),
            params![id, ctx.at],
        )?;
    }
    Ok(())
}

/// A count started.
pub(crate) fn insert_count(tx: &Connection, ctx: Ctx, c: &CountStartedV1) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO stock_count (id, location_id, category_id, status, started_at)
         VALUES (?1, ?2, ?3, 'open', ?4) ON CONFLICT (id) DO NOTHING",
    )?
    .execute(params![c.id, c.location_id, c.category_id, ctx.at])?;
    Ok(())
}

/// An item counted: a typed quantity sets the line, a scan adds to it; the first record's
/// snapshot stays. Returns the line's count.
pub(crate) fn record_count(tx: &Connection, ctx: Ctx, r: &CountRecordedV2) -> StoreResult<i64> {
    tx.prepare_cached(
        "INSERT INTO stock_count_line (count_id, variant_id, counted, snapshot, counted_at)
         VALUES (?1, ?2, COALESCE(?3, 0) + COALESCE(?4, 0), ?5, ?6)
         ON CONFLICT (count_id, variant_id) DO UPDATE SET
             counted = COALESCE(?3, counted + COALESCE(?4, 0)),
             snapshot = CASE WHEN ?3 IS NULL THEN snapshot ELSE excluded.snapshot END,
             counted_at = excluded.counted_at",
    )?
    .execute(params![
        r.count_id,
        r.variant_id,
        r.set,
        r.add,
        r.snapshot,
        ctx.at
    ])?;
    Ok(tx
        .prepare_cached(
            "SELECT counted FROM stock_count_line WHERE count_id = ?1 AND variant_id = ?2",
        )?
        .query_row(params![r.count_id, r.variant_id], |row| row.get(0))?)
}

/// A count closed: `applied` (its corrections are already in the ledger) or `cancelled`.
pub(crate) fn close_count(tx: &Connection, ctx: Ctx, id: &str, status: &str) -> StoreResult<()> {
    tx.prepare_cached(
        "UPDATE stock_count SET status = ?2, closed_at = ?3 WHERE id = ?1 AND status = 'open'",
    )?
    .execute(params![id, status, ctx.at])?;
    Ok(())
}
