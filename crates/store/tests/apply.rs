//! The apply path on real SQLite files: one till's stock facts replayed onto a replica give the
//! same ledger and levels; applying again, or a till's own ops coming back, writes nothing; ops
//! in the wrong order or claiming a taken number are refused and change nothing; kinds this
//! build cannot apply yet are kept, not lost.

mod common;

use std::sync::Arc;

use backroom_store::{
    Adjustment, Applied, CloseShiftInput, ManualClock, OpsSelection, ReceiveLine, ReturnInput,
    ReturnLineInput, SaleInput, SaleLineInput, SeededIds, StateMove, Store, TenderInput,
    TransferLineInput,
};
use backroom_sync::wire::{read_lines, OpEnvelope};
use common::*;

/// This till's ops after `since`, as they would leave it (through the JSON-lines wire form).
fn ops_since(store: &Store, since: i64) -> Vec<OpEnvelope> {
    let mut out = Vec::new();
    store
        .export_ops(
            &mut out,
            OpsSelection {
                since,
                all_devices: false,
            },
        )
        .expect("export");
    let ops = read_lines(&String::from_utf8(out).expect("utf-8")).expect("lines");
    assert_eq!(
        ops,
        store.ops_after(since).expect("ops"),
        "the file holds the ops"
    );
    ops
}

fn last_seq(store: &Store) -> i64 {
    store.last_device_seq().expect("last seq")
}

/// The ledger and the levels, as rows to compare between replicas.
fn stock(store: &Store) -> (Vec<String>, Vec<String>) {
    let rows = |sql: &str| -> Vec<String> {
        store
            .connection()
            .prepare(sql)
            .expect("query")
            .query_map([], |r| r.get::<_, String>(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("read")
    };
    (
        rows(
            "SELECT id || '|' || op_id || '|' || at || '|' || variant_id || '|' || location_id || '|'
                    || state || '|' || delta || '|' || reason || '|' || actor || '|' || device_id
             FROM stock_movement ORDER BY id",
        ),
        rows(
            "SELECT variant_id || '|' || location_id || '|' || state || '|' || qty
             FROM stock_level WHERE qty <> 0 ORDER BY 1",
        ),
    )
}

/// A second till of the same store: it starts from `a`'s backup (same catalogue and history)
/// and continues as its own device, with its own ids.
fn replica_of(a: &TestStore) -> (tempfile::TempDir, Store) {
    let (dir, store, _) = replica_with_clock(a);
    (dir, store)
}

/// [`replica_of`], with the replica's clock.
fn replica_with_clock(a: &TestStore) -> (tempfile::TempDir, Store, Arc<ManualClock>) {
    let backup = a
        .dir
        .path()
        .join(format!("seed-{}.sqlite", last_seq(&a.store)));
    a.store.backup(&backup).expect("backup");
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(T0 + 60_000));
    let mut b = Store::open_with(
        &dir.path().join("b.sqlite"),
        clock.clone(),
        Arc::new(SeededIds::new(8)),
    )
    .expect("open replica");
    b.restore(&backup).expect("restore");
    b.set_actor("tester");
    (dir, b, clock)
}

#[test]
fn stock_facts_replay_onto_a_replica_and_applying_again_changes_nothing() {
    let mut a = new_store().with_warehouse();
    a.store.save_product(tee()).unwrap();
    let (_bdir, mut b) = replica_of(&a);
    let since = last_seq(&a.store);

    a.store
        .receive_stock("TEE-RED-M", "WH", 10, "PO-1", "")
        .unwrap();
    a.store
        .receive_stock("TEE-RED-L", "MAIN", 3, "", "")
        .unwrap();
    a.store
        .adjust_stock(Adjustment {
            sku: "TEE-RED-M".into(),
            location: "WH".into(),
            delta: -1,
            reason: "shrinkage".into(),
            ..Default::default()
        })
        .unwrap();
    a.store
        .move_stock(StateMove {
            sku: "TEE-RED-M".into(),
            location: "WH".into(),
            from: "available".into(),
            to: "damaged".into(),
            quantity: 2,
            note: String::new(),
        })
        .unwrap();
    let ops = ops_since(&a.store, since);
    assert_eq!(ops.len(), 4);

    let report = b.apply_all(&ops).unwrap();
    assert_eq!(
        (report.applied, report.already_here, report.deferred),
        (4, 0, 0)
    );
    assert_eq!(stock(&b), stock(&a.store), "the same ledger and levels");
    assert!(b.check().unwrap().ok, "{:?}", b.check().unwrap().findings);

    // Again: nothing changes.
    let before = stock(&b);
    let again = b.apply_all(&ops).unwrap();
    assert_eq!((again.applied, again.already_here), (0, 4));
    assert_eq!(stock(&b), before);

    // The replica sells on its own; its ops reach the first till, and coming back to the
    // replica they change nothing.
    let b_since = last_seq(&b);
    b.adjust_stock(Adjustment {
        sku: "TEE-RED-L".into(),
        location: "MAIN".into(),
        delta: -1,
        reason: "damage".into(),
        ..Default::default()
    })
    .unwrap();
    let b_ops = ops_since(&b, b_since);
    assert_eq!(a.store.apply_all(&b_ops).unwrap().applied, 1);
    assert_eq!(
        b.apply_all(&b_ops).unwrap().already_here,
        1,
        "own ops come back as no-ops"
    );
    assert_eq!(stock(&a.store), stock(&b), "both tills agree");
    assert!(a.store.check().unwrap().ok);
    assert_eq!(
        a.store
            .stock_qty(
                "TEE-RED-L",
                "MAIN",
                backroom_domain::stock::StockState::Available
            )
            .unwrap(),
        2
    );
}

#[test]
fn out_of_order_taken_numbers_and_unknown_kinds() {
    let mut a = new_store().with_warehouse();
    a.store.save_product(tee()).unwrap();
    let (_bdir, mut b) = replica_of(&a);
    let since = last_seq(&a.store);
    for n in 1..=3 {
        a.store.receive_stock("TEE-RED-M", "WH", n, "", "").unwrap();
    }
    let ops = ops_since(&a.store, since);
    let before = stock(&b);

    // A gap: the third op before the second.
    let err = b.apply(&ops[1]).unwrap_err();
    assert_eq!(
        (err.field(), err.code()),
        (Some("device_seq"), "gap"),
        "{err}"
    );
    assert_eq!(stock(&b), before, "a refused op changes nothing");

    // A file whose second op skips a number: the first is kept, the error names the second.
    let err = b.apply_all(&[ops[0].clone(), ops[2].clone()]).unwrap_err();
    assert_eq!(err.code(), "gap");
    assert!(err.field().unwrap().contains(&ops[2].op_id), "{err}");
    assert_eq!(
        b.apply(&ops[0]).unwrap(),
        Applied::AlreadyHere,
        "the op before it was kept"
    );
    // A different op claiming a number already taken.
    let mut forged = ops[0].clone();
    forged.op_id = "forged".into();
    let err = b.apply(&forged).unwrap_err();
    assert_eq!(err.code(), "conflict", "{err}");

    // A kind this build cannot apply yet is kept whole and holds its place in the sequence.
    let mut later = ops[1].clone();
    later.kind = "stock.teleported".into();
    assert_eq!(b.apply(&later).unwrap(), Applied::Deferred);
    let kept: String = b
        .connection()
        .query_row(
            "SELECT status FROM inbox WHERE op_id = ?1",
            [&later.op_id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, "deferred");
    assert_eq!(b.apply(&ops[2]).unwrap(), Applied::Applied);
}

#[test]
fn a_clock_a_year_ahead_does_not_drag_this_till_along() {
    let mut a = new_store().with_warehouse();
    a.store.save_product(tee()).unwrap();
    let (_bdir, mut b) = replica_of(&a);
    let since = last_seq(&a.store);
    a.store.receive_stock("TEE-RED-M", "WH", 1, "", "").unwrap();
    let mut op = ops_since(&a.store, since).remove(0);
    let year = 365 * 24 * 3600 * 1000_i64;
    op.hlc = backroom_domain::hlc::Hlc {
        wall_ms: T0 + year,
        counter: 0,
    }
    .to_string();
    assert_eq!(b.apply(&op).unwrap(), Applied::Applied);
    let hlc: String = b
        .connection()
        .query_row("SELECT last_hlc FROM device WHERE is_self = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let merged = backroom_domain::hlc::Hlc::parse(&hlc).unwrap();
    assert!(
        merged.wall_ms <= T0 + 60_000 + backroom_store::MAX_CLOCK_AHEAD_MS,
        "clamped to this machine's clock plus the allowed skew: {hlc}"
    );
    // The facts themselves keep the time they were made.
    assert_eq!(stock(&b).1, stock(&a.store).1);
}

fn customer_input(name: &str, email: &str, phone: &str) -> backroom_store::CustomerInput {
    backroom_store::CustomerInput {
        name: name.into(),
        email: email.into(),
        phone: phone.into(),
        group: None,
        marketing_consent: false,
        note: String::new(),
    }
}

/// Customer details are last-writer-wins registers per field: two tills editing different
/// fields both keep their edit; the same field ends with the later edit on both, whichever
/// order the ops arrive in; a customer made on one till appears on the other.
#[test]
fn customer_edits_converge_field_by_field() {
    let mut a = new_store();
    let id = a
        .store
        .create_customer(customer_input("Ada Khan", "ada@example.com", ""))
        .unwrap();
    let (_bdir, mut b, b_clock) = replica_with_clock(&a);
    let (a_since, b_since) = (last_seq(&a.store), last_seq(&b));

    // Different fields, at about the same time.
    a.clock.advance(120_000);
    a.store
        .update_customer(
            &id,
            customer_input("Ada Khan", "ada@example.com", "+44 20 7946 0000"),
        )
        .unwrap();
    b_clock.advance(60_000);
    b.update_customer(&id, customer_input("Ada Khan", "ada.khan@example.org", ""))
        .unwrap();
    // The same field: the till whose edit is later wins everywhere.
    a.clock.advance(10_000);
    a.store
        .update_customer(
            &id,
            customer_input("Ada K.", "ada@example.com", "+44 20 7946 0000"),
        )
        .unwrap();
    b_clock.advance(90_000);
    b.update_customer(
        &id,
        customer_input("Ada Khan-Lee", "ada.khan@example.org", ""),
    )
    .unwrap();
    let walk_in = b
        .create_customer(customer_input("Walk In", "", "+1 555 0100"))
        .unwrap();

    let a_ops = ops_since(&a.store, a_since);
    let b_ops = ops_since(&b, b_since);
    a.store.apply_all(&b_ops).unwrap();
    b.apply_all(&a_ops).unwrap();

    for (till, store) in [("A", &a.store), ("B", &b)] {
        let c = store.customer(&id).unwrap();
        assert_eq!(
            (c.name.as_str(), c.email.as_str(), c.phone.as_str()),
            ("Ada Khan-Lee", "ada.khan@example.org", "+442079460000"),
            "till {till}: B's later name and its email, A's phone"
        );
        assert_eq!(
            store.customer(&walk_in).unwrap().name,
            "Walk In",
            "till {till}"
        );
    }
    // Applying everything again changes nothing anywhere.
    assert_eq!(a.store.apply_all(&b_ops).unwrap().applied, 0);
    assert_eq!(b.apply_all(&a_ops).unwrap().applied, 0);
    assert_eq!(b.customer(&id).unwrap().name, "Ada Khan-Lee");
}

/// The other registers: a role's grants (one register per permission, so edits to different
/// permissions both survive), a staff member's role, a price on a list, a reorder point and a
/// return reason's label. Two tills edit them, exchange their ops, and agree.
#[test]
fn registers_converge_across_tills() {
    use backroom_domain::staff::{Grant, Permission};
    let mut a = new_store();
    a.store.save_product(tee()).unwrap();
    a.store
        .add_staff("Sam Seasonal", "cashier", "4826", &[])
        .unwrap();
    a.store
        .create_price_list(backroom_store::PriceListInput {
            code: "VIP".into(),
            name: "VIP".into(),
            ..Default::default()
        })
        .unwrap();
    let (_bdir, mut b, b_clock) = replica_with_clock(&a);
    let (a_since, b_since) = (last_seq(&a.store), last_seq(&b));

    a.clock.advance(120_000);
    a.store
        .set_role_grant("cashier", Permission::VoidSale, Grant::Allow)
        .unwrap();
    a.store.set_list_price("VIP", "TEE-RED-M", 1_500).unwrap();
    a.store
        .set_reorder_point("TEE-RED-M", "MAIN", Some(4))
        .unwrap();
    a.store.set_return_reason("too_big", "Too big").unwrap();
    b_clock.advance(120_000);
    b.set_role_grant("cashier", Permission::Refund, Grant::Deny)
        .unwrap();
    b.set_list_price("VIP", "TEE-RED-M", 1_400).unwrap();
    b.set_staff_role("Sam Seasonal", "manager").unwrap();
    b.set_return_reason("too_big", "Too big for me").unwrap();

    let a_ops = ops_since(&a.store, a_since);
    let b_ops = ops_since(&b, b_since);
    a.store.apply_all(&b_ops).unwrap();
    b.apply_all(&a_ops).unwrap();

    for (till, s) in [("A", &a.store), ("B", &b)] {
        let cashier = s
            .roles()
            .unwrap()
            .into_iter()
            .find(|r| r.code == "cashier")
            .unwrap();
        let grant = |p: &str| {
            cashier
                .grants
                .iter()
                .find(|(k, _)| k == p)
                .map(|(_, g)| g.clone())
                .unwrap_or_default()
        };
        assert_eq!(
            (grant("void_sale"), grant("refund")),
            ("allow".to_string(), "deny".to_string()),
            "till {till}: both grants survive"
        );
        let price = s.price_list_items("VIP").unwrap();
        assert_eq!(price[0].price_minor, 1_400, "till {till}: B's later price");
        let sam = s
            .staff()
            .unwrap()
            .into_iter()
            .find(|m| m.name == "Sam Seasonal")
            .unwrap();
        assert_eq!(sam.role, "manager", "till {till}");
        let reasons = s.return_reasons().unwrap();
        assert!(
            reasons.contains(&("too_big".to_string(), "Too big for me".to_string())),
            "till {till}: {reasons:?}"
        );
        let min: i64 = s
            .connection()
            .query_row("SELECT min_qty FROM reorder_point", [], |r| r.get(0))
            .unwrap();
        assert_eq!(min, 4, "till {till}");
    }
}

/// What belongs to one machine never travels: a sign-in, a failed PIN, a parked cart and the
/// receipt printer leave no op (only this till's audit trail), and a settings op carries the
/// store's settings without the printer.
#[test]
fn this_machines_state_never_travels() {
    let mut a = new_store();
    a.store.save_product(tee()).unwrap();
    a.store
        .add_staff("Casey Cashier", "cashier", "1111", &[])
        .unwrap();
    let since = last_seq(&a.store);
    a.store.sign_in("Casey Cashier", "1111").unwrap();
    assert!(a.store.sign_in("Casey Cashier", "9999").is_err());
    a.store.set_actor("tester");
    let parked = a
        .store
        .park_cart("later", cash_sale("park-1", "TEE-RED-M", 1, 0))
        .unwrap();
    a.store.resume_cart(&parked).unwrap();
    let mut settings = a.store.store_settings().unwrap();
    settings.printer = "127.0.0.1:9100".into();
    settings.receipt_footer = "See you soon".into();
    a.store.update_store_settings(settings).unwrap();

    let ops = ops_since(&a.store, since);
    let kinds: Vec<&str> = ops.iter().map(|o| o.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["settings.updated"],
        "only the store's settings travel"
    );
    let body = ops[0].body.to_string();
    assert!(
        body.contains("See you soon") && !body.contains("9100"),
        "the printer stays here: {body}"
    );
    let local: i64 = a
        .store
        .connection()
        .query_row("SELECT COUNT(*) FROM local_audit", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        local, 4,
        "sign-in, failed PIN, park and resume are audited here"
    );
    assert_eq!(a.store.store_settings().unwrap().printer, "127.0.0.1:9100");
    assert!(a.store.check().unwrap().ok);
}

fn one_line_sale(cart: &str, sku: &str, tenders: Vec<TenderInput>) -> SaleInput {
    SaleInput {
        cart_id: cart.into(),
        lines: vec![SaleLineInput {
            sku: sku.into(),
            quantity: 1,
            ..Default::default()
        }],
        tenders,
        ..Default::default()
    }
}

fn tender(kind: &str, amount: i64) -> TenderInput {
    TenderInput {
        kind: kind.into(),
        amount,
        ..Default::default()
    }
}

/// A day at the counter on one till — shift, sales in every tender, a pickup order fulfilled,
/// a void, returns, an exchange, gift cards and store credit, cash in and out, the close —
/// replays onto a second till as the same rows in every synced table; applying it again, and
/// the first till's own ops coming back, change nothing.
#[test]
fn a_day_at_the_counter_replays_row_for_row() {
    let mut a = new_store().with_warehouse();
    a.store.save_product(tee()).unwrap();
    a.store
        .receive_stock("TEE-RED-M", "MAIN", 20, "", "")
        .unwrap();
    a.store
        .receive_stock("TEE-RED-L", "MAIN", 20, "", "")
        .unwrap();
    let customer = a
        .store
        .create_customer(customer_input(
            "Ada Byron",
            "ada@example.com",
            "+44 20 7946 0000",
        ))
        .unwrap();
    let (_bdir, mut b) = replica_of(&a);
    let since = last_seq(&a.store);
    let price = |s: &Store, sku: &str| -> i64 {
        s.connection()
            .query_row(
                "SELECT price_minor FROM variant WHERE sku = ?1",
                [sku],
                |r| r.get(0),
            )
            .unwrap()
    };
    let m = price(&a.store, "TEE-RED-M");
    let s = &mut a.store;

    // A sale before the shift opens is claimed by it.
    s.complete_sale(cash_sale("early", "TEE-RED-M", 1, m))
        .unwrap();
    s.open_shift("MAIN", 10_000).unwrap();
    s.complete_sale(cash_sale("cash-change", "TEE-RED-M", 2, 2 * m + 1_000))
        .unwrap();
    s.complete_sale(one_line_sale(
        "card",
        "TEE-RED-L",
        vec![tender("card", price(s, "TEE-RED-L"))],
    ))
    .unwrap();
    s.adjust_store_credit(&customer, 5_000, "goodwill", None)
        .unwrap();
    s.issue_gift_card("GIFT-0001", 3_000, None, None, None)
        .unwrap();
    let mut mixed = one_line_sale(
        "mixed",
        "TEE-RED-M",
        vec![
            TenderInput {
                kind: "gift_card".into(),
                amount: 1_000,
                gift_card_code: Some("GIFT-0001".into()),
                ..Default::default()
            },
            tender("store_credit", 500),
            tender("card", m - 1_500),
        ],
    );
    mixed.customer_id = Some(customer.clone());
    let mixed = s.complete_sale(mixed).unwrap();
    let mut pickup = one_line_sale(
        "pickup",
        "TEE-RED-L",
        vec![tender("card", price(s, "TEE-RED-L"))],
    );
    pickup.fulfilment = "pickup".into();
    let pickup = s.complete_sale(pickup).unwrap();
    s.set_fulfilment(&pickup.receipt_number, "ready_for_pickup")
        .unwrap();
    s.set_fulfilment(&pickup.receipt_number, "picked_up")
        .unwrap();
    let voided = s
        .complete_sale(one_line_sale(
            "to-void",
            "TEE-RED-M",
            vec![tender("card", m)],
        ))
        .unwrap();
    s.void_sale(&voided.receipt_number, "rang up twice", None)
        .unwrap();
    s.process_return(ReturnInput {
        order: Some(mixed.receipt_number.clone()),
        lines: vec![ReturnLineInput {
            sku: "TEE-RED-M".into(),
            quantity: 1,
            reason: "defective".into(),
            disposition: "damaged".into(),
            ..Default::default()
        }],
        ..Default::default()
    })
    .unwrap();
    let card_sale = s
        .complete_sale(one_line_sale(
            "for-exchange",
            "TEE-RED-M",
            vec![tender("card", m)],
        ))
        .unwrap();
    s.process_return(ReturnInput {
        order: Some(card_sale.receipt_number.clone()),
        lines: vec![ReturnLineInput {
            sku: "TEE-RED-M".into(),
            quantity: 1,
            reason: "size_too_small".into(),
            disposition: "restock".into(),
            ..Default::default()
        }],
        exchange: Some(one_line_sale("", "TEE-RED-L", vec![])),
        ..Default::default()
    })
    .unwrap();
    s.cash_movement("MAIN", -2_000, "bank run").unwrap();
    s.deactivate_gift_card("GIFT-0001", None).unwrap();
    let expected = s
        .review_close_shift(CloseShiftInput {
            location: "MAIN".into(),
            ..Default::default()
        })
        .unwrap()
        .report
        .expected_cash;
    s.close_shift("MAIN", expected).unwrap();

    // Stock between locations: a transfer received short and closed, one whose remainder goes
    // back, one cancelled in transit.
    s.receive_stock("TEE-BLU-M", "WH", 30, "PO-7", "").unwrap();
    let line = |sku: &str, quantity: i64| TransferLineInput {
        sku: sku.into(),
        quantity,
    };
    let recv = |sku: &str, quantity: i64| ReceiveLine {
        sku: sku.into(),
        quantity,
    };
    let short = s
        .send_new_transfer("WH", "MAIN", vec![line("TEE-BLU-M", 5)], "weekly")
        .unwrap();
    s.receive_transfer(&short.number, vec![recv("TEE-BLU-M", 2)], false)
        .unwrap();
    s.receive_transfer(&short.number, vec![recv("TEE-BLU-M", 1)], true)
        .unwrap();
    let rest = s
        .send_new_transfer("WH", "MAIN", vec![line("TEE-BLU-M", 4)], "")
        .unwrap();
    s.receive_transfer(&rest.number, vec![recv("TEE-BLU-M", 1)], false)
        .unwrap();
    s.cancel_transfer_remainder(&rest.number).unwrap();
    let gone = s
        .create_transfer("WH", "MAIN", vec![line("TEE-BLU-M", 3)], "")
        .unwrap();
    s.send_transfer(&gone).unwrap();
    s.cancel_transfer(&gone).unwrap();
    // A count with scans, a typed quantity, a sale during it, and the uncounted zeroed.
    let count = s.start_count("MAIN", None).unwrap();
    s.record_count(&count, "TEE-RED-L", None).unwrap();
    s.record_count(&count, "TEE-RED-L", None).unwrap();
    s.record_count(&count, "TEE-RED-M", Some(7)).unwrap();
    s.complete_sale(cash_sale("during-count", "TEE-RED-M", 1, m))
        .unwrap();
    s.apply_count(&count, true).unwrap();
    let dropped = s.start_count("WH", None).unwrap();
    s.record_count(&dropped, "TEE-BLU-M", Some(1)).unwrap();
    s.cancel_count(&dropped).unwrap();

    let ops = ops_since(&a.store, since);
    let report = b.apply_all(&ops).unwrap();
    assert_eq!(
        (report.applied, report.deferred),
        (ops.len() as u64, 0),
        "every op of the day applies"
    );
    assert_same_tables(&a.store, &b);
    assert!(b.check().unwrap().ok, "{:?}", b.check().unwrap().findings);

    let before = synced_tables(&b);
    assert_eq!(b.apply_all(&ops).unwrap().already_here, ops.len() as u64);
    assert_eq!(
        a.store.apply_all(&ops).unwrap().already_here,
        ops.len() as u64
    );
    assert_eq!(synced_tables(&b), before, "applying again writes nothing");
}

/// Two stores that grew apart meet: the second applies the first's whole history. Every key
/// both used by hand — the location code, the owner's and a staff member's name, the product
/// handle, its SKUs and barcodes, a gift-card code — is kept on both sides: the arriving row
/// under a suffixed key, the clash recorded and flagged, every op applied, check passing.
#[test]
fn two_stores_meeting_keep_both_sides_of_every_clash() {
    let mut a = new_store();
    a.store.save_product(tee()).unwrap();
    a.store
        .receive_stock("TEE-RED-M", "MAIN", 5, "", "")
        .unwrap();
    a.store
        .add_staff("Sam Seller", "cashier", "1357", &[])
        .unwrap();
    a.store
        .issue_gift_card("GIFT-0001", 2_000, None, None, None)
        .unwrap();
    a.store
        .complete_sale(cash_sale("a-1", "TEE-RED-M", 1, 1999))
        .unwrap();

    // Another store, set up on its own (its own ids), with the same hand-made keys.
    let dir = tempfile::tempdir().unwrap();
    let mut b = Store::open_with(
        &dir.path().join("b.sqlite"),
        Arc::new(ManualClock::new(T0 + 3_600_000)),
        Arc::new(SeededIds::new(4242)),
    )
    .unwrap();
    b.init(backroom_store::InitStore {
        store_name: "Other Shop".into(),
        currency: "EUR".into(),
        tax_mode: "inclusive".into(),
        device_name: "till-b".into(),
        location_code: "MAIN".into(),
        owner_name: "Olivia Owner".into(),
        owner_pin: "2580".into(),
        time_zone: "UTC".into(),
    })
    .unwrap();
    b.set_actor("tester");
    b.save_product(tee()).unwrap();
    b.add_staff("Sam Seller", "cashier", "2468", &[]).unwrap();
    b.issue_gift_card("GIFT-0001", 5_000, None, None, None)
        .unwrap();

    let ops = ops_since(&a.store, 0);
    let report = b.apply_all(&ops).unwrap();
    assert_eq!((report.applied, report.deferred), (ops.len() as u64, 0));

    let rows = |sql: &str| -> Vec<String> {
        b.connection()
            .prepare(sql)
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let clashes = rows("SELECT key || '=' || value FROM sync_conflict ORDER BY key, value");
    for key in [
        "location.code=MAIN",
        "staff.name=Olivia Owner",
        "staff.name=Sam Seller",
        "product.handle=classic-tee",
        "variant.sku=TEE-RED-M",
        "barcode=4006381333931",
        "gift_card.code=GIFT-0001",
    ] {
        assert!(
            clashes.iter().any(|c| c == key),
            "{key} recorded: {clashes:?}"
        );
    }
    assert_eq!(
        rows("SELECT code FROM location ORDER BY code").len(),
        2,
        "both MAINs kept"
    );
    assert_eq!(
        rows("SELECT handle FROM product ORDER BY handle").len(),
        2,
        "both tees kept"
    );
    assert_eq!(
        rows("SELECT code FROM gift_card WHERE code LIKE 'GIFT-0001%'").len(),
        2,
        "both cards kept"
    );
    // Each side's sale and stock stay with its own rows.
    let sold: i64 = b
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM sale_order o JOIN order_line l ON l.order_id = o.id
             JOIN variant v ON v.id = l.variant_id WHERE v.sku LIKE 'TEE-RED-M~%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(sold, 1, "the first store's sale is of its own variant");
    let check = b.check().unwrap();
    assert!(check.ok, "{:?}", check.findings);
    assert!(check.flags.iter().any(|f| f.kind == "sync_conflict"));
}

/// A sale made on another till by someone this till has locked out (wrong PINs here) is a fact
/// of that till: it applies. The lockout stays on this till and never travels.
#[test]
fn a_remote_sale_by_someone_locked_out_here_applies() {
    let mut a = new_store();
    a.store.save_product(tee()).unwrap();
    a.store
        .receive_stock("TEE-RED-M", "MAIN", 5, "", "")
        .unwrap();
    a.store
        .add_staff("Sam Seller", "cashier", "1357", &[])
        .unwrap();
    let (_bdir, mut b) = replica_of(&a);
    let since = last_seq(&a.store);
    for _ in 0..5 {
        let _ = b.sign_in("Sam Seller", "0000");
    }
    assert_eq!(
        b.sign_in("Sam Seller", "1357").unwrap_err().code(),
        "locked",
        "locked out on this till"
    );
    b.set_actor("tester");
    a.store.sign_in("Sam Seller", "1357").unwrap();
    let sale = a
        .store
        .complete_sale(cash_sale("sam-1", "TEE-RED-M", 1, 1999))
        .unwrap();
    let ops = ops_since(&a.store, since);
    assert_eq!(b.apply_all(&ops).unwrap().applied, ops.len() as u64);
    assert_eq!(b.order(&sale.receipt_number).unwrap().total, 1999);
    assert_eq!(
        b.sign_in("Sam Seller", "1357").unwrap_err().code(),
        "locked",
        "still locked here"
    );
    a.store.set_actor("tester");
    assert!(
        a.store.sign_in("Sam Seller", "1357").is_ok(),
        "never locked there"
    );
}

/// Two tills that print the same receipt number (their device codes collided before the server
/// assigned codes) both keep their sale: the arriving one under a suffixed receipt number,
/// recorded — never a sale silently dropped.
#[test]
fn a_receipt_number_printed_on_two_tills_keeps_both_sales() {
    let mut a = new_store();
    a.store.save_product(tee()).unwrap();
    a.store
        .receive_stock("TEE-RED-M", "MAIN", 5, "", "")
        .unwrap();
    let (bdir, b) = replica_of(&a);
    let since = last_seq(&a.store);
    let code: String = a
        .store
        .connection()
        .query_row("SELECT code FROM device WHERE is_self = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    b.connection()
        .execute("UPDATE device SET code = ?1 WHERE is_self = 1", [&code])
        .unwrap();
    // Reopened, the till reads its (collided) code.
    drop(b);
    let mut b = Store::open_with(
        &bdir.path().join("b.sqlite"),
        Arc::new(ManualClock::new(T0 + 120_000)),
        Arc::new(SeededIds::new(9)),
    )
    .unwrap();
    b.set_actor("tester");
    let on_a = a
        .store
        .complete_sale(cash_sale("a-1", "TEE-RED-M", 1, 1999))
        .unwrap();
    let on_b = b
        .complete_sale(cash_sale("b-1", "TEE-RED-M", 1, 1999))
        .unwrap();
    assert_eq!(on_a.receipt_number, on_b.receipt_number, "the collision");
    let ops = ops_since(&a.store, since);
    b.apply_all(&ops).unwrap();
    let n: i64 = b
        .connection()
        .query_row("SELECT COUNT(*) FROM sale_order", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2, "both sales kept");
    assert!(b.order(&on_a.id).is_ok() && b.order(&on_b.id).is_ok());
    let flagged = b.check().unwrap().flags;
    assert!(
        flagged
            .iter()
            .any(|f| f.kind == "sync_conflict" && f.detail.contains("receipt_number")),
        "{flagged:?}"
    );
}
