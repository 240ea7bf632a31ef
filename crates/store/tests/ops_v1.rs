//! The op bodies' wire format, pinned: every kind of op this build writes is produced by a
//! scripted history (the demo store, then every use-case the demo does not reach), and the shape
//! of each kind's body at the version written (`kind@v`: its keys and value types, recursively)
//! must equal the recorded one in `tests/fixtures/ops/v1/shapes.json`. A change to the wire
//! format, or a new kind nobody recorded, fails here. One real body per kind and version is kept
//! beside it (`bodies.json`, never overwritten): version 1 bodies recorded before a kind moved
//! on are the upcasters' input, and still apply (test below).
//!
//! Re-record after a deliberate change: `BACKROOM_RECORD_OPS=1 cargo test -p backroom-store
//! --test ops_v1`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

use backroom_domain::staff::{Grant, Permission};
use backroom_store::shopify::ImportOptions;
use backroom_store::{
    demo, CustomerInput, ManualClock, NoProgress, SaleInput, SaleLineInput, SeededIds, Store,
    TenderInput, TransferLineInput,
};
use serde_json::{json, Value};

mod common;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ops/v1")
}

/// The kinds the store's source can write: the dotted string literals passed to
/// `Change::new(` (both arms when the kind is chosen by a condition).
fn kinds_in_source() -> BTreeSet<String> {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut kinds = BTreeSet::new();
    for entry in std::fs::read_dir(&src).expect("store sources") {
        let text = std::fs::read_to_string(entry.expect("entry").path()).expect("read source");
        for (at, _) in text.match_indices("Change::new(") {
            // The literals up to the entity type (the first literal without a dot).
            let tail = &text[at..(at + 300).min(text.len())];
            for lit in tail.split('"').skip(1).step_by(2) {
                if lit.contains('.') && !lit.contains(' ') {
                    kinds.insert(lit.to_string());
                } else {
                    break;
                }
            }
        }
    }
    kinds
}

/// Keys and value types, recursively; an array is the merged shape of its elements.
fn shape(v: &Value) -> Value {
    match v {
        Value::Null => json!("null"),
        Value::Bool(_) => json!("bool"),
        Value::Number(n) if n.is_f64() => json!("float"),
        Value::Number(_) => json!("int"),
        Value::String(_) => json!("string"),
        Value::Array(items) => {
            let mut merged = Value::Null;
            for item in items {
                merged = merge(merged, shape(item));
            }
            if merged.is_null() {
                json!([])
            } else {
                json!([merged])
            }
        }
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
    }
}

fn merge(a: Value, b: Value) -> Value {
    match (a, b) {
        (Value::Null, b) => b,
        (Value::Object(mut a), Value::Object(b)) => {
            for (k, v) in b {
                let merged = match a.remove(&k) {
                    Some(old) => merge(old, v),
                    None => v,
                };
                a.insert(k, merged);
            }
            Value::Object(a)
        }
        (Value::Array(a), Value::Array(b)) => {
            let merged = a.into_iter().chain(b).fold(Value::Null, merge);
            if merged.is_null() {
                json!([])
            } else {
                json!([merged])
            }
        }
        (a, b) if a == b => a,
        // A value of several types (often: sometimes null): the set of them, sorted.
        (a, b) => {
            let tags: BTreeSet<String> = [tag(&a), tag(&b)]
                .iter()
                .flat_map(|t| t.split('|').map(str::to_string).collect::<Vec<_>>())
                .collect();
            json!(tags.into_iter().collect::<Vec<_>>().join("|"))
        }
    }
}

/// A shape's type name: the scalar's, or `object` / `array`.
fn tag(shape: &Value) -> String {
    match shape {
        Value::String(s) => s.clone(),
        Value::Object(_) => "object".into(),
        Value::Array(_) => "array".into(),
        _ => "null".into(),
    }
}

/// A history that writes every kind: the demo store, then what the demo never does.
fn every_kind() -> Store {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.keep().join("store.sqlite");
    let clock = Arc::new(ManualClock::new(demo::DEMO_START_MS));
    let mut s = Store::open_with(&path, clock.clone(), Arc::new(SeededIds::new(1))).expect("open");
    let step = clock.clone();
    demo::generate(
        &mut s,
        &demo::DemoOptions {
            seed: 1,
            products: 12,
            days: 5,
        },
        &move |ms| step.advance(ms),
        &NoProgress,
    )
    .expect("demo");
    s.set_actor("system");
    let one = |s: &Store, sql: &str| -> String {
        s.connection()
            .query_row(sql, [], |r| r.get::<_, String>(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    };
    let (sku, price): (String, i64) = s
        .connection()
        .query_row(
            "SELECT v.sku, v.price_minor FROM variant v JOIN product p ON p.id = v.product_id
             JOIN stock_level l ON l.variant_id = v.id AND l.state = 'available' AND l.qty > 3
             JOIN location loc ON loc.id = l.location_id AND loc.code = 'MAIN'
             WHERE p.is_gift_card = 0 AND v.sale_unit = 'pcs' ORDER BY v.sku LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a stocked item");
    let sale = |cart: &str| SaleInput {
        cart_id: cart.into(),
        lines: vec![SaleLineInput {
            sku: sku.clone(),
            quantity: 1,
            ..Default::default()
        }],
        tenders: vec![TenderInput {
            kind: "card".into(),
            amount: price,
            ..Default::default()
        }],
        ..Default::default()
    };

    let parked = s.park_cart("later", sale("ops-park")).expect("park");
    s.resume_cart(&parked).expect("resume");
    s.import_shopify(
        &b"Handle,Title,Variant SKU,Variant Price,Fabric (product.metafields.custom.fabric)\nops-bag,Ops Bag,OPS-BAG,9.90,linen\n"[..],
        &ImportOptions {
            dry_run: false,
            location: None,
            skip_invalid: false,
        },
        &NoProgress,
    )
    .expect("import");
    let mut bag = s.product_by_sku("OPS-BAG").expect("read").expect("the bag");
    bag.title = "Ops Tote".into();
    s.save_product(bag).expect("update a product");
    let main_name = one(&s, "SELECT name FROM location WHERE code = 'MAIN'");
    let current = s
        .stock_qty(&sku, "MAIN", backroom_domain::stock::StockState::Available)
        .expect("level");
    let handle = one(
        &s,
        &format!("SELECT p.handle FROM product p JOIN variant v ON v.product_id = p.id WHERE v.sku = '{sku}'"),
    );
    let inventory = format!(
        "Handle,Title,SKU,Location,On hand (current),On hand (new)\n{handle},X,{sku},{main_name},{current},{}\n",
        current + 2
    );
    let report = s
        .import_inventory(inventory.as_bytes(), false)
        .expect("inventory");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let count = s.start_count("MAIN", None).expect("count");
    s.cancel_count(&count).expect("cancel count");
    let customer = one(&s, "SELECT id FROM customer ORDER BY id LIMIT 1");
    s.update_customer(
        &customer,
        CustomerInput {
            name: "Renamed Customer".into(),
            email: String::new(),
            phone: String::new(),
            group: None,
            marketing_consent: false,
            note: String::new(),
        },
    )
    .expect("update customer");
    let card = one(
        &s,
        "SELECT g.code FROM gift_card g WHERE g.deactivated_at IS NULL ORDER BY g.code LIMIT 1",
    );
    s.deactivate_gift_card(&card, None)
        .expect("deactivate a gift card");
    s.set_role_grant("cashier", Permission::VoidSale, Grant::Approval)
        .expect("grant");
    if s.current_shift("MAIN").expect("shift").is_none() {
        s.open_shift("MAIN", 10_000).expect("open shift");
    }
    let pickup = s
        .complete_sale(SaleInput {
            fulfilment: "pickup".into(),
            ..sale("ops-pickup")
        })
        .expect("a click-and-collect sale");
    s.set_fulfilment(&pickup.id, "ready_for_pickup")
        .expect("ready");
    s.set_fulfilment(&pickup.id, "picked_up")
        .expect("picked up");
    s.set_return_reason("too_big", "Too big").expect("reason");
    let returned = s.complete_sale(sale("ops-return")).expect("sale");
    s.process_return(backroom_store::ReturnInput {
        order: Some(returned.id.clone()),
        lines: vec![backroom_store::ReturnLineInput {
            sku: sku.clone(),
            quantity: 1,
            reason: "too_big".into(),
            disposition: "restock".into(),
            ..Default::default()
        }],
        ..Default::default()
    })
    .expect("return");
    s.move_stock(backroom_store::StateMove {
        sku: sku.clone(),
        location: "MAIN".into(),
        from: "available".into(),
        to: "damaged".into(),
        quantity: 1,
        note: String::new(),
    })
    .expect("move");
    let to_void = s.complete_sale(sale("ops-void-2")).expect("sale");
    s.void_sale(&to_void.id, "rang up twice", None)
        .expect("void");
    let mut settings = s.store_settings().expect("settings");
    settings.receipt_footer = "Thank you".into();
    s.update_store_settings(settings).expect("settings saved");
    s.set_loyalty(2, 1).expect("loyalty");
    let rules = s.settings().expect("settings").embedded_rules.clone();
    s.set_embedded_barcode_rules(rules).expect("barcode rules");
    s.sign_in("Casey Cashier", "1111").expect("sign in");
    assert!(s.sign_in("Casey Cashier", "9999").is_err());
    s.set_actor("system");
    s.set_staff_role("Casey Cashier", "manager").expect("role");
    s.set_staff_pin("Casey Cashier", "1357").expect("pin");
    let warehouse = one(
        &s,
        "SELECT code FROM location WHERE kind = 'warehouse' LIMIT 1",
    );
    s.receive_stock(&sku, &warehouse, 4, "", "")
        .expect("stock the warehouse");
    let sent = s
        .send_new_transfer(
            &warehouse,
            "MAIN",
            vec![TransferLineInput {
                sku: sku.clone(),
                quantity: 3,
            }],
            "",
        )
        .expect("send");
    s.receive_transfer(
        &sent.number,
        vec![backroom_store::ReceiveLine {
            sku: sku.clone(),
            quantity: 1,
        }],
        false,
    )
    .expect("receive part");
    s.cancel_transfer_remainder(&sent.number)
        .expect("cancel the rest");
    let draft = s
        .create_transfer(
            &warehouse,
            "MAIN",
            vec![TransferLineInput {
                sku: sku.clone(),
                quantity: 1,
            }],
            "",
        )
        .expect("draft");
    s.cancel_transfer(&draft).expect("cancel a draft");
    // Feedback (issue 16): a survey, a display, a response in two parts, a theme rule.
    let nps = s
        .survey_templates()
        .into_iter()
        .find(|t| t.key == "in-store-nps")
        .expect("template");
    s.define_survey(nps, "active").expect("survey");
    s.record_display("in-store-nps", "kiosk", Some(&returned.id))
        .expect("display");
    let first = s
        .record_response(backroom_store::ResponseInput {
            survey: "in-store-nps".into(),
            channel: "kiosk".into(),
            order: Some(returned.id.clone()),
            answers: [("nps".to_string(), backroom_domain::survey::Answer::Score(5))].into(),
            finished: false,
            ..Default::default()
        })
        .expect("response");
    s.record_response(backroom_store::ResponseInput {
        id: Some(first),
        survey: "in-store-nps".into(),
        channel: "kiosk".into(),
        answers: [(
            "comment".to_string(),
            backroom_domain::survey::Answer::Text("The queue was long".into()),
        )]
        .into(),
        finished: true,
        ..Default::default()
    })
    .expect("second part");
    s.set_theme(
        backroom_domain::themes::ThemeRule {
            code: "parking".into(),
            name: "Parking".into(),
            terms: vec!["parking".into()],
        },
        true,
        "manual",
    )
    .expect("theme");
    s
}

#[test]
fn every_kind_keeps_its_recorded_v1_shape() {
    let store = every_kind();
    let mut bodies: BTreeMap<String, Value> = BTreeMap::new();
    let mut stmt = store
        .connection()
        .prepare("SELECT kind, body FROM outbox ORDER BY device_seq")
        .expect("outbox");
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .expect("rows");
    let mut shapes: BTreeMap<String, Value> = BTreeMap::new();
    for row in rows {
        let (kind, body) = row.expect("row");
        let body: Value = serde_json::from_str(&body).expect("JSON body");
        let key = format!("{kind}@{}", body["v"].as_u64().expect("a body version"));
        let merged = match shapes.remove(&key) {
            Some(old) => merge(old, shape(&body)),
            None => shape(&body),
        };
        shapes.insert(key.clone(), merged);
        bodies.entry(key).or_insert(body);
    }
    let written: BTreeSet<String> = shapes
        .keys()
        .map(|k| k.split('@').next().unwrap_or(k).to_string())
        .collect();
    let missing: Vec<_> = kinds_in_source().difference(&written).cloned().collect();
    assert!(
        missing.is_empty(),
        "kinds the store can write that the scripted history never wrote (add them to every_kind): {missing:?}"
    );
    let shapes = serde_json::to_string_pretty(&shapes).expect("shapes") + "\n";
    let dir = fixtures();
    if std::env::var_os("BACKROOM_RECORD_OPS").is_some() {
        std::fs::create_dir_all(&dir).expect("fixtures dir");
        std::fs::write(dir.join("shapes.json"), &shapes).expect("write shapes");
        // Recorded bodies are kept (an older version's sample is the upcaster's input); new
        // kinds and versions are added.
        let mut kept: BTreeMap<String, Value> = std::fs::read_to_string(dir.join("bodies.json"))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        for (k, v) in bodies {
            kept.entry(k).or_insert(v);
        }
        let kept = serde_json::to_string_pretty(&kept).expect("bodies") + "\n";
        std::fs::write(dir.join("bodies.json"), kept).expect("write bodies");
    }
    let recorded = std::fs::read_to_string(dir.join("shapes.json"))
        .expect("tests/fixtures/ops/v1/shapes.json (record with BACKROOM_RECORD_OPS=1)");
    assert!(
        recorded == shapes,
        "the v1 wire format changed; if deliberate, re-record with BACKROOM_RECORD_OPS=1 and add an upcaster"
    );
}

/// `ops export` writes every op of this till, in order, as lines the wire format reads back;
/// `--since` leaves out what was already carried.
#[test]
fn ops_export_as_json_lines() {
    let store = every_kind();
    let mut out = Vec::new();
    let n = store
        .export_ops(&mut out, backroom_store::OpsSelection::default())
        .expect("export");
    let ops =
        backroom_sync::wire::read_lines(&String::from_utf8(out).expect("utf-8")).expect("lines");
    let in_outbox: i64 = store
        .connection()
        .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))
        .expect("count");
    assert_eq!((n, ops.len() as i64), (in_outbox as u64, in_outbox));
    assert!(
        ops.iter()
            .enumerate()
            .all(|(i, op)| op.device_seq == i as i64 + 1),
        "dense device_seq from 1, in order"
    );
    // The kinds that moved on to version 2 say so; the rest are version 1.
    let v2 = [
        "customer.updated",
        "settings.updated",
        "sale.completed",
        "sale.voided",
        "return.processed",
        "return.exchanged",
        "gift_card.issued",
        "shift.opened",
        "transfer.received",
        "transfer.remainder_cancelled",
        "count.recorded",
        "store.initialised",
        "catalog.imported",
    ];
    assert!(ops
        .iter()
        .all(|op| op.body_version() == if v2.contains(&op.kind.as_str()) { 2 } else { 1 }));
    let mut tail = Vec::new();
    let since = in_outbox - 5;
    store
        .export_ops(
            &mut tail,
            backroom_store::OpsSelection {
                since,
                all_devices: false,
            },
        )
        .expect("export the tail");
    let tail =
        backroom_sync::wire::read_lines(&String::from_utf8(tail).expect("utf-8")).expect("lines");
    assert_eq!(tail.len(), 5);
    assert_eq!(tail[0], ops[since as usize]);
}

/// Bodies recorded in version 1 still read: a kind that moved on (customer.updated is version 2
/// now) upcasts from the recorded v1 sample.
#[test]
fn recorded_v1_bodies_still_decode() {
    let recorded: BTreeMap<String, Value> = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("bodies.json")).expect("bodies.json"),
    )
    .expect("JSON");
    let v1 = &recorded["customer.updated@1"];
    match backroom_sync::body::decode("customer.updated", v1) {
        Ok(Some(backroom_sync::body::Body::CustomerUpdated(u))) => assert_eq!(u.set.len(), 6),
        other => panic!("the recorded v1 customer.updated upcasts: {other:?}"),
    }
    for (key, body) in &recorded {
        let kind = key.split('@').next().unwrap_or(key);
        assert!(
            backroom_sync::body::decode(kind, body).is_ok(),
            "{key} decodes (or waits for its type)"
        );
    }
}

/// Replay: the whole outbox of a history that writes every kind, applied in order onto an
/// empty database, makes a replica with the same rows in every synced table (the tables that
/// belong to one machine are listed in `common::REPLICA_OWN`); applying it again, or the
/// first till's own ops coming back to it, writes nothing. A kind the store can write that this
/// history does not cover fails here.
#[test]
fn every_kind_replays_onto_an_empty_database() {
    let a = every_kind();
    let ops = a.ops_after(0).expect("ops");
    let kinds: BTreeSet<String> = ops.iter().map(|op| op.kind.clone()).collect();
    let missing: Vec<_> = kinds_in_source().difference(&kinds).cloned().collect();
    assert!(
        missing.is_empty(),
        "kinds the replay does not cover: {missing:?}"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let clock = Arc::new(ManualClock::new(demo::DEMO_START_MS + 86_400_000 * 30));
    let mut b = Store::open_with(
        &dir.path().join("replica.sqlite"),
        clock,
        Arc::new(SeededIds::new(99)),
    )
    .expect("open replica");
    let report = b.apply_all(&ops).expect("apply");
    assert_eq!(
        (report.applied, report.deferred),
        (ops.len() as u64, 0),
        "every op applies"
    );
    common::assert_same_tables(&a, &b);
    let check = b.check().expect("check");
    assert!(check.ok, "{:?}", check.findings);
    assert!(
        b.ops_after(0).expect("own ops").is_empty(),
        "applying writes no op of the replica's own"
    );

    let before = common::synced_tables(&b);
    assert_eq!(
        b.apply_all(&ops).expect("again").already_here,
        ops.len() as u64
    );
    assert_eq!(
        common::synced_tables(&b),
        before,
        "applying again writes nothing"
    );
}
