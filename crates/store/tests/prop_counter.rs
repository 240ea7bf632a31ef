//! Property test: random sales, returns, exchanges and voids — valid or not — keep every money
//! and stock invariant (`check`), never refund more than was paid per order or per line, and
//! never return more units than were sold.

mod common;

use backroom_domain::sale::DiscountValue;
use backroom_store::{
    CustomerInput, RefundTender, ReturnInput, ReturnLineInput, SaleInput, SaleLineInput,
    TenderInput,
};
use common::*;
use proptest::prelude::*;

const SKUS: [&str; 3] = ["TEE-RED-M", "TEE-RED-L", "TEE-BLU-M"];

#[derive(Debug, Clone)]
enum Op {
    Sale {
        lines: Vec<(usize, i64)>,
        split: u8,
        customer: bool,
        discount_bp: u32,
    },
    Return {
        order: usize,
        line: usize,
        qty: i64,
        disposition: u8,
        to_credit: bool,
    },
    Exchange {
        order: usize,
        new_sku: usize,
    },
    Void {
        order: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (proptest::collection::vec((0..3usize, 1..4i64), 1..4), 0..4u8, proptest::bool::ANY, prop_oneof![Just(0u32), 0..3000u32])
            .prop_map(|(lines, split, customer, discount_bp)| Op::Sale { lines, split, customer, discount_bp }),
        3 => (0..8usize, 0..3usize, 1..3i64, 0..4u8, proptest::bool::ANY)
            .prop_map(|(order, line, qty, disposition, to_credit)| Op::Return { order, line, qty, disposition, to_credit }),
        1 => (0..8usize, 0..3usize).prop_map(|(order, new_sku)| Op::Exchange { order, new_sku }),
        1 => (0..8usize).prop_map(|order| Op::Void { order }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn random_counter_histories_keep_money_and_stock_exact(
        ops in proptest::collection::vec(op(), 1..20),
        currency in prop_oneof![Just("EUR"), Just("CHF"), Just("SEK"), Just("DKK")],
    ) {
        let mut t = new_store_in(currency);
        let coin = t.store.settings().unwrap().cash_rounding.increment;
        // Cash is handed over in coins: an amount up to the next coin.
        let coins = |amount: i64| (amount + coin - 1) / coin * coin;
        t.store.create_tax_class("STD", "Standard", "20").unwrap();
        let mut p = tee();
        for v in &mut p.variants {
            v.tax_class = "STD".into();
        }
        t.store.save_product(p).unwrap();
        for sku in SKUS {
            t.store.receive_stock(sku, "MAIN", 50, "", "").unwrap();
        }
        let customer = t.store.create_customer(CustomerInput { name: "Pat".into(), ..Default::default() }).unwrap();
        t.store.adjust_store_credit(&customer, 2_000, "start", None).unwrap();
        t.store.open_shift("MAIN", 10_000).unwrap();
        let mut orders: Vec<String> = Vec::new();
        for (n, op) in ops.into_iter().enumerate() {
            t.clock.advance(60_000);
            match op {
                Op::Sale { lines, split, customer: with_customer, discount_bp } => {
                    let lines: Vec<SaleLineInput> = lines.iter().map(|(s, q)| SaleLineInput { sku: SKUS[*s].into(), quantity: *q, ..Default::default() }).collect();
                    let mut input = SaleInput {
                        cart_id: format!("cart-{n}"),
                        customer_id: with_customer.then(|| customer.clone()),
                        lines,
                        order_discount: (discount_bp > 0).then_some(DiscountValue::Percent(discount_bp)),
                        ..Default::default()
                    };
                    let total = t.store.quote(&input).unwrap().total;
                    input.tenders = match split {
                        0 => vec![TenderInput { kind: "cash".into(), amount: coins(total + 1234), ..Default::default() }],
                        1 => vec![TenderInput { kind: "card".into(), amount: total, ..Default::default() }],
                        2 => {
                            let card = TenderInput { kind: "card".into(), amount: total / 3, ..Default::default() };
                            let cash_due = t.store.quote(&SaleInput { tenders: vec![card.clone()], ..input.clone() }).unwrap().tenders.cash_due;
                            vec![card, TenderInput { kind: "cash".into(), amount: cash_due, ..Default::default() }]
                        }
                        _ => {
                            let credit = t.store.customer(&customer).unwrap().store_credit.min(total);
                            let mut v = vec![TenderInput { kind: "cash".into(), amount: coins(total - credit + 1), ..Default::default() }];
                            if credit > 0 && with_customer {
                                v.push(TenderInput { kind: "store_credit".into(), amount: credit, ..Default::default() });
                            } else {
                                v[0].amount = t.store.quote(&input).unwrap().tenders.cash_due;
                            }
                            v
                        }
                    };
                    if input.tenders.iter().all(|t| t.amount == 0) {
                        // A total below half a coin is settled by rounding alone: nothing to hand over.
                        input.tenders.clear();
                    }
                    let o = t.store.complete_sale(input.clone()).unwrap();
                    let again = t.store.complete_sale(input).unwrap();
                    prop_assert_eq!(&o.id, &again.id, "a retry is the same order");
                    orders.push(o.id);
                }
                Op::Return { order, line, qty, disposition, to_credit } => {
                    let Some(id) = orders.get(order % orders.len().max(1)).cloned() else { continue };
                    let o = t.store.order(&id).unwrap();
                    let Some(l) = o.lines.get(line % o.lines.len()) else { continue };
                    let d = ["restock", "damaged", "quality_control", "write_off"][disposition as usize];
                    let input = ReturnInput {
                        order: Some(id.clone()),
                        lines: vec![ReturnLineInput { line_id: Some(l.id.clone()), sku: l.sku.clone(), quantity: qty, reason: "unwanted".into(), disposition: d.into() }],
                        ..Default::default()
                    };
                    let due = backroom_domain::allocate::cumulative_share(l.total, l.returned_qty + qty, l.quantity) - backroom_domain::allocate::cumulative_share(l.total, l.returned_qty, l.quantity);
                    let input = if to_credit && o.customer_id.is_some() && due > 0 {
                        ReturnInput { refund: vec![RefundTender { kind: "store_credit".into(), amount: due, reference: String::new() }], ..input }
                    } else {
                        input
                    };
                    match t.store.process_return(input) {
                        Ok(r) => prop_assert!(l.returned_qty + qty <= l.quantity, "a return past the sold quantity went through: {:?}", r),
                        Err(e) => prop_assert!(e.field().is_some(), "refusals name a field: {}", e),
                    }
                }
                Op::Exchange { order, new_sku } => {
                    let Some(id) = orders.get(order % orders.len().max(1)).cloned() else { continue };
                    let o = t.store.order(&id).unwrap();
                    let Some(l) = o.lines.iter().find(|l| l.returned_qty < l.quantity) else { continue };
                    let price = t.store.quote(&SaleInput { lines: vec![SaleLineInput { sku: SKUS[new_sku].into(), quantity: 1, ..Default::default() }], ..Default::default() }).unwrap().total;
                    let unit = l.total / l.quantity;
                    let tenders = if price > unit { vec![TenderInput { kind: "cash".into(), amount: coins(price), ..Default::default() }] } else { vec![] };
                    let r = t.store.process_return(ReturnInput {
                        order: Some(id.clone()),
                        lines: vec![ReturnLineInput { line_id: Some(l.id.clone()), sku: l.sku.clone(), quantity: 1, reason: "size_too_small".into(), disposition: "restock".into() }],
                        exchange: Some(SaleInput { lines: vec![SaleLineInput { sku: SKUS[new_sku].into(), quantity: 1, ..Default::default() }], tenders, ..Default::default() }),
                        ..Default::default()
                    });
                    if let Err(e) = r {
                        prop_assert!(e.field().is_some(), "refusals name a field: {}", e);
                    }
                }
                Op::Void { order } => {
                    let Some(id) = orders.get(order % orders.len().max(1)).cloned() else { continue };
                    if let Err(e) = t.store.void_sale(&id, "test", None) {
                        prop_assert!(matches!(e.code(), "already_voided" | "has_returns"), "unexpected void refusal: {}", e);
                    }
                }
            }
        }
        let report = t.store.check().unwrap();
        prop_assert!(report.ok, "check found {:?}", report.findings);
        let c = t.store.connection();
        let over: i64 = c.query_row(
            "SELECT COUNT(*) FROM order_line l WHERE l.returned_qty > l.quantity
                OR (SELECT COALESCE(SUM(refund_amount), 0) FROM return_line r WHERE r.order_line_id = l.id) > l.total",
            [], |r| r.get(0)).unwrap();
        prop_assert_eq!(over, 0, "no line is returned or refunded beyond what was sold");
        let over_paid: i64 = c.query_row(
            "SELECT COUNT(*) FROM sale_order o WHERE
               -(SELECT COALESCE(SUM(p.amount), 0) FROM payment p JOIN sale_return r ON r.id = p.return_id WHERE r.order_id = o.id)
               > (SELECT COALESCE(SUM(amount), 0) FROM payment WHERE order_id = o.id AND kind IN ('sale', 'change'))",
            [], |r| r.get(0)).unwrap();
        prop_assert_eq!(over_paid, 0, "no order refunds more than was paid");
        let cash: i64 = c.query_row("SELECT COALESCE(SUM(amount), 0) FROM payment WHERE tender = 'cash'", [], |r| r.get(0)).unwrap();
        let (sold, refunded): (i64, i64) = c.query_row(
            "SELECT (SELECT COALESCE(SUM(total), 0) FROM sale_order WHERE voided_at IS NULL),
                    (SELECT COALESCE(SUM(refund_total), 0) FROM sale_return)", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        t.store.cash_movement("MAIN", 2 * coin, "float top-up").unwrap();
        let counted = t.store.z_report(&t.store.current_shift("MAIN").unwrap().unwrap()).unwrap().expected_cash;
        let z = t.store.close_shift("MAIN", counted).unwrap();
        prop_assert_eq!(z.variance, Some(0));
        prop_assert_eq!(z.expected_cash, 10_000 + cash + 2 * coin, "the Z-report's expected cash is the float plus every cash payment and movement");
        prop_assert_eq!(z.expected_cash % coin, 0, "the drawer holds only coins ({} {})", currency, z.expected_cash);
        prop_assert_eq!((z.net_sales, z.refunds), (sold, refunded), "the Z-report's sales and refunds are its orders' and returns'");
        let tendered: i64 = z.tenders.values().map(|t| t.net).sum();
        prop_assert_eq!(tendered, sold - refunded, "every tender, rounding included, adds up to sales less refunds");
    }
}
