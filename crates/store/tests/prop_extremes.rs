//! Property test: absurd amounts and quantities — at the bound, just past it, `i64::MAX`,
//! negative — through the catalogue, the quote, the sale, the return and the reports. Every
//! input is either taken, with `check` staying healthy, or refused with a field error that
//! writes nothing; nothing panics or wraps.

mod common;

use backroom_domain::money::MAX_AMOUNT_MINOR;
use backroom_store::{
    ReturnInput, ReturnLineInput, SaleInput, SaleLineInput, StoreError, TenderInput,
};
use common::*;
use proptest::prelude::*;

fn amount() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(MAX_AMOUNT_MINOR),
        Just(MAX_AMOUNT_MINOR + 1),
        Just(i64::MAX),
        Just(i64::MIN),
        Just(-1),
        0..MAX_AMOUNT_MINOR,
    ]
}

fn quantity() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(1),
        Just(100_000),
        Just(100_001),
        Just(i64::MAX),
        Just(0),
        Just(-3),
        1..500i64,
    ]
}

/// A refusal is a field error naming its field; anything else is a defect.
fn refused(e: &StoreError) -> bool {
    matches!(e, StoreError::Invalid(f) if !f.field.is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn extreme_amounts_are_taken_exactly_or_refused_by_field(
        price in amount(),
        qty in quantity(),
        override_price in proptest::option::of(amount()),
        extra in 0..MAX_AMOUNT_MINOR,
    ) {
        let mut t = new_store();
        t.store.create_tax_class("STD", "Standard", "20").unwrap();
        let mut p = tee();
        p.variants[0].price_minor = price;
        let saved = t.store.save_product(p);
        if let Err(e) = &saved {
            prop_assert!(refused(e), "a bad price is a field error: {e:?}");
            prop_assert!(!(0..=MAX_AMOUNT_MINOR).contains(&price), "{price} should have been taken");
            return Ok(());
        }
        t.store.receive_stock("TEE-RED-M", "MAIN", 5, "", "").unwrap();
        let line = SaleLineInput {
            sku: "TEE-RED-M".into(),
            quantity: qty,
            price_override: override_price,
            ..Default::default()
        };
        let quote = t.store.quote(&SaleInput { lines: vec![line.clone()], ..Default::default() });
        let q = match quote {
            Ok(q) => q,
            Err(e) => {
                prop_assert!(refused(&e), "a bad line is a field error: {e:?}");
                return Ok(());
            }
        };
        prop_assert!(q.total >= 0 && q.total <= MAX_AMOUNT_MINOR * 100_000, "{q:?}");
        // Pay by card with the exact total, plus absurd cash on top when the total is 0.
        let mut tenders = vec![];
        if q.total > 0 {
            tenders.push(TenderInput { kind: "card".into(), amount: q.total, reference: "T".into(), ..Default::default() });
        }
        if q.total == 0 {
            tenders.push(TenderInput { kind: "cash".into(), amount: extra.max(1), ..Default::default() });
        }
        let sale = t.store.complete_sale(SaleInput {
            cart_id: "extreme".into(),
            lines: vec![line],
            tenders,
            ..Default::default()
        });
        let order = match sale {
            Ok(o) => o,
            Err(e) => {
                prop_assert!(refused(&e), "a refused sale is a field error: {e:?}");
                return Ok(());
            }
        };
        prop_assert_eq!(order.total, q.total, "the sale charges what was quoted");
        let back = t.store.process_return(ReturnInput {
            order: Some(order.receipt_number.clone()),
            lines: vec![ReturnLineInput {
                sku: "TEE-RED-M".into(),
                quantity: 1,
                reason: "defective".into(),
                disposition: "restock".into(),
                ..Default::default()
            }],
            ..Default::default()
        });
        if let Err(e) = &back {
            prop_assert!(refused(e), "{e:?}");
        }
        let report = t.store.sales_report(0, i64::MAX / 2);
        prop_assert!(report.is_ok(), "{:?}", report.err());
        let c = t.store.check().unwrap();
        prop_assert!(c.ok, "{:#?}", c.findings);
    }
}

#[test]
fn typed_amounts_beyond_the_bound_are_refused_naming_the_field() {
    use backroom_domain::{Currency, Money};
    let eur = Currency::parse("EUR").unwrap();
    assert!(
        Money::parse("1000000000.00", eur, "price").is_ok(),
        "the bound itself"
    );
    let e = Money::parse("1000000000.01", eur, "price").unwrap_err();
    assert_eq!(e.field, "price");
    let e = Money::parse("99999999999999999999", eur, "price").unwrap_err();
    assert_eq!(
        e.field, "price",
        "a number past i64 is a field error, not a panic"
    );
    let mut t = new_store();
    let e = t.store.open_shift("MAIN", i64::MAX).unwrap_err();
    assert_eq!(e.field(), Some("float"));
    let e = t
        .store
        .issue_gift_card("GIFT-000001", MAX_AMOUNT_MINOR + 1, None, None, None)
        .unwrap_err();
    assert_eq!(e.field(), Some("amount"));
}
