//! The server against a real PostgreSQL: two tills of one store push and pull through HTTP and
//! end with the same rows; a push retried after a lost answer returns the stored results; a
//! push that skips a number is stopped and told which one is expected; positions in a stream
//! are dense and in commit order.
//!
//! PostgreSQL: `DATABASE_URL` when set (scripts/test.sh sets it, starting a throwaway cluster
//! when none runs), else `postgres://postgres@127.0.0.1:5432/postgres`. Each test makes its own
//! database and drops it.

mod common;

use common::*;

use backroom_domain::stock::StockState;
use backroom_store::InitStore;
use backroom_sync::client::{bootstrap, sync_once, Transport};
use backroom_sync::http::HttpTransport;
use backroom_sync::protocol::{store_stream, PushRequest, PushStatus, PROTOCOL_VERSION};

#[test]
fn two_tills_sync_through_the_server_and_agree() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let mut a = till(dir.path(), "a", 1);
    a.init(InitStore {
        store_name: "Corner Shop".into(),
        currency: "EUR".into(),
        tax_mode: "inclusive".into(),
        device_name: "till-1".into(),
        location_code: "MAIN".into(),
        owner_name: "Olivia Owner".into(),
        owner_pin: "2580".into(),
        time_zone: "UTC".into(),
    })
    .expect("init");
    a.set_actor("tester");
    a.import_shopify(
        &b"Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty\ntee,Tee,TEE-1,19.99,10\nmug,Mug,MUG-1,9.50,4\n"[..],
        &backroom_store::shopify::ImportOptions::default(),
        &backroom_store::NoProgress,
    )
    .expect("import");
    // Without a credential the server refuses.
    let mut anonymous = HttpTransport::new(&srv.base).expect("client");
    assert!(sync_once(&mut a, &mut anonymous, "CORNER").is_err());
    let mut http = srv.till_transport("CORNER");
    let first = sync_once(&mut a, &mut http, "CORNER").expect("first sync");
    assert!(first.pushed > 0 && first.rejected == 0, "{first:?}");

    // A new till of the same store starts empty and bootstraps from the server.
    let mut b = till(dir.path(), "b", 2);
    let mut http_b = srv.till_transport("CORNER");
    assert!(
        sync_once(&mut b, &mut http_b, "CORNER").is_err(),
        "an empty database has no device to push as yet"
    );
    let boot = bootstrap(&mut b, &mut http_b, "CORNER").expect("bootstrap");
    assert!(boot.pulled >= first.pushed, "{boot:?}");
    assert_eq!(
        b.sync_cursor(&store_stream("CORNER")).unwrap(),
        http_b.pull(&store_stream("CORNER"), 0, 5000).unwrap().next
    );
    assert_ne!(b.device_id().unwrap(), a.device_id().unwrap());
    b.set_actor("tester");

    // Both sell; both sync (twice each, so each sees the other's).
    a.complete_sale(cash_sale("a-1", "TEE-1", 2000))
        .expect("sale on a");
    b.complete_sale(cash_sale("b-1", "MUG-1", 950))
        .expect("sale on b");
    b.complete_sale(cash_sale("b-2", "TEE-1", 1999))
        .expect("sale on b");
    for _ in 0..2 {
        sync_once(&mut a, &mut http, "CORNER").expect("sync a");
        sync_once(&mut b, &mut http_b, "CORNER").expect("sync b");
    }
    assert_eq!(facts(&a), facts(&b), "both tills hold the same facts");
    assert_eq!(
        a.stock_qty("TEE-1", "MAIN", StockState::Available).unwrap(),
        8
    );
    assert!(a.check().unwrap().ok && b.check().unwrap().ok);
    assert!(a.unpushed_ops(10).unwrap().is_empty());

    // A lost answer: the same ops pushed again get their stored results back.
    let again = PushRequest {
        protocol: PROTOCOL_VERSION,
        store: "CORNER".into(),
        device_id: b.device_id().unwrap().to_string(),
        ops: b.ops_after(0).unwrap(),
    };
    let answer = http_b.push(&again).expect("retried push");
    assert!(answer
        .results
        .iter()
        .all(|r| r.status == PushStatus::Stored));
    let pulled = http.pull(&store_stream("CORNER"), 0, 5000).unwrap();
    let seqs: Vec<i64> = pulled.ops.iter().map(|o| o.seq).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "positions are dense, each op once"
    );

    // A push that skips a number is stopped at the gap.
    let mut gap = again.clone();
    let mut op = gap.ops.last().unwrap().clone();
    op.device_seq += 5;
    op.op_id = "gap-op".into();
    gap.ops = vec![op];
    let answer = http_b.push(&gap).expect("gap push");
    assert_eq!(answer.expected, Some(answer.last_device_seq + 1));
    assert!(answer.results.is_empty());

    // A credential is its device's and its store's: a's token cannot push b's ops, nor read
    // another store; a revoked till is refused at once.
    assert!(http.push(&again).is_err(), "a's credential is a's device's");
    assert!(http.pull(&store_stream("OTHER"), 0, 10).is_err());
    let code_a: String = srv.rt.block_on(async {
        sqlx::query_scalar("SELECT device_code FROM credential WHERE device_id = $1")
            .bind(a.device_id().unwrap())
            .fetch_one(&srv.pool)
            .await
            .expect("a's credential")
    });
    srv.rt
        .block_on(backroom_server::revoke(&srv.pool, &code_a))
        .expect("revoke");
    assert!(sync_once(&mut a, &mut http, "CORNER").is_err(), "revoked");
    assert!(sync_once(&mut b, &mut http_b, "CORNER").is_ok(), "b is not");
}

/// A till restored from a backup continues as a new device; what its predecessor sold and never
/// sent goes up with its own sales. Enrolled again with a new code while the old till's
/// credential is live, it may not write the old device; once that till is revoked it may, and
/// nothing lands twice.
#[test]
fn a_restored_till_pushes_what_its_predecessor_never_sent() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let mut t1 = seeded_till(dir.path(), "t1", 1);
    link(&srv, &mut t1, "CORNER");
    t1.sync_with(&mut transport_of(&t1)).expect("t1 syncs");
    // Offline, two sales; then the backup, then the machine dies.
    t1.complete_sale(cash_sale("t1-a", "TEE-1", 1999))
        .expect("sale");
    t1.complete_sale(cash_sale("t1-b", "MUG-1", 950))
        .expect("sale");
    let backup = dir.path().join("t1-backup.sqlite");
    t1.backup(&backup).expect("backup");
    let t1_code = t1.server_link().unwrap().unwrap().device_code;
    drop(t1);

    let mut r = till(dir.path(), "r", 5);
    r.restore(&backup).expect("restore");
    r.set_actor("tester");
    r.complete_sale(cash_sale("r-a", "TEE-1", 1999))
        .expect("sale on r");
    assert_eq!(
        r.sync_status().unwrap().pending_ops,
        3,
        "two of t1's, one of r's"
    );
    r.sync_with(&mut transport_of(&r)).expect("r syncs");
    assert_eq!(r.sync_status().unwrap().pending_ops, 0);

    let mut b = till(dir.path(), "b", 6);
    link(&srv, &mut b, "CORNER");
    b.sync_with(&mut transport_of(&b)).expect("b bootstraps");
    let carts: i64 = b
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM sale_order WHERE cart_id IN ('t1-a', 't1-b', 'r-a')",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(carts, 3, "every sale reached the new till");
    assert_eq!(facts(&b), facts(&r));

    // A second machine restored from the same backup and enrolled anew.
    let mut r2 = till(dir.path(), "r2", 7);
    r2.restore(&backup).expect("restore");
    link(&srv, &mut r2, "CORNER");
    // t1's device is written by a live till: its ops wait, r2's own round goes through.
    let round = r2
        .sync_with(&mut transport_of(&r2))
        .expect("r2's own round goes through");
    assert_eq!(round.held_back.len(), 1, "{round:?}");
    let st = r2.sync_status().unwrap();
    assert!(
        st.last_error.as_deref().unwrap_or("").contains("revoke"),
        "{st:?}"
    );
    assert_eq!(st.pending_ops, 2, "t1's two sales wait on r2");
    srv.rt
        .block_on(backroom_server::revoke(&srv.pool, &t1_code))
        .expect("revoke the dead till");
    r2.sync_with(&mut transport_of(&r2)).expect("r2 takes over");
    assert_eq!(r2.sync_status().unwrap().pending_ops, 0);
    assert!(r2.sync_status().unwrap().last_error.is_none());
    let (n, last): (i64, i64) = srv.rt.block_on(async {
        sqlx::query_as(
            "SELECT COUNT(c.op_id), d.last_device_seq FROM device d
             JOIN change_log c ON c.device_id = d.id
             WHERE d.id = (SELECT device_id FROM change_log WHERE op_id IN
                 (SELECT op_id FROM change_log WHERE kind = 'store.initialised'))
             GROUP BY d.id",
        )
        .fetch_one(&srv.pool)
        .await
        .expect("t1's device")
    });
    assert_eq!(n, last, "nothing of t1's landed twice");
}

/// The stock of `sku` in `state` at the location with id `location` (head office holds two
/// stores' `MAIN`: one of them under a suffixed code, so ids name them).
fn qty_at(s: &backroom_store::Store, sku: &str, location: &str, state: StockState) -> i64 {
    s.connection()
        .query_row(
            "SELECT COALESCE(SUM(l.qty), 0) FROM stock_level l JOIN variant v ON v.id = l.variant_id
             WHERE v.sku = ?1 AND l.location_id = ?2 AND l.state = ?3",
            [sku, location, state.as_str()],
            |r| r.get(0),
        )
        .expect("level")
}

fn main_id(s: &backroom_store::Store) -> String {
    s.connection()
        .query_row("SELECT id FROM location WHERE code = 'MAIN'", [], |r| {
            r.get(0)
        })
        .expect("MAIN")
}

#[test]
fn a_transfer_between_two_stores_travels_through_the_server() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    // NORTH has the catalogue and the stock; SOUTH is a new store with neither.
    let mut a = seeded_till(dir.path(), "north", 1);
    link(&srv, &mut a, "NORTH");
    let mut b = till(dir.path(), "south", 2);
    b.init(InitStore {
        store_name: "South".into(),
        currency: "EUR".into(),
        tax_mode: "inclusive".into(),
        device_name: "south-till".into(),
        location_code: "MAIN".into(),
        owner_name: "Sam South".into(),
        owner_pin: "2580".into(),
        time_zone: "UTC".into(),
    })
    .expect("init south");
    b.set_actor("tester");
    link(&srv, &mut b, "SOUTH");
    a.sync_with(&mut transport_of(&a)).expect("north syncs");
    b.sync_with(&mut transport_of(&b)).expect("south syncs");
    // SOUTH got the chain's catalogue (one id per product in every store), not NORTH's stock.
    let variant = |s: &backroom_store::Store| -> String {
        s.connection()
            .query_row("SELECT id FROM variant WHERE sku = 'TEE-1'", [], |r| {
                r.get(0)
            })
            .expect("TEE-1")
    };
    assert_eq!(variant(&a), variant(&b), "one catalogue");
    assert_eq!(
        b.stock_qty("TEE-1", "MAIN", StockState::Available).unwrap(),
        0
    );

    // NORTH sends 5 tees and 2 mugs to SOUTH while offline, then syncs.
    let sent = a
        .send_new_transfer(
            "MAIN",
            "@south",
            vec![
                backroom_store::TransferLineInput {
                    sku: "TEE-1".into(),
                    quantity: 5,
                },
                backroom_store::TransferLineInput {
                    sku: "MUG-1".into(),
                    quantity: 2,
                },
            ],
            "weekend restock",
        )
        .expect("send to SOUTH");
    assert_eq!(sent.status, "in_transit");
    assert_eq!(sent.to_location, "@SOUTH");
    assert_eq!(
        a.stock_qty("TEE-1", "MAIN", StockState::Available).unwrap(),
        5
    );
    // Only SOUTH says what arrived: NORTH can neither receive it nor call it back.
    let err = a.cancel_transfer(&sent.number).expect_err("source cancels");
    assert!(err.to_string().contains("SOUTH"), "{err}");
    let err = a
        .receive_transfer(&sent.number, vec![], true)
        .expect_err("source receives");
    assert!(err.to_string().contains("only a till of SOUTH"), "{err}");
    // A transfer to this store itself, or standalone, is refused where it is typed.
    let err = a
        .send_new_transfer(
            "MAIN",
            "@NORTH",
            vec![backroom_store::TransferLineInput {
                sku: "TEE-1".into(),
                quantity: 1,
            }],
            "",
        )
        .expect_err("to itself");
    assert!(err.to_string().contains("this store"), "{err}");
    a.sync_with(&mut transport_of(&a)).expect("north pushes");

    // SOUTH sees it incoming, receives 4 tees and both mugs, and closes it short.
    b.sync_with(&mut transport_of(&b)).expect("south pulls");
    // It never moves NORTH's stock itself: it cannot cancel what NORTH sent.
    let err = b
        .cancel_transfer(&sent.number)
        .expect_err("destination cancels");
    assert!(err.to_string().contains("another store"), "{err}");
    let incoming = b.transfer(&sent.number).expect("SOUTH has it");
    assert_eq!(incoming.status, "in_transit");
    assert_eq!(
        b.stock_qty("TEE-1", "@SOUTH", StockState::Incoming)
            .unwrap(),
        5
    );
    b.receive_transfer(
        &sent.number,
        vec![
            backroom_store::ReceiveLine {
                sku: "TEE-1".into(),
                quantity: 4,
            },
            backroom_store::ReceiveLine {
                sku: "MUG-1".into(),
                quantity: 2,
            },
        ],
        true,
    )
    .expect("receive short");
    assert_eq!(
        b.stock_qty("TEE-1", "MAIN", StockState::Available).unwrap(),
        4
    );
    assert_eq!(
        b.stock_qty("MUG-1", "MAIN", StockState::Available).unwrap(),
        2
    );
    b.sync_with(&mut transport_of(&b)).expect("south pushes");
    a.sync_with(&mut transport_of(&a)).expect("north pulls");
    // NORTH sees the receipt and the discrepancy.
    let back = a.transfer(&sent.number).expect("transfer");
    assert_eq!(back.status, "received");
    let tee = back.lines.iter().find(|l| l.sku == "TEE-1").expect("line");
    assert_eq!((tee.received, tee.discrepancy), (4, 1));
    // SOUTH lists its own location and its receiving point, not the stand-in for NORTH's.
    let listed: Vec<String> = b
        .locations()
        .expect("locations")
        .into_iter()
        .map(|l| l.code)
        .collect();
    assert_eq!(listed, vec!["@SOUTH".to_string(), "MAIN".to_string()]);
    // SOUTH has the same transfer; its source is a stand-in for NORTH's location there.
    let there = b.transfer(&sent.number).expect("transfer");
    assert!(there.from_location.starts_with("NORTH~"), "{there:?}");
    assert_eq!((&there.status, &there.lines), (&back.status, &back.lines));

    // Both stores trade offline: NORTH sells a tee and exchanges it for a mug; SOUTH sells a
    // mug and counts its tees (one fewer than the system says).
    let tee = a
        .complete_sale(cash_sale("n-1", "TEE-1", 1999))
        .expect("north sells");
    a.process_return(backroom_store::ReturnInput {
        order: Some(tee.receipt_number.clone()),
        lines: vec![backroom_store::ReturnLineInput {
            sku: "TEE-1".into(),
            quantity: 1,
            reason: "unwanted".into(),
            disposition: "restock".into(),
            ..Default::default()
        }],
        exchange: Some(backroom_store::SaleInput {
            cart_id: "n-2".into(),
            lines: vec![backroom_store::SaleLineInput {
                sku: "MUG-1".into(),
                quantity: 1,
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    })
    .expect("north exchanges");
    b.complete_sale(cash_sale("s-1", "MUG-1", 950))
        .expect("south sells");
    let count = b.start_count("MAIN", None).expect("count");
    b.record_count(&count, "TEE-1", Some(3)).expect("counted");
    b.apply_count(&count, false).expect("apply count");
    a.sync_with(&mut transport_of(&a)).expect("north syncs");
    b.sync_with(&mut transport_of(&b)).expect("south syncs");

    // Head office: one ledger for the chain; in transit nets to zero, every store's stock is
    // what that store says, and the lost tee is the only difference.
    let code = srv
        .rt
        .block_on(backroom_server::issue_head_office_enrolment(&srv.pool))
        .expect("code");
    let cred = HttpTransport::new(&srv.base)
        .expect("client")
        .enrol(&code)
        .expect("enrol");
    let mut hq = till(dir.path(), "hq", 3);
    hq.link_server(&backroom_store::ServerLink {
        url: srv.base.clone(),
        store: cred.store,
        token: cred.token,
        device_code: cred.device_code,
    })
    .expect("link");
    hq.sync_with(&mut transport_of(&hq)).expect("head office");
    let south_dock = backroom_store::store_location_id("SOUTH");
    for s in [&a, &b, &hq] {
        assert_eq!(
            qty_at(s, "TEE-1", &south_dock, StockState::Incoming),
            0,
            "nothing left in transit"
        );
        assert!(s.check().expect("check").ok);
    }
    let (north, south) = (main_id(&a), main_id(&b));
    for (sku, at, want) in [
        ("TEE-1", &north, 5),
        ("MUG-1", &north, 1),
        ("TEE-1", &south, 3),
        ("MUG-1", &south, 1),
    ] {
        let of = |s: &backroom_store::Store| qty_at(s, sku, at, StockState::Available);
        let here = if at == &north { &a } else { &b };
        assert_eq!((of(here), of(&hq)), (want, want), "{sku} at {at}");
    }
    let chain_tees: i64 = [&north, &south]
        .iter()
        .map(|at| qty_at(&hq, "TEE-1", at, StockState::Available))
        .sum();
    assert_eq!(
        chain_tees,
        10 - 1 - 1,
        "the chain lost a tee in transit and one in SOUTH's count, nothing else"
    );
    assert_eq!(hq.transfer(&sent.number).expect("transfer"), back);
    // Head office's report is the sum of the stores' (sales, the exchange, refunds, tenders).
    let (from, to) = (0, i64::MAX / 2);
    let [rh, ra, rb] = [&hq, &a, &b].map(|s| s.sales_report(from, to).expect("report"));
    assert_eq!(rh.orders, ra.orders + rb.orders);
    assert_eq!(rh.net_sales, ra.net_sales + rb.net_sales);
    assert_eq!(
        (rh.returns, rh.refunds),
        (ra.returns + rb.returns, ra.refunds + rb.refunds)
    );
    assert!(ra.returns == 1 && rh.orders == 3, "{rh:?}");
    for (tender, amount) in &rh.by_tender {
        let of = |r: &backroom_store::SalesReport| r.by_tender.get(tender).copied().unwrap_or(0);
        assert_eq!(*amount, of(&ra) + of(&rb), "{tender}");
    }

    // A product NORTH adds and sends at once: SOUTH reads its own stream before the catalogue,
    // so the transfer waits for the product, then applies in the same round.
    a.import_shopify(
        &b"Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty\ncap,Cap,CAP-1,12.00,3\n"[..],
        &backroom_store::shopify::ImportOptions::default(),
        &backroom_store::NoProgress,
    )
    .expect("new product");
    let caps = a
        .send_new_transfer(
            "MAIN",
            "@SOUTH",
            vec![backroom_store::TransferLineInput {
                sku: "CAP-1".into(),
                quantity: 2,
            }],
            "",
        )
        .expect("send caps");
    a.sync_with(&mut transport_of(&a)).expect("north pushes");
    b.sync_with(&mut transport_of(&b)).expect("south pulls");
    assert_eq!(b.transfer(&caps.number).expect("caps").status, "in_transit");
    assert_eq!(
        b.stock_qty("CAP-1", "@SOUTH", StockState::Incoming)
            .unwrap(),
        2
    );
    assert!(
        b.sync_conflicts().expect("conflicts").is_empty(),
        "what waited for the catalogue applied and left no conflict"
    );
}

/// Two stores that imported the same file before they joined the chain have the same SKUs
/// under different ids: each keeps its own products (the other's copies in the catalogue are
/// left out, not written again under suffixed keys), and a new till of the second store
/// bootstraps with its store's own products, so its sales are that store's.
#[test]
fn stores_that_imported_the_same_file_keep_their_own_products() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let mut a = seeded_till(dir.path(), "a1", 1);
    link(&srv, &mut a, "NORTH");
    a.sync_with(&mut transport_of(&a)).expect("a");
    let mut b = seeded_till(dir.path(), "b1", 2);
    link(&srv, &mut b, "SOUTH");
    b.sync_with(&mut transport_of(&b)).expect("b");
    a.sync_with(&mut transport_of(&a))
        .expect("a reads the catalogue");
    let mut b2 = till(dir.path(), "b2", 3);
    link(&srv, &mut b2, "SOUTH");
    b2.sync_with(&mut transport_of(&b2)).expect("b2 bootstraps");
    b2.set_actor("tester");
    let tee = |s: &backroom_store::Store| -> (String, i64) {
        s.connection()
            .query_row(
                "SELECT MIN(id), COUNT(*) FROM variant WHERE sku LIKE 'TEE-1%'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("tees")
    };
    assert_eq!(tee(&b2), tee(&b), "SOUTH's own tee, once");
    assert_eq!(tee(&a).1, 1, "NORTH holds its own tee only");
    assert_ne!(tee(&a).0, tee(&b).0);
    for s in [&a, &b, &b2] {
        assert!(s.sync_conflicts().expect("conflicts").is_empty());
    }
    b2.complete_sale(cash_sale("b2-1", "TEE-1", 1999))
        .expect("sale");
    b2.sync_with(&mut transport_of(&b2)).expect("b2 pushes");
    b.sync_with(&mut transport_of(&b)).expect("b pulls");
    assert_eq!(
        b.stock_qty("TEE-1", "MAIN", StockState::Available).unwrap(),
        9,
        "the sale on the new till took SOUTH's own stock"
    );
}

/// Retention: the server compacts a store's stream behind a snapshot. A new till starts from
/// the snapshot; a till offline longer than the server keeps pushes what it holds, starts over
/// from the snapshot (its database kept beside it) and pulls on; every till ends with the same
/// facts, and a pull from below the compaction point is answered 410.
#[test]
fn tills_start_from_a_snapshot_once_the_server_compacted_the_stream() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let mut a = seeded_till(dir.path(), "a", 1);
    link(&srv, &mut a, "NORTH");
    a.complete_sale(cash_sale("a-1", "TEE-1", 1999))
        .expect("sale");
    a.sync_with(&mut transport_of(&a)).expect("a");
    // Till c joins, then goes offline and sells.
    let mut c = till(dir.path(), "c", 3);
    link(&srv, &mut c, "NORTH");
    c.sync_with(&mut transport_of(&c)).expect("c bootstraps");
    c.set_actor("tester");
    c.complete_sale(cash_sale("c-1", "MUG-1", 950))
        .expect("c sells offline");
    // Meanwhile a goes on, and the server compacts everything stored so far.
    a.complete_sale(cash_sale("a-2", "MUG-1", 950))
        .expect("sale");
    a.sync_with(&mut transport_of(&a)).expect("a");
    let cut = srv
        .rt
        .block_on(backroom_server::compact::compact(
            &srv.pool,
            "NORTH",
            std::time::Duration::ZERO,
        ))
        .expect("compact")
        .expect("compacted");
    assert!(cut > 0);
    assert_eq!(
        srv.rt
            .block_on(backroom_server::compact::compact(
                &srv.pool,
                "NORTH",
                std::time::Duration::ZERO
            ))
            .expect("again"),
        None,
        "nothing more to compact"
    );
    let err = transport_of(&a)
        .pull(&store_stream("NORTH"), 0, 10)
        .expect_err("below the compaction point");
    assert!(err.starts_with("410"), "{err}");

    // A new till starts from the snapshot.
    let mut d = till(dir.path(), "d", 4);
    link(&srv, &mut d, "NORTH");
    d.sync_with(&mut transport_of(&d))
        .expect("d starts from the snapshot");
    assert_eq!(facts(&d), facts(&a));
    // The till that was offline pushes its sale, starts over from the snapshot, pulls on.
    c.sync_with(&mut transport_of(&c)).expect("c catches up");
    a.sync_with(&mut transport_of(&a)).expect("a");
    d.sync_with(&mut transport_of(&d)).expect("d");
    assert_eq!(facts(&c), facts(&a));
    assert_eq!(facts(&d), facts(&a));
    let orders = |s: &backroom_store::Store| -> i64 {
        s.connection()
            .query_row("SELECT COUNT(*) FROM sale_order", [], |r| r.get(0))
            .expect("orders")
    };
    assert_eq!(orders(&a), 3, "c's offline sale reached a");
    for s in [&a, &c, &d] {
        assert!(s.check().expect("check").ok);
        assert!(s.unpushed_ops(10).expect("unpushed").is_empty());
    }
    // c kept its database from before the snapshot beside it.
    let kept = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().contains("before-restore"));
    assert!(kept, "the database before the snapshot is kept");
}

/// A store's own op may name a product only the chain's catalogue brings (one till sold what
/// another store defined): another till of the store that reads its own stream first catches
/// the catalogue up and goes on, instead of sticking on that op.
#[test]
fn a_sale_of_another_stores_product_reaches_the_other_till_of_the_store() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let mut south = seeded_till(dir.path(), "south", 1);
    link(&srv, &mut south, "SOUTH");
    south.sync_with(&mut transport_of(&south)).expect("south");
    // NORTH: a new store with two tills; they get SOUTH's products from the catalogue.
    let mut n1 = till(dir.path(), "n1", 2);
    n1.init(InitStore {
        store_name: "North".into(),
        currency: "EUR".into(),
        tax_mode: "inclusive".into(),
        device_name: "n1".into(),
        location_code: "MAIN".into(),
        owner_name: "Nora North".into(),
        owner_pin: "2580".into(),
        time_zone: "UTC".into(),
    })
    .expect("init");
    n1.set_actor("tester");
    link(&srv, &mut n1, "NORTH");
    n1.sync_with(&mut transport_of(&n1)).expect("n1");
    let mut n2 = till(dir.path(), "n2", 3);
    link(&srv, &mut n2, "NORTH");
    n2.sync_with(&mut transport_of(&n2)).expect("n2 bootstraps");
    // SOUTH adds a product; n1 reads it and sells it before n2 has seen it.
    south
        .import_shopify(
            &b"Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty\ncap,Cap,CAP-1,12.00,3\n"[..],
            &backroom_store::shopify::ImportOptions::default(),
            &backroom_store::NoProgress,
        )
        .expect("new product");
    south
        .sync_with(&mut transport_of(&south))
        .expect("south pushes");
    n1.sync_with(&mut transport_of(&n1))
        .expect("n1 reads the catalogue");
    n1.complete_sale(cash_sale("n1-1", "CAP-1", 1200))
        .expect("n1 sells SOUTH's product");
    n1.sync_with(&mut transport_of(&n1)).expect("n1 pushes");
    n2.sync_with(&mut transport_of(&n2))
        .expect("n2 reads its stream, the catalogue, then the rest");
    assert_eq!(facts(&n2), facts(&n1));
    assert!(n2.check().expect("check").ok);
}

/// Head office holds every store in one replica and cannot start from one store's snapshot:
/// compaction never cuts past what a live head office has read, so it never finds a store's
/// ops gone; once it has read on, compaction follows.
#[test]
fn compaction_waits_for_head_office() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let mut a = seeded_till(dir.path(), "a", 1);
    link(&srv, &mut a, "NORTH");
    a.sync_with(&mut transport_of(&a)).expect("a");
    let code = srv
        .rt
        .block_on(backroom_server::issue_head_office_enrolment(&srv.pool))
        .expect("code");
    let cred = HttpTransport::new(&srv.base)
        .expect("client")
        .enrol(&code)
        .expect("enrol");
    let mut hq = till(dir.path(), "hq", 3);
    hq.link_server(&backroom_store::ServerLink {
        url: srv.base.clone(),
        store: cred.store,
        token: cred.token,
        device_code: cred.device_code,
    })
    .expect("link");
    let compact = || {
        srv.rt
            .block_on(backroom_server::compact::compact(
                &srv.pool,
                "NORTH",
                std::time::Duration::ZERO,
            ))
            .expect("compact")
    };
    assert_eq!(compact(), None, "head office has read nothing yet");
    hq.sync_with(&mut transport_of(&hq))
        .expect("head office reads");
    let read = hq.sync_cursor(&store_stream("NORTH")).expect("cursor");
    a.complete_sale(cash_sale("a-1", "TEE-1", 1999))
        .expect("sale");
    a.sync_with(&mut transport_of(&a)).expect("a");
    // Head office asks again: it holds everything it had read; the stream is compacted to there.
    hq.sync_with(&mut transport_of(&hq))
        .expect("head office reads on");
    let cut = compact().expect("compacted up to what head office read");
    assert!(cut <= hq.sync_cursor(&store_stream("NORTH")).unwrap() && cut >= read);
    a.complete_sale(cash_sale("a-2", "MUG-1", 950))
        .expect("sale");
    a.sync_with(&mut transport_of(&a)).expect("a");
    hq.sync_with(&mut transport_of(&hq))
        .expect("head office never meets a 410");
    assert_eq!(
        hq.connection()
            .query_row("SELECT COUNT(*) FROM sale_order", [], |r| r
                .get::<_, i64>(0))
            .unwrap(),
        2
    );
}
