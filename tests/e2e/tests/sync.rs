//! The desktop app joining a chain, in its real window: Settings → Server connects the demo
//! store to a running server with an enrolment code; the header's light says synced; with the
//! server gone the till keeps working, the light says what waits, and closing the shift says
//! how many changes are not on the server yet (and closes); when the server is back, "sync now"
//! sends them, and another till's sale shows up in this till's database by itself.
//!
//! PostgreSQL: `DATABASE_URL`, else the machine's on 127.0.0.1:5432 (scripts/test.sh sets it).

use std::time::{Duration, Instant};

use backroom_e2e::{Session, ENTER};
use backroom_store::Store;

/// A server on `addr` over `pool` until the sender is dropped or sent to.
fn serve(
    rt: &tokio::runtime::Handle,
    listener: tokio::net::TcpListener,
    pool: sqlx::PgPool,
) -> tokio::sync::oneshot::Sender<()> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    rt.spawn(backroom_server::serve(listener, pool, async {
        let _ = stopped.await;
    }));
    stop
}

/// A database of the test's own on the test PostgreSQL.
fn database(name: &str) -> String {
    let admin = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let (base, _) = admin.rsplit_once('/').expect("a database in DATABASE_URL");
    format!("{base}/backroom_e2e_{name}_{}", std::process::id())
}

/// Joins `till` to the server at `base` with `code` (as `backroom connect` does) and syncs it
/// once; its transport, for later rounds.
fn join(till: &mut Store, base: &str, code: &str) -> backroom_sync::http::HttpTransport {
    let cred = backroom_sync::http::HttpTransport::new(base)
        .expect("client")
        .enrol(code)
        .expect("enrol");
    till.link_server(&backroom_store::ServerLink {
        url: base.to_string(),
        store: cred.store,
        token: cred.token.clone(),
        device_code: cred.device_code,
    })
    .expect("link");
    let mut t = backroom_sync::http::HttpTransport::new(base)
        .expect("client")
        .with_token(&cred.token);
    till.sync_with(&mut t).expect("the till syncs");
    t
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_till_joins_from_the_first_screen_and_signs_in_with_the_stores_staff() {
    use sqlx::migrate::MigrateDatabase;
    let url = database("join");
    let _ = sqlx::Postgres::drop_database(&url).await;
    let pool = backroom_server::connect(&url)
        .await
        .expect("server database");
    backroom_server::add_store(&pool, "DEMO", "Demo store")
        .await
        .expect("store");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let server_url = format!("http://{}", listener.local_addr().expect("addr"));
    let _stop = serve(&tokio::runtime::Handle::current(), listener, pool.clone());
    // The store is on the server already: its first till connected with its history.
    let (_dir, first) = backroom_e2e::demo_store(11, 20);
    let code = backroom_server::issue_enrolment(&pool, "DEMO")
        .await
        .expect("code");
    let base = server_url.clone();
    tokio::task::spawn_blocking(move || {
        let mut s = Store::open(&first).expect("open");
        join(&mut s, &base, &code);
    })
    .await
    .expect("first till");

    // A new machine: an empty database, the first screen.
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("new-till.sqlite");
    let s = Session::start(&db).await;
    s.wait("#join-url").await;
    s.type_into("#join-url", &server_url).await;
    let code = backroom_server::issue_enrolment(&pool, "DEMO")
        .await
        .expect("code");
    s.type_into("#join-code", &code).await;
    s.shot("sync-07-join-from-first-screen").await;
    s.click("#join-go").await;
    // The store's staff are here: the owner signs in with the PIN set on the first till.
    s.wait("#pin").await;
    s.click_staff("Olivia Owner").await;
    s.type_into("#pin", &format!("2580{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Olivia")).await;
    s.wait_text("#sync-light", |t| t.contains("Synced")).await;
    s.click("#nav-orders").await;
    s.wait("main.orders tbody tr").await;
    s.shot("sync-08-new-till-has-the-history").await;
    let orders: i64 = Store::open(&db)
        .expect("open")
        .connection()
        .query_row("SELECT COUNT(*) FROM sale_order", [], |r| r.get(0))
        .expect("orders");
    assert!(orders > 0, "the store's history came with it");
    drop(s);
    pool.close().await;
    let _ = sqlx::Postgres::force_drop_database(&url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_till_joins_the_server_keeps_selling_offline_and_catches_up() {
    use sqlx::migrate::MigrateDatabase;
    let url = database("sync");
    let _ = sqlx::Postgres::drop_database(&url).await;
    let pool = backroom_server::connect(&url)
        .await
        .expect("server database");
    backroom_server::add_store(&pool, "DEMO", "Demo store")
        .await
        .expect("store");
    let code = backroom_server::issue_enrolment(&pool, "DEMO")
        .await
        .expect("code");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server_url = format!("http://{addr}");
    let rt = tokio::runtime::Handle::current();
    let stop = serve(&rt, listener, pool.clone());

    let (_dir, db) = backroom_e2e::demo_store(11, 20);
    let s = Session::start(&db).await;
    s.wait("#pin").await;
    s.click_staff("Olivia Owner").await;
    s.type_into("#pin", &format!("2580{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Olivia")).await;
    // Standalone: no light in the header.
    assert!(
        s.client
            .find(fantoccini::Locator::Css("#sync-light"))
            .await
            .is_err(),
        "a standalone till shows no sync light"
    );
    s.click("#nav-settings").await;
    s.click("#settings-tab-server").await;
    s.wait("#server-url").await;
    s.shot("sync-01-standalone").await;
    // A wrong code is refused and what was typed stays.
    s.type_into("#server-url", &server_url).await;
    s.type_into("#server-code", "0000-0000-0000-0000").await;
    s.click("#server-connect").await;
    let refused = s.wait_text("#server-error", |t| !t.is_empty()).await;
    assert!(refused.to_lowercase().contains("code"), "{refused}");
    assert_eq!(s.value("#server-url").await, server_url);
    s.set_value("#server-code", &code).await;
    s.click("#server-connect").await;
    let connected = s
        .wait_text("#server-connected", |t| t.contains("Connected"))
        .await;
    assert!(connected.contains("store DEMO"), "{connected}");
    let pushed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM change_log")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert!(pushed > 100, "the store's history went up: {pushed} ops");
    s.wait_text("#sync-light", |t| t.contains("Synced")).await;
    s.shot("sync-02-connected").await;

    // The server goes away; the till keeps working and says what waits.
    let _ = stop.send(());
    s.click("#nav-shift").await;
    let status = s.text("#shift-status").await;
    if status.contains("No shift") {
        s.type_into("#shift-amount", &format!("100.00{ENTER}"))
            .await;
        s.wait_text("#shift-status", |t| t.contains("is open"))
            .await;
    }
    s.type_into("#cash-amount", "20.00").await;
    s.type_into("#cash-reason", "float top-up").await;
    s.click("#cash-in").await;
    s.wait_text("#shift-message", |t| t.contains("Cash in"))
        .await;
    s.click("#sync-light").await;
    let light = s
        .wait_text("#sync-light", |t| {
            t.contains("Offline") && t.contains("to sync")
        })
        .await;
    assert!(light.contains("to sync"), "{light}");
    s.shot("sync-03-offline").await;
    let expected: i64 = {
        let st = Store::open(&db).expect("open");
        let n = st.current_shift("").expect("shift").expect("open");
        st.z_report(&n).expect("x-report").expected_cash
    };
    s.type_into(
        "#close-shift #shift-amount",
        &format!("{}.{:02}{ENTER}", expected / 100, expected % 100),
    )
    .await;
    let warning = s
        .wait_text("#close-unsynced", |t| t.contains("not on the server yet"))
        .await;
    assert!(warning.contains("closes anyway"), "{warning}");
    s.shot("sync-04-close-shift-unsynced").await;
    s.click("#close-review #shift-go").await;
    s.wait_text("#shift-message", |t| t.contains("closed"))
        .await;
    s.wait("#closed-unsynced").await;

    // The server is back at the same address: "sync now" sends what waited.
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .expect("bind the same address again");
    let _stop = serve(&rt, listener, pool.clone());
    s.click("#sync-light").await;
    s.wait_text("#sync-light", |t| t.contains("Synced")).await;
    assert_eq!(
        Store::open(&db)
            .expect("open")
            .sync_status()
            .expect("status")
            .pending_ops,
        0
    );
    s.shot("sync-05-caught-up").await;

    // Another till of the store sells; this till has the sale without anyone asking.
    let dir_b = tempfile::tempdir().expect("dir");
    let b_path = dir_b.path().join("b.sqlite");
    let code_b = backroom_server::issue_enrolment(&pool, "DEMO")
        .await
        .expect("code");
    let base = server_url.clone();
    let receipt = tokio::task::spawn_blocking(move || {
        let mut b = Store::open(&b_path).expect("open b");
        let mut t = join(&mut b, &base, &code_b);
        b.sign_in("Olivia Owner", "2580").expect("sign in");
        let sku: String = b
            .connection()
            .query_row(
                "SELECT v.sku FROM variant v JOIN product p ON p.id = v.product_id
                 WHERE v.archived = 0 AND p.status = 'active' AND p.is_gift_card = 0
                   AND v.sale_unit = 'pcs' ORDER BY v.sku LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("a sku");
        let order = b
            .complete_sale(backroom_store::SaleInput {
                cart_id: "till-b-1".into(),
                lines: vec![backroom_store::SaleLineInput {
                    sku,
                    quantity: 1,
                    ..Default::default()
                }],
                tenders: vec![backroom_store::TenderInput {
                    kind: "cash".into(),
                    amount: 100_000,
                    ..Default::default()
                }],
                ..Default::default()
            })
            .expect("sale on b");
        b.sync_with(&mut t).expect("push b");
        order.receipt_number
    })
    .await
    .expect("till b");
    let start = Instant::now();
    loop {
        let here: i64 = Store::open(&db)
            .expect("open")
            .connection()
            .query_row(
                "SELECT COUNT(*) FROM sale_order WHERE receipt_number = ?1",
                [&receipt],
                |r| r.get(0),
            )
            .expect("count");
        if here == 1 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "till b's sale {receipt} never reached this till"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!(
        "till b's sale reached this till {} ms after b pushed it",
        start.elapsed().as_millis()
    );
    s.click("#nav-orders").await;
    s.wait_text("main.orders", |t| t.contains(&receipt)).await;
    s.shot("sync-06-other-tills-sale").await;
    drop(s);
    pool.close().await;
    let _ = sqlx::Postgres::force_drop_database(&url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn head_office_joins_and_filters_orders_by_store() {
    use sqlx::migrate::MigrateDatabase;
    let url = database("hq");
    let _ = sqlx::Postgres::drop_database(&url).await;
    let pool = backroom_server::connect(&url)
        .await
        .expect("server database");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let server_url = format!("http://{}", listener.local_addr().expect("addr"));
    let _stop = serve(&tokio::runtime::Handle::current(), listener, pool.clone());
    // Two stores, each a demo day of its own, connected with their history.
    let mut orders_of = std::collections::BTreeMap::new();
    let mut dirs = Vec::new();
    for (seed, store) in [(21u64, "NORTH"), (22, "SOUTH")] {
        backroom_server::add_store(&pool, store, store)
            .await
            .expect("store");
        // Four trading days each, for head office's revenue by day and store.
        let (dir, db) = backroom_e2e::demo_store_days(seed, 12, 4);
        dirs.push(dir);
        let code = backroom_server::issue_enrolment(&pool, store)
            .await
            .expect("code");
        let base = server_url.clone();
        let n = tokio::task::spawn_blocking(move || {
            let mut s = Store::open(&db).expect("open");
            join(&mut s, &base, &code);
            s.orders(&backroom_api::OrderFilter {
                limit: Some(2000),
                ..Default::default()
            })
            .expect("orders")
            .len()
        })
        .await
        .expect("till");
        orders_of.insert(store, n);
    }

    // Head office joins from the first screen with a head-office code and reads both.
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("head-office.sqlite");
    let s = Session::start(&db).await;
    s.wait("#join-url").await;
    s.type_into("#join-url", &server_url).await;
    let code = backroom_server::issue_head_office_enrolment(&pool)
        .await
        .expect("code");
    s.type_into("#join-code", &code).await;
    s.click("#join-go").await;
    s.wait("#pin").await;
    s.click_staff("Olivia Owner").await;
    s.type_into("#pin", &format!("2580{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Olivia")).await;
    s.click("#nav-orders").await;
    s.wait("#orders-store").await;
    for store in ["SOUTH", "NORTH"] {
        s.set_value("#orders-store", store).await;
        let want = orders_of[store].min(200);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let shown: usize = s
                .client
                .find_all(fantoccini::Locator::Css("#orders-table tbody tr"))
                .await
                .map(|r| r.len())
                .unwrap_or(0);
            if shown == want {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{store}: {shown} orders shown, {want} expected"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if store == "SOUTH" {
            s.shot("sync-09-head-office-orders-of-one-store").await;
        }
    }
    // The Dashboards' revenue by day for all stores is stacked by store, both named.
    s.click("#nav-dashboards").await;
    s.wait("#dash-filters").await;
    s.set_value("#dash-from", "2026-01-01").await;
    s.set_value("#dash-to", "2026-01-31").await;
    s.click("#dash-apply").await;
    let legend = s
        .wait_text("#sales-by-store-day .chart-legend", |t| {
            t.contains("NORTH") && t.contains("SOUTH")
        })
        .await;
    assert!(legend.contains("NORTH"), "{legend}");
    let columns = s
        .client
        .find_all(fantoccini::Locator::Css(
            "#sales-by-store-day .chart-column",
        ))
        .await
        .expect("columns")
        .len();
    assert!((4..=5).contains(&columns), "{columns} days of sales drawn");
    s.scroll_to("#sales-by-store-day").await;
    s.shot("sync-09b-head-office-revenue-by-day-and-store")
        .await;
    drop(s);
    drop(dirs);
    pool.close().await;
    let _ = sqlx::Postgres::force_drop_database(&url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transfer_from_another_store_arrives_in_the_window_and_is_received() {
    use sqlx::migrate::MigrateDatabase;
    let url = database("transfer");
    let _ = sqlx::Postgres::drop_database(&url).await;
    let pool = backroom_server::connect(&url)
        .await
        .expect("server database");
    for store in ["NORTH", "SOUTH"] {
        backroom_server::add_store(&pool, store, store)
            .await
            .expect("store");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let server_url = format!("http://{}", listener.local_addr().expect("addr"));
    let _stop = serve(&tokio::runtime::Handle::current(), listener, pool.clone());
    // NORTH: a demo store with the chain's catalogue and stock, connected.
    let (_north_dir, north) = backroom_e2e::demo_store(31, 12);
    let code = backroom_server::issue_enrolment(&pool, "NORTH")
        .await
        .expect("code");
    let (base, at) = (server_url.clone(), north.clone());
    tokio::task::spawn_blocking(move || {
        let mut s = Store::open(&at).expect("open");
        join(&mut s, &base, &code);
    })
    .await
    .expect("north joins");
    // SOUTH: a new store, set up and connected: it has the catalogue, no stock.
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("south.sqlite");
    let code = backroom_server::issue_enrolment(&pool, "SOUTH")
        .await
        .expect("code");
    let (base, at) = (server_url.clone(), db.clone());
    tokio::task::spawn_blocking(move || {
        let mut s = Store::open(&at).expect("open");
        s.init(backroom_store::InitStore {
            store_name: "South".into(),
            currency: "EUR".into(),
            tax_mode: "inclusive".into(),
            device_name: "south-till".into(),
            location_code: "MAIN".into(),
            owner_name: "Sam South".into(),
            owner_pin: "2580".into(),
            time_zone: "UTC".into(),
        })
        .expect("init");
        join(&mut s, &base, &code);
    })
    .await
    .expect("south joins");
    let s = Session::start(&db).await;
    s.wait("#pin").await;
    s.click_staff("Sam South").await;
    s.type_into("#pin", &format!("2580{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Sam")).await;

    // NORTH sends two of an item it stocks to SOUTH and pushes.
    let (base, at) = (server_url.clone(), north.clone());
    let number = tokio::task::spawn_blocking(move || {
        let mut n = Store::open(&at).expect("open");
        n.set_actor("e2e");
        let (sku, from): (String, String) = n
            .connection()
            .query_row(
                "SELECT v.sku, l.code FROM stock_level s JOIN variant v ON v.id = s.variant_id
                 JOIN location l ON l.id = s.location_id
                 WHERE s.state = 'available' AND s.qty >= 2 AND l.active = 1 ORDER BY v.sku LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("an item in stock");
        let sent = n
            .send_new_transfer(
                &from,
                "@SOUTH",
                vec![backroom_store::TransferLineInput { sku, quantity: 2 }],
                "",
            )
            .expect("send to SOUTH");
        let link = n.server_link().expect("link").expect("linked");
        let mut t = backroom_sync::http::HttpTransport::new(&base)
            .expect("client")
            .with_token(&link.token);
        n.sync_with(&mut t).expect("north pushes");
        sent.number
    })
    .await
    .expect("north sends");

    // SOUTH's desktop gets it by itself (its long-poll) and shows it incoming.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        // The Stock screen reads its transfers when it opens.
        s.click("#nav-orders").await;
        s.click("#nav-stock").await;
        s.click("#stock-tab-transfer").await;
        s.wait("#transfer-list").await;
        if s.text("#transfer-list").await.contains(&number) {
            break;
        }
        let there = Store::open(&db)
            .map(|st| {
                format!(
                    "{:?} {:?} {:?}",
                    st.transfer(&number).map(|t| t.status),
                    st.sync_status(),
                    st.sync_conflicts()
                )
            })
            .unwrap_or_default();
        assert!(
            Instant::now() < deadline,
            "{number} never reached SOUTH's screen (its database: {there:?})"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    s.shot("sync-10-transfer-from-another-store").await;
    s.click("#transfer-list button.receive").await;
    s.wait_text("#transfer-list", |t| {
        t.contains(&number) && !t.contains("Receive all")
    })
    .await;
    s.shot("sync-11-transfer-received").await;

    // NORTH sees it received.
    let base = server_url.clone();
    let status = tokio::task::spawn_blocking(move || {
        let mut n = Store::open(&north).expect("open");
        let link = n.server_link().expect("link").expect("linked");
        let mut t = backroom_sync::http::HttpTransport::new(&base)
            .expect("client")
            .with_token(&link.token);
        // SOUTH's pusher sends the receipt at once; a round or two at most.
        for _ in 0..20 {
            n.sync_with(&mut t).expect("north pulls");
            let status = n.transfer(&number).expect("transfer").status;
            if status == "received" {
                return status;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        n.transfer(&number).expect("transfer").status
    })
    .await
    .expect("north");
    assert_eq!(status, "received");
    drop(s);
    pool.close().await;
    let _ = sqlx::Postgres::force_drop_database(&url).await;
}
