//! The server when PostgreSQL and the process misbehave, against a real PostgreSQL:
//! - Commit order (research/sync.md §1.11): a push that took a stream position and has not
//!   committed holds back every later push to that stream, so a reader never sees position
//!   n + 1 before n and never skips a slower writer's row.
//! - A PostgreSQL restart in the middle of syncing (a cluster of the test's own, stopped and
//!   started with `pg_ctl`): pushes fail while it is down, tills retry, and everything
//!   converges with every op once.
//! - The server process stopping and a new one starting on the same address: the same.

mod common;

use std::time::{Duration, Instant};

use common::*;

use backroom_sync::client::Transport;
use backroom_sync::protocol::store_stream;

#[test]
fn a_slow_push_holds_back_later_ones_so_readers_never_skip_it() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let mut a = seeded_till(dir.path(), "a", 1);
    link(&srv, &mut a, "CORNER");
    a.sync_with(&mut transport_of(&a)).expect("first sync");
    let stream = store_stream("CORNER");
    let mut reader = transport_of(&a);
    let head = reader.pull(&stream, 0, 5000).expect("pull").next;

    // A slow writer: takes the next position and an op row, and does not commit yet.
    let pool = srv.pool.clone();
    let (slow_tx, slow_seq) = srv.rt.block_on(async {
        sqlx::query("INSERT INTO device (id, store_code) VALUES ('0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee', 'CORNER')")
            .execute(&pool)
            .await
            .expect("device");
        let mut tx = pool.begin().await.expect("begin");
        let seq: i64 = sqlx::query_scalar(
            "UPDATE stream_head SET head = head + 1 WHERE stream = $1 RETURNING head",
        )
        .bind(&stream)
        .fetch_one(&mut *tx)
        .await
        .expect("position");
        sqlx::query(
            "INSERT INTO change_log (stream, seq, op_id, device_id, device_seq, hlc, actor, kind,
                 body, created_at, status, error)
             VALUES ($1, $2, 'slow-op', '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee', 1, '000000000000001.000000', 'test', 'sale.completed', '{}', 0,
                 'rejected', 'a test row')",
        )
        .bind(&stream)
        .bind(seq)
        .execute(&mut *tx)
        .await
        .expect("row");
        (tx, seq)
    });
    assert_eq!(slow_seq, head + 1);

    // A faster till pushes meanwhile: it waits for the stream head's lock.
    a.complete_sale(cash_sale("fast-1", "TEE-1", 1999))
        .expect("sale");
    let a_path = dir.path().join("a.sqlite");
    drop(a);
    let fast = std::thread::spawn(move || {
        let mut a = backroom_store::Store::open(&a_path).expect("open a");
        let mut t = transport_of(&a);
        a.sync_with(&mut t).expect("fast push")
    });
    // Until PostgreSQL shows the fast push waiting on a lock.
    let start = Instant::now();
    loop {
        let waiting: i64 = srv
            .rt
            .block_on(
                sqlx::query_scalar(
                    "SELECT COUNT(*) FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
                )
                .fetch_one(&srv.pool),
            )
            .expect("activity");
        if waiting > 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the fast push never waited on the stream head"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        !fast.is_finished(),
        "the fast push cannot commit before the slow one"
    );
    let page = reader.pull(&stream, head, 5000).expect("pull");
    assert!(
        page.ops.is_empty(),
        "nothing after {head} is visible while {slow_seq} is uncommitted: {:?}",
        page.ops.iter().map(|o| o.seq).collect::<Vec<_>>()
    );

    srv.rt
        .block_on(slow_tx.commit())
        .expect("commit the slow one");
    let report = fast.join().expect("fast thread");
    assert!(report.pushed > 0);
    let page = reader.pull(&stream, head, 5000).expect("pull");
    let seqs: Vec<i64> = page.ops.iter().map(|o| o.seq).collect();
    assert_eq!(
        seqs.first(),
        Some(&slow_seq),
        "the slow row first: {seqs:?}"
    );
    assert_eq!(
        seqs,
        (slow_seq..slow_seq + seqs.len() as i64).collect::<Vec<_>>(),
        "dense, in commit order"
    );
}

/// A PostgreSQL cluster of this test's own (initdb in a temporary directory, on a free port),
/// stopped and started at will. Runs as the `postgres` user when the test runs as root
/// (PostgreSQL refuses root), as scripts/setup-postgres.sh does.
struct Cluster {
    bin: std::path::PathBuf,
    data: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    fn pg(&self, tool: &str) -> std::process::Command {
        let exe = self.bin.join(tool);
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        if root {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            std::process::Command::new(exe)
        }
    }

    fn start() -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL's programs under /usr/lib/postgresql (scripts/setup-postgres.sh installs them)")
            .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
            .filter(|p| p.join("pg_ctl").exists())
            .max()
            .expect("a PostgreSQL with pg_ctl");
        let data = tempfile::Builder::new()
            .prefix("backroom-pg-restart")
            .tempdir()
            .expect("dir");
        let _ = std::process::Command::new("chown")
            .args(["postgres"])
            .arg(data.path())
            .status();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("port")
            .port();
        let c = Cluster { bin, data, port };
        let ok = c
            .pg("initdb")
            .arg("-D")
            .arg(c.data.path())
            .args(["-A", "trust", "-U", "postgres"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("initdb");
        assert!(ok.success(), "initdb");
        c.up();
        c
    }

    fn up(&self) {
        let ok = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.data.path())
            .args(["-l"])
            .arg(self.data.path().join("log"))
            .args([
                "-w",
                "-o",
                &format!("-p {} -c listen_addresses=127.0.0.1 -k /tmp", self.port),
                "start",
            ])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("pg_ctl start");
        assert!(ok.success(), "pg_ctl start");
    }

    fn down(&self) {
        let ok = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.data.path())
            .args(["-m", "fast", "-w", "stop"])
            .stdout(std::process::Stdio::null())
            .status()
            .expect("pg_ctl stop");
        assert!(ok.success(), "pg_ctl stop");
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/backroom", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.data.path())
            .args(["-m", "immediate", "stop"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

#[test]
fn postgresql_and_the_server_restarting_mid_sync_lose_and_double_nothing() {
    let cluster = Cluster::start();
    let rt = std::sync::Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime"),
    );
    let pool = rt
        .block_on(backroom_server::connect(&cluster.url()))
        .expect("connect");
    let start_server = |addr: &str| {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let pool = pool.clone();
        let addr = addr.to_string();
        let bound = rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind(&addr).await.expect("bind");
            let addr = listener.local_addr().expect("addr");
            tokio::spawn(backroom_server::serve(listener, pool, async {
                let _ = stopped.await;
            }));
            addr
        });
        (stop, format!("http://{bound}"))
    };
    let (stop, base) = start_server("127.0.0.1:0");
    let addr = base.trim_start_matches("http://").to_string();
    let enrol = |store: &str| {
        rt.block_on(async {
            let _ = backroom_server::add_store(&pool, store, store).await;
            backroom_server::issue_enrolment(&pool, store).await
        })
        .expect("code")
    };
    let dir = tempfile::tempdir().expect("dir");
    let mut a = seeded_till(dir.path(), "a", 1);
    let mut b = till(dir.path(), "b", 2);
    for t in [&mut a, &mut b] {
        let cred = backroom_sync::http::HttpTransport::new(&base)
            .expect("client")
            .enrol(&enrol("CORNER"))
            .expect("enrol");
        t.link_server(&backroom_store::ServerLink {
            url: base.clone(),
            store: cred.store,
            token: cred.token,
            device_code: cred.device_code,
        })
        .expect("link");
    }
    a.sync_with(&mut transport_of(&a)).expect("a");
    b.sync_with(&mut transport_of(&b)).expect("b bootstraps");
    b.set_actor("tester");

    // PostgreSQL goes down: the tills keep selling, their syncs fail and keep everything.
    cluster.down();
    for i in 0..3 {
        a.complete_sale(cash_sale(&format!("a-{i}"), "TEE-1", 1999))
            .expect("sale a");
        b.complete_sale(cash_sale(&format!("b-{i}"), "MUG-1", 950))
            .expect("sale b");
    }
    assert!(a.sync_with(&mut transport_of(&a)).is_err(), "no database");
    assert!(b.sync_with(&mut transport_of(&b)).is_err(), "no database");
    assert_eq!(a.sync_status().expect("status").pending_ops, 3);
    let health = reqwest::blocking::get(format!("{base}/healthz")).expect("healthz");
    assert_eq!(health.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);

    // It comes back: the pool reconnects; the tills' next rounds go through.
    cluster.up();
    let start = Instant::now();
    while a.sync_with(&mut transport_of(&a)).is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "never recovered");
        std::thread::sleep(Duration::from_millis(200));
    }
    // The server process restarts on the same address between b's sales and its sync.
    drop(stop);
    std::thread::sleep(Duration::from_millis(200));
    b.complete_sale(cash_sale("b-after", "TEE-1", 1999))
        .expect("sale b");
    assert!(b.sync_with(&mut transport_of(&b)).is_err(), "no server");
    let (_stop, again) = start_server(&addr);
    assert_eq!(again, base);
    b.sync_with(&mut transport_of(&b)).expect("b converges");
    a.sync_with(&mut transport_of(&a)).expect("a converges");
    b.sync_with(&mut transport_of(&b)).expect("b converges");
    assert_eq!(facts(&a), facts(&b), "both tills agree");
    assert!(a.check().expect("check").ok && b.check().expect("check").ok);
    rt.block_on(async {
        let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
            "SELECT d.last_device_seq, COUNT(c.op_id), COALESCE(MAX(c.device_seq), 0)
             FROM device d LEFT JOIN change_log c ON c.device_id = d.id GROUP BY d.id",
        )
        .fetch_all(&pool)
        .await
        .expect("devices");
        assert_eq!(rows.len(), 2);
        for (last, n, max) in rows {
            assert_eq!((n, max), (last, last), "every op once, numbers dense");
        }
    });
}
