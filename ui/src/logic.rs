//! Pure UI logic (no DOM): parsing what people type and shaping carts. Tested natively.

use backroom_api::{
    DiscountValue, ProductInput, SaleInput, SaleLineInput, TenderInput, VariantInput,
};
use backroom_domain::unit::SaleUnit;
use backroom_domain::{Currency, Money};

use crate::text::t;

/// One line of the on-screen cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartItem {
    pub sku: String,
    pub title: String,
    /// In `unit`'s stock units: pieces (or labels), or thousandths of a measure (500 = 0.5 kg).
    pub quantity: i64,
    pub discount: Option<DiscountValue>,
    /// What the typed quantity is in: pieces, or the measure of an item sold by weight or
    /// length (a scale's weight label counts as one piece: it carries its weight).
    pub unit: SaleUnit,
}

/// Adds one piece of `sku` (one unit of its measure: 1 kg, 1 m), merging with an existing line
/// (a scanner scans the same item twice).
pub fn add_item(cart: &mut Vec<CartItem>, sku: &str, title: &str, unit: SaleUnit) {
    match cart.iter_mut().find(|c| c.sku == sku) {
        Some(c) => c.quantity += unit.scale(),
        None => cart.push(CartItem {
            sku: sku.to_string(),
            title: title.to_string(),
            quantity: unit.scale(),
            discount: None,
            unit,
        }),
    }
}

/// A status as staff read it: `partially_refunded` → "Partly refunded", `in_transit` →
/// "In transit", `none` → "—".
pub fn status_label(status: &str) -> String {
    match status {
        "" | "none" => t().status_none.into(),
        "partially_refunded" => t().status_partly_refunded.into(),
        "partially_returned" => t().status_partly_returned.into(),
        "partially_received" => t().status_partly_received.into(),
        "ready_for_pickup" => t().status_ready_for_pickup.into(),
        other => backroom_domain::receipt::sentence_case(&other.replace('_', " ")),
    }
}

/// An audit action code (`sale.completed`, `return.processed`) in words: "Sale completed".
pub fn action_label(action: &str) -> String {
    status_label(&action.replace('.', "_"))
}

/// A field path from the engine (`variants[0].barcodes[1]`, `tenders[0].amount`,
/// `approval.pin`) in words staff read: `Variant 1, barcode 2`, `Payment 1, amount`,
/// `Manager approval, PIN`. Errors show it next to the message, never the raw path.
pub fn field_label(path: &str) -> String {
    let word = |name: &str| -> String {
        match name {
            "variants" => t().field_variant.into(),
            "lines" => t().field_line.into(),
            "tenders" => t().field_payment.into(),
            "refund" => t().field_refund.into(),
            "denominations" => t().field_count.into(),
            "barcodes" => t().field_barcode.into(),
            "approval" => t().field_manager_approval.into(),
            "pin" => t().field_pin.into(),
            "kind" => t().field_type.into(),
            "sku" => t().field_item.into(),
            "price_minor" => t().field_price.into(),
            "customer_id" => t().field_customer.into(),
            "counted_cash" => t().field_counted_cash.into(),
            "promo_codes" => t().field_promo_code.into(),
            other => other.replace('_', " "),
        }
    };
    let parts: Vec<String> = path
        .split('.')
        .filter(|p| !p.is_empty())
        .map(|seg| match seg.split_once('[') {
            Some((name, rest)) => {
                let n = rest
                    .trim_end_matches(']')
                    .parse::<usize>()
                    .map_or(0, |i| i + 1);
                (t().field_numbered)(&word(name), n)
            }
            None => word(seg),
        })
        .collect();
    backroom_domain::receipt::sentence_case(&parts.join(", "))
}

/// Quick-cash amounts for `cash_due` (minor units, already in coins): the exact amount, then
/// the next round notes above it (5, 10, 20, 50, 100 whole units), at most five buttons.
pub fn quick_cash(cash_due: i64, exponent: u32) -> Vec<i64> {
    if cash_due <= 0 {
        return Vec::new();
    }
    let unit = 10i64.pow(exponent);
    let mut out = vec![cash_due];
    for note in [5, 10, 20, 50, 100] {
        let step = note * unit;
        let next = (cash_due / step + 1) * step;
        if !out.contains(&next) {
            out.push(next);
        }
    }
    out.sort_unstable();
    out.dedup();
    out.truncate(5);
    out
}

/// The unit a scanned code is typed in: the variant's, except a scale's weight label, which
/// is one piece carrying its weight.
pub fn scan_unit(hit: &backroom_api::ScanHit) -> SaleUnit {
    if hit.embedded_weight_g.is_some() {
        SaleUnit::Piece
    } else {
        SaleUnit::parse(&hit.variant.sale_unit, "sale_unit").unwrap_or_default()
    }
}

/// The code a cart line sends to the engine for a scan: a price- or weight-embedded label's own
/// code (so the engine charges the label's price or weight), otherwise the variant's SKU.
pub fn line_code(hit: &backroom_api::ScanHit, scanned: &str) -> String {
    if hit.embedded_price_minor.is_some() || hit.embedded_weight_g.is_some() {
        scanned.trim().trim_start_matches('\'').to_string()
    } else {
        hit.variant.sku.clone()
    }
}

/// Parses a money field as typed ("12", "12.5", "12.50") in the store currency.
pub fn parse_amount(text: &str, currency: &str, field: &str) -> Result<i64, String> {
    let c = Currency::parse(currency).map_err(|e| e.message)?;
    Money::parse(text, c, field)
        .map(|m| m.minor)
        .map_err(|e| e.message)
}

pub fn format_amount(minor: i64, currency: &str) -> String {
    let exp = Currency::parse(currency).map(|c| c.exponent()).unwrap_or(2);
    backroom_domain::money::format_minor(minor, exp)
}

/// The sale to send for a cart and tenders.
pub fn sale_input(
    cart_id: &str,
    cart: &[CartItem],
    tenders: &[(String, i64, String)],
) -> SaleInput {
    SaleInput {
        cart_id: cart_id.to_string(),
        lines: cart
            .iter()
            .map(|c| SaleLineInput {
                sku: c.sku.clone(),
                quantity: c.quantity,
                discount: c.discount,
                ..Default::default()
            })
            .collect(),
        tenders: tenders
            .iter()
            .map(|(kind, amount, reference)| TenderInput {
                kind: kind.clone(),
                amount: *amount,
                reference: reference.clone(),
                gift_card_code: (kind == "gift_card").then(|| reference.clone()),
            })
            .collect(),
        ..Default::default()
    }
}

/// Parses a discount as typed: blank for none, `10%` or `12.5%` for a percentage, otherwise an
/// amount in the store currency (`2.50`).
pub fn parse_discount(text: &str, currency: &str) -> Result<Option<DiscountValue>, String> {
    let typed = text.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    if let Some(p) = typed.strip_suffix('%') {
        let bp =
            backroom_domain::money::parse_minor(p.trim(), 2, "discount").map_err(|e| e.message)?;
        if !(0..=10_000).contains(&bp) {
            return Err(t().discount_percentage_range.into());
        }
        return Ok(Some(DiscountValue::Percent(bp as u32)));
    }
    let a = parse_amount(typed, currency, "discount")?;
    if a < 0 {
        return Err(t().discount_negative.into());
    }
    Ok(Some(DiscountValue::Fixed(a)))
}

/// A discount as people read it: `10%` or `2.50`.
pub fn format_discount(d: &DiscountValue, currency: &str) -> String {
    match d {
        DiscountValue::Percent(bp) => {
            let s = backroom_domain::money::format_minor(i64::from(*bp), 2);
            format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
        }
        DiscountValue::Fixed(a) => format_amount(*a, currency),
    }
}

/// Splits a comma-separated field (tags, option names, barcodes) into trimmed, non-empty parts.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// One variant row of the product editor, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VariantForm {
    pub sku: String,
    pub options: String,
    pub barcodes: String,
    pub price: String,
    pub compare_at: String,
    pub cost: String,
    pub tax_class: String,
    /// `pcs`, `kg`, `g`, `m` or `l` (the price is then per unit of measure).
    pub sale_unit: String,
    /// The stored variant, so fields the form does not show survive a save.
    pub base: VariantInput,
}

/// The product editor, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductForm {
    pub title: String,
    pub vendor: String,
    pub product_type: String,
    pub category: String,
    pub tags: String,
    pub status: String,
    pub options: String,
    pub variants: Vec<VariantForm>,
    pub base: ProductInput,
}

pub fn variant_form(v: &VariantInput, currency: &str) -> VariantForm {
    let opt = |m: Option<i64>| m.map(|a| format_amount(a, currency)).unwrap_or_default();
    VariantForm {
        sku: v.sku.clone(),
        options: v.option_values.join(", "),
        barcodes: v.barcodes.join(", "),
        price: format_amount(v.price_minor, currency),
        compare_at: opt(v.compare_at_minor),
        cost: opt(v.cost_minor),
        tax_class: v.tax_class.clone(),
        sale_unit: v.sale_unit.clone(),
        base: v.clone(),
    }
}

/// A new variant row with the defaults of a physical, taxable, tracked item.
pub fn new_variant() -> VariantInput {
    VariantInput {
        taxable: true,
        requires_shipping: true,
        inventory_tracked: true,
        inventory_policy: "deny".into(),
        ..Default::default()
    }
}

pub fn product_form(p: &ProductInput, currency: &str) -> ProductForm {
    ProductForm {
        title: p.title.clone(),
        vendor: p.vendor.clone(),
        product_type: p.product_type.clone(),
        category: p.category.clone(),
        tags: p.tags.join(", "),
        status: if p.status.is_empty() {
            "active".into()
        } else {
            p.status.clone()
        },
        options: p.options.join(", "),
        variants: p
            .variants
            .iter()
            .map(|v| variant_form(v, currency))
            .collect(),
        base: p.clone(),
    }
}

/// The product to save from the editor, or the field that is wrong and why (nothing is sent).
pub fn product_input(f: &ProductForm, currency: &str) -> Result<ProductInput, (String, String)> {
    let money = |text: &str, field: String| -> Result<Option<i64>, (String, String)> {
        if text.trim().is_empty() {
            return Ok(None);
        }
        parse_amount(text, currency, &field)
            .map(Some)
            .map_err(|m| (field, m))
    };
    let options = split_list(&f.options);
    let mut variants = Vec::with_capacity(f.variants.len());
    for (i, v) in f.variants.iter().enumerate() {
        let values = split_list(&v.options);
        if values.len() != options.len() {
            return Err((
                format!("variants[{i}].options"),
                (t().product_option_values)(options.len(), &options.join(", ")),
            ));
        }
        let price = money(&v.price, format!("variants[{i}].price"))?.ok_or_else(|| {
            (
                format!("variants[{i}].price"),
                t().product_price_required.to_string(),
            )
        })?;
        variants.push(VariantInput {
            sku: v.sku.trim().to_string(),
            option_values: values,
            barcodes: split_list(&v.barcodes),
            price_minor: price,
            compare_at_minor: money(&v.compare_at, format!("variants[{i}].compare_at"))?,
            cost_minor: money(&v.cost, format!("variants[{i}].cost"))?,
            tax_class: v.tax_class.clone(),
            sale_unit: v.sale_unit.clone(),
            ..v.base.clone()
        });
    }
    Ok(ProductInput {
        title: f.title.trim().to_string(),
        vendor: f.vendor.trim().to_string(),
        product_type: f.product_type.trim().to_string(),
        category: f.category.trim().to_string(),
        tags: split_list(&f.tags),
        status: f.status.clone(),
        options,
        variants,
        ..f.base.clone()
    })
}

/// Which variant row an engine error concerns (`variants[2].barcodes[0]` → 2), to mark it.
pub fn variant_row_of(field: &str) -> Option<usize> {
    field
        .strip_prefix("variants[")?
        .split(']')
        .next()?
        .parse()
        .ok()
}

/// Whether an error asks for a manager's approval (missing, or a wrong manager/PIN), so the
/// screen shows the approval prompt and keeps what was entered.
pub fn needs_approval(e: &backroom_api::ApiError) -> bool {
    e.code == backroom_api::ErrorCode::ApprovalRequired
        || e.field
            .as_deref()
            .is_some_and(|f| f.starts_with("approval"))
}

/// The header's sync light: hidden for a standalone till, else synced, waiting (ops not yet
/// on the server) or offline (the last round failed after the last good one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncLight {
    Hidden,
    Synced,
    Waiting,
    Offline,
}

/// Which light a sync status shows.
pub fn sync_light(s: &backroom_api::cmd::SyncStatus) -> SyncLight {
    if s.mode == "standalone" {
        return SyncLight::Hidden;
    }
    let failed_last = match (s.last_error_at, s.last_sync_at) {
        (Some(e), Some(ok)) => e > ok,
        (Some(_), None) => true,
        _ => false,
    };
    if failed_last {
        SyncLight::Offline
    } else if s.pending_ops > 0 || s.last_sync_at.is_none() {
        SyncLight::Waiting
    } else {
        SyncLight::Synced
    }
}

/// How long ago `then_ms` was at `now_ms`, in whole seconds, minutes, hours or days
/// (`None` when never).
pub fn ago(now_ms: i64, then_ms: Option<i64>) -> Option<(i64, &'static str)> {
    let secs = (now_ms - then_ms?).max(0) / 1000;
    Some(match secs {
        0..=59 => (secs, "s"),
        60..=3599 => (secs / 60, "min"),
        3600..=86_399 => (secs / 3600, "h"),
        _ => (secs / 86_400, "d"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sync_light_says_offline_only_when_the_last_round_failed() {
        use backroom_api::cmd::SyncStatus;
        let st = |pending, ok: Option<i64>, err: Option<i64>| SyncStatus {
            mode: "connected".into(),
            pending_ops: pending,
            last_sync_at: ok,
            last_error_at: err,
            ..Default::default()
        };
        assert_eq!(
            sync_light(&SyncStatus {
                mode: "standalone".into(),
                ..Default::default()
            }),
            SyncLight::Hidden
        );
        assert_eq!(sync_light(&st(0, Some(10), None)), SyncLight::Synced);
        assert_eq!(sync_light(&st(3, Some(10), None)), SyncLight::Waiting);
        assert_eq!(
            sync_light(&st(0, None, None)),
            SyncLight::Waiting,
            "never synced yet"
        );
        assert_eq!(sync_light(&st(3, Some(10), Some(20))), SyncLight::Offline);
        assert_eq!(
            sync_light(&st(0, Some(30), Some(20))),
            SyncLight::Synced,
            "a good round after the failure"
        );
        assert_eq!(sync_light(&st(0, None, Some(20))), SyncLight::Offline);
        assert_eq!(ago(61_000, Some(0)), Some((1, "min")));
        assert_eq!(ago(5_000, Some(0)), Some((5, "s")));
        assert_eq!(
            ago(0, Some(5_000)),
            Some((0, "s")),
            "a clock behind reads as now"
        );
        assert_eq!(ago(3 * 86_400_000, Some(0)), Some((3, "d")));
        assert_eq!(ago(0, None), None);
    }

    #[test]
    fn a_price_label_sends_its_own_code_and_a_plain_scan_the_sku() {
        let hit = |price: Option<i64>| backroom_api::ScanHit {
            variant: backroom_api::VariantHit {
                variant_id: "v".into(),
                product_id: "p".into(),
                handle: "cheese".into(),
                title: "Cheese".into(),
                variant_title: String::new(),
                sku: "CHEESE".into(),
                barcodes: vec![],
                vendor: String::new(),
                price_minor: 2490,
                currency: "EUR".into(),
                status: "active".into(),
                sale_unit: "pcs".into(),
            },
            embedded_price_minor: price,
            embedded_weight_g: None,
        };
        assert_eq!(
            line_code(&hit(Some(499)), " 2300042004997 "),
            "2300042004997",
            "the label's code carries its price to the engine"
        );
        assert_eq!(
            line_code(&hit(None), "4006381333931"),
            "CHEESE",
            "a plain scan is a line of the SKU, so scans of it merge"
        );
    }

    #[test]
    fn approval_errors_open_the_prompt() {
        let err = |code: &str, field: Option<&str>| backroom_api::ApiError {
            code: code.into(),
            message: String::new(),
            field: field.map(Into::into),
        };
        assert!(needs_approval(&err("approval_required", Some("approval"))));
        assert!(
            needs_approval(&err("wrong_pin", Some("approval.pin"))),
            "a wrong manager PIN keeps the prompt open"
        );
        assert!(
            !needs_approval(&err("denied", Some("permission"))),
            "a flat deny is not an approval case"
        );
        assert!(!needs_approval(&err(
            "insufficient_stock",
            Some("lines[0].quantity")
        )));
    }

    #[test]
    fn statuses_read_as_words() {
        assert_eq!(status_label("partially_refunded"), "Partly refunded");
        assert_eq!(status_label("in_transit"), "In transit");
        assert_eq!(status_label("paid"), "Paid");
        assert_eq!(action_label("sale.completed"), "Sale completed");
        assert_eq!(action_label("stock.adjusted"), "Stock adjusted");
        assert_eq!(status_label("none"), "—");
    }

    #[test]
    fn field_paths_read_as_words() {
        assert_eq!(
            field_label("variants[0].barcodes[1]"),
            "Variant 1, barcode 2"
        );
        assert_eq!(field_label("tenders[0].amount"), "Payment 1, amount");
        assert_eq!(field_label("approval.pin"), "Manager approval, PIN");
        assert_eq!(field_label("refund[0].kind"), "Refund 1, type");
        assert_eq!(field_label("counted_cash"), "Counted cash");
        assert_eq!(field_label(""), "");
    }

    #[test]
    fn quick_cash_offers_the_exact_amount_and_the_next_notes() {
        assert_eq!(
            quick_cash(4_358, 2),
            vec![4_358, 4_500, 5_000, 6_000, 10_000]
        );
        assert_eq!(quick_cash(500, 2), vec![500, 1_000, 2_000, 5_000, 10_000]);
        assert_eq!(quick_cash(745, 2), vec![745, 1_000, 2_000, 5_000, 10_000]);
        assert_eq!(
            quick_cash(1_200, 0),
            vec![1_200, 1_205, 1_210, 1_220, 1_250]
        );
        assert!(quick_cash(0, 2).is_empty(), "nothing due, no buttons");
    }

    #[test]
    fn scanning_twice_adds_a_unit() {
        let mut cart = Vec::new();
        add_item(&mut cart, "A", "Tee", SaleUnit::Piece);
        add_item(&mut cart, "B", "Mug", SaleUnit::Piece);
        add_item(&mut cart, "A", "Tee", SaleUnit::Piece);
        add_item(&mut cart, "CHEESE", "Cheese", SaleUnit::Kilogram);
        assert_eq!(cart.len(), 3);
        assert_eq!(cart[0].quantity, 2, "the second scan of A adds to its line");
        assert_eq!(
            cart[2].quantity, 1_000,
            "a kg item starts at 1 kg, to be weighed"
        );
    }

    #[test]
    fn amounts_parse_exactly_or_say_why() {
        assert_eq!(parse_amount("12.5", "EUR", "amount"), Ok(1250));
        assert!(parse_amount("12.345", "EUR", "amount").is_err());
        assert!(parse_amount("abc", "EUR", "amount").is_err());
        assert_eq!(format_amount(1250, "EUR"), "12.50");
    }

    #[test]
    fn sale_input_carries_lines_and_tenders() {
        let cart = vec![CartItem {
            sku: "A".into(),
            title: "Tee".into(),
            quantity: 2,
            discount: Some(DiscountValue::Percent(1000)),
            unit: SaleUnit::Piece,
        }];
        let s = sale_input(
            "c1",
            &cart,
            &[
                ("card".into(), 1000, "T1".into()),
                ("gift_card".into(), 500, "GIFT1".into()),
            ],
        );
        assert_eq!(s.lines[0].quantity, 2);
        assert_eq!(s.lines[0].discount, Some(DiscountValue::Percent(1000)));
        assert_eq!(s.tenders[1].gift_card_code.as_deref(), Some("GIFT1"));
    }

    #[test]
    fn discounts_parse_as_typed() {
        assert_eq!(parse_discount("", "EUR"), Ok(None));
        assert_eq!(
            parse_discount("10%", "EUR"),
            Ok(Some(DiscountValue::Percent(1000)))
        );
        assert_eq!(
            parse_discount(" 12.5 %", "EUR"),
            Ok(Some(DiscountValue::Percent(1250)))
        );
        assert_eq!(
            parse_discount("2.50", "EUR"),
            Ok(Some(DiscountValue::Fixed(250)))
        );
        assert_eq!(
            parse_discount("500", "JPY"),
            Ok(Some(DiscountValue::Fixed(500)))
        );
        assert!(parse_discount("120%", "EUR").is_err());
        assert!(parse_discount("-1", "EUR").is_err());
        assert!(parse_discount("ten", "EUR").is_err());
        assert_eq!(
            format_discount(&DiscountValue::Percent(1250), "EUR"),
            "12.5%"
        );
        assert_eq!(format_discount(&DiscountValue::Percent(1000), "EUR"), "10%");
        assert_eq!(format_discount(&DiscountValue::Fixed(250), "EUR"), "2.50");
    }

    fn tee() -> ProductInput {
        ProductInput {
            title: "Tee".into(),
            options: vec!["Colour".into(), "Size".into()],
            description_html: "<p>kept</p>".into(),
            variants: vec![VariantInput {
                sku: "TEE-R-M".into(),
                option_values: vec!["Red".into(), "M".into()],
                barcodes: vec!["4006381333931".into()],
                price_minor: 1999,
                cost_minor: Some(800),
                weight_mg: 180_000,
                ..new_variant()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn the_product_form_round_trips_and_keeps_hidden_fields() {
        let p = tee();
        let f = product_form(&p, "EUR");
        assert_eq!(f.variants[0].price, "19.99");
        assert_eq!(f.variants[0].options, "Red, M");
        let back = product_input(&f, "EUR").unwrap();
        assert_eq!(
            back.variants[0].weight_mg, 180_000,
            "a field the form does not show survives"
        );
        assert_eq!(back.description_html, "<p>kept</p>");
        assert_eq!(back.variants, p.variants);
    }

    #[test]
    fn the_product_form_names_the_wrong_field() {
        let mut f = product_form(&tee(), "EUR");
        f.variants[0].price = "19.999".into();
        assert_eq!(product_input(&f, "EUR").unwrap_err().0, "variants[0].price");
        let mut f = product_form(&tee(), "EUR");
        f.variants[0].options = "Red".into();
        assert_eq!(
            product_input(&f, "EUR").unwrap_err().0,
            "variants[0].options"
        );
        let mut f = product_form(&tee(), "EUR");
        f.variants[0].price = " ".into();
        assert_eq!(product_input(&f, "EUR").unwrap_err().0, "variants[0].price");
        assert_eq!(variant_row_of("variants[12].barcodes[0]"), Some(12));
        assert_eq!(variant_row_of("title"), None);
    }
}
