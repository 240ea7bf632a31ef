//! Pricing a cart: line discounts, promotions, order discounts and tax, per line.
//!
//! The rules, in the order they apply (each step works on what the previous one left):
//!
//! 1. **Line amount** = unit price × quantity (the unit price is the price in force, or a manual
//!    override); for goods sold by weight or length, price per unit × quantity in thousandths
//!    ÷ 1000, rounded half away from zero (0.5 kg at 24.90/kg = 12.45, see [`crate::unit`]).
//! 2. **Manual line discount**: a percentage (rounded half away from zero, per line) or a fixed
//!    amount off the line, never more than the line.
//! 3. **Promotions**: the eligible ones are the automatic ones plus those whose code was entered.
//!    Promotions that *combine* are applied together, in priority order; a promotion that does
//!    not combine is applied alone. The engine evaluates each non-combining promotion alone and
//!    the combining set together, and keeps whichever saves the customer most (ties: the
//!    combining set, then the lower promotion id). Percentage promotions discount each target
//!    line; fixed promotions spread their amount over the target lines by net amount
//!    (largest remainder); buy-X-get-Y sorts the target units by unit price, highest first, and
//!    in every group of X+Y units takes what the Y cheapest save and spreads it over all X+Y
//!    units by unit price (largest remainder), so each line carries its share of the deal and a
//!    return refunds what the item really cost.
//! 4. **Manual order discount**: a percentage of, or an amount off, the whole cart, spread over
//!    all lines by their net amount (largest remainder).
//! 5. **Tax** per line on the line's net after discounts, at the line's rate, inclusive or
//!    exclusive per store, rounded once per line (see [`crate::tax`]).
//!
//! Every discount is kept per line with its source, so the stored receipt never changes.

use serde::{Deserialize, Serialize};

use crate::allocate::allocate;
use crate::cash::{tender_status, CashRounding, TenderStatus};
use crate::money::div_round_half_away;
use crate::tax::{split_line, TaxMode, TaxRate};
use crate::unit::SaleUnit;
use crate::FieldError;

/// A discount value: percent in basis points (10 % = 1000) or a fixed amount in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountValue {
    Percent(u32),
    Fixed(i64),
}

impl DiscountValue {
    pub fn validate(&self, field: &str) -> Result<(), FieldError> {
        match self {
            DiscountValue::Percent(bp) if *bp > 10_000 => Err(FieldError::new(
                field,
                "out_of_range",
                "a percentage discount is at most 100%",
            )),
            DiscountValue::Fixed(a) if *a < 0 => Err(FieldError::new(
                field,
                "negative",
                "a discount cannot be negative",
            )),
            _ => Ok(()),
        }
    }

    /// The discount on `amount`, never more than `amount`.
    pub fn on(&self, amount: i64) -> i64 {
        match self {
            DiscountValue::Percent(bp) => {
                div_round_half_away(i128::from(amount) * i128::from(*bp), 10_000) as i64
            }
            DiscountValue::Fixed(a) => (*a).min(amount),
        }
        .clamp(0, amount.max(0))
    }
}

/// What a promotion does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum PromotionKind {
    /// Percentage off each target line (basis points).
    Percent { bp: u32 },
    /// A fixed amount off the target lines together.
    Fixed { amount: i64 },
    /// Buy `buy`, get `get` at `bp` off (10 000 = free).
    BuyXGetY { buy: u32, get: u32, bp: u32 },
}

/// A promotion as the cart sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promotion {
    pub id: String,
    pub name: String,
    /// `None`: automatic. `Some(code)`: applies when the code is entered.
    pub code: Option<String>,
    pub kind: PromotionKind,
    /// Variant ids the promotion targets; empty means every line.
    pub targets: Vec<String>,
    /// Whether it may be applied together with other combining promotions.
    pub combines: bool,
    pub priority: i32,
    /// Minimum cart subtotal (after line discounts) for the promotion to apply.
    pub min_subtotal: i64,
}

/// One line of a cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub variant_id: String,
    /// In the unit's stock units: pieces, or thousandths of a measure (500 = 0.5 kg).
    pub quantity: i64,
    /// Minor units per piece or per unit of measure (per kg).
    pub unit_price: i64,
    pub tax_rate: TaxRate,
    pub line_discount: Option<DiscountValue>,
    /// What the line is sold in (see [`crate::unit`]).
    #[serde(default)]
    pub unit: SaleUnit,
}

/// Where a discount on a line came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineDiscount {
    /// `manual`, `order`, or `promotion:<id>`.
    pub source: String,
    pub amount: i64,
}

/// One priced line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedLine {
    pub gross: i64,
    pub discounts: Vec<LineDiscount>,
    pub discount_total: i64,
    /// Line amount after discounts, as priced (tax-inclusive under inclusive pricing).
    pub net: i64,
    pub tax: i64,
    /// What the customer pays for the line.
    pub total: i64,
}

/// A priced cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricedCart {
    pub lines: Vec<PricedLine>,
    pub subtotal: i64,
    pub discount_total: i64,
    pub tax_total: i64,
    pub total: i64,
    /// Ids of the promotions applied.
    pub promotions: Vec<String>,
}

/// The most units one cart line may carry.
pub const MAX_LINE_QUANTITY: i64 = 100_000;
/// The most lines one cart may carry.
pub const MAX_CART_LINES: usize = 500;

/// Checks a cart's lines: at most [`MAX_CART_LINES`], quantities 1..=[`MAX_LINE_QUANTITY`],
/// prices 0..=[`crate::money::MAX_AMOUNT_MINOR`], valid discounts.
pub fn validate_lines(lines: &[CartLine]) -> Result<(), FieldError> {
    if lines.len() > MAX_CART_LINES {
        return Err(FieldError::new(
            "lines",
            "too_many",
            format!("a cart holds at most {MAX_CART_LINES} lines"),
        ));
    }
    for (i, l) in lines.iter().enumerate() {
        if l.quantity <= 0 {
            return Err(FieldError::new(
                format!("lines[{i}].quantity"),
                "not_positive",
                "quantity must be at least 1",
            ));
        }
        if l.quantity > MAX_LINE_QUANTITY.saturating_mul(l.unit.scale()) {
            return Err(FieldError::new(
                format!("lines[{i}].quantity"),
                "out_of_range",
                "quantity is unreasonably large",
            ));
        }
        if l.unit_price < 0 {
            return Err(FieldError::new(
                format!("lines[{i}].unit_price"),
                "negative",
                "price cannot be negative",
            ));
        }
        crate::money::check_amount(l.unit_price, &format!("lines[{i}].unit_price"))?;
        if let Some(d) = &l.line_discount {
            d.validate(&format!("lines[{i}].discount"))?;
        }
    }
    Ok(())
}

fn targets(p: &Promotion, line: &CartLine) -> bool {
    p.targets.is_empty() || p.targets.contains(&line.variant_id)
}

/// Discounts one promotion gives on `nets` (current net per line).
fn promotion_discounts(p: &Promotion, lines: &[CartLine], nets: &[i64]) -> Vec<i64> {
    let mut out = vec![0; lines.len()];
    if nets.iter().sum::<i64>() < p.min_subtotal {
        return out;
    }
    match &p.kind {
        PromotionKind::Percent { bp } => {
            for (i, l) in lines.iter().enumerate() {
                if targets(p, l) {
                    out[i] = DiscountValue::Percent(*bp).on(nets[i]);
                }
            }
        }
        PromotionKind::Fixed { amount } => {
            let weights: Vec<i64> = lines
                .iter()
                .zip(nets)
                .map(|(l, n)| if targets(p, l) { *n } else { 0 })
                .collect();
            let pool: i64 = weights.iter().sum();
            if pool > 0 {
                out = allocate((*amount).min(pool), &weights);
            }
        }
        PromotionKind::BuyXGetY { buy, get, bp } => {
            let group = i64::from(*buy + *get);
            if group == 0 || *get == 0 {
                return out;
            }
            // Units by effective unit price (net / qty), highest first; stable by line index.
            let mut units: Vec<(i64, usize)> = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                // The deal counts pieces: goods sold by weight or length take no part.
                if targets(p, l) && l.quantity > 0 && !l.unit.is_measure() {
                    let unit = nets[i] / l.quantity;
                    units.extend(std::iter::repeat_n((unit, i), l.quantity as usize));
                }
            }
            units.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            for chunk in units.chunks(group as usize) {
                if chunk.len() as i64 == group {
                    // The deal is what the Y cheapest units save; it belongs to the whole group,
                    // so it is spread over all its units by unit price. Returning the paid item
                    // of a pair then refunds its price net of its share of the deal.
                    let saving: i64 = chunk[*buy as usize..]
                        .iter()
                        .map(|(unit, _)| DiscountValue::Percent(*bp).on(*unit))
                        .sum();
                    let weights: Vec<i64> = chunk.iter().map(|(unit, _)| *unit).collect();
                    for ((_, i), share) in chunk.iter().zip(allocate(saving, &weights)) {
                        out[*i] += share;
                    }
                }
            }
            for (i, d) in out.iter_mut().enumerate() {
                *d = (*d).min(nets[i]);
            }
        }
    }
    out
}

/// Applies promotions in order to `nets`, returning per-promotion per-line discounts.
fn apply_set(
    set: &[&Promotion],
    lines: &[CartLine],
    start: &[i64],
) -> (i64, Vec<(String, Vec<i64>)>) {
    let mut nets = start.to_vec();
    let mut applied = Vec::new();
    let mut saved = 0;
    for p in set {
        let d = promotion_discounts(p, lines, &nets);
        let sum: i64 = d.iter().sum();
        if sum > 0 {
            for (n, x) in nets.iter_mut().zip(&d) {
                *n -= x;
            }
            saved += sum;
            applied.push((p.id.clone(), d));
        }
    }
    (saved, applied)
}

/// Prices a cart. `codes` are the promotion codes entered (case-insensitive).
pub fn price_cart(
    lines: &[CartLine],
    promotions: &[Promotion],
    codes: &[String],
    order_discount: Option<DiscountValue>,
    mode: TaxMode,
) -> Result<PricedCart, FieldError> {
    validate_lines(lines)?;
    if let Some(d) = &order_discount {
        d.validate("order_discount")?;
    }
    // The bounds above keep every product inside i64; the multiplication is still checked, so
    // a future change to them can only ever give a field error, never a wrapped amount.
    let mut grosses = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        grosses.push(l.unit.amount(l.quantity, l.unit_price).ok_or_else(|| {
            FieldError::new(
                format!("lines[{i}].quantity"),
                "out_of_range",
                "price × quantity is beyond what an amount can hold",
            )
        })?);
    }
    let mut priced: Vec<PricedLine> = lines
        .iter()
        .zip(&grosses)
        .map(|(l, &gross)| {
            let mut discounts = Vec::new();
            if let Some(d) = l.line_discount {
                let amount = d.on(gross);
                if amount > 0 {
                    discounts.push(LineDiscount {
                        source: "manual".into(),
                        amount,
                    });
                }
            }
            PricedLine {
                gross,
                discounts,
                discount_total: 0,
                net: 0,
                tax: 0,
                total: 0,
            }
        })
        .collect();
    let nets: Vec<i64> = priced
        .iter()
        .map(|p| p.gross - p.discounts.iter().map(|d| d.amount).sum::<i64>())
        .collect();

    // Promotions: best of (each non-combining alone) vs (all combining together).
    let entered: Vec<String> = codes.iter().map(|c| c.trim().to_lowercase()).collect();
    let mut eligible: Vec<&Promotion> = promotions
        .iter()
        .filter(|p| {
            p.code
                .as_ref()
                .is_none_or(|c| entered.contains(&c.trim().to_lowercase()))
        })
        .collect();
    eligible.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.id.cmp(&b.id)));
    let combining: Vec<&Promotion> = eligible.iter().copied().filter(|p| p.combines).collect();
    let mut best = apply_set(&combining, lines, &nets);
    for p in eligible.iter().filter(|p| !p.combines) {
        let alone = apply_set(&[*p], lines, &nets);
        if alone.0 > best.0 {
            best = alone;
        }
    }
    let mut applied_ids = Vec::new();
    for (id, d) in best.1 {
        for (line, amount) in priced.iter_mut().zip(&d) {
            if *amount > 0 {
                line.discounts.push(LineDiscount {
                    source: format!("promotion:{id}"),
                    amount: *amount,
                });
            }
        }
        applied_ids.push(id);
    }

    // Order discount spread by current net.
    let nets: Vec<i64> = priced
        .iter()
        .map(|p| p.gross - p.discounts.iter().map(|d| d.amount).sum::<i64>())
        .collect();
    if let Some(d) = order_discount {
        let pool: i64 = nets.iter().sum();
        let amount = d.on(pool);
        if amount > 0 {
            for (line, part) in priced.iter_mut().zip(allocate(amount, &nets)) {
                if part > 0 {
                    line.discounts.push(LineDiscount {
                        source: "order".into(),
                        amount: part,
                    });
                }
            }
        }
    }

    for (line, l) in priced.iter_mut().zip(lines) {
        line.discount_total = line.discounts.iter().map(|d| d.amount).sum();
        line.net = line.gross - line.discount_total;
        let split = split_line(line.net, l.tax_rate, mode);
        line.tax = split.tax;
        line.total = split.gross;
    }
    Ok(PricedCart {
        subtotal: priced.iter().map(|l| l.gross).sum(),
        discount_total: priced.iter().map(|l| l.discount_total).sum(),
        tax_total: priced.iter().map(|l| l.tax).sum(),
        total: priced.iter().map(|l| l.total).sum(),
        lines: priced,
        promotions: applied_ids,
    })
}

/// How a sale or refund is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenderKind {
    Cash,
    Card,
    GiftCard,
    StoreCredit,
    Loyalty,
}

impl TenderKind {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "cash" => Ok(Self::Cash),
            "card" => Ok(Self::Card),
            "gift_card" | "giftcard" => Ok(Self::GiftCard),
            "store_credit" | "credit" => Ok(Self::StoreCredit),
            "loyalty" | "points" => Ok(Self::Loyalty),
            other => Err(FieldError::new(
                "tender",
                "invalid_tender",
                format!("'{other}' is not a tender (cash, card, gift_card, store_credit, loyalty)"),
            )),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Cash => "cash",
            Self::Card => "card",
            Self::GiftCard => "gift_card",
            Self::StoreCredit => "store_credit",
            Self::Loyalty => "loyalty",
        }
    }
}

/// (non-cash, cash) totals of tenders, minor units: what [`tender_status`] weighs.
pub fn tender_sums(tenders: &[(TenderKind, i64)]) -> (i64, i64) {
    tenders.iter().fold((0i64, 0i64), |(other, cash), (k, a)| {
        if *k == TenderKind::Cash {
            (other, cash.saturating_add(*a))
        } else {
            (other.saturating_add(*a), cash)
        }
    })
}

/// Checks tenders against a total under the store's cash rounding: all positive, only cash
/// may exceed what is due (change is given in cash), cash is whole coins, and what is paid
/// covers the total — exactly for other tenders, to the coin for the cash part (see
/// [`crate::cash`]). Returns where the tenders stand: change due and the rounding to book.
pub fn settle(
    total: i64,
    tenders: &[(TenderKind, i64)],
    rule: CashRounding,
) -> Result<TenderStatus, FieldError> {
    if tenders.len() > MAX_CART_LINES {
        return Err(FieldError::new(
            "tenders",
            "too_many",
            format!("a sale takes at most {MAX_CART_LINES} tenders"),
        ));
    }
    for (i, (kind, amount)) in tenders.iter().enumerate() {
        if *amount <= 0 {
            return Err(FieldError::new(
                format!("tenders[{i}].amount"),
                "not_positive",
                "a tender amount must be positive",
            ));
        }
        crate::money::check_amount(*amount, &format!("tenders[{i}].amount"))?;
        if *kind == TenderKind::Cash {
            rule.check_coins(*amount, &format!("tenders[{i}].amount"))?;
        }
    }
    let (non_cash, cash) = tender_sums(tenders);
    if non_cash > total {
        return Err(FieldError::new(
            "tenders",
            "over_tender",
            format!("non-cash tenders ({non_cash}) exceed the total ({total}); only cash can give change"),
        ));
    }
    let status = tender_status(total, non_cash, cash, rule);
    if status.due > 0 {
        let paid = non_cash + cash;
        return Err(FieldError::new(
            "tenders",
            "underpaid",
            if cash > 0 && rule.rounds() {
                format!("paid {paid} of {total}; {} still due in cash", status.due)
            } else {
                format!("paid {paid} of {total}; {} still due", status.due)
            },
        ));
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, qty: i64, price: i64) -> CartLine {
        CartLine {
            variant_id: id.into(),
            quantity: qty,
            unit_price: price,
            tax_rate: TaxRate(20_000),
            line_discount: None,
            unit: SaleUnit::Piece,
        }
    }

    fn promo(id: &str, kind: PromotionKind, combines: bool) -> Promotion {
        Promotion {
            id: id.into(),
            name: id.into(),
            code: None,
            kind,
            targets: vec![],
            combines,
            priority: 0,
            min_subtotal: 0,
        }
    }

    #[test]
    fn a_buy_x_get_y_deal_is_spread_over_the_units_that_earned_it() {
        // (lines as (id, qty, unit price), buy, get, bp, each line's discount)
        type Case<'a> = (&'a [(&'a str, i64, i64)], u32, u32, u32, &'a [i64]);
        let cases: &[Case] = &[
            // Scarf 30.00 + beanie 20.00, buy one get one free: the 20.00 saved is spread 3:2.
            (
                &[("scarf", 1, 3000), ("beanie", 1, 2000)],
                1,
                1,
                10_000,
                &[1200, 800],
            ),
            // Three for two of one item on one line: the whole 10.00 is that line's.
            (&[("tee", 3, 1000)], 2, 1, 10_000, &[1000]),
            // Three for two over three prices: the cheapest (5.00) is free, spread 10:8:5.
            (
                &[("a", 1, 1000), ("b", 1, 800), ("c", 1, 500)],
                2,
                1,
                10_000,
                &[217, 174, 109],
            ),
            // Half price on the second: 2.50 off 10.00 + 5.00, spread 2:1.
            (&[("a", 1, 1000), ("b", 1, 500)], 1, 1, 5_000, &[167, 83]),
            // An incomplete group earns nothing.
            (&[("a", 1, 1000)], 1, 1, 10_000, &[0]),
            // Two groups: (30, 20) and (10, 10); the lone 5.00 stays full price.
            (
                &[
                    ("s", 1, 3000),
                    ("b", 1, 2000),
                    ("c", 2, 1000),
                    ("d", 1, 500),
                ],
                1,
                1,
                10_000,
                &[1200, 800, 1000, 0],
            ),
        ];
        for (items, buy, get, bp, want) in cases {
            let lines: Vec<CartLine> = items.iter().map(|(id, q, p)| line(id, *q, *p)).collect();
            let p = promo(
                "deal",
                PromotionKind::BuyXGetY {
                    buy: *buy,
                    get: *get,
                    bp: *bp,
                },
                false,
            );
            let nets: Vec<i64> = lines.iter().map(|l| l.unit_price * l.quantity).collect();
            let got = promotion_discounts(&p, &lines, &nets);
            assert_eq!(&got, want, "{items:?} buy {buy} get {get} at {bp} bp");
            let saved: i64 = got.iter().sum();
            assert!(
                got.iter().zip(&nets).all(|(d, n)| d <= n),
                "no line is discounted below zero: {got:?}"
            );
            assert_eq!(saved, want.iter().sum::<i64>());
        }
    }

    #[test]
    fn plain_cart_inclusive_and_exclusive() {
        let lines = vec![line("a", 2, 1200), line("b", 1, 599)];
        let c = price_cart(&lines, &[], &[], None, TaxMode::Inclusive).unwrap();
        assert_eq!(
            (c.subtotal, c.discount_total, c.tax_total, c.total),
            (2999, 0, 400 + 100, 2999)
        );
        let c = price_cart(&lines, &[], &[], None, TaxMode::Exclusive).unwrap();
        assert_eq!((c.subtotal, c.tax_total, c.total), (2999, 480 + 120, 3599));
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn discount_and_promotion_table() {
        let a = || line("a", 2, 1000);
        let b = || line("b", 1, 500);
        let cases: Vec<(
            &str,
            Vec<CartLine>,
            Vec<Promotion>,
            Vec<String>,
            Option<DiscountValue>,
            i64,
        )> = vec![
            (
                "10% line discount",
                vec![
                    CartLine {
                        line_discount: Some(DiscountValue::Percent(1000)),
                        unit: SaleUnit::Piece,
                        ..a()
                    },
                    b(),
                ],
                vec![],
                vec![],
                None,
                200,
            ),
            (
                "fixed line discount capped at the line",
                vec![CartLine {
                    line_discount: Some(DiscountValue::Fixed(5000)),
                    unit: SaleUnit::Piece,
                    ..a()
                }],
                vec![],
                vec![],
                None,
                2000,
            ),
            (
                "order discount 5.00 spread",
                vec![a(), b()],
                vec![],
                vec![],
                Some(DiscountValue::Fixed(500)),
                500,
            ),
            (
                "automatic 20% promotion",
                vec![a(), b()],
                vec![promo("p20", PromotionKind::Percent { bp: 2000 }, false)],
                vec![],
                None,
                500,
            ),
            (
                "code promotion without its code does nothing",
                vec![a(), b()],
                vec![Promotion {
                    code: Some("SAVE".into()),
                    ..promo("c", PromotionKind::Fixed { amount: 300 }, true)
                }],
                vec![],
                None,
                0,
            ),
            (
                "code promotion with its code (any case)",
                vec![a(), b()],
                vec![Promotion {
                    code: Some("SAVE".into()),
                    ..promo("c", PromotionKind::Fixed { amount: 300 }, true)
                }],
                vec!["save".into()],
                None,
                300,
            ),
            (
                "buy 2 get 1 free: cheapest unit free",
                vec![a(), b()],
                vec![promo(
                    "b2g1",
                    PromotionKind::BuyXGetY {
                        buy: 2,
                        get: 1,
                        bp: 10_000,
                    },
                    false,
                )],
                vec![],
                None,
                500,
            ),
            (
                "combining promotions stack in priority order",
                vec![a(), b()],
                vec![
                    Promotion {
                        priority: 2,
                        ..promo("p10", PromotionKind::Percent { bp: 1000 }, true)
                    },
                    Promotion {
                        priority: 1,
                        ..promo("f1", PromotionKind::Fixed { amount: 100 }, true)
                    },
                ],
                vec![],
                None,
                250 + 100,
            ),
            (
                "best of non-combining vs combining set wins",
                vec![a(), b()],
                vec![
                    promo("p10", PromotionKind::Percent { bp: 1000 }, true),
                    promo("p30", PromotionKind::Percent { bp: 3000 }, false),
                ],
                vec![],
                None,
                750,
            ),
            (
                "targeted promotion only touches its variant",
                vec![a(), b()],
                vec![Promotion {
                    targets: vec!["b".into()],
                    ..promo("pb", PromotionKind::Percent { bp: 5000 }, true)
                }],
                vec![],
                None,
                250,
            ),
            (
                "minimum subtotal not reached",
                vec![b()],
                vec![Promotion {
                    min_subtotal: 1000,
                    ..promo("min", PromotionKind::Fixed { amount: 100 }, true)
                }],
                vec![],
                None,
                0,
            ),
        ];
        for (why, lines, promos, codes, order, want) in cases {
            let c = price_cart(&lines, &promos, &codes, order, TaxMode::Inclusive).unwrap();
            assert_eq!(c.discount_total, want, "{why}");
            assert_eq!(
                c.total,
                c.subtotal - c.discount_total,
                "{why}: inclusive total = subtotal − discounts"
            );
            for l in &c.lines {
                assert!(l.net >= 0, "{why}: no line goes below zero");
            }
        }
    }

    #[test]
    fn weighed_lines_are_priced_per_unit_of_measure() {
        let mut cheese = line("cheese", 500, 2_490);
        cheese.unit = SaleUnit::Kilogram;
        let c = price_cart(&[cheese.clone()], &[], &[], None, TaxMode::Inclusive).unwrap();
        assert_eq!(c.total, 1_245, "0.5 kg at 24.90/kg");
        // A deal on pieces counts pieces: 1.5 kg of cheese is not three units of anything.
        let bogo = promo(
            "bogo",
            PromotionKind::BuyXGetY {
                buy: 1,
                get: 1,
                bp: 10_000,
            },
            false,
        );
        cheese.quantity = 1_500;
        let c = price_cart(
            &[cheese.clone(), line("tee", 1, 1_000)],
            &[bogo],
            &[],
            None,
            TaxMode::Inclusive,
        )
        .unwrap();
        assert_eq!(c.discount_total, 0, "no pair of pieces, no deal");
        // The quantity bound is in units of measure: 100,000 kg, not 100 kg.
        cheese.quantity = 150_000;
        assert!(price_cart(&[cheese.clone()], &[], &[], None, TaxMode::Inclusive).is_ok());
        cheese.quantity = MAX_LINE_QUANTITY * 1000 + 1;
        assert_eq!(
            price_cart(&[cheese], &[], &[], None, TaxMode::Inclusive)
                .unwrap_err()
                .field,
            "lines[0].quantity"
        );
    }

    #[test]
    fn settling_tenders() {
        use TenderKind::*;
        let none = CashRounding::NONE;
        let change =
            |total, tenders: &[(TenderKind, i64)]| settle(total, tenders, none).map(|s| s.change);
        assert_eq!(
            change(1000, &[(Cash, 2000)]).unwrap(),
            1000,
            "change from cash"
        );
        assert_eq!(change(1000, &[(Card, 400), (Cash, 1000)]).unwrap(), 400);
        assert_eq!(change(1000, &[(Card, 400), (GiftCard, 600)]).unwrap(), 0);
        assert_eq!(
            change(1000, &[(Card, 1200)]).unwrap_err().code,
            "over_tender",
            "only cash gives change"
        );
        assert_eq!(change(1000, &[(Card, 999)]).unwrap_err().code, "underpaid");
        assert_eq!(
            change(1000, &[(Cash, 0), (Card, 1000)]).unwrap_err().field,
            "tenders[0].amount"
        );
    }

    #[test]
    fn settling_in_a_rounding_currency() {
        use TenderKind::*;
        let chf = CashRounding::default_for(crate::Currency::parse("CHF").unwrap());
        // (why, total, tenders, change, rounding booked)
        type Case<'a> = (&'a str, i64, &'a [(TenderKind, i64)], i64, i64);
        let cases: &[Case] = &[
            ("7.47 in cash is 7.45", 747, &[(Cash, 745)], 0, 2),
            ("7.47 by card stays exact", 747, &[(Card, 747)], 0, 0),
            (
                "7.48 from a 10.00 note: change 2.50",
                748,
                &[(Cash, 1000)],
                250,
                -2,
            ),
            (
                "card 5.00, the 2.47 rest in cash is 2.45",
                747,
                &[(Card, 500), (Cash, 245)],
                0,
                2,
            ),
            (
                "a gift card covers all, cash is all change",
                747,
                &[(GiftCard, 747), (Cash, 500)],
                500,
                0,
            ),
        ];
        for (why, total, tenders, change, rounding) in cases {
            let s = settle(*total, tenders, chf).unwrap_or_else(|e| panic!("{why}: {e:?}"));
            assert_eq!((s.change, s.rounding), (*change, *rounding), "{why}");
            assert_eq!(
                s.paid - s.change + s.rounding,
                *total,
                "{why}: tenders, change and rounding add up to the total"
            );
        }
        let e = settle(747, &[(Cash, 747)], chf).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("tenders[0].amount", "not_coins"),
            "7.47 cannot be handed over in coins"
        );
        let e = settle(747, &[(Cash, 740)], chf).unwrap_err();
        assert_eq!(e.code, "underpaid", "7.40 is short of the 7.45 due in cash");
        assert!(e.message.contains("5 still due in cash"), "{}", e.message);
        assert_eq!(
            settle(747, &[(Card, 745)], chf).unwrap_err().code,
            "underpaid",
            "a card pays exactly"
        );
    }

    proptest::proptest! {
        #[test]
        fn cart_invariants(
            qtys in proptest::collection::vec((1i64..5, 0i64..10_000, 0u32..3000), 1..6),
            order_bp in 0u32..5000,
            promo_bp in 0u32..5000,
            incl in proptest::bool::ANY,
        ) {
            let lines: Vec<CartLine> = qtys.iter().enumerate().map(|(i, (q, p, r))| CartLine {
                variant_id: format!("v{i}"), quantity: *q, unit_price: *p, tax_rate: TaxRate(*r * 10), line_discount: None, unit: SaleUnit::Piece,
            }).collect();
            let promos = vec![promo("p", PromotionKind::Percent { bp: promo_bp }, true), promo("b", PromotionKind::BuyXGetY { buy: 1, get: 1, bp: 5000 }, false)];
            let mode = if incl { TaxMode::Inclusive } else { TaxMode::Exclusive };
            let c = price_cart(&lines, &promos, &[], Some(DiscountValue::Percent(order_bp)), mode).unwrap();
            proptest::prop_assert_eq!(c.total, c.lines.iter().map(|l| l.total).sum::<i64>());
            proptest::prop_assert!(c.discount_total <= c.subtotal);
            for l in &c.lines {
                proptest::prop_assert!(l.net >= 0);
                proptest::prop_assert_eq!(l.net, l.gross - l.discount_total);
                proptest::prop_assert_eq!(l.discount_total, l.discounts.iter().map(|d| d.amount).sum::<i64>());
            }
        }
    }
}
