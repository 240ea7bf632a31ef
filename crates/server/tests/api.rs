//! The server's API as operators, head office and older tills meet it, against a real
//! PostgreSQL: metrics and request ids; body limits and encodings; a batch recorded from an
//! earlier build still syncs; a long-poll wakes when another server process takes a push; head
//! office reads every store and writes only the chain's surveys and theme rules; server users sign in, refresh, are limited to
//! their store, and lose their sessions at once when disabled.

mod common;

use std::time::{Duration, Instant};

use common::*;

use backroom_store::Store;
use backroom_sync::client::Transport;
use backroom_sync::protocol::{store_stream, PushStatus, CATALOG_STREAM, HEAD_OFFICE};
use reqwest::blocking::Client;
use reqwest::StatusCode;

fn http() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

#[test]
fn operators_get_metrics_request_ids_limits_and_compression() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let mut a = seeded_till(dir.path(), "a", 1);
    link(&srv, &mut a, "CORNER");
    let mut t = transport_of(&a);
    let r = a.sync_with(&mut t).expect("sync");
    assert!(r.pushed > 0);
    let c = http();

    // Every answer carries a request id; one the caller sent comes back as sent.
    let h = c
        .get(format!("{}/healthz", srv.base))
        .send()
        .expect("healthz");
    assert_eq!(h.status(), StatusCode::OK);
    assert!(h.headers().get("x-request-id").is_some());
    let h = c
        .get(format!("{}/healthz", srv.base))
        .header("x-request-id", "till-42-attempt-3")
        .send()
        .expect("healthz");
    assert_eq!(
        h.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("till-42-attempt-3")
    );

    // Prometheus text with latency histograms, op counters, the device's lag and the pool.
    let m = c
        .get(format!("{}/metrics", srv.base))
        .send()
        .expect("metrics")
        .text()
        .expect("text");
    for name in [
        "http_request_duration_seconds_bucket",
        "route=\"/v1/sync/push\"",
        "backroom_ops_pushed_total",
        "backroom_ops_pulled_total",
        "backroom_device_sync_lag_seconds{device=",
        "backroom_db_pool_connections",
    ] {
        assert!(m.contains(name), "/metrics lacks {name}:\n{m}");
    }

    // Bodies over the limit, in an encoding not read here, or not zstd though they say so.
    let token = a.server_link().unwrap().unwrap().token;
    let send = |body: Vec<u8>, encoding: Option<&str>| {
        let mut b = c
            .post(format!("{}/v1/sync/push", srv.base))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body);
        if let Some(e) = encoding {
            b = b.header("content-encoding", e);
        }
        b.send()
    };
    let push = |body: Vec<u8>, encoding: Option<&str>| send(body, encoding).expect("push");
    // Refused from its Content-Length, before it is read: the answer is 413, or the server
    // closes the connection while the client is still writing.
    match send(vec![b' '; backroom_server::MAX_BODY_BYTES + 1], None) {
        Ok(r) => assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    assert_eq!(
        push(b"{}".to_vec(), Some("br")).status(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let bad = push(b"not zstd".to_vec(), Some("zstd"));
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = bad.json().expect("json");
    assert_eq!(body["field"], "body");
    // A zip bomb: small on the wire, over the decoded limit.
    let bomb = zstd::bulk::compress(&vec![b' '; backroom_server::MAX_DECODED_BYTES + 1], 19)
        .expect("compress");
    assert!(bomb.len() < backroom_server::MAX_BODY_BYTES);
    assert_eq!(push(bomb, Some("zstd")).status(), StatusCode::BAD_REQUEST);

    // A pull page comes back zstd-compressed to a client that accepts it.
    let raw = Client::builder()
        .no_zstd()
        .build()
        .expect("client")
        .get(format!("{}/v1/sync/pull", srv.base))
        .query(&[("stream", "store:CORNER"), ("after", "0")])
        .bearer_auth(&token)
        .header("accept-encoding", "zstd")
        .send()
        .expect("pull");
    assert_eq!(
        raw.headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("zstd")
    );
    let packed = raw.bytes().expect("bytes");
    let page: backroom_sync::protocol::PullResponse =
        serde_json::from_slice(&zstd::decode_all(&packed[..]).expect("zstd")).expect("page");
    assert_eq!(page.ops.len(), r.pushed);
}

/// A push recorded from an earlier build (plain JSON, protocol 1, no compression): a till that
/// has not been upgraded keeps syncing with this server.
#[test]
fn a_batch_recorded_from_an_older_till_still_syncs() {
    let srv = server();
    let recorded = include_str!("fixtures/push-v1.json");
    let req: serde_json::Value = serde_json::from_str(recorded).expect("fixture");
    let store = req["store"].as_str().expect("store").to_string();
    let (_, cred) = srv.enrol(&store);
    let c = http();
    let send = || {
        c.post(format!("{}/v1/sync/push", srv.base))
            .bearer_auth(&cred.token)
            .header("content-type", "application/json")
            .body(recorded.to_string())
            .send()
            .expect("push")
    };
    let answer: backroom_sync::protocol::PushResponse = send().json().expect("answer");
    let n = req["ops"].as_array().expect("ops").len();
    assert_eq!(answer.results.len(), n);
    assert!(
        answer
            .results
            .iter()
            .all(|r| r.status == PushStatus::Stored),
        "{answer:?}"
    );
    // Sent again (its answer lost): the same results, nothing twice.
    let again: backroom_sync::protocol::PushResponse = send().json().expect("answer");
    assert_eq!(again, answer);

    // A new till of that store bootstraps from it and has the older till's sale.
    let dir = tempfile::tempdir().expect("dir");
    let mut b = till(dir.path(), "b", 7);
    link(&srv, &mut b, &store);
    let mut t = transport_of(&b);
    let r = b.sync_with(&mut t).expect("bootstrap");
    // Its ops, and the copies of its catalogue ops in the chain's catalogue (read first, and
    // skipped: they are this store's own).
    let catalogue = req["ops"]
        .as_array()
        .expect("ops")
        .iter()
        .filter(|op| {
            backroom_sync::route::CATALOG_KINDS.contains(&op["kind"].as_str().unwrap_or(""))
        })
        .count();
    assert!(catalogue > 0, "the recorded batch defines products");
    assert_eq!(r.pulled, n + catalogue);
    assert!(b.check().expect("check").ok);
    let orders: i64 = b
        .connection()
        .query_row("SELECT COUNT(*) FROM sale_order", [], |r| r.get(0))
        .expect("orders");
    assert!(orders >= 1, "the recorded batch holds a sale");
}

#[test]
fn a_long_poll_wakes_when_another_server_process_takes_a_push() {
    let srv = server();
    // A second server on the same database: stateless beyond PostgreSQL.
    let second = srv.second_process();
    let dir = tempfile::tempdir().expect("dir");
    let mut a = seeded_till(dir.path(), "a", 1);
    link(&srv, &mut a, "CORNER");
    a.sync_with(&mut transport_of(&a)).expect("a's first sync");
    let mut b = till(dir.path(), "b", 2);
    link(&srv, &mut b, "CORNER");
    b.sync_with(&mut transport_of(&b)).expect("b bootstraps");

    // b waits on the first server; a sells and pushes to the second.
    let b_path = dir.path().join("b.sqlite");
    drop(b);
    let waiting = std::thread::spawn(move || {
        let mut b = Store::open(&b_path).expect("open b");
        let mut t = transport_of(&b);
        let start = Instant::now();
        let n = b.listen_with(&mut t, 20_000).expect("listen");
        (n, start.elapsed())
    });
    std::thread::sleep(Duration::from_millis(500));
    a.complete_sale(cash_sale("a-1", "TEE-1", 1999))
        .expect("sale");
    let link_a = a.server_link().unwrap().unwrap();
    let mut via_second = backroom_sync::http::HttpTransport::new(&second)
        .expect("client")
        .with_token(&link_a.token);
    backroom_sync::client::sync_once(&mut a, &mut via_second, "CORNER").expect("push via second");
    let (n, waited) = waiting.join().expect("listener thread");
    assert!(n > 0, "the waiting till got the sale");
    assert!(
        waited < Duration::from_secs(15),
        "woken by the push (NOTIFY), not by its 20 s wait running out: {waited:?}"
    );
}

#[test]
fn head_office_reads_every_store_and_writes_only_surveys_and_theme_rules() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let mut a = seeded_till(dir.path(), "a", 1);
    let mut b = seeded_till(dir.path(), "b", 2);
    link(&srv, &mut a, "NORTH");
    link(&srv, &mut b, "SOUTH");
    // Both stores trade offline: sales, a return on one, a stock count on the other.
    a.complete_sale(cash_sale("a-1", "TEE-1", 1999))
        .expect("sale a");
    let sold = a
        .complete_sale(cash_sale("a-2", "MUG-1", 950))
        .expect("sale a");
    b.complete_sale(cash_sale("b-1", "MUG-1", 950))
        .expect("sale b");
    b.complete_sale(cash_sale("b-2", "MUG-1", 950))
        .expect("sale b");
    a.process_return(backroom_store::ReturnInput {
        order: Some(sold.receipt_number.clone()),
        lines: vec![backroom_store::ReturnLineInput {
            sku: "MUG-1".into(),
            quantity: 1,
            reason: "unwanted".into(),
            disposition: "restock".into(),
            ..Default::default()
        }],
        ..Default::default()
    })
    .expect("return on a");
    let count = b.start_count("MAIN", None).expect("count");
    b.record_count(&count, "TEE-1", Some(7)).expect("counted");
    b.apply_count(&count, false).expect("apply count");
    a.sync_with(&mut transport_of(&a)).expect("sync a");
    b.sync_with(&mut transport_of(&b)).expect("sync b");

    // A head-office device on an empty database takes in both stores.
    let mut hq = till(dir.path(), "hq", 3);
    link_head_office(&srv, &mut hq);
    let mut t = transport_of(&hq);
    assert_eq!(
        t.streams().expect("streams"),
        vec![store_stream("NORTH"), store_stream("SOUTH")]
    );
    hq.sync_with(&mut t).expect("head office sync");
    let status = hq.sync_status().expect("status");
    assert_eq!(status.mode, "head_office");
    assert!(status.last_sync_at.is_some());
    let total = |s: &Store| -> i64 {
        s.connection()
            .query_row("SELECT COALESCE(SUM(total), 0) FROM sale_order", [], |r| {
                r.get(0)
            })
            .expect("sum")
    };
    assert_eq!(
        total(&hq),
        total(&a) + total(&b),
        "head office sums the stores"
    );
    // Its sales report is the sum of the stores' reports.
    let day = 86_400_000;
    let (from, to) = (1_767_225_600_000 - day, 1_767_225_600_000 + day);
    let [rh, ra, rb] = [&hq, &a, &b].map(|s| s.sales_report(from, to).expect("report"));
    assert_eq!(rh.orders, ra.orders + rb.orders);
    assert_eq!(rh.gross_sales, ra.gross_sales + rb.gross_sales);
    assert_eq!(rh.net_sales, ra.net_sales + rb.net_sales);
    assert_eq!(
        (rh.returns, rh.refunds),
        (ra.returns + rb.returns, ra.refunds + rb.refunds)
    );
    assert_eq!(rh.units, ra.units + rb.units);
    assert!(ra.returns == 1 && rh.orders == 4, "{rh:?}");
    // Filtered to one store, head office's report is that store's own, whole (tenders, tax,
    // returns by reason included); the store breakdown names both.
    for (code, own) in [("NORTH", &ra), ("SOUTH", &rb)] {
        let mut only = hq
            .sales_report_for(from, to, Some(code))
            .expect("one store");
        assert_eq!(only.by_store.remove(code), Some(own.net_sales), "{code}");
        assert!(only.by_store.is_empty());
        let mut own = (*own).clone();
        own.by_store.clear();
        only.by_staff.clear();
        own.by_staff.clear();
        only.by_location.clear();
        own.by_location.clear();
        assert_eq!(only, own, "head office's {code} report is {code}'s own");
    }
    assert_eq!(
        rh.by_store.values().sum::<i64>(),
        rh.net_sales,
        "the store breakdown adds up"
    );
    assert_eq!(hq.stores().expect("stores"), vec!["NORTH", "SOUTH"]);
    // The dashboard's days, each split by store, add up to the day and to each store's total.
    let all = backroom_api::sales::SalesFilter {
        from: "2025-12-31".into(),
        to: "2026-01-02".into(),
        store: None,
    };
    let dash = hq.sales_dashboard(&all).expect("dashboard");
    assert_eq!(dash.by_store.len(), 2, "{:?}", dash.by_store);
    for d in &dash.by_day {
        let names: Vec<&str> = d.by_store.iter().map(|(s, _)| s.as_str()).collect();
        let order: Vec<&str> = dash.by_store.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(names, order, "{}", d.day);
        assert_eq!(
            d.by_store.iter().map(|(_, v)| v).sum::<i64>(),
            d.total,
            "{}",
            d.day
        );
    }
    for (i, g) in dash.by_store.iter().enumerate() {
        assert_eq!(
            dash.by_day.iter().map(|d| d.by_store[i].1).sum::<i64>(),
            g.total,
            "{}",
            g.key
        );
    }
    let one = hq
        .sales_dashboard(&backroom_api::sales::SalesFilter {
            store: Some("NORTH".into()),
            ..all
        })
        .expect("one store");
    assert!(one.by_day.iter().all(|d| d.by_store.is_empty()));
    // Every store's locations, each under its store (both called MAIN at their store).
    let stores_of_locations: Vec<Option<String>> = hq
        .locations()
        .expect("locations")
        .into_iter()
        .map(|l| l.store)
        .collect();
    assert_eq!(
        stores_of_locations,
        vec![Some("NORTH".to_string()), Some("SOUTH".to_string())]
    );
    let orders_of = |code: &str| {
        hq.orders(&backroom_api::OrderFilter {
            store: Some(code.into()),
            ..Default::default()
        })
        .expect("orders")
        .len()
    };
    assert_eq!(
        (orders_of("NORTH"), orders_of("SOUTH")),
        (ra.orders as usize, rb.orders as usize)
    );
    let err = hq
        .sales_report_for(from, to, Some("WEST"))
        .expect_err("an unknown store");
    assert!(err.to_string().contains("store"), "{err}");
    // And its stock is the sum of the stores' (each store's SKUs are its own rows there).
    let stock = |s: &Store| -> i64 {
        s.connection()
            .query_row("SELECT COALESCE(SUM(qty), 0) FROM stock_level", [], |r| {
                r.get(0)
            })
            .expect("stock")
    };
    assert_eq!(stock(&hq), stock(&a) + stock(&b));
    assert!(hq.check().expect("check").ok);

    // It writes nothing: a push is refused.
    let req = backroom_sync::protocol::PushRequest {
        protocol: backroom_sync::protocol::PROTOCOL_VERSION,
        store: "NORTH".into(),
        device_id: a.device_id().unwrap().to_string(),
        ops: vec![],
    };
    let err = t.push(&req).expect_err("head office cannot push");
    assert!(err.contains("403"), "{err}");
    // A till reads the chain's catalogue and its own store only.
    let mut ta = transport_of(&a);
    assert!(ta.pull(&store_stream("SOUTH"), 0, 10).is_err());
    assert_eq!(
        ta.streams().expect("streams"),
        vec![CATALOG_STREAM.to_string(), store_stream("NORTH")]
    );
    // Head office reads every store's own ops, where the catalogue's are too; a stream that
    // is no store's is refused.
    let err = t.pull(CATALOG_STREAM, 0, 10).expect_err("no such stream");
    assert!(err.contains("400"), "{err}");

    // What head office writes is the chain's surveys and theme rules: a survey it defines
    // reaches every store's tills; anything else it writes is refused, with the reason, and
    // reaches nobody.
    hq.set_actor("tester");
    hq.import_shopify(
        &b"Handle,Title,Variant SKU,Variant Price\nhq-cap,HQ Cap,HQ-CAP,5.00\n"[..],
        &backroom_store::shopify::ImportOptions::default(),
        &backroom_store::NoProgress,
    )
    .expect("head office edits its own copy");
    let nps = hq
        .survey_templates()
        .into_iter()
        .find(|s| s.key == "in-store-nps")
        .expect("template");
    hq.define_survey(nps, "active")
        .expect("head office defines a survey");
    let round = hq.sync_with(&mut t).expect("head office pushes");
    assert!(round.rejected >= 1, "the product is refused: {round:?}");
    assert!(
        round.pushed > round.rejected,
        "the survey is taken: {round:?}"
    );
    assert_eq!(
        t.streams().expect("streams"),
        vec![
            store_stream("NORTH"),
            store_stream("SOUTH"),
            store_stream(HEAD_OFFICE)
        ],
        "head office reads its own stream last"
    );
    assert_eq!(
        transport_of(&a).streams().expect("streams"),
        vec![CATALOG_STREAM.to_string(), store_stream("NORTH")],
        "a till does not"
    );
    for till_ in [&mut a, &mut b] {
        till_
            .sync_with(&mut transport_of(till_))
            .expect("till pulls");
        assert!(
            till_.survey("in-store-nps").expect("survey").is_some(),
            "head office's survey reached the store"
        );
        assert!(
            till_.lookup_barcode("HQ-CAP").expect("lookup").is_none(),
            "head office's product reached no store"
        );
    }
    a.record_response(backroom_store::ResponseInput {
        survey: "in-store-nps".into(),
        channel: "kiosk".into(),
        answers: [(
            "nps".to_string(),
            backroom_domain::survey::Answer::Score(10),
        )]
        .into(),
        finished: true,
        ..Default::default()
    })
    .expect("the store asks head office's survey");
    a.sync_with(&mut transport_of(&a)).expect("till pushes");
    hq.sync_with(&mut t).expect("head office pulls");
    let all = backroom_store::FeedbackFilter {
        from: "2000-01-01".into(),
        to: "2100-01-01".into(),
        ..Default::default()
    };
    assert_eq!(hq.nps_report(&all).expect("nps").nps.promoters, 1);
    assert_eq!(hq.stores().expect("stores"), vec!["NORTH", "SOUTH"]);
    // Another head-office machine, on an empty database, has the survey head office wrote
    // (from head office's own stream) and the store's answer to it.
    let mut hq2 = till(dir.path(), "hq2", 4);
    link_head_office(&srv, &mut hq2);
    hq2.sync_with(&mut transport_of(&hq2))
        .expect("a second head office syncs");
    assert!(hq2.survey("in-store-nps").expect("survey").is_some());
    assert_eq!(hq2.nps_report(&all).expect("nps").nps.promoters, 1);
    assert_eq!(hq2.stores().expect("stores"), vec!["NORTH", "SOUTH"]);
    assert!(
        hq2.lookup_barcode("HQ-CAP").expect("lookup").is_none(),
        "what the server refused reached no head office either"
    );

    // Head office long-polls every store at once: a sale at SOUTH wakes it.
    let hq_path = dir.path().join("hq.sqlite");
    drop(hq);
    let waiting = std::thread::spawn(move || {
        let mut hq = Store::open(&hq_path).expect("open head office");
        let mut t = transport_of(&hq);
        let start = Instant::now();
        let n = hq.listen_with(&mut t, 20_000).expect("listen");
        (n, start.elapsed())
    });
    std::thread::sleep(Duration::from_millis(500));
    b.complete_sale(cash_sale("b-3", "MUG-1", 950))
        .expect("sale b");
    b.sync_with(&mut transport_of(&b)).expect("sync b");
    let (n, waited) = waiting.join().expect("head office thread");
    assert!(n > 0, "head office got SOUTH's sale");
    assert!(
        waited < Duration::from_secs(15),
        "woken by the push, not by its 20 s wait running out: {waited:?}"
    );
}

#[test]
fn server_users_sign_in_refresh_and_are_held_to_their_store() {
    use backroom_server::Role;
    let srv = server();
    let pool = &srv.pool;
    srv.rt.block_on(async {
        backroom_server::add_store(pool, "NORTH", "North")
            .await
            .expect("store");
        backroom_server::add_store(pool, "SOUTH", "South")
            .await
            .expect("store");
        backroom_server::add_user(
            pool,
            "Owner@Chain.example",
            "correct horse battery",
            Role::Owner,
            None,
        )
        .await
        .expect("owner");
        backroom_server::add_user(
            pool,
            "north@chain.example",
            "north manager pw",
            Role::StoreManager,
            Some("north"),
        )
        .await
        .expect("manager");
        // Refused: short password, a manager without a store, a second account for an email.
        for (email, pw, role, store, field) in [
            ("x@chain.example", "short", Role::Owner, None, "password"),
            (
                "y@chain.example",
                "long enough pw",
                Role::StoreManager,
                None,
                "store",
            ),
            (
                "owner@chain.example",
                "long enough pw",
                Role::Owner,
                None,
                "email",
            ),
            (
                "z@chain.example",
                "long enough pw",
                Role::HeadOffice,
                Some("NORTH"),
                "store",
            ),
        ] {
            match backroom_server::add_user(pool, email, pw, role, store).await {
                Err(backroom_server::ServerError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{email}: {other:?}"),
            }
        }
    });
    let c = http();
    let login = |email: &str, pw: &str| {
        c.post(format!("{}/v1/auth/login", srv.base))
            .json(&serde_json::json!({"email": email, "password": pw}))
            .send()
            .expect("login")
    };
    assert_eq!(
        login("owner@chain.example", "wrong password!").status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login("nobody@chain.example", "whatever else").status(),
        StatusCode::UNAUTHORIZED
    );
    let owner: backroom_sync::protocol::TokenResponse =
        login("OWNER@chain.example", "correct horse battery")
            .json()
            .expect("tokens");
    assert_eq!(owner.role, "owner");
    assert_eq!(owner.expires_in, 15 * 60);
    let manager: backroom_sync::protocol::TokenResponse =
        login("north@chain.example", "north manager pw")
            .json()
            .expect("tokens");
    assert_eq!(manager.store.as_deref(), Some("NORTH"));

    let enrol = |token: &str, body: serde_json::Value| {
        c.post(format!("{}/v1/admin/enrolments", srv.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .expect("enrol")
    };
    // The owner enrols anything; the manager their own store's tills only.
    assert_eq!(
        enrol(
            &owner.access_token,
            serde_json::json!({"head_office": true})
        )
        .status(),
        StatusCode::OK
    );
    let r = enrol(&manager.access_token, serde_json::json!({"store": "north"}));
    assert_eq!(r.status(), StatusCode::OK);
    let code: backroom_sync::protocol::EnrolmentResponse = r.json().expect("code");
    let cred = backroom_sync::http::HttpTransport::new(&srv.base)
        .expect("client")
        .enrol(&code.code)
        .expect("the code works");
    assert_eq!(cred.store, "NORTH");
    assert_eq!(
        enrol(&manager.access_token, serde_json::json!({"store": "SOUTH"})).status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        enrol(
            &manager.access_token,
            serde_json::json!({"head_office": true})
        )
        .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        enrol("not-a-token", serde_json::json!({"store": "NORTH"})).status(),
        StatusCode::UNAUTHORIZED
    );
    // A till's credential is not a user's.
    assert_eq!(
        enrol(&cred.token, serde_json::json!({"store": "NORTH"})).status(),
        StatusCode::UNAUTHORIZED
    );
    // The manager revokes their own till.
    let revoke = c
        .post(format!(
            "{}/v1/admin/devices/{}/revoke",
            srv.base, cred.device_code
        ))
        .bearer_auth(&manager.access_token)
        .send()
        .expect("revoke");
    assert_eq!(revoke.status(), StatusCode::OK);

    // Refresh rotates: the new pair works, the old refresh token used again ends the session.
    let refresh = |t: &str| {
        c.post(format!("{}/v1/auth/refresh", srv.base))
            .json(&serde_json::json!({"refresh_token": t}))
            .send()
            .expect("refresh")
    };
    let next: backroom_sync::protocol::TokenResponse =
        refresh(&owner.refresh_token).json().expect("rotated");
    assert_ne!(next.access_token, owner.access_token);
    assert_eq!(
        enrol(&owner.access_token, serde_json::json!({"store": "NORTH"})).status(),
        StatusCode::UNAUTHORIZED,
        "the old access token is replaced"
    );
    assert_eq!(
        enrol(&next.access_token, serde_json::json!({"store": "NORTH"})).status(),
        StatusCode::OK
    );
    assert_eq!(
        refresh(&owner.refresh_token).status(),
        StatusCode::UNAUTHORIZED,
        "a spent refresh token"
    );
    assert_eq!(
        enrol(&next.access_token, serde_json::json!({"store": "NORTH"})).status(),
        StatusCode::UNAUTHORIZED,
        "reuse ended the session"
    );
    assert_eq!(
        refresh(&next.refresh_token).status(),
        StatusCode::UNAUTHORIZED
    );

    // Disabling a user ends their sessions at once; logout ends one.
    srv.rt
        .block_on(backroom_server::disable_user(pool, "north@chain.example"))
        .expect("disable");
    assert_eq!(
        enrol(&manager.access_token, serde_json::json!({"store": "NORTH"})).status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login("north@chain.example", "north manager pw").status(),
        StatusCode::UNAUTHORIZED
    );
    let again: backroom_sync::protocol::TokenResponse =
        login("owner@chain.example", "correct horse battery")
            .json()
            .expect("tokens");
    let out = c
        .post(format!("{}/v1/auth/logout", srv.base))
        .json(&serde_json::json!({"refresh_token": again.refresh_token}))
        .send()
        .expect("logout");
    assert_eq!(out.status(), StatusCode::OK);
    assert_eq!(
        enrol(&again.access_token, serde_json::json!({"store": "NORTH"})).status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Two server processes on one database serve the same tills at once: three tills of a store
/// sell and sync concurrently, each alternating between the processes; nothing is lost or
/// doubled and the tills agree.
#[test]
fn two_server_processes_serve_the_same_tills_at_once() {
    let srv = server();
    let second = srv.second_process();
    let dir = tempfile::tempdir().expect("dir");
    let mut first = seeded_till(dir.path(), "t0", 1);
    link(&srv, &mut first, "CORNER");
    first.sync_with(&mut transport_of(&first)).expect("first");
    let mut paths = vec![dir.path().join("t0.sqlite")];
    drop(first);
    for n in 1..3 {
        let mut t = till(dir.path(), &format!("t{n}"), 1 + n as u64);
        link(&srv, &mut t, "CORNER");
        t.sync_with(&mut transport_of(&t)).expect("bootstrap");
        paths.push(dir.path().join(format!("t{n}.sqlite")));
    }
    let bases = [srv.base.clone(), second.clone()];
    let handles: Vec<_> = paths
        .iter()
        .cloned()
        .enumerate()
        .map(|(n, path)| {
            let bases = bases.clone();
            std::thread::spawn(move || {
                let mut t = Store::open(&path).expect("open");
                t.set_actor("tester");
                let token = t.server_link().unwrap().unwrap().token;
                for i in 0..15 {
                    let sku = ["TEE-1", "MUG-1"][i % 2];
                    t.complete_sale(cash_sale(&format!("t{n}-{i}"), sku, 2000))
                        .expect("sale");
                    let mut via = backroom_sync::http::HttpTransport::new(&bases[(n + i) % 2])
                        .expect("client")
                        .with_token(&token);
                    t.sync_with(&mut via).expect("sync");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("till");
    }
    let mut tills: Vec<Store> = paths
        .iter()
        .map(|p| Store::open(p).expect("open"))
        .collect();
    for t in tills.iter_mut() {
        t.sync_with(&mut transport_of(t)).expect("final");
    }
    for t in tills.iter_mut() {
        t.sync_with(&mut transport_of(t)).expect("final");
    }
    assert_eq!(facts(&tills[0]), facts(&tills[1]));
    assert_eq!(facts(&tills[0]), facts(&tills[2]));
    let orders: i64 = tills[0]
        .connection()
        .query_row("SELECT COUNT(*) FROM sale_order", [], |r| r.get(0))
        .expect("orders");
    assert_eq!(orders, 45);
    srv.rt.block_on(async {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT d.last_device_seq, COUNT(c.op_id), COALESCE(MAX(c.device_seq), 0)
             FROM device d LEFT JOIN change_log c ON c.device_id = d.id GROUP BY d.id",
        )
        .fetch_all(&srv.pool)
        .await
        .expect("devices");
        assert_eq!(rows.len(), 3);
        for (last, n, max) in rows {
            assert_eq!((n, max), (last, last));
        }
        let seqs: Vec<i64> = sqlx::query_scalar(
            "SELECT seq FROM change_log WHERE stream = 'store:CORNER' ORDER BY seq",
        )
        .fetch_all(&srv.pool)
        .await
        .expect("seqs");
        assert_eq!(
            seqs,
            (1..=seqs.len() as i64).collect::<Vec<_>>(),
            "dense positions"
        );
    });
}

/// Ops PostgreSQL cannot hold (a NUL character) and an op id repeated inside one push are
/// refused one by one, keep their places, and the device's queue moves on; the same push sent
/// again gets the same answers under the ids the till sent.
#[test]
fn bad_ops_in_a_push_are_refused_one_by_one_and_the_queue_moves_on() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let mut a = seeded_till(dir.path(), "a", 1);
    link(&srv, &mut a, "CORNER");
    a.complete_sale(cash_sale("a-1", "TEE-1", 1999))
        .expect("sale");
    a.complete_sale(cash_sale("a-2", "MUG-1", 950))
        .expect("sale");
    a.complete_sale(cash_sale("a-3", "MUG-1", 950))
        .expect("sale");
    let mut ops = a.unpushed_ops(100).expect("ops");
    assert!(ops.len() >= 5, "{}", ops.len());
    let n = ops.len();
    ops[1].actor = "bad\0actor".into();
    ops[2].body["note"] = serde_json::Value::String("x\u{0}y".into());
    let repeated = ops[n - 2].op_id.clone();
    ops[n - 1].op_id = repeated.clone();
    let req = backroom_sync::protocol::PushRequest {
        protocol: backroom_sync::protocol::PROTOCOL_VERSION,
        store: "CORNER".into(),
        device_id: a.device_id().unwrap().to_string(),
        ops: ops.clone(),
    };
    let mut t = transport_of(&a);
    let answer = t.push(&req).expect("push");
    assert_eq!(answer.results.len(), n);
    assert_eq!(
        answer.last_device_seq,
        ops[n - 1].device_seq,
        "the queue moved on"
    );
    let status = |i: usize| answer.results[i].status;
    assert_eq!(status(0), PushStatus::Stored);
    assert_eq!(status(1), PushStatus::Rejected);
    assert_eq!(status(2), PushStatus::Rejected);
    assert!(answer.results[1]
        .error
        .as_deref()
        .unwrap_or("")
        .contains("NUL"));
    assert_eq!(status(n - 2), PushStatus::Stored);
    assert_eq!(
        status(n - 1),
        PushStatus::Rejected,
        "{:?}",
        answer.results[n - 1]
    );
    let again = t.push(&req).expect("the same push again");
    assert_eq!(
        again
            .results
            .iter()
            .map(|r| (r.op_id.clone(), r.status, r.seq))
            .collect::<Vec<_>>(),
        answer
            .results
            .iter()
            .map(|r| (r.op_id.clone(), r.status, r.seq))
            .collect::<Vec<_>>(),
    );
    // Positions stay dense: every op took one.
    let seqs: Vec<i64> = srv
        .rt
        .block_on(
            sqlx::query_scalar(
                "SELECT seq FROM change_log WHERE stream = 'store:CORNER' ORDER BY seq",
            )
            .fetch_all(&srv.pool),
        )
        .expect("seqs");
    assert_eq!(seqs, (1..=n as i64).collect::<Vec<_>>());
}
