//! Pure UI logic (no DOM): parsing what people type and shaping carts. Tested natively.

use backroom_api::{SaleInput, SaleLineInput, TenderInput};
use backroom_domain::{Currency, Money};

/// One line of the on-screen cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartItem {
    pub sku: String,
    pub title: String,
    pub quantity: i64,
}

/// Adds one unit of `sku`, merging with an existing line (a scanner scans the same item twice).
pub fn add_item(cart: &mut Vec<CartItem>, sku: &str, title: &str) {
    match cart.iter_mut().find(|c| c.sku == sku) {
        Some(c) => c.quantity += 1,
        None => cart.push(CartItem {
            sku: sku.to_string(),
            title: title.to_string(),
            quantity: 1,
        }),
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

/// Whether an error asks for a manager's approval (missing, or a wrong manager/PIN), so the
/// screen shows the approval prompt and keeps what was entered.
pub fn needs_approval(e: &backroom_api::ApiError) -> bool {
    e.code == "approval_required"
        || e.field
            .as_deref()
            .is_some_and(|f| f.starts_with("approval"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn scanning_twice_adds_a_unit() {
        let mut cart = Vec::new();
        add_item(&mut cart, "A", "Tee");
        add_item(&mut cart, "B", "Mug");
        add_item(&mut cart, "A", "Tee");
        assert_eq!(cart.len(), 2);
        assert_eq!(cart[0].quantity, 2, "the second scan of A adds to its line");
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
        assert_eq!(s.tenders[1].gift_card_code.as_deref(), Some("GIFT1"));
    }
}
