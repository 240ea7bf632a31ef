//! Property test: convergence. Three tills of one store (each its own SQLite file and device)
//! act at random — sales in every tender, returns, exchanges and voids of orders they can see,
//! transfers, counts while others sell, customer edits, one gift card spent on every till —
//! and sync at random through a hub that keeps one ordered log, as a server would (a star: a
//! till pushes its new ops, then applies everything the hub has). When every till has synced
//! at the end, all three hold the same rows in every synced table, `check` passes on each
//! (stock equals the sum of its movements, money adds up), and what the rules would have
//! refused on one till (an item returned on two, a card overspent on two) is flagged, not lost.

mod common;

use std::sync::Arc;

use backroom_store::{
    CustomerInput, ManualClock, ReceiveLine, ReturnInput, ReturnLineInput, SaleInput,
    SaleLineInput, Store, TenderInput, TransferLineInput,
};
use backroom_sync::wire::OpEnvelope;
use common::*;
use proptest::prelude::*;

const SKUS: [&str; 3] = ["TEE-RED-M", "TEE-RED-L", "TEE-BLU-M"];
const CARD: &str = "GIFT-SHARED";

#[derive(Debug, Clone)]
enum Step {
    Sale {
        till: usize,
        sku: usize,
        qty: i64,
        tender: u8,
    },
    Return {
        till: usize,
        order: usize,
        qty: i64,
    },
    Exchange {
        till: usize,
        order: usize,
        sku: usize,
    },
    Void {
        till: usize,
        order: usize,
    },
    Transfer {
        till: usize,
        qty: i64,
        short: bool,
    },
    Count {
        till: usize,
        sku: usize,
        counted: i64,
    },
    EditCustomer {
        till: usize,
        field: u8,
        value: u8,
    },
    Sync {
        till: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let till = 0..3usize;
    prop_oneof![
        5 => (till.clone(), 0..3usize, 1..3i64, 0..4u8)
            .prop_map(|(till, sku, qty, tender)| Step::Sale { till, sku, qty, tender }),
        3 => (till.clone(), 0..12usize, 1..3i64).prop_map(|(till, order, qty)| Step::Return { till, order, qty }),
        1 => (till.clone(), 0..12usize, 0..3usize).prop_map(|(till, order, sku)| Step::Exchange { till, order, sku }),
        1 => (till.clone(), 0..12usize).prop_map(|(till, order)| Step::Void { till, order }),
        1 => (till.clone(), 1..4i64, proptest::bool::ANY).prop_map(|(till, qty, short)| Step::Transfer { till, qty, short }),
        1 => (till.clone(), 0..3usize, 0..30i64).prop_map(|(till, sku, counted)| Step::Count { till, sku, counted }),
        2 => (till.clone(), 0..3u8, 0..4u8).prop_map(|(till, field, value)| Step::EditCustomer { till, field, value }),
        4 => till.prop_map(|till| Step::Sync { till }),
    ]
}

struct Till {
    store: Store,
    clock: Arc<ManualClock>,
    /// This till's last op the hub has.
    pushed: i64,
    /// How much of the hub's log this till has applied.
    pulled: usize,
    _dir: tempfile::TempDir,
}

impl Till {
    fn push(&mut self, hub: &mut Vec<OpEnvelope>) {
        let ops = self.store.ops_after(self.pushed).expect("ops");
        if let Some(last) = ops.last() {
            self.pushed = last.device_seq;
        }
        hub.extend(ops);
    }

    fn pull(&mut self, hub: &[OpEnvelope]) {
        self.store
            .apply_all(&hub[self.pulled..])
            .expect("a till applies what the hub has");
        self.pulled = hub.len();
    }

    fn price(&self, sku: &str) -> i64 {
        self.store
            .connection()
            .query_row(
                "SELECT price_minor FROM variant WHERE sku = ?1",
                [sku],
                |r| r.get(0),
            )
            .expect("price")
    }

    /// The receipt of the `n`th order this till can see (wrapping), if any.
    fn order(&self, n: usize) -> Option<String> {
        let receipts: Vec<String> = self
            .store
            .connection()
            .prepare("SELECT receipt_number FROM sale_order ORDER BY id")
            .expect("orders")
            .query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("read");
        (!receipts.is_empty()).then(|| receipts[n % receipts.len()].clone())
    }
}

/// The store every till starts from: a catalogue with stock in the shop and the warehouse, a
/// customer with store credit, and one gift card.
fn seed() -> (TestStore, String) {
    let mut t = new_store().with_warehouse();
    t.store.save_product(tee()).expect("product");
    for sku in SKUS {
        t.store
            .receive_stock(sku, "MAIN", 20, "", "")
            .expect("stock");
        t.store.receive_stock(sku, "WH", 20, "", "").expect("stock");
    }
    let customer = t
        .store
        .create_customer(CustomerInput {
            name: "Ada Byron".into(),
            email: "ada@example.com".into(),
            ..Default::default()
        })
        .expect("customer");
    t.store
        .adjust_store_credit(&customer, 3_000, "welcome", None)
        .expect("credit");
    t.store
        .issue_gift_card(CARD, 3_000, None, None, None)
        .expect("card");
    (t, customer)
}

/// A till of the seed store: its backup restored, continuing as a device of its own.
fn till_from(seed: &TestStore, n: u64) -> Till {
    let (store, clock, dir) = restored_till(seed, n, 100 + n);
    let pushed = store.last_device_seq().expect("seq");
    Till {
        store,
        clock,
        pushed,
        pulled: 0,
        _dir: dir,
    }
}

fn tender(kind: &str, amount: i64) -> TenderInput {
    TenderInput {
        kind: kind.into(),
        amount,
        gift_card_code: (kind == "gift_card").then(|| CARD.to_string()),
        ..Default::default()
    }
}

/// Runs one step on its till; a step the till refuses (stock, balance, status) is part of the
/// history too: it changes nothing.
fn act(till: &mut Till, customer: &str, step: &Step, n: usize) {
    till.clock.advance(1_000);
    let s = &mut till.store;
    match *step {
        Step::Sale {
            sku,
            qty,
            tender: t,
            ..
        } => {
            let sku = SKUS[sku];
            let total = till_price(s, sku) * qty;
            let (tenders, customer) = match t {
                0 => (vec![tender("cash", total)], None),
                1 => (vec![tender("card", total)], Some(customer.to_string())),
                2 => (
                    vec![
                        tender("gift_card", total.min(2_500)),
                        tender("card", total - total.min(2_500)),
                    ]
                    .into_iter()
                    .filter(|t| t.amount > 0)
                    .collect(),
                    None,
                ),
                _ => (
                    vec![
                        tender("store_credit", total.min(1_000)),
                        tender("card", total - total.min(1_000)),
                    ]
                    .into_iter()
                    .filter(|t| t.amount > 0)
                    .collect(),
                    Some(customer.to_string()),
                ),
            };
            let _ = s.complete_sale(SaleInput {
                cart_id: format!("cart-{n}"),
                customer_id: customer,
                lines: vec![SaleLineInput {
                    sku: sku.into(),
                    quantity: qty,
                    ..Default::default()
                }],
                tenders,
                ..Default::default()
            });
        }
        Step::Return { order, qty, .. } => {
            if let Some(receipt) = till.order(order) {
                let sku = till
                    .store
                    .order(&receipt)
                    .ok()
                    .and_then(|o| o.lines.first().map(|l| l.sku.clone()));
                if let Some(sku) = sku {
                    let _ = till.store.process_return(ReturnInput {
                        order: Some(receipt),
                        lines: vec![ReturnLineInput {
                            sku,
                            quantity: qty,
                            reason: "unwanted".into(),
                            disposition: "restock".into(),
                            ..Default::default()
                        }],
                        ..Default::default()
                    });
                }
            }
        }
        Step::Exchange { order, sku, .. } => {
            if let Some(receipt) = till.order(order) {
                let back = till
                    .store
                    .order(&receipt)
                    .ok()
                    .and_then(|o| o.lines.first().map(|l| l.sku.clone()));
                if let Some(back) = back {
                    let _ = till.store.process_return(ReturnInput {
                        order: Some(receipt),
                        lines: vec![ReturnLineInput {
                            sku: back,
                            quantity: 1,
                            reason: "size_too_small".into(),
                            disposition: "restock".into(),
                            ..Default::default()
                        }],
                        exchange: Some(SaleInput {
                            lines: vec![SaleLineInput {
                                sku: SKUS[sku].into(),
                                quantity: 1,
                                ..Default::default()
                            }],
                            tenders: vec![tender("card", till.price(SKUS[sku]))],
                            ..Default::default()
                        }),
                        ..Default::default()
                    });
                }
            }
        }
        Step::Void { order, .. } => {
            if let Some(receipt) = till.order(order) {
                let _ = till.store.void_sale(&receipt, "rang up wrong", None);
            }
        }
        Step::Transfer { qty, short, .. } => {
            let line = |q| TransferLineInput {
                sku: SKUS[0].into(),
                quantity: q,
            };
            if let Ok(t) = s.send_new_transfer("WH", "MAIN", vec![line(qty)], "") {
                let got = if short { qty - 1 } else { qty };
                if got > 0 {
                    let _ = s.receive_transfer(
                        &t.number,
                        vec![ReceiveLine {
                            sku: SKUS[0].into(),
                            quantity: got,
                        }],
                        true,
                    );
                } else {
                    let _ = s.cancel_transfer(&t.number);
                }
            }
        }
        Step::Count { sku, counted, .. } => {
            if let Ok(count) = s.start_count("MAIN", None) {
                let _ = s.record_count(&count, SKUS[sku], Some(counted));
                let _ = s.record_count(&count, SKUS[(sku + 1) % 3], None);
                let _ = s.apply_count(&count, false);
            }
        }
        Step::EditCustomer { field, value, .. } => {
            if let Ok(Some(mut c)) = s.customer(customer).map(Some) {
                let v = ["a", "b", "c", "d"][value as usize];
                match field {
                    0 => c.name = format!("Ada {v}"),
                    1 => c.email = format!("ada.{v}@example.com"),
                    _ => c.note = format!("note {v}"),
                }
                let _ = s.update_customer(
                    customer,
                    CustomerInput {
                        name: c.name,
                        email: c.email,
                        phone: c.phone,
                        group: c.group,
                        marketing_consent: c.marketing_consent,
                        note: c.note,
                    },
                );
            }
        }
        Step::Sync { .. } => {}
    }
}

fn till_price(s: &Store, sku: &str) -> i64 {
    s.connection()
        .query_row(
            "SELECT price_minor FROM variant WHERE sku = ?1",
            [sku],
            |r| r.get(0),
        )
        .expect("price")
}

fn till_of(step: &Step) -> usize {
    match *step {
        Step::Sale { till, .. }
        | Step::Return { till, .. }
        | Step::Exchange { till, .. }
        | Step::Void { till, .. }
        | Step::Transfer { till, .. }
        | Step::Count { till, .. }
        | Step::EditCustomer { till, .. }
        | Step::Sync { till } => till,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn three_tills_converge_whatever_the_order(steps in proptest::collection::vec(step(), 1..40)) {
        let (seed, customer) = seed();
        let mut tills: Vec<Till> = (1..=3).map(|n| till_from(&seed, n)).collect();
        let mut hub: Vec<OpEnvelope> = Vec::new();
        for (n, s) in steps.iter().enumerate() {
            let till = &mut tills[till_of(s)];
            match s {
                Step::Sync { .. } => {
                    till.push(&mut hub);
                    till.pull(&hub);
                }
                _ => act(till, &customer, s, n),
            }
        }
        for t in tills.iter_mut() {
            t.push(&mut hub);
        }
        for t in tills.iter_mut() {
            t.pull(&hub);
        }
        for t in &tills {
            let report = t.store.check().expect("check");
            prop_assert!(report.ok, "{:?}", report.findings);
        }
        assert_same_tables(&tills[0].store, &tills[1].store);
        assert_same_tables(&tills[0].store, &tills[2].store);
    }
}
