//! The counter sale: price a cart (price lists, promotions, discounts, tax per line), settle
//! split tenders, and complete it as one transaction — order, lines, tax and discount lines,
//! payments, stock movements, gift-card / store-credit / loyalty ledger entries, audit and outbox.
//!
//! Completing is idempotent on the till's `cart_id`: a retry returns the order already made.
//! The receipt number (`STORE-DEVICE-counter`) is for people and is never used as a key. A sale
//! made while no shift is open is left unassigned and lands in the next shift opened on that
//! till, so closing a shift never blocks selling.

use backroom_domain::allocate::allocate;
use backroom_domain::barcode::EmbeddedKind;
use backroom_domain::cash::{tender_status, ROUNDING_TENDER};
use backroom_domain::money::div_round_half_away;
use backroom_domain::pricing::{resolve_price, PriceContext};
use backroom_domain::sale::{
    price_cart, settle, CartLine, PricedCart, Promotion, PromotionKind, TenderKind,
};
use backroom_domain::staff::Permission;
use backroom_domain::stock::{MovementReason, StockState};
use backroom_domain::tax::TaxRate;
use backroom_domain::unit::SaleUnit;
use backroom_sync::body::{MovementFact, FACTS_VERSION};
use backroom_sync::catalog::PromotionCreatedV1;
use backroom_sync::facts::{
    FulfilmentSetV1, Ledger, LedgerFact, LineDiscountFact, LineTaxFact, OrderFact, OrderLineFact,
    PaymentFact, SaleCompletedV2, SaleVoidedV2,
};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use crate::auth::{actor_role, authorize};
use crate::customer::{
    credit_balance, customer_exists, issue_card, loyalty_balance, usable_gift_card,
};
use crate::facts::{self, Ctx, Owner};
use crate::location::{location_id, location_or_default};
use crate::stock::{apply_movements_of, Movement};
use crate::uow::{Change, Uow};
use crate::Approval;
use crate::{Settings, Store, StoreError, StoreResult};
use backroom_api::{
    CartQuote, OrderLineView, OrderView, PaymentView, QuoteLine, SaleInput, SaleLineInput,
    TenderView,
};

/// A line resolved against the catalogue.
struct Resolved {
    variant_id: String,
    sku: String,
    title: String,
    quantity: i64,
    unit_price: i64,
    price_source: String,
    tax_rate: TaxRate,
    tracked: bool,
    gift_card: bool,
    unit: SaleUnit,
}

fn promotions(conn: &Connection, now: i64) -> StoreResult<Vec<Promotion>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, code, kind, targets, combines, priority, min_subtotal FROM promotion
         WHERE active = 1 AND (starts_at IS NULL OR starts_at <= ?1) AND (ends_at IS NULL OR ?1 < ends_at)",
    )?;
    let rows = stmt.query_map([now], |r| {
        let kind: String = r.get(3)?;
        let targets: String = r.get(4)?;
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            kind,
            targets,
            r.get(5)?,
            r.get(6)?,
            r.get(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, name, code, kind, targets, combines, priority, min_subtotal): (
            String,
            String,
            Option<String>,
            String,
            String,
            bool,
            i32,
            i64,
        ) = row?;
        let Ok(kind) = serde_json::from_str::<PromotionKind>(&kind) else {
            continue;
        };
        out.push(Promotion {
            id,
            name,
            code,
            kind,
            targets: serde_json::from_str(&targets).unwrap_or_default(),
            combines,
            priority,
            min_subtotal,
        });
    }
    Ok(out)
}

fn list_price(
    conn: &Connection,
    variant: &str,
    base: i64,
    ctx: &PriceContext,
) -> StoreResult<(i64, String)> {
    let rules = crate::catalog::price_rules(conn, variant)?;
    let p = resolve_price(base, &rules, ctx);
    Ok((
        p.price_minor,
        p.list_id
            .map_or_else(|| "base".to_string(), |l| format!("list:{l}")),
    ))
}

/// Resolves one entered line: the variant (by SKU, barcode or embedded EAN-13), its price in
/// force, its tax rate.
fn resolve_line(
    conn: &Connection,
    settings: &Settings,
    ctx: &PriceContext,
    i: usize,
    l: &SaleLineInput,
) -> StoreResult<Resolved> {
    let field = |f: &str| format!("lines[{i}].{f}");
    if l.quantity <= 0 {
        return Err(StoreError::invalid(
            &field("quantity"),
            "not_positive",
            "quantity must be at least 1",
        ));
    }
    let found = crate::code::require_with(conn, &settings.embedded_rules, &l.sku, &field("sku"))?;
    let (variant, embedded) = (found.variant_id, found.embedded);
    let (sku, title, base, taxable, rate, tracked, gift_card, status, options, unit): (String, String, i64, bool, Option<i64>, bool, bool, String, String, String) = conn
        .prepare_cached(
            "SELECT v.sku, p.title, v.price_minor, v.taxable, t.rate_milli, v.inventory_tracked, p.is_gift_card, p.status,
                    v.option_values, v.sale_unit
             FROM variant v JOIN product p ON p.id = v.product_id LEFT JOIN tax_class t ON t.id = v.tax_class_id
             WHERE v.id = ?1",
        )?
        .query_row([&variant], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?)))?;
    let unit = SaleUnit::parse(&unit, &field("sku"))?;
    if status == "archived" {
        return Err(StoreError::invalid(
            &field("sku"),
            "archived",
            format!("{sku} is archived and cannot be sold"),
        ));
    }
    let (mut unit_price, mut source) = list_price(conn, &variant, base, ctx)?;
    // A label's quantity is kept: two identical price labels entered as quantity 2 are two
    // packs at the label's price each, never one with the quantity dropped.
    let mut quantity = l.quantity;
    if let Some((kind, value)) = embedded {
        match (kind, unit.from_grams(value)) {
            (EmbeddedKind::Price, _) => {
                unit_price = value;
                source = "embedded".into();
            }
            // Goods sold by weight: the label's weight is the quantity (and what leaves stock)
            // at the price per kg; quantity 2 is two labels of that weight.
            (EmbeddedKind::Weight, Some(weighed)) => {
                quantity = weighed.checked_mul(l.quantity).ok_or_else(|| {
                    StoreError::invalid(
                        &field("quantity"),
                        "out_of_range",
                        "quantity is unreasonably large",
                    )
                })?;
            }
            // A piece with a weight label (a pre-packed tray): one piece at the label's weight
            // × the shelf price per kilogram.
            (EmbeddedKind::Weight, None) => {
                unit_price =
                    div_round_half_away(i128::from(unit_price) * i128::from(value), 1000) as i64;
                source = "embedded".into();
            }
        }
    }
    if !unit.is_measure() && quantity <= 0 {
        return Err(StoreError::invalid(
            &field("quantity"),
            "not_positive",
            "quantity must be at least 1",
        ));
    }
    if let Some(p) = l.price_override {
        if p < 0 {
            return Err(StoreError::invalid(
                &field("price_override"),
                "negative",
                "price cannot be negative",
            ));
        }
        unit_price = p;
        source = "override".into();
    }
    let values: Vec<String> = serde_json::from_str(&options).unwrap_or_default();
    let title = if values.is_empty() {
        title
    } else {
        format!("{title} ({})", values.join(" / "))
    };
    Ok(Resolved {
        variant_id: variant,
        sku,
        title,
        quantity,
        unit_price,
        price_source: source,
        tax_rate: TaxRate(if taxable {
            match rate {
                Some(r) => r as u32,
                // A taxable variant without its own class sells under the store's default.
                None => default_rate(conn, settings)?,
            }
        } else {
            0
        }),
        tracked,
        gift_card,
        unit,
    })
}

/// The rate (thousandths of a percent) of the store's default tax class; 0 when none is set
/// (`check` lists the taxable variants that would then sell at 0 %).
pub(crate) fn default_rate(conn: &Connection, settings: &Settings) -> StoreResult<u32> {
    if settings.default_tax_class.is_empty() {
        return Ok(0);
    }
    let rate: Option<i64> = conn
        .prepare_cached("SELECT rate_milli FROM tax_class WHERE code = ?1")?
        .query_row([&settings.default_tax_class], |r| r.get(0))
        .optional()?;
    Ok(rate.unwrap_or(0) as u32)
}

fn price(
    conn: &Connection,
    settings: &Settings,
    input: &SaleInput,
    now: i64,
) -> StoreResult<(Vec<Resolved>, PricedCart, String, String)> {
    if input.lines.is_empty() {
        return Err(StoreError::invalid(
            "lines",
            "required",
            "the cart is empty",
        ));
    }
    let (loc_id, loc_code) = location_or_default(conn, &input.location)?;
    let group: Option<String> = match &input.customer_id {
        Some(c) => {
            customer_exists(conn, c, "customer_id")?;
            conn.query_row("SELECT group_code FROM customer WHERE id = ?1", [c], |r| {
                r.get(0)
            })?
        }
        None => None,
    };
    let ctx = PriceContext {
        at: now,
        customer_group: group,
        location: Some(loc_id.clone()),
    };
    let resolved = input
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| resolve_line(conn, settings, &ctx, i, l))
        .collect::<StoreResult<Vec<_>>>()?;
    let cart: Vec<CartLine> = resolved
        .iter()
        .zip(&input.lines)
        .map(|(r, l)| CartLine {
            variant_id: r.variant_id.clone(),
            quantity: r.quantity,
            unit_price: r.unit_price,
            tax_rate: r.tax_rate,
            line_discount: l.discount,
            unit: r.unit,
        })
        .collect();
    let promos = promotions(conn, now)?;
    let priced = price_cart(
        &cart,
        &promos,
        &input.promo_codes,
        input.order_discount,
        settings.tax_mode,
    )?;
    Ok((resolved, priced, loc_id, loc_code))
}

/// Next receipt number for a location on this device: `MAIN-7F3A-000042`.
pub(crate) fn next_number(uow: &Uow, prefix: &str) -> StoreResult<String> {
    let key = format!("{prefix}-{}", uow.device_code);
    let n: i64 = uow.tx.query_row(
        "INSERT INTO receipt_counter (name, next) VALUES (?1, 2) ON CONFLICT(name) DO UPDATE SET next = next + 1
         RETURNING next - 1",
        [&key],
        |r| r.get(0),
    )?;
    Ok(format!("{key}-{n:06}"))
}

pub(crate) fn open_shift(
    conn: &Connection,
    location_id: &str,
    device_id: &str,
) -> StoreResult<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM shift WHERE location_id = ?1 AND device_id = ?2 AND status = 'open'",
        )?
        .query_row(params![location_id, device_id], |r| r.get(0))
        .optional()?)
}

impl Store {
    /// Prices a cart without completing it (no write).
    pub fn quote(&self, input: &SaleInput) -> StoreResult<CartQuote> {
        let settings = self.settings()?;
        let (resolved, priced, _, _) = price(&self.conn, settings, input, self.now())?;
        Ok(CartQuote {
            lines: resolved
                .iter()
                .zip(&priced.lines)
                .map(|(r, p)| QuoteLine {
                    sku: r.sku.clone(),
                    title: r.title.clone(),
                    quantity: r.quantity,
                    sale_unit: r.unit.as_str().to_string(),
                    unit_price: r.unit_price,
                    discount_total: p.discount_total,
                    tax: p.tax,
                    total: p.total,
                })
                .collect(),
            subtotal: priced.subtotal,
            discount_total: priced.discount_total,
            tax_total: priced.tax_total,
            total: priced.total,
            unknown_codes: {
                let now = self.clock.now_ms();
                let mut unknown = Vec::new();
                for code in &input.promo_codes {
                    let known: bool = self.conn.query_row(
                        "SELECT EXISTS(SELECT 1 FROM promotion WHERE active = 1 AND lower(code) = lower(?1)
                           AND (starts_at IS NULL OR starts_at <= ?2) AND (ends_at IS NULL OR ?2 < ends_at))",
                        params![code.trim(), now],
                        |r| r.get(0),
                    )?;
                    if !known {
                        unknown.push(code.clone());
                    }
                }
                unknown
            },
            // Names, for people; the order keeps the ids.
            promotions: priced
                .promotions
                .iter()
                .map(|id| {
                    self.conn
                        .query_row("SELECT name FROM promotion WHERE id = ?1", [id], |r| {
                            r.get(0)
                        })
                        .map_err(StoreError::from)
                })
                .collect::<StoreResult<Vec<String>>>()?,
            tenders: {
                // What was typed so far: unknown kinds and negative amounts count for nothing
                // (completing the sale names them).
                let typed: Vec<(TenderKind, i64)> = input
                    .tenders
                    .iter()
                    .filter_map(|t| {
                        TenderKind::parse(&t.kind)
                            .ok()
                            .map(|k| (k, t.amount.max(0)))
                    })
                    .collect();
                let (non_cash, cash) = backroom_domain::sale::tender_sums(&typed);
                let s = tender_status(priced.total, non_cash, cash, settings.cash_rounding);
                TenderView {
                    paid: s.paid,
                    due: s.due,
                    cash_due: s.cash_due,
                    rounding: s.rounding,
                    change_due: s.change,
                    coin: settings.cash_rounding.increment,
                }
            },
        })
    }

    /// Completes a sale. See the module docs for what one completion writes.
    pub fn complete_sale(&mut self, input: SaleInput) -> StoreResult<OrderView> {
        let cart_id = input.cart_id.trim().to_string();
        if cart_id.is_empty() {
            return Err(StoreError::invalid(
                "cart_id",
                "required",
                "a cart id is required (the till makes one per cart)",
            ));
        }
        if let Some(id) = self.order_id_by_cart(&cart_id)? {
            return self.order(&id);
        }
        let settings = self.settings()?.clone();
        let order_id = self.write(|uow| {
            let sale = write_sale(uow, &settings, &input, 0)?;
            let mut change = Change::new("sale.completed", "order", sale.order_id.clone())
                .after(json!({"receipt_number": sale.receipt_number, "total": sale.total, "change_due": sale.change_due}))
                .facts(FACTS_VERSION, &sale.facts)?;
            change.approver = sale.approver;
            Ok((sale.order_id, change))
        })?;
        self.order(&order_id)
    }

    fn order_id_by_cart(&self, cart_id: &str) -> StoreResult<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM sale_order WHERE cart_id = ?1
                 AND device_id = (SELECT id FROM device WHERE is_self = 1)",
                [cart_id],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// A customer's orders, newest first.
    pub fn customer_orders(&self, customer: &str) -> StoreResult<Vec<OrderView>> {
        crate::customer::customer_exists(&self.conn, customer, "customer")?;
        let ids: Vec<String> = self
            .conn
            .prepare("SELECT id FROM sale_order WHERE customer_id = ?1 ORDER BY created_at DESC")?
            .query_map([customer], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.iter().map(|id| order_view(&self.conn, id)).collect()
    }

    /// An order by id or receipt number.
    pub fn order(&self, key: &str) -> StoreResult<OrderView> {
        order_view(&self.conn, key)
    }

    /// Parks a cart (no tenders are kept) to resume later. Returns the parked id.
    pub fn park_cart(&mut self, label: &str, mut input: SaleInput) -> StoreResult<String> {
        if input.lines.is_empty() {
            return Err(StoreError::invalid(
                "lines",
                "required",
                "nothing to park: the cart is empty",
            ));
        }
        for (i, l) in input.lines.iter().enumerate() {
            if !(1..=backroom_domain::sale::MAX_LINE_QUANTITY).contains(&l.quantity) {
                return Err(StoreError::invalid(
                    &format!("lines[{i}].quantity"),
                    "not_positive",
                    "a parked line needs a quantity of at least 1",
                ));
            }
        }
        input.tenders.clear();
        input.approval = None;
        self.write(|uow| {
            authorize(uow, Permission::Sell, None)?;
            let (loc_id, _) = location_or_default(&uow.tx, &input.location)?;
            let id = uow.new_id();
            // The sale of this cart is what unparks it (see `write_sale`); parking a resumed
            // cart again replaces its earlier version, so one cart is parked once.
            if input.cart_id.trim().is_empty() {
                input.cart_id = format!("parked:{id}");
            }
            uow.tx.execute(
                "DELETE FROM parked_cart WHERE cart_id = ?1 AND cart_id <> ''",
                [input.cart_id.trim()],
            )?;
            let label = if label.trim().is_empty() { format!("parked {}", &id[..8]) } else { label.trim().to_string() };
            let body = serde_json::to_string(&input).map_err(|e| StoreError::invalid("cart", "invalid", e.to_string()))?;
            uow.tx.execute(
                "INSERT INTO parked_cart (id, location_id, staff_id, label, body, created_at, cart_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, loc_id, uow.actor, label, body, uow.now, input.cart_id.trim()],
            )?;
            let change = Change::local("cart.parked", "cart", id.clone()).after(json!({"label": label, "lines": input.lines.len()}));
            Ok((id, change))
        })
    }

    /// Parked carts: (id, label, lines).
    pub fn parked_carts(&self) -> StoreResult<Vec<(String, String, usize)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, label, body FROM parked_cart ORDER BY created_at")?;
        let rows = stmt
            .query_map([], |r| {
                let body: String = r.get(2)?;
                let lines = serde_json::from_str::<SaleInput>(&body)
                    .map(|s| s.lines.len())
                    .unwrap_or(0);
                Ok((r.get(0)?, r.get(1)?, lines))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Takes a parked cart back to the till. It stays parked until the sale of its cart is
    /// written (completing it removes it), so a resume that fails on the way loses nothing; the
    /// cart keeps its `cart_id`, so completing it on two tills still makes one order.
    pub fn resume_cart(&mut self, id: &str) -> StoreResult<SaleInput> {
        self.write(|uow| {
            let body: String = uow
                .tx
                .query_row("SELECT body FROM parked_cart WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .optional()?
                .ok_or_else(|| StoreError::not_found("id", "parked cart", id))?;
            let cart: SaleInput = serde_json::from_str(&body)
                .map_err(|e| StoreError::invalid("id", "corrupt", e.to_string()))?;
            Ok((cart, Change::local("cart.resumed", "cart", id)))
        })
    }

    /// Voids a completed sale (a new fact): stock comes back, payments are reversed, ledger
    /// entries are reversed. Refused once anything was returned or a sold gift card was spent.
    pub fn void_sale(
        &mut self,
        key: &str,
        reason: &str,
        approval: Option<&Approval>,
    ) -> StoreResult<OrderView> {
        if reason.trim().is_empty() {
            return Err(StoreError::invalid(
                "reason",
                "required",
                "say why the sale is voided",
            ));
        }
        let id = self.write(|uow| {
            let approver = authorize(uow, Permission::VoidSale, approval)?;
            let o = order_view(&uow.tx, key)?;
            if o.payment_status == "voided" {
                return Err(StoreError::invalid("order", "already_voided", format!("{} is already voided", o.receipt_number)));
            }
            if o.return_status != "none" {
                return Err(StoreError::invalid("order", "has_returns", format!("{} has returns; return the rest instead", o.receipt_number)));
            }
            let loc_id = location_id(&uow.tx, &o.location)?;
            let shift = open_shift(&uow.tx, &loc_id, uow.device_id)?;
            // Gift cards sold on this order must be untouched.
            let sold: Vec<(String, i64, i64)> = uow
                .tx
                .prepare("SELECT g.id, g.initial_amount, (SELECT SUM(amount) FROM gift_card_txn t WHERE t.gift_card_id = g.id) FROM gift_card g JOIN gift_card_txn t0 ON t0.gift_card_id = g.id AND t0.kind = 'issue' AND t0.order_id = ?1")?
                .query_map([&o.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?;
            let mut ledger = Vec::new();
            let back = |l: Ledger, account: String, amount: i64| {
                LedgerFact::new(uow.new_id(), l, &account, amount, "void")
            };
            for (card, initial, balance) in &sold {
                if balance != initial {
                    return Err(StoreError::invalid("order", "gift_card_used", "a gift card sold on this sale has been spent"));
                }
                ledger.push(back(Ledger::GiftCard, card.clone(), -initial));
            }
            // Reverse the balance rows the sale wrote.
            for (l, sql) in [
                (Ledger::GiftCard, "SELECT gift_card_id, amount FROM gift_card_txn WHERE order_id = ?1 AND kind = 'redeem' ORDER BY id"),
                (Ledger::StoreCredit, "SELECT customer_id, amount FROM store_credit_txn WHERE order_id = ?1 AND kind = 'redeem' ORDER BY id"),
                (Ledger::Loyalty, "SELECT customer_id, points FROM loyalty_txn WHERE order_id = ?1 AND kind IN ('earn', 'redeem') ORDER BY id"),
            ] {
                let rows: Vec<(String, i64)> = uow
                    .tx
                    .prepare(sql)?
                    .query_map([&o.id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?;
                for (owner, amount) in rows {
                    ledger.push(back(l, owner, -amount));
                }
            }
            let payments: Vec<PaymentFact> = o
                .payments
                .iter()
                .filter(|p| p.kind == "sale" || p.kind == "change")
                .map(|p| PaymentFact {
                    reference: p.reference.clone(),
                    ..PaymentFact::plain(uow.new_id(), "void", &p.tender, -p.amount)
                })
                .collect();
            // Stock: undo the order's own movements exactly.
            let moves: Vec<(String, String, String, i64)> = uow
                .tx
                .prepare("SELECT variant_id, location_id, state, delta FROM stock_movement WHERE order_id = ?1 AND reason IN ('sale', 'fulfilment') ORDER BY id")?
                .query_map([&o.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
                .collect::<Result<_, _>>()?;
            let movements: Vec<MovementFact> = moves
                .into_iter()
                .filter(|m| m.3 != 0)
                .map(|(v, l, s, d)| MovementFact {
                    id: uow.new_id(),
                    variant_id: v,
                    location_id: l,
                    state: s,
                    delta: -d,
                    reason: MovementReason::Void.as_str().to_string(),
                    reference: o.receipt_number.clone(),
                    note: reason.trim().to_string(),
                })
                .collect();
            let void = SaleVoidedV2 {
                order_id: o.id.clone(),
                reason: reason.trim().to_string(),
                location_id: loc_id,
                shift_id: shift,
                payments,
                ledger,
                movements,
            };
            facts::insert_void(&uow.tx, Ctx::from(&*uow), &void)?;
            let mut change = Change::new("sale.voided", "order", o.id.clone())
                .before(json!({"payment_status": o.payment_status}))
                .after(json!({"payment_status": "voided", "reason": reason.trim()}))
                .facts(FACTS_VERSION, &void)?;
            change.approver = approver;
            Ok((o.id, change))
        })?;
        self.order(&id)
    }

    /// Moves an order along the fulfilment axis: unfulfilled → ready_for_pickup → picked_up,
    /// or unfulfilled → shipped. Committed stock leaves when the goods do.
    pub fn set_fulfilment(&mut self, key: &str, status: &str) -> StoreResult<OrderView> {
        let id = self.write(|uow| {
            authorize(uow, Permission::Sell, None)?;
            let o = order_view(&uow.tx, key)?;
            let ok = matches!(
                (o.fulfilment_status.as_str(), status),
                ("unfulfilled", "ready_for_pickup") | ("ready_for_pickup", "picked_up") | ("unfulfilled", "shipped")
            );
            if !ok || o.payment_status == "voided" {
                return Err(StoreError::invalid("status", "invalid_transition", format!("an order {} cannot become {status}", o.fulfilment_status)));
            }
            let mut facts = Vec::new();
            if status == "picked_up" || status == "shipped" {
                let loc_id = location_id(&uow.tx, &o.location)?;
                let lines: Vec<(String, i64, bool)> = uow
                    .tx
                    .prepare("SELECT l.variant_id, l.quantity, v.inventory_tracked FROM order_line l JOIN variant v ON v.id = l.variant_id WHERE l.order_id = ?1")?
                    .query_map([&o.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<Result<_, _>>()?;
                let movements: Vec<Movement> = lines
                    .into_iter()
                    .filter(|l| l.2)
                    .map(|(v, q, _)| Movement {
                        variant_id: v,
                        location_id: loc_id.clone(),
                        state: StockState::Committed,
                        delta: -q,
                        reason: MovementReason::Fulfilment,
                        reference: o.receipt_number.clone(),
                        note: status.into(),
                    })
                    .collect();
                facts = apply_movements_of(uow, Some(&o.id), &movements)?;
            }
            facts::set_fulfilment(&uow.tx, &o.id, status)?;
            let change = Change::new("order.fulfilment_set", "order", o.id.clone())
                .before(json!({"fulfilment_status": o.fulfilment_status}))
                .after(json!({"fulfilment_status": status}))
                .facts(1, &FulfilmentSetV1 { order_id: o.id.clone(), status: status.to_string(), movements: facts })?;
            Ok((o.id, change))
        })?;
        self.order(&id)
    }

    /// Creates a promotion (automatic when `code` is `None`).
    #[allow(clippy::too_many_arguments)]
    pub fn create_promotion(
        &mut self,
        name: &str,
        code: Option<&str>,
        kind: PromotionKind,
        target_skus: &[String],
        combines: bool,
        priority: i32,
        min_subtotal: i64,
        window: (Option<i64>, Option<i64>),
    ) -> StoreResult<String> {
        if name.trim().is_empty() {
            return Err(StoreError::invalid(
                "name",
                "required",
                "a promotion needs a name",
            ));
        }
        match &kind {
            PromotionKind::Percent { bp } | PromotionKind::BuyXGetY { bp, .. }
                if *bp == 0 || *bp > 10_000 =>
            {
                return Err(StoreError::invalid(
                    "kind",
                    "out_of_range",
                    "a percentage is between 0.01% and 100%",
                ))
            }
            PromotionKind::Fixed { amount } if *amount <= 0 => {
                return Err(StoreError::invalid(
                    "kind",
                    "not_positive",
                    "a fixed promotion needs a positive amount",
                ))
            }
            PromotionKind::BuyXGetY { buy, get, .. } if *buy == 0 || *get == 0 => {
                return Err(StoreError::invalid(
                    "kind",
                    "invalid",
                    "buy and get must both be at least 1",
                ))
            }
            _ => {}
        }
        self.write(|uow| {
            authorize(uow, Permission::ManageCatalog, None)?;
            let targets = target_skus
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    crate::code::variant_id(&uow.tx, s)
                        .map_err(|_| StoreError::not_found(&format!("targets[{i}]"), "variant", s))
                })
                .collect::<StoreResult<Vec<_>>>()?;
            let id = uow.new_id();
            if let Some(c) = code.map(str::trim) {
                crate::catalog::taken(
                    &uow.tx,
                    "SELECT EXISTS(SELECT 1 FROM promotion WHERE code = ?1)",
                    c,
                    "code",
                    "that promotion code is taken",
                )?;
            }
            let promo = PromotionCreatedV1 {
                id: id.clone(),
                name: name.trim().to_string(),
                code: code.map(|c| c.trim().to_string()),
                kind: json!(kind),
                targets: json!(targets),
                combines,
                priority: i64::from(priority),
                min_subtotal,
                starts_at: window.0,
                ends_at: window.1,
            };
            crate::master::insert_promotion(&uow.tx, &promo, promo.code.as_deref())?;
            Ok((
                id.clone(),
                Change::new("promotion.created", "promotion", id)
                    .after(json!(promo))
                    .facts(1, &promo)?,
            ))
        })
    }
}

/// What writing a sale produced.
pub(crate) struct WrittenSale {
    pub order_id: String,
    pub receipt_number: String,
    pub total: i64,
    pub change_due: i64,
    pub approver: Option<String>,
    /// Every row written, for the op body (`sale.completed` v2).
    pub facts: SaleCompletedV2,
}

/// Writes a completed sale inside a use-case. `credit` is value already brought by returned
/// goods in an exchange: it pays first, and the tenders settle only what remains.
pub(crate) fn write_sale(
    uow: &Uow,
    settings: &Settings,
    input: &SaleInput,
    credit: i64,
) -> StoreResult<WrittenSale> {
    let cart_id = input.cart_id.trim().to_string();
    let (resolved, priced, loc_id, loc_code) = price(&uow.tx, settings, input, uow.now)?;
    crate::staff::check_location(uow, &loc_id, &loc_code)?;
    // Permissions: selling, overrides, discounts (and discounts above the role's limit).
    let mut approver = authorize(uow, Permission::Sell, input.approval.as_ref())?;
    let mut need = |p: Permission, uow: &Uow| -> StoreResult<()> {
        if let Some(a) = authorize(uow, p, input.approval.as_ref())? {
            approver = Some(a);
        }
        Ok(())
    };
    if input.lines.iter().any(|l| l.price_override.is_some()) {
        need(Permission::PriceOverride, uow)?;
    }
    let manual: i64 = priced
        .lines
        .iter()
        .flat_map(|l| &l.discounts)
        .filter(|d| d.source == "manual" || d.source == "order")
        .map(|d| d.amount)
        .sum();
    if manual > 0 || !input.promo_codes.is_empty() {
        need(Permission::ApplyDiscount, uow)?;
    }
    if manual > 0 {
        let limit = actor_role(&uow.tx, uow.actor)?.map_or(10_000, |r| r.discount_limit_bp);
        let allowed =
            div_round_half_away(i128::from(priced.subtotal) * i128::from(limit), 10_000) as i64;
        if manual > allowed {
            need(Permission::DiscountAboveLimit, uow)?;
        }
    }
    let fulfilment_method = match input.fulfilment.trim() {
        "" | "take_away" => "take_away",
        "pickup" => "pickup",
        "ship" => "ship",
        other => {
            return Err(StoreError::invalid(
                "fulfilment",
                "invalid",
                format!("'{other}' is not take_away, pickup or ship"),
            ))
        }
    };

    // Tenders.
    let mut tenders = Vec::new();
    for (i, t) in input.tenders.iter().enumerate() {
        let kind = TenderKind::parse(&t.kind).map_err(|e| e.at(format!("tenders[{i}].kind")))?;
        tenders.push((kind, t.amount));
    }
    let due = (priced.total - credit).max(0);
    let (change_due, rounding) = if due == 0 && tenders.is_empty() {
        (0, 0)
    } else {
        let s = settle(due, &tenders, settings.cash_rounding)?;
        (s.change, s.rounding)
    };
    let customer = input.customer_id.as_deref();
    let order_id = uow.new_id();
    let receipt = next_number(uow, &loc_code)?;
    let shift = open_shift(&uow.tx, &loc_id, uow.device_id)?;
    let ctx = Ctx::from(uow);
    let owner = Owner {
        order_id: Some(&order_id),
        return_id: None,
        shift_id: shift.as_deref(),
        location_id: &loc_id,
    };
    let mut ledger = Vec::new();
    // Each balance row is written as soon as it is checked, so two tenders on one card or one
    // customer's credit see each other.
    let mut spend = |account: &str, l: Ledger, amount: i64| -> StoreResult<()> {
        let row = LedgerFact::new(uow.new_id(), l, account, amount, "redeem");
        facts::insert_ledger(&uow.tx, ctx, owner, &row)?;
        ledger.push(row);
        Ok(())
    };
    let mut loyalty_spent_minor = 0;
    // The card behind each gift-card tender, so a refund goes back to that very card, and the
    // points each loyalty tender redeemed, so a refund gives exactly those back.
    let mut cards: Vec<Option<String>> = vec![None; tenders.len()];
    let mut redeemed: Vec<Option<i64>> = vec![None; tenders.len()];
    for (i, (t, (kind, amount))) in input.tenders.iter().zip(&tenders).enumerate() {
        match kind {
            TenderKind::GiftCard => {
                let code = t.gift_card_code.as_deref().unwrap_or(&t.reference);
                let (card, balance) = usable_gift_card(
                    &uow.tx,
                    code,
                    uow.now,
                    &format!("tenders[{i}].gift_card_code"),
                )?;
                if balance < *amount {
                    return Err(StoreError::invalid(
                        &format!("tenders[{i}].amount"),
                        "insufficient_balance",
                        format!("gift card balance is {balance}"),
                    ));
                }
                spend(&card, Ledger::GiftCard, -amount)?;
                cards[i] = Some(card);
            }
            TenderKind::StoreCredit => {
                let c = customer.ok_or_else(|| {
                    StoreError::invalid(
                        &format!("tenders[{i}].kind"),
                        "customer_required",
                        "store credit needs a customer on the sale",
                    )
                })?;
                let balance = credit_balance(&uow.tx, c)?;
                if balance < *amount {
                    return Err(StoreError::invalid(
                        &format!("tenders[{i}].amount"),
                        "insufficient_credit",
                        format!("store credit balance is {balance}"),
                    ));
                }
                spend(c, Ledger::StoreCredit, -amount)?;
            }
            TenderKind::Loyalty => {
                let c = customer.ok_or_else(|| {
                    StoreError::invalid(
                        &format!("tenders[{i}].kind"),
                        "customer_required",
                        "loyalty points need a customer on the sale",
                    )
                })?;
                let value = settings.loyalty_point_value.max(1);
                let points = (amount + value - 1) / value;
                let balance = loyalty_balance(&uow.tx, c)?;
                if balance < points {
                    return Err(StoreError::invalid(
                        &format!("tenders[{i}].amount"),
                        "insufficient_points",
                        format!("the customer has {balance} points; {points} needed"),
                    ));
                }
                spend(c, Ledger::Loyalty, -points)?;
                loyalty_spent_minor += amount;
                redeemed[i] = Some(points);
            }
            TenderKind::Cash | TenderKind::Card => {}
        }
    }

    // Loyalty earned on what was paid with money, spread over the lines that earn it. Money
    // that only moves through a gift card earns once, when the card is spent: a gift card
    // bought earns nothing.
    let exp = settings.currency.exponent();
    let earning: Vec<i64> = priced
        .lines
        .iter()
        .zip(&resolved)
        .map(|(l, r)| if r.gift_card { 0 } else { l.total })
        .collect();
    let earnable = (earning.iter().sum::<i64>() - loyalty_spent_minor).max(0);
    let points = if customer.is_some() {
        earnable * settings.loyalty_points_per_unit / 10i64.pow(exp)
    } else {
        0
    };
    let line_points = allocate(points, &earning);

    // The sale of a parked cart unparks it, in the same transaction.
    uow.tx
        .prepare_cached("DELETE FROM parked_cart WHERE cart_id = ?1 AND cart_id <> ''")?
        .execute([&cart_id])?;
    let order = OrderFact {
        id: order_id.clone(),
        cart_id: cart_id.clone(),
        receipt_number: receipt.clone(),
        location_id: loc_id.clone(),
        shift_id: shift.clone(),
        customer_id: customer.map(str::to_string),
        currency: settings.currency.code().to_string(),
        tax_mode: settings.tax_mode.as_str().to_string(),
        subtotal: priced.subtotal,
        discount_total: priced.discount_total,
        tax_total: priced.tax_total,
        total: priced.total,
        fulfilment_method: fulfilment_method.to_string(),
        promotions: priced.promotions.clone(),
        order_discount: input
            .order_discount
            .map(|d| serde_json::to_string(&d).unwrap_or_default()),
        note: input.note.trim().to_string(),
        approver: approver.clone(),
    };
    if !facts::insert_order(&uow.tx, ctx, &order).map_err(|e| match e {
        StoreError::Db(e) => crate::error::unique_violation(
            e,
            "cart_id",
            "this till already sold that cart, or its receipt number is taken",
        ),
        other => other,
    })? {
        return Err(StoreError::invalid(
            "cart_id",
            "duplicate",
            "this till already sold that cart",
        ));
    }
    let mut movements = Vec::new();
    let mut lines = Vec::new();
    let mut gift_cards = Vec::new();
    for (i, ((r, p), l)) in resolved
        .iter()
        .zip(&priced.lines)
        .zip(&input.lines)
        .enumerate()
    {
        let line = OrderLineFact {
            id: uow.new_id(),
            variant_id: r.variant_id.clone(),
            sku: r.sku.clone(),
            title: r.title.clone(),
            quantity: r.quantity,
            sale_unit: r.unit.as_str().to_string(),
            unit_price: r.unit_price,
            price_source: r.price_source.clone(),
            gross: p.gross,
            discount_total: p.discount_total,
            net: p.net,
            tax_rate_milli: i64::from(r.tax_rate.0),
            tax: p.tax,
            total: p.total,
            points_earned: line_points[i],
            discounts: p
                .discounts
                .iter()
                .map(|d| LineDiscountFact {
                    source: d.source.clone(),
                    amount: d.amount,
                })
                .collect(),
            taxes: vec![LineTaxFact {
                rate_milli: i64::from(r.tax_rate.0),
                amount: p.tax,
            }],
        };
        facts::insert_order_line(&uow.tx, &order_id, i, &line)?;
        lines.push(line);
        if r.gift_card {
            let code = l.gift_card_code.as_deref().ok_or_else(|| {
                StoreError::invalid(
                    &format!("lines[{i}].gift_card_code"),
                    "required",
                    "selling a gift card needs the card's code",
                )
            })?;
            if r.quantity != 1 {
                return Err(StoreError::invalid(
                    &format!("lines[{i}].quantity"),
                    "one_card_per_line",
                    "sell one gift card per line",
                ));
            }
            let (card, issue) = issue_card(
                uow,
                code,
                p.total,
                customer,
                None,
                Some(&order_id),
                settings.currency.code(),
            )
            .map_err(|e| match e {
                StoreError::Invalid(f) => {
                    StoreError::Invalid(f.at(format!("lines[{i}].gift_card_code")))
                }
                other => other,
            })?;
            gift_cards.push(card);
            ledger.push(issue);
        } else if r.tracked {
            let m = Movement {
                variant_id: r.variant_id.clone(),
                location_id: loc_id.clone(),
                state: StockState::Available,
                delta: -r.quantity,
                reason: MovementReason::Sale,
                reference: receipt.clone(),
                note: String::new(),
            };
            movements.push(m.clone());
            if fulfilment_method != "take_away" {
                movements.push(Movement {
                    state: StockState::Committed,
                    delta: r.quantity,
                    ..m
                });
            }
        }
    }
    let mut payments = Vec::new();
    let mut pay = |p: PaymentFact| -> StoreResult<()> {
        facts::insert_payment(&uow.tx, ctx, owner, &p)?;
        payments.push(p);
        Ok(())
    };
    for (((t, (kind, amount)), card), points) in input
        .tenders
        .iter()
        .zip(&tenders)
        .zip(&cards)
        .zip(&redeemed)
    {
        pay(PaymentFact {
            id: uow.new_id(),
            kind: "sale".into(),
            tender: kind.as_str().to_string(),
            amount: *amount,
            reference: t.reference.trim().to_string(),
            gift_card_id: card.clone(),
            points: *points,
            refund_of: None,
        })?;
    }
    let money = |tender: &str, kind: &str, amount: i64| {
        PaymentFact::plain(uow.new_id(), kind, tender, amount)
    };
    if credit > 0 {
        pay(money("exchange", "sale", credit.min(priced.total)))?;
    }
    if rounding != 0 {
        // The cash part went to the nearest coin: the difference is its own payment, so the
        // payments still add up to the total and the drawer counts only coins.
        pay(money(ROUNDING_TENDER, "sale", rounding))?;
    }
    if change_due > 0 {
        pay(money("cash", "change", -change_due))?;
    }
    if points > 0 {
        if let Some(c) = customer {
            let row = LedgerFact::new(uow.new_id(), Ledger::Loyalty, c, points, "earn");
            facts::insert_ledger(&uow.tx, ctx, owner, &row)?;
            ledger.push(row);
        }
    }
    let movements = apply_movements_of(uow, Some(&order_id), &movements)?;
    Ok(WrittenSale {
        order_id,
        receipt_number: receipt,
        total: priced.total,
        change_due,
        approver,
        facts: SaleCompletedV2 {
            order,
            lines,
            payments,
            ledger,
            gift_cards,
            movements,
        },
    })
}

pub(crate) fn order_view(conn: &Connection, key: &str) -> StoreResult<OrderView> {
    let mut o = conn
        .query_row(
            "SELECT o.id, o.receipt_number, l.code, o.staff_id, o.customer_id, o.currency, o.tax_mode, o.created_at, o.subtotal,
                    o.discount_total, o.tax_total, o.total, o.payment_status, o.fulfilment_status, o.return_status, o.shift_id,
                    o.approver
             FROM sale_order o JOIN location l ON l.id = o.location_id WHERE o.id = ?1 OR o.receipt_number = ?1",
            [key.trim()],
            |r| {
                Ok(OrderView {
                    id: r.get(0)?,
                    receipt_number: r.get(1)?,
                    location: r.get(2)?,
                    staff_id: r.get(3)?,
                    customer_id: r.get(4)?,
                    currency: r.get(5)?,
                    tax_mode: r.get(6)?,
                    created_at: r.get(7)?,
                    subtotal: r.get(8)?,
                    discount_total: r.get(9)?,
                    tax_total: r.get(10)?,
                    total: r.get(11)?,
                    change_due: 0,
                    payment_status: r.get(12)?,
                    fulfilment_status: r.get(13)?,
                    return_status: r.get(14)?,
                    shift_id: r.get(15)?,
                    lines: Vec::new(),
                    payments: Vec::new(),
                    approver: r.get(16)?,
                    created_local: String::new(),
                })
            },
        )
        .optional()?
        .ok_or_else(|| StoreError::not_found("order", "order with id or receipt number", key))?;
    o.created_local = crate::local::format_local(o.created_at, &crate::local::store_zone(conn)?);
    let mut dstmt = conn.prepare_cached(
        "SELECT source, amount FROM order_line_discount WHERE line_id = ?1 ORDER BY position",
    )?;
    let mut lstmt = conn.prepare_cached(
        "SELECT id, sku, title, quantity, unit_price, price_source, gross, discount_total, tax_rate_milli, tax, total, returned_qty,
                sale_unit
         FROM order_line WHERE order_id = ?1 ORDER BY position",
    )?;
    let lines: Vec<OrderLineView> = lstmt
        .query_map([&o.id], |r| {
            Ok(OrderLineView {
                id: r.get(0)?,
                sku: r.get(1)?,
                title: r.get(2)?,
                quantity: r.get(3)?,
                unit_price: r.get(4)?,
                price_source: r.get(5)?,
                gross: r.get(6)?,
                discounts: Vec::new(),
                discount_total: r.get(7)?,
                tax_rate_milli: r.get(8)?,
                tax: r.get(9)?,
                total: r.get(10)?,
                returned_qty: r.get(11)?,
                sale_unit: r.get(12)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    for mut l in lines {
        l.discounts = dstmt
            .query_map([&l.id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        o.lines.push(l);
    }
    o.payments = conn
        .prepare_cached("SELECT kind, tender, amount, reference FROM payment WHERE order_id = ?1 ORDER BY rowid")?
        .query_map([&o.id], |r| Ok(PaymentView { kind: r.get(0)?, tender: r.get(1)?, amount: r.get(2)?, reference: r.get(3)? }))?
        .collect::<Result<_, _>>()?;
    o.change_due = -o
        .payments
        .iter()
        .filter(|p| p.kind == "change")
        .map(|p| p.amount)
        .sum::<i64>();
    Ok(o)
}
