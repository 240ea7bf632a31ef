//! Sync benchmarks against a real PostgreSQL and the real server over loopback HTTP.
//!
//! Run: `cargo bench -p backroom-server --bench sync` (release). PostgreSQL: `DATABASE_URL`,
//! else the machine's on 127.0.0.1:5432; the bench makes a database of its own and drops it.
//! Prints figures for docs/benchmarks.md; nothing here fails on timing.
//!
//! 1. **A week offline**: till A (a store of `BENCH_PRODUCTS` × 3 variants, default 10k) writes
//!    `BENCH_OPS` stock ops (default 100k; a busy store's week is 15–20k sales) with no
//!    network, then syncs: the push, timed (ops/s).
//! 2. **Catch-up**: till B of the same store (restored from A's backup before those ops, a
//!    device of its own) pulls and applies them, timed.
//! 3. **Store → head office**: a head-office replica long-polls every store
//!    (`listen_with`); till A writes a change and pushes it at once (as the desktop's pusher
//!    does); the time from the write to the change applied at head office, p50 / p95 / max.
//! 4. **Many tills at once**: `BENCH_TILLS` tills (default 200, five to a store), each a
//!    thread with its own credential, push `BENCH_BATCHES` batches of 20 ops at once:
//!    throughput and push latency p50 / p99.

use std::sync::Arc;
use std::time::{Duration, Instant};

use backroom_store::shopify::ImportOptions;
use backroom_store::{Adjustment, InitStore, NoProgress, ServerLink, Store, SystemClock, V7Ids};
use backroom_sync::client::Transport;
use backroom_sync::http::HttpTransport;
use backroom_sync::protocol::{PushRequest, PROTOCOL_VERSION};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn csv(products: u64) -> String {
    let mut out = String::from(
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Inventory Qty\n",
    );
    for i in 0..products {
        for size in ["S", "M", "L"] {
            out.push_str(&format!(
                "p-{i:06},Product {i},Size,{size},SKU-{i:06}-{size},{}.99,10\n",
                5 + i % 50
            ));
        }
    }
    out
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let products = env("BENCH_PRODUCTS", 10_000);
    let n_ops = env("BENCH_OPS", 100_000);
    let tills = env("BENCH_TILLS", 200);
    let batches = env("BENCH_BATCHES", 20);

    let admin = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let (base_url, _) = admin.rsplit_once('/').expect("a database in DATABASE_URL");
    let url = format!("{base_url}/backroom_bench_{}", std::process::id());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (pool, base) = rt.block_on(async {
        let pool = backroom_server::connect(&url)
            .await
            .expect("server database");
        backroom_server::add_store(&pool, "BENCH", "Bench")
            .await
            .expect("store");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(backroom_server::serve(
            listener,
            pool.clone(),
            std::future::pending(),
        ));
        (pool, format!("http://{addr}"))
    });
    let enrol = || {
        let code = rt
            .block_on(backroom_server::issue_enrolment(&pool, "BENCH"))
            .expect("code");
        HttpTransport::new(&base)
            .expect("client")
            .enrol(&code)
            .expect("enrol")
    };
    let link = |s: &mut Store| {
        let c = enrol();
        s.link_server(&ServerLink {
            url: base.clone(),
            store: c.store,
            token: c.token,
            device_code: c.device_code,
        })
        .expect("link");
    };
    let transport = |s: &Store| {
        let l = s.server_link().expect("link").expect("linked");
        HttpTransport::new(&l.url)
            .expect("client")
            .with_token(&l.token)
    };

    let dir = tempfile::tempdir().expect("dir");
    let mut a = Store::open_with(
        &dir.path().join("a.sqlite"),
        Arc::new(SystemClock),
        Arc::new(V7Ids),
    )
    .expect("open a");
    a.init(InitStore {
        store_name: "Bench".into(),
        currency: "EUR".into(),
        tax_mode: "inclusive".into(),
        device_name: "a".into(),
        location_code: "MAIN".into(),
        owner_name: "Olivia Owner".into(),
        owner_pin: "2580".into(),
        time_zone: "UTC".into(),
    })
    .expect("init");
    a.import_shopify(
        csv(products).as_bytes(),
        &ImportOptions::default(),
        &NoProgress,
    )
    .expect("import");
    link(&mut a);
    let started = Instant::now();
    let first = a.sync_with(&mut transport(&a)).expect("first sync");
    println!(
        "{:<44} {} ops in {:.2?}",
        "first sync of the set-up store (push)",
        first.pushed,
        started.elapsed()
    );
    let seed = dir.path().join("seed.sqlite");
    a.backup(&seed).expect("backup");
    let mut b = Store::open_with(
        &dir.path().join("b.sqlite"),
        Arc::new(SystemClock),
        Arc::new(V7Ids),
    )
    .expect("open b");
    b.restore(&seed).expect("restore");
    link(&mut b);
    b.sync_with(&mut transport(&b)).expect("b's first sync");

    // 1. A week offline, then the push.
    let started = Instant::now();
    for i in 0..n_ops {
        a.adjust_stock(Adjustment {
            sku: format!("SKU-{:06}-M", (i * 7919) % products),
            location: "MAIN".into(),
            delta: 1 + (i % 5) as i64,
            reason: "receipt".into(),
            ..Default::default()
        })
        .expect("adjust");
    }
    println!(
        "{:<44} {n_ops} ops in {:.2?}",
        "written offline on till A",
        started.elapsed()
    );
    let started = Instant::now();
    let pushed = a.sync_with(&mut transport(&a)).expect("push");
    let took = started.elapsed();
    println!(
        "{:<44} {} ops in {took:.2?} ({:.0} ops/s, batches of 1,000, zstd)",
        "push after a week offline",
        pushed.pushed,
        pushed.pushed as f64 / took.as_secs_f64()
    );

    // 2. Till B catches up: first the transfer alone (pages read and dropped), then the real
    // pull + apply.
    let started = Instant::now();
    let mut raw = transport(&b);
    let stream = backroom_sync::protocol::store_stream("BENCH");
    let mut after = b.sync_cursor(&stream).expect("cursor");
    let mut n = 0;
    loop {
        let page = raw
            .pull(&stream, after, backroom_sync::protocol::MAX_PULL_OPS)
            .expect("pull");
        n += page.ops.len();
        after = page.next;
        if !page.has_more {
            break;
        }
    }
    let took = started.elapsed();
    println!(
        "{:<44} {n} ops in {took:.2?} ({:.0} ops/s)",
        "pull only (pages of 10,000, zstd)",
        n as f64 / took.as_secs_f64()
    );
    let started = Instant::now();
    let caught = b.sync_with(&mut transport(&b)).expect("catch up");
    let took = started.elapsed();
    println!(
        "{:<44} {} ops in {took:.2?} ({:.0} ops/s)",
        "pull + apply on till B",
        caught.pulled,
        caught.pulled as f64 / took.as_secs_f64()
    );
    assert_eq!(
        a.stock_qty(
            "SKU-000000-M",
            "MAIN",
            backroom_domain::stock::StockState::Available
        )
        .expect("a"),
        b.stock_qty(
            "SKU-000000-M",
            "MAIN",
            backroom_domain::stock::StockState::Available
        )
        .expect("b"),
        "the tills agree"
    );

    // 3. Store → head office: head office long-polls every store; A writes and pushes at once.
    let mut hq = Store::open_with(
        &dir.path().join("hq.sqlite"),
        Arc::new(SystemClock),
        Arc::new(V7Ids),
    )
    .expect("open hq");
    let code = rt
        .block_on(backroom_server::issue_head_office_enrolment(&pool))
        .expect("code");
    let c = HttpTransport::new(&base)
        .expect("client")
        .enrol(&code)
        .expect("enrol");
    hq.link_server(&ServerLink {
        url: base.clone(),
        store: c.store,
        token: c.token,
        device_code: c.device_code,
    })
    .expect("link");
    hq.sync_with(&mut transport(&hq))
        .expect("head office bootstraps");
    let rounds = env("BENCH_PROPAGATION", 40);
    let mut delays = Vec::new();
    for i in 0..rounds {
        let mut t = transport(&hq);
        let waiting = std::thread::spawn(move || {
            let n = hq.listen_with(&mut t, 20_000).expect("listen");
            (hq, n, Instant::now())
        });
        std::thread::sleep(Duration::from_millis(100));
        let wrote = Instant::now();
        a.adjust_stock(Adjustment {
            sku: format!("SKU-{:06}-M", i % products),
            location: "MAIN".into(),
            delta: 1,
            reason: "receipt".into(),
            ..Default::default()
        })
        .expect("adjust");
        a.push_with(&mut transport(&a)).expect("push");
        let (back, n, seen) = waiting.join().expect("head office thread");
        hq = back;
        assert!(n >= 1, "head office got the change");
        delays.push(seen - wrote);
    }
    delays.sort();
    println!(
        "{:<44} {rounds} changes: p50 {:.1?}, p95 {:.1?}, max {:.1?}",
        "store -> head office (write to applied)",
        percentile(&delays, 0.50),
        percentile(&delays, 0.95),
        delays.last().copied().unwrap_or_default()
    );

    // 4. Many tills pushing at once, five to a store: A's ops, re-addressed to a device per
    // till.
    let template: Vec<_> = a
        .ops_after(0)
        .expect("ops")
        .into_iter()
        .rev()
        .take(20)
        .collect();
    let stores = tills.div_ceil(5);
    let creds: Vec<_> = (0..tills)
        .map(|t| {
            let store = format!("S{}", t % stores);
            let code = rt
                .block_on(async {
                    let _ = backroom_server::add_store(&pool, &store, &store).await;
                    backroom_server::issue_enrolment(&pool, &store).await
                })
                .expect("code");
            HttpTransport::new(&base)
                .expect("client")
                .enrol(&code)
                .expect("enrol")
        })
        .collect();
    let started = Instant::now();
    let handles: Vec<_> = creds
        .into_iter()
        .enumerate()
        .map(|(t, cred)| {
            let template = template.clone();
            let base = base.clone();
            std::thread::spawn(move || {
                let mut http = HttpTransport::new(&base)
                    .expect("client")
                    .with_token(&cred.token);
                let device = uuid::Uuid::new_v4().to_string();
                let mut latencies = Vec::new();
                let mut seq = 0i64;
                for batch in 0..batches {
                    let ops = template
                        .iter()
                        .map(|op| {
                            seq += 1;
                            let mut op = op.clone();
                            op.device_id = device.clone();
                            op.device_seq = seq;
                            op.op_id = format!("{device}-{t}-{batch}-{seq}");
                            op
                        })
                        .collect();
                    let at = Instant::now();
                    http.push(&PushRequest {
                        protocol: PROTOCOL_VERSION,
                        store: cred.store.clone(),
                        device_id: device.clone(),
                        ops,
                    })
                    .expect("push");
                    latencies.push(at.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut all: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("till thread"))
        .collect();
    let took = started.elapsed();
    all.sort();
    let ops = tills * batches * 20;
    println!(
        "{:<44} {ops} ops in {took:.2?} ({:.0} ops/s); push p50 {:.1?}, p99 {:.1?}",
        format!("{tills} tills ({stores} stores) pushing 20-op batches"),
        ops as f64 / took.as_secs_f64(),
        percentile(&all, 0.5),
        percentile(&all, 0.99),
    );
    let metrics = reqwest::blocking::get(format!("{base}/metrics"))
        .and_then(|r| r.text())
        .unwrap_or_default();
    let lag = metrics
        .lines()
        .filter(|l| l.starts_with("backroom_device_sync_lag_seconds{"))
        .count();
    println!("{:<44} {lag} devices reported", "/metrics sync lag gauges");

    rt.block_on(async {
        pool.close().await;
        use sqlx::migrate::MigrateDatabase;
        let _ = sqlx::Postgres::force_drop_database(&url).await;
    });
}
