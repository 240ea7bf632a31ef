//! Crashes while syncing: a `backroom sync` process is SIGKILLed at random moments — while it
//! opens its database, pushes, waits for an answer, pulls or applies a page — and started again,
//! over and over, on two tills of one store that keep selling in between. Afterwards every op is
//! on the server exactly once, each device's numbers are dense, both tills hold the same orders,
//! payments and stock, and `check` passes on both.
//!
//! Each kill lands at a random point inside a sync (the length of a whole one is measured as the
//! test goes: every eighth run goes to its end); only processes killed mid-way count.
//! `BACKROOM_KILLS` sets how many kills (default 100; the documented long run is 1,000:
//! `BACKROOM_KILLS=1000 cargo test -p backroom --test kill`); `BACKROOM_KILL_SEED` the schedule.
//! PostgreSQL: `DATABASE_URL`, else the machine's on 127.0.0.1:5432; the test makes its own
//! database and drops it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A small deterministic schedule (xorshift64*): the kill points, reproducible from the seed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn backroom(db: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_backroom"));
    c.arg("--db")
        .arg(db)
        .args(args)
        .env_remove("BACKROOM_DB")
        .env_remove("BACKROOM_STAFF")
        .env_remove("BACKROOM_PIN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = backroom(db, args)
        .stdout(Stdio::piped())
        .output()
        .expect("run backroom");
    assert!(
        out.status.success(),
        "backroom {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Rows both tills must hold alike: orders, payments, stock movements and levels.
fn facts(db: &Path) -> Vec<String> {
    let s = backroom_store::Store::open(db).expect("open");
    let mut out = Vec::new();
    for sql in [
        "SELECT id || ' ' || receipt_number || ' ' || total || ' ' || payment_status FROM sale_order ORDER BY id",
        "SELECT id || ' ' || kind || ' ' || tender || ' ' || amount FROM payment ORDER BY id",
        "SELECT id || ' ' || variant_id || ' ' || location_id || ' ' || state || ' ' || delta FROM stock_movement ORDER BY id",
        "SELECT variant_id || ' ' || location_id || ' ' || state || ' ' || qty FROM stock_level ORDER BY 1",
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

#[test]
fn syncing_tills_killed_at_random_converge() {
    let kills: u64 = std::env::var("BACKROOM_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let seed: u64 = std::env::var("BACKROOM_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_0fc0_ffee);
    let mut dice = Dice(seed | 1);

    // The server, in this process, on a database of this test's own.
    let admin = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let (base, _) = admin.rsplit_once('/').expect("a database in DATABASE_URL");
    let url = format!("{base}/backroom_kill_{}", std::process::id());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (pool, server) = rt.block_on(async {
        use sqlx::migrate::MigrateDatabase;
        let _ = sqlx::Postgres::drop_database(&url).await;
        let pool = backroom_server::connect(&url).await.expect("server db");
        backroom_server::add_store(&pool, "CORNER", "Corner")
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
    let a: PathBuf = dir.path().join("a.sqlite");
    let b: PathBuf = dir.path().join("b.sqlite");
    // Till a: the demo store (about 4,000 ops to push); till b: an empty file that bootstraps.
    ok(&a, &["demo"]);
    for till in [&a, &b] {
        let code = rt
            .block_on(backroom_server::issue_enrolment(&pool, "CORNER"))
            .expect("code");
        let cred = backroom_sync::http::HttpTransport::new(&server)
            .expect("client")
            .enrol(&code)
            .expect("enrol");
        let mut s = backroom_store::Store::open(till).expect("open");
        s.link_server(&backroom_store::ServerLink {
            url: server.clone(),
            store: cred.store,
            token: cred.token,
            device_code: cred.device_code,
        })
        .expect("link");
    }
    let skus: Vec<String> = {
        let s = backroom_store::Store::open(&a).expect("open a");
        let mut stmt = s
            .connection()
            .prepare("SELECT sku FROM variant WHERE sku <> '' ORDER BY sku LIMIT 20")
            .expect("skus");
        stmt.query_map([], |r| r.get::<_, String>(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("read")
    };

    let mut sales = 0;
    let mut finished = 0;
    let mut killed = 0;
    // How long a whole `backroom sync` takes here (ms), measured now and then: kills land at
    // a random point inside it, so they hit start-up, the push, the answer, the pull and the
    // apply rather than a process that already finished.
    let mut whole_ms: u64 = 300;
    let mut i = 0u64;
    while killed < kills {
        i += 1;
        assert!(
            i < kills * 20 + 100,
            "only {killed} of {kills} kills landed in {i} runs"
        );
        let till = if dice.below(3) == 0 { &b } else { &a };
        let i = i as usize;
        let b_ready = backroom_store::Store::open(&b)
            .map(|s| s.is_initialised())
            .unwrap_or(false);
        // Keep selling between crashes, on both tills once b has its store.
        if dice.below(3) == 0 && (till == &a || b_ready) {
            let sku = &skus[dice.below(skus.len() as u64) as usize];
            let cart = format!("kill-{i}");
            let sold = backroom(
                till,
                &[
                    "--staff",
                    "Olivia Owner",
                    "--pin",
                    "2580",
                    "sale",
                    "complete",
                    "--line",
                    &format!("{sku}=1"),
                    "--tender",
                    "cash=1000.00",
                    "--cart-id",
                    &cart,
                ],
            )
            .output()
            .expect("sale");
            if sold.status.success() {
                sales += 1;
            } else if std::env::var_os("BACKROOM_KILL_VERBOSE").is_some() {
                eprintln!(
                    "sale on {}: {}",
                    till.display(),
                    String::from_utf8_lossy(&sold.stderr)
                );
            }
        }
        let mut child = backroom(till, &["sync"]).spawn().expect("start sync");
        let spawned = std::time::Instant::now();
        if i.is_multiple_of(8) {
            // Let one run to the end now and then: progress, and the measure of a whole sync.
            let _ = child.wait();
            finished += 1;
            whole_ms = (whole_ms + spawned.elapsed().as_millis() as u64) / 2;
            continue;
        }
        std::thread::sleep(Duration::from_millis(dice.below(whole_ms.max(2))));
        match child.try_wait().expect("poll") {
            Some(_) => finished += 1,
            None => {
                child.kill().expect("SIGKILL");
                killed += 1;
            }
        }
        let _ = child.wait();
    }

    // The network and the processes heal: sync both to the end.
    for till in [&a, &b, &a, &b] {
        ok(till, &["sync"]);
    }
    for till in [&a, &b] {
        ok(till, &["check"]);
        let st: serde_json::Value =
            serde_json::from_str(&ok(till, &["--json", "sync", "status"])).expect("status");
        assert_eq!(st["pending_ops"], 0, "{st}");
    }
    assert_eq!(facts(&a), facts(&b), "both tills hold the same facts");

    // On the server: every op once, each device's numbers dense from 1.
    rt.block_on(async {
        let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT d.id, d.last_device_seq, COUNT(c.op_id), COALESCE(MAX(c.device_seq), 0),
                    COUNT(DISTINCT c.op_id)
             FROM device d LEFT JOIN change_log c ON c.device_id = d.id GROUP BY d.id",
        )
        .fetch_all(&pool)
        .await
        .expect("devices");
        assert!(rows.len() >= 2, "{rows:?}");
        for (device, last, n, max, distinct) in rows {
            assert_eq!((n, max, distinct), (last, last, last), "device {device}");
        }
        let rejected: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM change_log WHERE status <> 'stored'")
                .fetch_one(&pool)
                .await
                .expect("rejected");
        assert_eq!(rejected, 0);
        pool.close().await;
        use sqlx::migrate::MigrateDatabase;
        let _ = sqlx::Postgres::force_drop_database(&url).await;
    });
    eprintln!(
        "{killed} sync processes SIGKILLed mid-way, {finished} ran to the end; {sales} sales in between (a whole sync took ~{whole_ms} ms)"
    );
}
