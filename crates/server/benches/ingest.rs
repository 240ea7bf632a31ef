//! Survey ingestion benchmark (issue 16): storefront responses posted to the real server and
//! PostgreSQL over loopback, the load from a separate process.
//!
//! Run: `cargo bench -p backroom-server --bench ingest` (release). PostgreSQL: `DATABASE_URL`,
//! else the machine's on 127.0.0.1:5432; the bench makes a database of its own and drops it.
//!
//! The bench starts the server in its own process (rate limit raised out of the way), has a
//! till define the post-purchase NPS survey and push it, then runs itself again as the load
//! generator: `BENCH_CLIENTS` threads (default 128), each with a keep-alive HTTP client, post
//! `BENCH_REQUESTS` responses (default 40,000; each a new response with an NPS score and a
//! comment) as fast as they are answered. It prints requests/s and latency p50 / p99 / max, and
//! checks every response became one op. Nothing here fails on timing.

use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backroom_store::{InitStore, ServerLink, Store, SystemClock, V7Ids};
use backroom_sync::http::HttpTransport;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The load generator (the child process): prints one line of figures.
fn load(base: &str, key: &str) {
    let clients = env("BENCH_CLIENTS", 128) as usize;
    let total = env("BENCH_REQUESTS", 40_000) as usize;
    let per = total / clients;
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|c| {
            let url = format!("{base}/v1/surveys/{key}/responses");
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::new();
                let mut lat = Vec::with_capacity(per);
                let mut failed = 0usize;
                for i in 0..per {
                    let score = (c + i) % 11;
                    let body = serde_json::json!({
                        "external_id": format!("bench-{c}-{i}"),
                        "answers": {"nps": {"score": score},
                                    "comment": if score <= 8 { serde_json::json!({"text": "Delivery was slow and the box was damaged"}) } else { serde_json::json!("skipped") }},
                        "metadata": {"page": "/thanks"}
                    });
                    let t = Instant::now();
                    let ok = client
                        .post(&url)
                        .json(&body)
                        .send()
                        .map(|r| r.status().as_u16() == 201)
                        .unwrap_or(false);
                    lat.push(t.elapsed());
                    failed += usize::from(!ok);
                }
                (lat, failed)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(total);
    let mut failed = 0;
    for h in handles {
        let (lat, f) = h.join().expect("client thread");
        all.extend(lat);
        failed += f;
    }
    let secs = started.elapsed().as_secs_f64();
    all.sort();
    println!(
        "RESULT {} {:.0} {:.2} {:.2} {:.2} {}",
        all.len(),
        all.len() as f64 / secs,
        percentile(&all, 0.5).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        failed
    );
}

fn main() {
    if let (Ok(base), Ok(key)) = (
        std::env::var("BENCH_INGEST_BASE"),
        std::env::var("BENCH_INGEST_KEY"),
    ) {
        load(&base, &key);
        return;
    }
    // The rate limit is per client address; the whole load comes from one.
    std::env::set_var("BACKROOM_SURVEY_RATE", "1000000");
    let admin = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let (base_url, _) = admin.rsplit_once('/').expect("a database in DATABASE_URL");
    let url = format!("{base_url}/backroom_ingest_{}", std::process::id());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (pool, base) = rt.block_on(async {
        let pool = backroom_server::connect(&url).await.expect("database");
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
    let dir = tempfile::tempdir().expect("dir");
    let mut till = Store::open_with(
        &dir.path().join("till.sqlite"),
        Arc::new(SystemClock),
        Arc::new(V7Ids),
    )
    .expect("open");
    till.init(InitStore {
        store_name: "Bench".into(),
        currency: "EUR".into(),
        tax_mode: "inclusive".into(),
        device_name: "till".into(),
        location_code: "MAIN".into(),
        owner_name: "Olivia Owner".into(),
        owner_pin: "2580".into(),
        time_zone: "UTC".into(),
    })
    .expect("init");
    let code = rt
        .block_on(backroom_server::issue_enrolment(&pool, "BENCH"))
        .expect("code");
    let cred = HttpTransport::new(&base)
        .expect("client")
        .enrol(&code)
        .expect("enrol");
    till.link_server(&ServerLink {
        url: base.clone(),
        store: cred.store,
        token: cred.token.clone(),
        device_code: cred.device_code,
    })
    .expect("link");
    let def = till
        .survey_templates()
        .into_iter()
        .find(|s| s.key == "post-purchase-nps")
        .expect("template");
    let key = till
        .define_survey(def, "active")
        .expect("define")
        .public_key;
    till.sync_with(
        &mut HttpTransport::new(&base)
            .expect("client")
            .with_token(&cred.token),
    )
    .expect("push the survey");

    let exe = std::env::current_exe().expect("this bench's path");
    let mut child = std::process::Command::new(exe)
        .env("BENCH_INGEST_BASE", &base)
        .env("BENCH_INGEST_KEY", &key)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("load generator");
    let mut line = String::new();
    if let Some(out) = child.stdout.take() {
        for l in BufReader::new(out).lines() {
            let l = l.expect("read");
            if l.starts_with("RESULT") {
                line = l;
            }
        }
    }
    let _ = child.wait();
    let f: Vec<&str> = line.split_whitespace().collect();
    let stored: i64 = rt.block_on(async {
        sqlx::query_scalar("SELECT COUNT(*) FROM change_log WHERE kind = 'survey.responded'")
            .fetch_one(&pool)
            .await
            .expect("count")
    });
    println!(
        "survey ingestion: {} requests from {} clients in a separate process: {} req/s, p50 {} ms, p99 {} ms, max {} ms; {} failed; {} responses stored",
        f.get(1).unwrap_or(&"?"),
        env("BENCH_CLIENTS", 128),
        f.get(2).unwrap_or(&"?"),
        f.get(3).unwrap_or(&"?"),
        f.get(4).unwrap_or(&"?"),
        f.get(5).unwrap_or(&"?"),
        f.get(6).unwrap_or(&"?"),
        stored
    );
    rt.block_on(async {
        pool.close().await;
        let admin_pool = sqlx::PgPool::connect(&admin).await.expect("admin");
        let db = url.rsplit('/').next().unwrap_or_default().to_string();
        // The name is this bench's own (a fixed prefix and the process id).
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
        )))
        .execute(&admin_pool)
        .await;
    });
}
