//! Property test: any sequence of stock use-cases — valid or not — keeps `stock_level == Σ
//! ledger`, the outbox dense with one op per successful use-case, and the levels equal to an
//! independent model of what each use-case should do. Failed use-cases change nothing.

mod common;

use std::collections::HashMap;

use backroom_domain::stock::StockState;
use backroom_store::{Adjustment, ReceiveLine, StateMove, TransferLineInput};
use common::*;
use proptest::prelude::*;

const SKUS: [&str; 3] = ["TEE-RED-M", "TEE-RED-L", "TEE-BLU-M"];
const LOCS: [&str; 2] = ["MAIN", "WH"];
const STATES: [StockState; 3] = [
    StockState::Available,
    StockState::Damaged,
    StockState::QualityControl,
];

#[derive(Debug, Clone)]
enum Op {
    Receive {
        sku: usize,
        loc: usize,
        qty: i64,
    },
    Adjust {
        sku: usize,
        loc: usize,
        delta: i64,
    },
    Move {
        sku: usize,
        loc: usize,
        from: usize,
        to: usize,
        qty: i64,
    },
    /// Create + send; then 0 = receive all, 1 = receive `part` and close short, 2 = cancel.
    Transfer {
        sku: usize,
        from: usize,
        qty: i64,
        ending: u8,
        part: i64,
    },
    Count {
        loc: usize,
        counts: Vec<(usize, i64)>,
        sale_between: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..3usize, 0..2usize, -3..20i64).prop_map(|(sku, loc, qty)| Op::Receive { sku, loc, qty }),
        (0..3usize, 0..2usize, -15..10i64).prop_map(|(sku, loc, delta)| Op::Adjust {
            sku,
            loc,
            delta
        }),
        (0..3usize, 0..2usize, 0..3usize, 0..3usize, -1..8i64).prop_map(
            |(sku, loc, from, to, qty)| Op::Move {
                sku,
                loc,
                from,
                to,
                qty
            }
        ),
        (0..3usize, 0..2usize, 1..12i64, 0..3u8, 0..12i64).prop_map(
            |(sku, from, qty, ending, part)| Op::Transfer {
                sku,
                from,
                qty,
                ending,
                part
            }
        ),
        (
            0..2usize,
            proptest::collection::vec((0..3usize, 0..15i64), 0..3),
            0..3i64
        )
            .prop_map(|(loc, counts, sale_between)| Op::Count {
                loc,
                counts,
                sale_between
            }),
    ]
}

type Model = HashMap<(usize, usize, StockState), i64>;

fn get(m: &Model, sku: usize, loc: usize, s: StockState) -> i64 {
    m.get(&(sku, loc, s)).copied().unwrap_or(0)
}

fn add(m: &mut Model, sku: usize, loc: usize, s: StockState, d: i64) {
    *m.entry((sku, loc, s)).or_insert(0) += d;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_stock_histories_keep_every_invariant(ops in proptest::collection::vec(op(), 1..25)) {
        let mut t = new_store().with_warehouse();
        t.store.save_product(tee()).unwrap();
        let mut model: Model = HashMap::new();
        let mut ok_ops = t.rows("outbox");
        // A count that found fewer units than were later sold legitimately leaves stock negative
        // (the sale is a physical fact, the count too); only without counts must levels stay >= 0.
        let mut had_count = false;
        for op in ops {
            let before = t.footprint();
            let result: Result<i64, backroom_store::StoreError> = match op.clone() {
                Op::Receive { sku, loc, qty } => t.store.receive_stock(SKUS[sku], LOCS[loc], qty, "", "").map(|_| {
                    add(&mut model, sku, loc, StockState::Available, qty);
                    1
                }),
                Op::Adjust { sku, loc, delta } => t
                    .store
                    .adjust_stock(Adjustment { sku: SKUS[sku].into(), location: LOCS[loc].into(), delta, reason: "correction".into(), ..Default::default() })
                    .map(|_| {
                        add(&mut model, sku, loc, StockState::Available, delta);
                        1
                    }),
                Op::Move { sku, loc, from, to, qty } => t
                    .store
                    .move_stock(StateMove { sku: SKUS[sku].into(), location: LOCS[loc].into(), from: STATES[from].as_str().into(), to: STATES[to].as_str().into(), quantity: qty, note: String::new() })
                    .map(|_| {
                        add(&mut model, sku, loc, STATES[from], -qty);
                        add(&mut model, sku, loc, STATES[to], qty);
                        1
                    }),
                Op::Transfer { sku, from, qty, ending, part } => {
                    let to = 1 - from;
                    let n = t.store.create_transfer(LOCS[from], LOCS[to], vec![TransferLineInput { sku: SKUS[sku].into(), quantity: qty }], "").unwrap();
                    ok_ops += 1;
                    match t.store.send_transfer(&n) {
                        Err(e) => Err(e),
                        Ok(()) => {
                            ok_ops += 1;
                            add(&mut model, sku, from, StockState::Available, -qty);
                            let r = match ending {
                                0 => t.store.receive_transfer(&n, vec![ReceiveLine { sku: SKUS[sku].into(), quantity: qty }], false).map(|_| qty),
                                1 => {
                                    let got = part.min(qty);
                                    let lines = if got > 0 { vec![ReceiveLine { sku: SKUS[sku].into(), quantity: got }] } else { vec![] };
                                    t.store.receive_transfer(&n, lines, true).map(|_| got)
                                }
                                _ => t.store.cancel_transfer(&n).map(|_| {
                                    add(&mut model, sku, from, StockState::Available, qty);
                                    0
                                }),
                            };
                            let arrived = r.expect("receiving or cancelling a sent transfer succeeds");
                            add(&mut model, sku, to, StockState::Available, arrived);
                            Ok(1)
                        }
                    }
                }
                Op::Count { loc, counts, sale_between } => {
                    had_count = true;
                    let c = t.store.start_count(LOCS[loc], None).unwrap();
                    ok_ops += 1;
                    let mut snapshots = HashMap::new();
                    for (sku, n) in &counts {
                        t.store.record_count(&c, SKUS[*sku], Some(*n)).unwrap();
                        ok_ops += 1;
                        snapshots.insert(*sku, (*n, get(&model, *sku, loc, StockState::Available)));
                    }
                    // Something leaves the shelf after it was counted; the count must not erase it.
                    if sale_between > 0 && get(&model, 0, loc, StockState::Available) >= sale_between {
                        t.store.adjust_stock(Adjustment { sku: SKUS[0].into(), location: LOCS[loc].into(), delta: -sale_between, reason: "shrinkage".into(), ..Default::default() }).unwrap();
                        ok_ops += 1;
                        add(&mut model, 0, loc, StockState::Available, -sale_between);
                    }
                    t.store.apply_count(&c, false).unwrap();
                    for (sku, (counted, snapshot)) in snapshots {
                        add(&mut model, sku, loc, StockState::Available, counted - snapshot);
                    }
                    Ok(1)
                }
            };
            match result {
                Ok(n) => ok_ops += n,
                Err(e) => {
                    prop_assert!(e.field().is_some(), "input errors name a field: {e}");
                    if !matches!(op, Op::Transfer { .. } | Op::Count { .. }) {
                        prop_assert_eq!(t.footprint(), before.clone(), "failed {:?} wrote something", op);
                    }
                }
            }
        }
        let report = t.store.check().unwrap();
        prop_assert!(report.ok, "check found {:?}", report.findings);
        prop_assert_eq!(report.outbox_ops as i64, ok_ops, "one op per successful use-case");
        for (sku, code) in SKUS.iter().enumerate() {
            for (loc, lcode) in LOCS.iter().enumerate() {
                for s in STATES {
                    let got = t.store.stock_qty(code, lcode, s).unwrap();
                    prop_assert_eq!(got, get(&model, sku, loc, s), "{} at {} {:?}", code, lcode, s);
                    prop_assert!(had_count || got >= 0, "manual use-cases never drive a state negative");
                }
                prop_assert_eq!(t.store.stock_qty(code, lcode, StockState::Incoming).unwrap(), 0, "every transfer ended");
            }
        }
    }
}
