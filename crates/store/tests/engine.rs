//! Engine integration tests on real SQLite files: every use-case writes its rows, one audit entry
//! and one dense outbox op; every failure writes nothing.

mod common;

use backroom_domain::stock::StockState;
use backroom_store::{Adjustment, StateMove};
use common::*;

#[test]
fn init_writes_one_op_and_refuses_twice() {
    let mut t = new_store();
    assert_eq!(t.rows("outbox"), 1, "init is one use-case, so one op");
    assert_eq!(t.rows("audit_log"), 1, "and one audit entry");
    let err = t
        .store
        .init(backroom_store::InitStore {
            store_name: "Again".into(),
            currency: "EUR".into(),
            tax_mode: "inclusive".into(),
            device_name: String::new(),
            location_code: "MAIN".into(),
            owner_name: "Olivia Owner".into(),
            owner_pin: "2580".into(),
            time_zone: "UTC".into(),
        })
        .unwrap_err();
    assert_eq!(err.code(), "already_initialised");
    assert!(t.store.check().unwrap().ok, "a fresh store is healthy");
}

#[test]
fn saving_a_product_and_stock_round_trip() {
    let mut t = new_store();
    t.store.save_product(tee()).unwrap();
    let p = t
        .store
        .product_by_handle("classic-tee")
        .unwrap()
        .expect("product stored under its derived handle");
    assert_eq!(p.variants.len(), 3);
    assert_eq!(
        p.variants[2].barcodes,
        vec!["0036000291452".to_string()],
        "UPC-A is stored as EAN-13"
    );
    t.store
        .receive_stock("TEE-RED-M", "MAIN", 10, "PO-1", "")
        .unwrap();
    t.store
        .adjust_stock(Adjustment {
            sku: "4006381333931".into(),
            location: "main".into(),
            delta: -2,
            reason: "shrinkage".into(),
            ..Default::default()
        })
        .unwrap();
    t.store
        .move_stock(StateMove {
            sku: "TEE-RED-M".into(),
            location: "MAIN".into(),
            from: "available".into(),
            to: "damaged".into(),
            quantity: 3,
            note: "torn".into(),
        })
        .unwrap();
    assert_eq!(
        t.store
            .stock_qty("TEE-RED-M", "MAIN", StockState::Available)
            .unwrap(),
        5
    );
    assert_eq!(
        t.store
            .stock_qty("TEE-RED-M", "MAIN", StockState::Damaged)
            .unwrap(),
        3
    );
    let report = t.store.check().unwrap();
    assert!(report.ok, "levels equal the ledger: {:?}", report.findings);
    assert_eq!(report.outbox_ops, 5, "init, product, receive, adjust, move");
}

mod contract {
    //! One use-case = one transaction + one audit entry + one dense outbox op; failure = nothing.
    use super::*;
    use backroom_store::{NewLocation, PriceListInput};

    /// Runs `f` and asserts it failed naming `field` and changed no table at all.
    fn fails_writing_nothing<T: std::fmt::Debug>(
        t: &mut TestStore,
        field: &str,
        f: impl FnOnce(&mut backroom_store::Store) -> backroom_store::StoreResult<T>,
    ) {
        let before = t.footprint();
        let err = f(&mut t.store).expect_err("the use-case should have failed");
        assert_eq!(
            err.field(),
            Some(field),
            "the error must name the field at fault: {err}"
        );
        assert_eq!(
            t.footprint(),
            before,
            "a failed use-case must write nothing (after {err})"
        );
    }

    fn stocked() -> TestStore {
        let mut t = new_store().with_warehouse();
        t.store.save_product(tee()).unwrap();
        t.store
            .receive_stock("TEE-RED-M", "WH", 10, "", "")
            .unwrap();
        t
    }

    #[test]
    fn every_failure_writes_nothing_and_names_the_field() {
        let mut t = stocked();
        fails_writing_nothing(&mut t, "sku", |s| s.receive_stock("NOPE", "WH", 1, "", ""));
        fails_writing_nothing(&mut t, "location", |s| {
            s.receive_stock("TEE-RED-M", "MARS", 1, "", "")
        });
        fails_writing_nothing(&mut t, "quantity", |s| {
            s.receive_stock("TEE-RED-M", "WH", 0, "", "")
        });
        fails_writing_nothing(&mut t, "delta", |s| {
            s.adjust_stock(Adjustment {
                sku: "TEE-RED-M".into(),
                location: "WH".into(),
                delta: -11,
                reason: "shrinkage".into(),
                ..Default::default()
            })
        });
        fails_writing_nothing(&mut t, "reason", |s| {
            s.adjust_stock(Adjustment {
                sku: "TEE-RED-M".into(),
                location: "WH".into(),
                delta: -1,
                reason: "sale".into(),
                ..Default::default()
            })
        });
        fails_writing_nothing(&mut t, "quantity", |s| {
            s.move_stock(StateMove {
                sku: "TEE-RED-M".into(),
                location: "WH".into(),
                from: "available".into(),
                to: "damaged".into(),
                quantity: 11,
                note: String::new(),
            })
        });
        fails_writing_nothing(&mut t, "to", |s| {
            s.move_stock(StateMove {
                sku: "TEE-RED-M".into(),
                location: "WH".into(),
                from: "available".into(),
                to: "available".into(),
                quantity: 1,
                note: String::new(),
            })
        });
        fails_writing_nothing(&mut t, "code", |s| {
            s.create_location(NewLocation {
                code: "WH".into(),
                name: "Again".into(),
                kind: "store".into(),
            })
        });
    }

    #[test]
    fn a_product_failing_late_leaves_no_partial_rows() {
        let mut t = stocked();
        let mut p = tee();
        p.handle = "other-tee".into();
        p.variants.truncate(1);
        p.variants[0].sku = "NEW-1".into();
        p.variants[0].barcodes.clear();
        p.variants
            .push(variant("TEE-RED-L", &["Green", "S"], "", 100)); // SKU of another product
        fails_writing_nothing(&mut t, "variants[1].sku", |s| s.save_product(p));
        let mut bad_barcode = tee();
        bad_barcode.handle = "third".into();
        for (i, v) in bad_barcode.variants.iter_mut().enumerate() {
            v.sku = format!("T3-{i}");
        }
        bad_barcode.variants[1].barcodes = vec!["4006381333932".into()];
        fails_writing_nothing(&mut t, "variants[1].barcodes[0]", |s| {
            s.save_product(bad_barcode)
        });
        let mut dup_barcode = tee();
        dup_barcode.handle = "fourth".into();
        for (i, v) in dup_barcode.variants.iter_mut().enumerate() {
            v.sku = format!("T4-{i}");
        }
        fails_writing_nothing(&mut t, "variants[0].barcodes[0]", |s| {
            s.save_product(dup_barcode)
        });
        fails_writing_nothing(&mut t, "ends_at", |s| {
            s.create_price_list(PriceListInput {
                code: "X".into(),
                name: "X".into(),
                starts_at: Some(10),
                ends_at: Some(5),
                ..Default::default()
            })
        });
    }

    #[test]
    fn outbox_is_dense_and_every_op_has_its_audit_entry() {
        let mut t = stocked();
        for _ in 0..5 {
            t.clock.advance(1);
            t.store.receive_stock("TEE-RED-M", "WH", 1, "", "").unwrap();
            let _ = t.store.receive_stock("NOPE", "WH", 1, "", ""); // failures consume no number
        }
        let seqs: Vec<i64> = t
            .store
            .connection()
            .prepare("SELECT device_seq FROM outbox ORDER BY device_seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            seqs,
            (1..=seqs.len() as i64).collect::<Vec<_>>(),
            "device_seq must be 1..n with no gaps"
        );
        assert_eq!(
            t.rows("audit_log"),
            t.rows("outbox"),
            "exactly one audit entry per op"
        );
        let hlcs: Vec<String> = t
            .store
            .connection()
            .prepare("SELECT hlc FROM outbox ORDER BY device_seq")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            hlcs.windows(2).all(|w| w[0] < w[1]),
            "HLC stamps strictly increase with device_seq: {hlcs:?}"
        );
        let body: String = t
            .store
            .connection()
            .query_row("SELECT body FROM outbox WHERE kind = 'stock.adjusted' ORDER BY device_seq DESC LIMIT 1", [], |r| r.get(0))
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["v"], 1, "op bodies are versioned");
        assert_eq!(
            v["movements"][0]["delta"], 1,
            "the op carries the movement facts"
        );
    }

    #[test]
    fn audit_records_actor_device_and_before_after() {
        let mut t = stocked();
        t.store.set_actor("alice");
        t.store
            .adjust_stock(Adjustment {
                sku: "TEE-RED-M".into(),
                location: "WH".into(),
                delta: -4,
                reason: "damage".into(),
                note: "water".into(),
                ..Default::default()
            })
            .unwrap();
        let (actor, device, before, after): (String, String, String, String) = t
            .store
            .connection()
            .query_row(
                "SELECT actor, device_id, before_json, after_json FROM audit_log ORDER BY at DESC, rowid DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(actor, "alice");
        assert_eq!(device, t.store.device_id().unwrap());
        assert!(
            before.contains("\"qty\":10") && after.contains("\"qty\":6"),
            "before/after summarise the change: {before} → {after}"
        );
    }
}

mod transfers {
    use super::*;
    use backroom_store::{ReceiveLine, TransferLineInput};

    fn setup() -> TestStore {
        let mut t = new_store().with_warehouse();
        t.store.save_product(tee()).unwrap();
        t.store
            .receive_stock("TEE-RED-M", "WH", 10, "", "")
            .unwrap();
        t.store.receive_stock("TEE-RED-L", "WH", 6, "", "").unwrap();
        t
    }

    fn lines() -> Vec<TransferLineInput> {
        vec![
            TransferLineInput {
                sku: "TEE-RED-M".into(),
                quantity: 4,
            },
            TransferLineInput {
                sku: "TEE-RED-L".into(),
                quantity: 6,
            },
        ]
    }

    fn qty(t: &TestStore, sku: &str, loc: &str, s: StockState) -> i64 {
        t.store.stock_qty(sku, loc, s).unwrap()
    }

    /// Sending a new transfer is one use-case: it either leaves the source, or nothing is
    /// written (no draft left behind for the Stock screen to trip over).
    #[test]
    fn sending_a_new_transfer_is_all_or_nothing() {
        let mut t = setup();
        let count = |t: &TestStore, sql: &str| -> i64 {
            t.store
                .connection()
                .query_row(sql, [], |r| r.get(0))
                .unwrap()
        };
        let (transfers, ops) = (
            count(&t, "SELECT COUNT(*) FROM transfer"),
            count(&t, "SELECT COUNT(*) FROM outbox"),
        );
        let mut too_many = lines();
        too_many[1].quantity = 7;
        let err = t
            .store
            .send_new_transfer("WH", "MAIN", too_many, "")
            .unwrap_err();
        assert_eq!(err.field(), Some("lines[1].quantity"), "{err}");
        assert_eq!(count(&t, "SELECT COUNT(*) FROM transfer"), transfers);
        assert_eq!(count(&t, "SELECT COUNT(*) FROM outbox"), ops);
        assert_eq!(qty(&t, "TEE-RED-M", "WH", StockState::Available), 10);

        let sent = t
            .store
            .send_new_transfer("WH", "MAIN", lines(), "")
            .unwrap();
        assert_eq!(sent.status, "in_transit");
        assert_eq!(qty(&t, "TEE-RED-M", "WH", StockState::Available), 6);
        assert_eq!(qty(&t, "TEE-RED-M", "MAIN", StockState::Incoming), 4);
        // Drafted and sent in one transaction: two ops, in order.
        let kinds: Vec<String> = t
            .store
            .connection()
            .prepare("SELECT kind FROM outbox ORDER BY device_seq DESC LIMIT 2")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(kinds, ["transfer.sent", "transfer.created"]);
    }

    #[test]
    fn a_partly_received_remainder_goes_back_to_the_source_and_the_ledger_says_so() {
        let mut t = setup();
        let n = t.store.create_transfer("WH", "MAIN", lines(), "").unwrap();
        t.store.send_transfer(&n).unwrap();
        let wh_before = qty(&t, "TEE-RED-L", "WH", StockState::Available);
        t.store
            .receive_transfer(
                &n,
                vec![ReceiveLine {
                    sku: "TEE-RED-L".into(),
                    quantity: 2,
                }],
                false,
            )
            .unwrap();
        t.store.cancel_transfer_remainder(&n).unwrap();
        let v = t.store.transfer(&n).unwrap();
        assert_eq!(v.status, "received", "the transfer is closed");
        assert!(
            v.lines.iter().all(|l| l.discrepancy == 0),
            "nothing was lost: {v:?}"
        );
        assert_eq!(
            (
                qty(&t, "TEE-RED-L", "WH", StockState::Available),
                qty(&t, "TEE-RED-M", "WH", StockState::Available),
                qty(&t, "TEE-RED-L", "MAIN", StockState::Incoming),
                qty(&t, "TEE-RED-L", "MAIN", StockState::Available),
            ),
            (wh_before + 4, 10, 0, 2),
            "the 4 L and 4 M never received are back at the warehouse; 2 L arrived"
        );
        let reasons: Vec<String> = t
            .store
            .connection()
            .prepare(
                "SELECT DISTINCT reason FROM stock_movement WHERE reference = ?1 ORDER BY reason",
            )
            .unwrap()
            .query_map([&n], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            reasons.contains(&"transfer_cancel".to_string())
                && !reasons.contains(&"transfer_discrepancy".to_string()),
            "the ledger says the rest went back, not that it was lost: {reasons:?}"
        );
        assert_eq!(
            t.store.cancel_transfer_remainder(&n).unwrap_err().code(),
            "invalid_transition",
            "a closed transfer has no remainder"
        );
        assert!(t.store.check().unwrap().ok);
    }

    #[test]
    fn send_then_partial_then_closed_short_records_the_discrepancy() {
        let mut t = setup();
        let n = t.store.create_transfer("WH", "MAIN", lines(), "").unwrap();
        assert_eq!(
            qty(&t, "TEE-RED-M", "WH", StockState::Available),
            10,
            "a draft moves nothing"
        );
        t.store.send_transfer(&n).unwrap();
        assert_eq!(
            qty(&t, "TEE-RED-M", "WH", StockState::Available),
            6,
            "sending decrements the source"
        );
        assert_eq!(
            qty(&t, "TEE-RED-M", "MAIN", StockState::Incoming),
            4,
            "and shows the units in transit"
        );
        t.store
            .receive_transfer(
                &n,
                vec![ReceiveLine {
                    sku: "TEE-RED-M".into(),
                    quantity: 4,
                }],
                false,
            )
            .unwrap();
        assert_eq!(t.store.transfer(&n).unwrap().status, "partially_received");
        let err = t
            .store
            .receive_transfer(
                &n,
                vec![ReceiveLine {
                    sku: "TEE-RED-L".into(),
                    quantity: 7,
                }],
                false,
            )
            .unwrap_err();
        assert_eq!(
            err.code(),
            "over_receipt",
            "cannot receive more than is outstanding"
        );
        assert_eq!(
            t.store.cancel_transfer(&n).unwrap_err().code(),
            "invalid_transition",
            "a partly received transfer cannot be cancelled"
        );
        t.store
            .receive_transfer(
                &n,
                vec![ReceiveLine {
                    sku: "TEE-RED-L".into(),
                    quantity: 5,
                }],
                true,
            )
            .unwrap();
        let view = t.store.transfer(&n).unwrap();
        assert_eq!(view.status, "received");
        assert_eq!(
            view.lines[1].discrepancy, 1,
            "one unit never arrived and is recorded"
        );
        assert_eq!(qty(&t, "TEE-RED-L", "MAIN", StockState::Available), 5);
        assert_eq!(
            qty(&t, "TEE-RED-L", "MAIN", StockState::Incoming),
            0,
            "closing clears what was in transit"
        );
        assert!(t.store.check().unwrap().ok);
    }

    #[test]
    fn cancelling_in_transit_returns_stock_to_the_source() {
        let mut t = setup();
        let n = t.store.create_transfer("WH", "MAIN", lines(), "").unwrap();
        t.store.send_transfer(&n).unwrap();
        t.store.cancel_transfer(&n).unwrap();
        assert_eq!(qty(&t, "TEE-RED-M", "WH", StockState::Available), 10);
        assert_eq!(qty(&t, "TEE-RED-M", "MAIN", StockState::Incoming), 0);
        assert_eq!(
            t.store.send_transfer(&n).unwrap_err().code(),
            "invalid_transition"
        );
    }

    #[test]
    fn sending_more_than_available_fails_and_writes_nothing() {
        let mut t = setup();
        let n = t
            .store
            .create_transfer(
                "WH",
                "MAIN",
                vec![TransferLineInput {
                    sku: "TEE-BLU-M".into(),
                    quantity: 1,
                }],
                "",
            )
            .unwrap();
        let before = t.footprint();
        let err = t.store.send_transfer(&n).unwrap_err();
        assert_eq!(err.field(), Some("lines[0].quantity"));
        assert_eq!(t.footprint(), before);
        assert_eq!(
            t.store
                .create_transfer("WH", "WH", lines(), "")
                .unwrap_err()
                .field(),
            Some("to")
        );
    }
}

mod counts {
    use super::*;

    #[test]
    fn scans_count_up_and_sales_during_the_count_survive() {
        let mut t = new_store();
        t.store.save_product(tee()).unwrap();
        t.store
            .receive_stock("TEE-RED-M", "MAIN", 10, "", "")
            .unwrap();
        t.store
            .receive_stock("TEE-RED-L", "MAIN", 5, "", "")
            .unwrap();
        let c = t.store.start_count("MAIN", None).unwrap();
        assert_eq!(
            t.store.start_count("MAIN", None).unwrap_err().code(),
            "count_open",
            "one open count per location"
        );
        for _ in 0..7 {
            t.store.record_count(&c, "4006381333931", None).unwrap(); // scanner: barcode of TEE-RED-M
        }
        // Two sold after the shelf was counted (shrinkage stands in for sales until issue 3).
        t.store
            .adjust_stock(Adjustment {
                sku: "TEE-RED-M".into(),
                location: "MAIN".into(),
                delta: -2,
                reason: "shrinkage".into(),
                ..Default::default()
            })
            .unwrap();
        t.store.record_count(&c, "TEE-RED-L", Some(5)).unwrap();
        let view = t.store.count(&c).unwrap();
        let red_m = view.lines.iter().find(|l| l.sku == "TEE-RED-M").unwrap();
        assert_eq!((red_m.counted, red_m.snapshot, red_m.variance), (7, 10, -3));
        t.store.apply_count(&c, false).unwrap();
        assert_eq!(
            t.store
                .stock_qty("TEE-RED-M", "MAIN", StockState::Available)
                .unwrap(),
            5,
            "10 shown, 7 counted, 2 sold after counting: 5 remain, the sales are not erased"
        );
        assert_eq!(
            t.store
                .stock_qty("TEE-RED-L", "MAIN", StockState::Available)
                .unwrap(),
            5,
            "no variance, no change"
        );
        assert_eq!(
            t.store
                .record_count(&c, "TEE-RED-L", None)
                .unwrap_err()
                .code(),
            "not_open"
        );
    }

    #[test]
    fn zero_uncounted_and_category_scope() {
        let mut t = new_store();
        t.store.save_product(tee()).unwrap();
        let mut mug = tee();
        mug.title = "Mug".into();
        mug.category = "Home > Kitchen".into();
        mug.options.clear();
        mug.variants = vec![variant("MUG-1", &[], "", 900)];
        t.store.save_product(mug).unwrap();
        t.store
            .receive_stock("TEE-RED-M", "MAIN", 4, "", "")
            .unwrap();
        t.store.receive_stock("MUG-1", "MAIN", 3, "", "").unwrap();
        let c = t.store.start_count("MAIN", Some("Apparel")).unwrap();
        assert_eq!(
            t.store.record_count(&c, "MUG-1", None).unwrap_err().code(),
            "out_of_scope"
        );
        t.store.apply_count(&c, true).unwrap();
        assert_eq!(
            t.store
                .stock_qty("TEE-RED-M", "MAIN", StockState::Available)
                .unwrap(),
            0,
            "uncounted apparel is zeroed"
        );
        assert_eq!(
            t.store
                .stock_qty("MUG-1", "MAIN", StockState::Available)
                .unwrap(),
            3,
            "out of scope is untouched"
        );
    }
}

mod catalog {
    use super::*;
    use backroom_store::PriceListInput;

    #[test]
    fn any_number_of_options_and_variant_identity_on_update() {
        let mut t = new_store();
        let mut p = tee();
        p.options = vec![
            "Colour".into(),
            "Size".into(),
            "Fit".into(),
            "Sleeve".into(),
        ];
        for v in &mut p.variants {
            v.option_values
                .extend(["Slim".to_string(), "Short".to_string()]);
        }
        let id = t.store.save_product(p.clone()).unwrap();
        t.store
            .receive_stock("TEE-RED-M", "MAIN", 3, "", "")
            .unwrap();
        // Rename a SKU and drop a variant: the renamed one keeps its stock (matched by options),
        // the dropped one is archived, not deleted.
        p.variants[0].sku = "TEE-RED-M2".into();
        p.variants.pop();
        let id2 = t.store.save_product(p).unwrap();
        assert_eq!(id, id2, "same handle, same product");
        assert_eq!(
            t.store
                .stock_qty("TEE-RED-M2", "MAIN", StockState::Available)
                .unwrap(),
            3,
            "stock follows the variant"
        );
        assert!(
            t.store.search("TEE-BLU", 10).unwrap().is_empty(),
            "archived variants leave search"
        );
        assert_eq!(
            t.store
                .product_by_handle("classic-tee")
                .unwrap()
                .unwrap()
                .options
                .len(),
            4
        );
    }

    #[test]
    fn saving_the_same_product_again_is_idempotent() {
        let mut t = new_store();
        t.store.save_product(tee()).unwrap();
        t.store.save_product(tee()).unwrap();
        assert_eq!(t.rows("product"), 1);
        assert_eq!(t.rows("variant"), 3);
    }

    #[test]
    fn typed_attributes_are_validated() {
        let mut t = new_store();
        t.store
            .define_attribute(
                "material",
                "Material",
                "select",
                vec!["Cotton".into(), "Wool".into()],
            )
            .unwrap();
        let mut p = tee();
        p.attributes.insert("material".into(), "silk".into());
        let err = t.store.save_product(p.clone()).unwrap_err();
        assert_eq!(err.field(), Some("attributes.material"));
        p.attributes.insert("material".into(), "cotton".into());
        t.store.save_product(p).unwrap();
        let stored = t.store.product_by_handle("classic-tee").unwrap().unwrap();
        assert_eq!(
            stored.attributes.get("material").map(String::as_str),
            Some("Cotton"),
            "stored in canonical case"
        );
    }

    #[test]
    fn price_lists_by_date_group_and_location() {
        let mut t = new_store().with_warehouse();
        t.store.save_product(tee()).unwrap();
        t.store
            .create_price_list(PriceListInput {
                code: "SALE".into(),
                name: "Sale".into(),
                starts_at: Some(T0 + 1000),
                ends_at: Some(T0 + 2000),
                ..Default::default()
            })
            .unwrap();
        t.store
            .create_price_list(PriceListInput {
                code: "VIP".into(),
                name: "VIP".into(),
                customer_group: Some("vip".into()),
                ..Default::default()
            })
            .unwrap();
        t.store.set_list_price("SALE", "TEE-RED-M", 1499).unwrap();
        t.store.set_list_price("VIP", "TEE-RED-M", 1799).unwrap();
        assert_eq!(
            t.store
                .price_of("TEE-RED-M", T0, None, None)
                .unwrap()
                .price_minor,
            1999,
            "before the sale"
        );
        assert_eq!(
            t.store
                .price_of("TEE-RED-M", T0 + 1500, None, None)
                .unwrap()
                .price_minor,
            1499,
            "during the sale"
        );
        assert_eq!(
            t.store
                .price_of("TEE-RED-M", T0 + 1500, Some("vip"), None)
                .unwrap()
                .price_minor,
            1799,
            "group beats global"
        );
        assert_eq!(
            t.store
                .price_of("TEE-RED-M", T0 + 2000, None, None)
                .unwrap()
                .price_minor,
            1999,
            "end is exclusive"
        );
        assert_eq!(
            t.store
                .set_list_price("NOPE", "TEE-RED-M", 1)
                .unwrap_err()
                .field(),
            Some("price_list")
        );
    }

    #[test]
    fn search_and_barcode_lookup() {
        let mut t = new_store();
        t.store.save_product(tee()).unwrap();
        let mut cheese = tee();
        cheese.title = "Comté 18 months".into();
        cheese.vendor = "Fromagerie".into();
        cheese.category = "Grocery > Deli".into();
        cheese.options.clear();
        cheese.tags = vec!["deli".into()];
        let plu = backroom_domain::barcode::base_code("2300042");
        let weighed = backroom_domain::barcode::base_code("2100043");
        cheese.variants = vec![variant("CHEESE-COMTE", &[], &plu, 2490)];
        t.store.save_product(cheese.clone()).unwrap();
        cheese.handle = "gouda".into();
        cheese.title = "Gouda".into();
        cheese.variants = vec![variant("CHEESE-GOUDA", &[], &weighed, 1590)];
        t.store.save_product(cheese).unwrap();

        let skus = |q: &str| {
            t.store
                .search(q, 10)
                .unwrap()
                .into_iter()
                .map(|h| h.sku)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            skus("comte").first().map(String::as_str),
            Some("CHEESE-COMTE"),
            "diacritics are folded"
        );
        assert_eq!(skus("clas te").len(), 3, "every word matches as a prefix");
        assert_eq!(skus("fromag").len(), 2, "vendor is searched");
        assert_eq!(
            skus("TEE-BLU-M").first().map(String::as_str),
            Some("TEE-BLU-M"),
            "exact SKU first"
        );
        assert_eq!(
            skus("5901234123457"),
            vec!["TEE-RED-L".to_string()],
            "barcode finds its variant"
        );
        assert!(skus("\"*(").is_empty(), "junk input is not an error");

        let hit = t
            .store
            .lookup_barcode("036000291452")
            .unwrap()
            .expect("UPC-A scan finds the EAN-13 stored variant");
        assert_eq!(hit.variant.sku, "TEE-BLU-M");
        let priced = backroom_domain::barcode::make_embedded("2300042", 1234).unwrap();
        let hit = t
            .store
            .lookup_barcode(&priced)
            .unwrap()
            .expect("price-embedded code resolves to the item");
        assert_eq!(
            (hit.variant.sku.as_str(), hit.embedded_price_minor),
            ("CHEESE-COMTE", Some(1234))
        );
        let weight = backroom_domain::barcode::make_embedded("2100043", 350).unwrap();
        let hit = t
            .store
            .lookup_barcode(&weight)
            .unwrap()
            .expect("weight-embedded code resolves");
        assert_eq!(
            (hit.variant.sku.as_str(), hit.embedded_weight_g),
            ("CHEESE-GOUDA", Some(350))
        );
        assert_eq!(
            t.store.lookup_barcode("4006381333932").unwrap_err().code(),
            "bad_check_digit"
        );
        assert!(t.store.lookup_barcode("9999999").unwrap().is_none());
    }

    #[test]
    fn reorder_points_and_alerts() {
        let mut t = new_store();
        t.store.save_product(tee()).unwrap();
        t.store
            .receive_stock("TEE-RED-M", "MAIN", 2, "", "")
            .unwrap();
        t.store
            .set_reorder_point("TEE-RED-M", "MAIN", Some(3))
            .unwrap();
        t.store
            .set_reorder_point("TEE-RED-L", "MAIN", Some(1))
            .unwrap();
        let alerts = t.store.stock_alerts(Some("MAIN")).unwrap();
        let got: Vec<(String, String)> = alerts
            .iter()
            .map(|a| (a.sku.clone(), a.alert.clone()))
            .collect();
        assert_eq!(
            got,
            vec![("TEE-RED-L".to_string(), "out_of_stock".to_string()), ("TEE-RED-M".to_string(), "low".to_string())],
            "out of stock sorts before low; a variant with no stock but a reorder point is out of stock"
        );
    }
}

mod files {
    use super::*;

    /// A restored backup continues as a new device: the backup's ops keep their numbers (the
    /// dead till may have pushed ops the backup lacks), new ops start at 1 under a new device
    /// with its own receipt numbers, the HLC never goes back, and the open shift carries on.
    #[test]
    fn a_restored_backup_continues_as_a_new_device() {
        let mut t = new_store();
        t.store.save_product(tee()).unwrap();
        t.store
            .receive_stock("TEE-RED-M", "MAIN", 10, "", "")
            .unwrap();
        t.store.open_shift("MAIN", 10_000).unwrap();
        let first = t
            .store
            .complete_sale(cash_sale("cart-1", "TEE-RED-M", 1, 2_500))
            .unwrap();
        let backup = t.dir.path().join("backup.sqlite");
        t.store.backup(&backup).unwrap();
        let one = |t: &TestStore, sql: &str| -> String {
            t.store
                .connection()
                .query_row(sql, [], |r| r.get(0))
                .unwrap()
        };
        let (old_device, old_code, old_hlc) = (
            one(&t, "SELECT id FROM device WHERE is_self = 1"),
            one(&t, "SELECT code FROM device WHERE is_self = 1"),
            one(&t, "SELECT last_hlc FROM device WHERE is_self = 1"),
        );
        let old_ops = t.rows("outbox");
        // The till sells on after the backup; then it dies and the backup comes back.
        t.store
            .complete_sale(cash_sale("cart-2", "TEE-RED-M", 1, 2_500))
            .unwrap();
        t.store.restore(&backup).unwrap();

        let new_device = one(&t, "SELECT id FROM device WHERE is_self = 1");
        let new_code = one(&t, "SELECT code FROM device WHERE is_self = 1");
        assert_ne!(new_device, old_device, "a new device identity");
        assert_ne!(new_code, old_code, "a new device code");
        assert_eq!(
            one(&t, "SELECT restored_from FROM device WHERE is_self = 1"),
            old_device
        );
        assert_eq!(t.rows("outbox"), old_ops, "the backup's history is kept");
        assert!(
            t.store.current_shift("MAIN").unwrap().is_some(),
            "the open shift carries on"
        );

        let next = t
            .store
            .complete_sale(cash_sale("cart-3", "TEE-RED-M", 1, 2_500))
            .unwrap();
        assert!(
            next.receipt_number.contains(&new_code) && next.receipt_number != first.receipt_number,
            "receipt numbers never repeat: {} after {}",
            next.receipt_number,
            first.receipt_number
        );
        let (seq, hlc): (i64, String) = t
            .store
            .connection()
            .query_row(
                "SELECT device_seq, hlc FROM outbox WHERE device_id = ?1 ORDER BY device_seq",
                [&new_device],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(seq, 1, "the new device numbers its ops from 1");
        assert!(
            hlc > old_hlc,
            "the HLC never goes back: {hlc} after {old_hlc}"
        );
        let check = t.store.check().unwrap();
        assert!(check.ok, "{:?}", check.findings);
    }

    #[test]
    fn backup_restore_round_trip_and_newer_schema_refused() {
        let mut t = new_store();
        t.store.save_product(tee()).unwrap();
        t.store
            .receive_stock("TEE-RED-M", "MAIN", 5, "", "")
            .unwrap();
        let backup = t.dir.path().join("backup.sqlite");
        t.store.backup(&backup).unwrap();
        assert_eq!(
            t.store.backup(&backup).unwrap_err().code(),
            "exists",
            "never overwrite a backup"
        );
        t.store
            .receive_stock("TEE-RED-M", "MAIN", 100, "", "")
            .unwrap();
        let report = t.store.restore(&backup).unwrap();
        assert_eq!(
            t.store
                .stock_qty("TEE-RED-M", "MAIN", StockState::Available)
                .unwrap(),
            5,
            "state is the backup's"
        );
        assert!(t.store.check().unwrap().ok);
        assert_eq!(
            (
                report.store_name.as_str(),
                report.products,
                report.orders,
                report.check.ok
            ),
            ("Corner Shop", 1, 0, true),
            "the restore says what it brought back, checked"
        );
        assert!(!report.backup_taken_local.is_empty());

        // The till died: a new machine restores yesterday's backup onto an empty path.
        let fresh_dir = tempfile::tempdir().unwrap();
        let mut fresh = backroom_store::Store::open(&fresh_dir.path().join("new.sqlite")).unwrap();
        assert!(!fresh.is_initialised());
        let report = fresh.restore(&backup).unwrap();
        assert!(fresh.is_initialised(), "the restored store opens");
        assert_eq!(report.store_name, "Corner Shop");
        assert_eq!(
            fresh
                .stock_qty("TEE-RED-M", "MAIN", StockState::Available)
                .unwrap(),
            5
        );
        let junk = t.dir.path().join("junk.sqlite");
        std::fs::write(&junk, b"not a database at all, just text").unwrap();
        assert_eq!(t.store.restore(&junk).unwrap_err().code(), "not_a_backup");

        let newer = t.dir.path().join("newer.sqlite");
        {
            let c = rusqlite::Connection::open(&newer).unwrap();
            c.pragma_update(None, "user_version", 999).unwrap();
        }
        let err = backroom_store::Store::open(&newer)
            .err()
            .expect("a newer schema must be refused");
        assert_eq!(err.code(), "newer_schema", "{err}");
        let v: i64 = rusqlite::Connection::open(&newer)
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, 999, "the newer database is left untouched");
    }

    #[test]
    fn check_detects_drift_and_gaps() {
        let mut t = new_store();
        t.store.save_product(tee()).unwrap();
        t.store
            .receive_stock("TEE-RED-M", "MAIN", 5, "", "")
            .unwrap();
        t.store
            .connection()
            .execute("UPDATE stock_level SET qty = qty + 1", [])
            .unwrap();
        // A level with no movement behind it at all.
        t.store
            .connection()
            .execute(
                "INSERT INTO stock_level (variant_id, location_id, state, qty)
                 SELECT v.id, l.id, 'damaged', 3 FROM variant v, location l WHERE v.sku = 'TEE-BLU-M'",
                [],
            )
            .unwrap();
        t.store.connection().execute("DELETE FROM audit_log WHERE op_id = (SELECT op_id FROM outbox WHERE device_seq = 2)", []).unwrap();
        t.store
            .connection()
            .execute("DELETE FROM outbox WHERE device_seq = 2", [])
            .unwrap();
        let r = t.store.check().unwrap();
        let kinds: Vec<&str> = r.findings.iter().map(|f| f.kind.as_str()).collect();
        assert!(!r.ok);
        assert!(
            kinds.contains(&"stock_drift"),
            "tampered level is found: {kinds:?}"
        );
        assert!(
            r.findings.iter().any(|f| f.kind == "stock_drift"
                && f.detail == "TEE-RED-M at MAIN (available): ledger says 5, level says 6"),
            "the finding names the item and both numbers: {:#?}",
            r.findings
        );
        assert!(
            kinds.contains(&"outbox_gap"),
            "missing op is found: {kinds:?}"
        );
        assert!(
            r.findings
                .iter()
                .any(|f| f.detail == "TEE-BLU-M at MAIN (damaged): ledger says 0, level says 3"),
            "a level without movements is drift too: {:#?}",
            r.findings
        );
        assert_eq!(
            t.store.check_full().unwrap().findings.len(),
            r.findings.len(),
            "the full check finds the same, and a sound file adds nothing"
        );
    }

    #[test]
    fn wal_foreign_keys_and_busy_timeout_are_on() {
        let t = new_store();
        let c = t.store.connection();
        let mode: String = c
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let fk: i64 = c
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        let busy: i64 = c
            .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
            .unwrap();
        assert_eq!((mode.as_str(), fk), ("wal", 1));
        assert!(
            busy >= 1000,
            "a busy timeout keeps a second process from failing instantly"
        );
    }
}
