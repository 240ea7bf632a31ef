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
