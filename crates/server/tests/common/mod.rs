//! The test server: a database of the test's own on the test PostgreSQL (`DATABASE_URL`, else
//! `postgres://postgres@127.0.0.1:5432/postgres`), a server on a free loopback port, tills on
//! SQLite files, and the rows two tills must agree on.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use backroom_store::{ManualClock, SeededIds, Store};
use backroom_sync::http::HttpTransport;

/// A database of this test's own on the test PostgreSQL, dropped when the guard goes.
pub struct TestDb {
    admin: String,
    name: String,
    url: String,
    rt: Arc<tokio::runtime::Runtime>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = self.rt.block_on(async move {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&admin).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut c)
            .await
        });
    }
}

pub fn test_db(rt: &Arc<tokio::runtime::Runtime>) -> TestDb {
    static N: AtomicU32 = AtomicU32::new(0);
    let admin = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!(
        "backroom_test_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {admin} (set DATABASE_URL): {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut c)
            .await
            .expect("create the test database");
    });
    let url = match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("DATABASE_URL {admin} names no database"),
    };
    TestDb {
        admin,
        name,
        url,
        rt: rt.clone(),
    }
}

/// A server on a free loopback port, stopped when the sender is dropped.
pub struct TestServer {
    pub base: String,
    pub pool: sqlx::PgPool,
    pub rt: Arc<tokio::runtime::Runtime>,
    _stop: tokio::sync::oneshot::Sender<()>,
    _db: TestDb,
}

impl TestServer {
    /// A connected transport for a new till of `store` (the store is added when new).
    pub fn till_transport(&self, store: &str) -> HttpTransport {
        self.enrol(store).0
    }

    /// [`TestServer::till_transport`], with the credential (its token and device code).
    pub fn enrol(&self, store: &str) -> (HttpTransport, backroom_sync::protocol::EnrolResponse) {
        let code = self.rt.block_on(async {
            let _ = backroom_server::add_store(&self.pool, store, store).await;
            backroom_server::issue_enrolment(&self.pool, store)
                .await
                .expect("enrolment code")
        });
        let http = HttpTransport::new(&self.base).expect("client");
        let cred = http.enrol(&code).expect("enrol");
        assert_eq!(cred.store, store);
        assert!(http.enrol(&code).is_err(), "an enrolment code works once");
        (http.with_token(&cred.token), cred)
    }
}

pub fn server() -> TestServer {
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime"),
    );
    let db = test_db(&rt);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (base, pool) = rt.block_on(async {
        let pool = backroom_server::connect(&db.url)
            .await
            .expect("connect + migrate");
        let served = pool.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(backroom_server::serve(listener, served, async {
            let _ = stopped.await;
        }));
        (format!("http://{addr}"), pool)
    });
    TestServer {
        base,
        pool,
        rt,
        _stop: stop,
        _db: db,
    }
}

pub fn till(dir: &std::path::Path, name: &str, seed: u64) -> Store {
    Store::open_with(
        &dir.join(format!("{name}.sqlite")),
        Arc::new(ManualClock::new(1_767_225_600_000)),
        Arc::new(SeededIds::new(seed)),
    )
    .expect("open till")
}

/// The rows two tills must agree on after syncing.
pub fn facts(s: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT id || ' ' || receipt_number || ' ' || total || ' ' || payment_status FROM sale_order ORDER BY id",
        "SELECT id || ' ' || variant_id || ' ' || location_id || ' ' || state || ' ' || delta FROM stock_movement ORDER BY id",
        "SELECT variant_id || ' ' || location_id || ' ' || state || ' ' || qty FROM stock_level ORDER BY 1",
        "SELECT id || ' ' || kind || ' ' || tender || ' ' || amount FROM payment ORDER BY id",
    ] {
        let mut stmt = s.connection().prepare(sql).expect("query");
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .expect("rows")
            .collect::<Result<Vec<_>, _>>()
            .expect("read");
        out.extend(rows);
    }
    out
}

/// One server for every case of a property test (each case uses a store of its own).
pub fn shared_server() -> &'static TestServer {
    static SERVER: std::sync::OnceLock<TestServer> = std::sync::OnceLock::new();
    SERVER.get_or_init(server)
}

impl TestServer {
    /// Another server process on the same database (stateless beyond PostgreSQL), running
    /// until the test ends; its base URL.
    pub fn second_process(&self) -> String {
        self.rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let addr = listener.local_addr().expect("addr");
            tokio::spawn(backroom_server::serve(
                listener,
                self.pool.clone(),
                std::future::pending(),
            ));
            format!("http://{addr}")
        })
    }

    /// A number no other case of this process has used (for store codes).
    pub fn next_store(&self) -> u32 {
        static N: AtomicU32 = AtomicU32::new(0);
        N.fetch_add(1, Ordering::Relaxed)
    }
}

/// A till set up as a store of its own with two products (TEE-1 ×10 at 19.99, MUG-1 ×4 at
/// 9.50) at location MAIN, signed in as `tester`.
pub fn seeded_till(dir: &std::path::Path, name: &str, seed: u64) -> Store {
    let mut s = till(dir, name, seed);
    s.init(backroom_store::InitStore {
        store_name: format!("Store {name}"),
        currency: "EUR".into(),
        tax_mode: "inclusive".into(),
        device_name: format!("{name}-till"),
        location_code: "MAIN".into(),
        owner_name: "Olivia Owner".into(),
        owner_pin: "2580".into(),
        time_zone: "UTC".into(),
    })
    .expect("init");
    s.set_actor("tester");
    s.import_shopify(
        &b"Handle,Title,Variant SKU,Variant Price,Variant Inventory Qty\ntee,Tee,TEE-1,19.99,10\nmug,Mug,MUG-1,9.50,4\n"[..],
        &backroom_store::shopify::ImportOptions::default(),
        &backroom_store::NoProgress,
    )
    .expect("import");
    s
}

/// A cash sale of one `sku` for `amount` (minor units) with cart id `cart`.
pub fn cash_sale(cart: &str, sku: &str, amount: i64) -> backroom_store::SaleInput {
    backroom_store::SaleInput {
        cart_id: cart.into(),
        lines: vec![backroom_store::SaleLineInput {
            sku: sku.into(),
            quantity: 1,
            ..Default::default()
        }],
        tenders: vec![backroom_store::TenderInput {
            kind: "cash".into(),
            amount,
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// Links `till` to the test server with a fresh enrolment for `store` (the store is added
/// when new), as `backroom connect` does.
pub fn link(srv: &TestServer, till: &mut Store, store: &str) {
    let (_, cred) = srv.enrol(store);
    till.link_server(&backroom_store::ServerLink {
        url: srv.base.clone(),
        store: cred.store,
        token: cred.token,
        device_code: cred.device_code,
    })
    .expect("link");
}

/// Links `till` to the server as a head-office device (a credential of no store).
pub fn link_head_office(srv: &TestServer, till: &mut Store) {
    let code = srv
        .rt
        .block_on(backroom_server::issue_head_office_enrolment(&srv.pool))
        .expect("code");
    let cred = HttpTransport::new(&srv.base)
        .expect("client")
        .enrol(&code)
        .expect("enrol");
    assert_eq!(cred.store, backroom_sync::protocol::HEAD_OFFICE);
    till.link_server(&backroom_store::ServerLink {
        url: srv.base.clone(),
        store: cred.store,
        token: cred.token,
        device_code: cred.device_code,
    })
    .expect("link");
}

/// A transport for `till`'s own link.
pub fn transport_of(till: &Store) -> HttpTransport {
    let l = till.server_link().expect("link").expect("linked");
    HttpTransport::new(&l.url)
        .expect("client")
        .with_token(&l.token)
}
