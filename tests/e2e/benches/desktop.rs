//! Desktop benchmarks on a 100k-product / 300k-variant store, in the real window (release build
//! of the app, Xvfb, WebDriver). Not a test: prints figures for docs/benchmarks.md.
//!
//! Run: `cargo build --release -p backroom-desktop && xvfb-run -a cargo bench -p backroom-e2e`.
//! `BENCH_PRODUCTS` (default 100000) and `BENCH_MINUTES` (default 3) scale it down or up;
//! `BENCH_IPC_CALLS`, `BENCH_WEBDRIVER_CALLS` and `BENCH_KEY_EVENTS` (with `BENCH_KEY_SOURCE=x11`
//! and `BENCH_X_KEYS`; needs xdotool and gdb) add the isolation runs described below,
//! `BENCH_APP` runs the app through a wrapper (heaptrack). `BENCH_MINUTES=0` skips the selling.
//! `BENCH_DETAIL_DIR` (with `BENCH_DETAIL_FROM`) keeps the app's smaps, threads and malloc arenas
//! every minute of the session's end and prints the mappings that moved (see `Detail`).
//!
//! - cold start: app process launched by the WebDriver session → PIN screen interactive → signed
//!   in and the Sell screen's scan field present (includes WebDriver session set-up, so it is an
//!   upper bound);
//! - search-as-you-type: time measured in the page (`performance.now()`) from the input event to
//!   the first result row rendered, for 40 typed prefixes;
//! - memory: the app's RSS (from /proc) while a script sells continuously for `BENCH_MINUTES`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use backroom_e2e::{workspace, Session, ENTER};
use backroom_store::shopify::ImportOptions;
use backroom_store::{InitStore, NoProgress, Store, SystemClock, V7Ids};
use serde_json::json;

const WORDS: &[&str] = &[
    "classic", "organic", "linen", "wool", "cotton", "alpine", "coastal", "urban", "vintage",
    "nordic", "shirt", "mug", "teapot", "tote", "scarf",
];

fn catalogue(products: u64) -> String {
    let mut s = String::from("Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Tracker,Variant Inventory Qty,Variant Price,Variant Barcode,Status\n");
    for i in 0..products {
        let t = format!(
            "{} {} {i}",
            WORDS[(i % 15) as usize],
            WORDS[((i / 15) % 15) as usize]
        );
        for (k, size) in ["S", "M", "L"].iter().enumerate() {
            let code = format!("21{:010}", i * 3 + k as u64 + 1);
            let digits: Vec<u8> = code.bytes().map(|b| b - b'0').collect();
            let ean = format!(
                "{code}{}",
                backroom_domain::barcode::gs1_check_digit(&digits)
            );
            if k == 0 {
                s.push_str(&format!("p-{i},{t},<p>{t}</p>,Acme,Goods,tag,TRUE,Size,{size},B-{i:06}-{size},shopify,50,{}.99,{ean},active\n", 5 + i % 50));
            } else {
                s.push_str(&format!(
                    "p-{i},,,,,,,,{size},B-{i:06}-{size},shopify,50,{}.99,{ean},\n",
                    5 + i % 50
                ));
            }
        }
    }
    s
}

fn rss_kb(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn app_pid() -> String {
    let out = std::process::Command::new("pgrep")
        .args(["-n", "-f", "release/backroom-desktop"])
        .output()
        .expect("pgrep");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn pss_kb(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Memory in MB: the app process's RSS, and the PSS of the app with its WebKit helper
/// processes (the web content process holds the DOM and the UI's wasm memory, so it is part of
/// the app's cost; PSS shares the WebKit libraries both processes map instead of counting them
/// twice, as a sum of RSS would).
fn rss_mb(pid: &str) -> (u64, u64) {
    let out = std::process::Command::new("pgrep")
        .args(["-P", pid])
        .output()
        .expect("pgrep");
    let children: u64 = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(pss_kb)
        .sum();
    (rss_kb(pid) / 1024, (pss_kb(pid) + children) / 1024)
}

/// Where the app's RSS sits, in MB, by kind of mapping (from `/proc/<pid>/smaps`): malloc's
/// main heap, other anonymous memory (thread arenas, WebKit's own allocator, large mmaps),
/// shared memory (X SHM, memfd), libLLVM (Mesa's software GL), other shared libraries, the
/// rest (the binary, stacks, fonts, data files). Printed with every sample so a growth can be
/// attributed without rerunning the hour.
fn rss_by_kind(pid: &str) -> String {
    let kinds = ["heap", "anon", "shm", "libLLVM", "libs", "other"];
    let mut kb = [0u64; 6];
    for (_, name, rss) in mappings(pid) {
        let kind = if name == "[heap]" {
            0
        } else if name.is_empty() {
            1
        } else if name.starts_with("/SYSV")
            || name.starts_with("/dev/shm")
            || name.starts_with("/memfd")
        {
            2
        } else if name.contains("libLLVM") {
            3
        } else if name.contains(".so") {
            4
        } else {
            5
        };
        kb[kind] += rss;
    }
    kinds
        .iter()
        .zip(kb)
        .map(|(k, v)| format!("{k} {:.1}", v as f64 / 1024.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The app's mappings from `/proc/<pid>/smaps`: (address range, name, RSS kB).
fn mappings(pid: &str) -> Vec<(String, String, u64)> {
    let Ok(smaps) = std::fs::read_to_string(format!("/proc/{pid}/smaps")) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String, u64)> = Vec::new();
    for line in smaps.lines() {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            let name = words.nth(4).unwrap_or("").to_string();
            out.push((first.to_string(), name, 0));
        } else if first == "Rss:" {
            if let Some(last) = out.last_mut() {
                last.2 = words.next().and_then(|v| v.parse().ok()).unwrap_or(0);
            }
        }
    }
    out
}

/// `BENCH_DETAIL_DIR`: from minute `BENCH_DETAIL_FROM` of the selling session on (default: the
/// last 12 minutes of a long run), sample every minute and keep, per sample, the app's smaps,
/// its threads (tid and name) and, when gdb is there, glibc's arenas (each arena's address and
/// system bytes, and which arena each thread allocates from; needs libc6-dbg). Prints every
/// mapping whose RSS moved by 1 MB or more since the previous sample, so a late jump in the
/// curve can be pinned to a mapping, an arena and a thread.
struct Detail {
    dir: std::path::PathBuf,
    from_minute: u64,
    previous: std::collections::HashMap<String, u64>,
}

impl Detail {
    fn from_env(minutes: u64) -> Option<Detail> {
        let dir = std::path::PathBuf::from(std::env::var_os("BENCH_DETAIL_DIR")?);
        std::fs::create_dir_all(&dir).expect("BENCH_DETAIL_DIR: cannot create it");
        let _ = std::fs::write(
            dir.join("arenas.gdb"),
            "set $a = &main_arena\n\
             while 1\n\
             printf \"arena %p system_mem %lu\\n\", $a, $a->system_mem\n\
             set $a = $a->next\n\
             if $a == &main_arena\n\
             loop_break\n\
             end\n\
             end\n\
             thread apply all printf \"thread_arena %p\\n\", thread_arena\n",
        );
        Some(Detail {
            dir,
            from_minute: env_u64("BENCH_DETAIL_FROM", minutes.saturating_sub(12)),
            previous: Default::default(),
        })
    }

    fn sample(&mut self, pid: &str, minute: u64) {
        let maps = mappings(pid);
        let mut moved = Vec::new();
        for (range, name, kb) in &maps {
            let before = self.previous.get(range).copied().unwrap_or(0);
            if kb.abs_diff(before) >= 1024 {
                moved.push(format!(
                    "{range} {name:?} {:.1} -> {:.1} MB",
                    before as f64 / 1024.0,
                    *kb as f64 / 1024.0
                ));
            }
        }
        for (range, kb) in &self.previous {
            if *kb >= 1024 && !maps.iter().any(|(r, _, _)| r == range) {
                moved.push(format!("{range} unmapped ({:.1} MB)", *kb as f64 / 1024.0));
            }
        }
        if !self.previous.is_empty() {
            println!("  detail minute {minute}: {}", moved.join("; "));
        }
        self.previous = maps.into_iter().map(|(r, _, kb)| (r, kb)).collect();
        let _ = std::fs::copy(
            format!("/proc/{pid}/smaps"),
            self.dir.join(format!("smaps-{minute:03}.txt")),
        );
        let threads: String = std::fs::read_dir(format!("/proc/{pid}/task"))
            .map(|tasks| {
                tasks
                    .flatten()
                    .map(|t| {
                        let comm =
                            std::fs::read_to_string(t.path().join("comm")).unwrap_or_default();
                        format!("{} {}", t.file_name().to_string_lossy(), comm.trim())
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
        let _ = std::fs::write(self.dir.join(format!("threads-{minute:03}.txt")), threads);
        let script = self.dir.join("arenas.gdb");
        if let Ok(out) = std::process::Command::new("gdb")
            .args(["-p", pid, "-batch", "-x"])
            .arg(&script)
            .output()
        {
            let _ = std::fs::write(self.dir.join(format!("arenas-{minute:03}.txt")), out.stdout);
        }
    }
}

/// A number from the environment, or `default`.
fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pct(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * p) as usize).min(v.len() - 1)]
}

/// `BENCH_IPC_CALLS=N`: N bare IPC round trips (a small read command, `staff_names`) from the
/// page, with the memory every 10,000 calls: what one invoke costs the app when nothing else runs.
async fn ipc_round_trips(s: &Session, pid: &str) {
    let calls: u64 = env_u64("BENCH_IPC_CALLS", 0);
    if calls == 0 {
        return;
    }
    let script = "const n = arguments[0]; const done = arguments[arguments.length - 1];
        (async () => {
          for (let i = 0; i < n; i++) { await window.__TAURI__.core.invoke('staff_names'); }
          done(true);
        })().catch((e) => done(String(e)));";
    let t = Instant::now();
    let mut made = 0u64;
    let (app0, total0) = rss_mb(pid);
    println!("ipc: before, RSS app {app0} MB, app + WebKit PSS {total0} MB");
    while made < calls {
        let chunk = 2_000.min(calls - made);
        let v = s
            .client
            .execute_async(script, vec![json!(chunk)])
            .await
            .expect("ipc script");
        assert_eq!(v, json!(true), "invoke failed: {v}");
        made += chunk;
        if made.is_multiple_of(10_000) || made == calls {
            let (app, total) = rss_mb(pid);
            println!(
                "ipc: {made:7} calls in {:5.1?}, RSS app {app} MB, app + WebKit PSS {total} MB",
                t.elapsed()
            );
        }
    }
}

/// `BENCH_WEBDRIVER_CALLS=N`: N WebDriver commands (find an element, read its text) against
/// the idle Sell screen, with the memory every 5,000: what the test driver itself costs the app
/// (WebKit's automation session lives in the app's process), with no sale and no IPC.
async fn webdriver_round_trips(s: &Session, pid: &str) {
    let calls: u64 = env_u64("BENCH_WEBDRIVER_CALLS", 0);
    if calls == 0 {
        return;
    }
    let t = Instant::now();
    let (app0, total0) = rss_mb(pid);
    println!("webdriver: before, RSS app {app0} MB, app + WebKit PSS {total0} MB");
    for made in 1..=calls / 2 {
        let text = s.text("#total").await;
        assert!(!text.is_empty(), "the total is shown");
        if (made * 2).is_multiple_of(5_000) {
            let (app, total) = rss_mb(pid);
            println!(
                "webdriver: {:7} commands in {:5.1?}, RSS app {app} MB, app + WebKit PSS {total} MB",
                made * 2,
                t.elapsed()
            );
        }
    }
}

/// The bytes glibc's main arena has in use in the app, read by attaching gdb and calling
/// `mallinfo2()` (the app pauses for well under a second). With WebKit on the system malloc
/// (`Malloc=1`, as the app runs) this is where the UI process's own allocations live. `None`
/// when gdb is missing or cannot attach.
fn main_arena_in_use_mb(pid: &str) -> Option<f64> {
    let out = std::process::Command::new("gdb")
        .args([
            "-p",
            pid,
            "-batch",
            "-ex",
            "print (long) mallinfo2().uordblks",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().rev().find(|l| l.starts_with('$'))?;
    let bytes: f64 = line.split('=').nth(1)?.trim().parse().ok()?;
    Some(bytes / 1_048_576.0)
}

/// `BENCH_KEY_EVENTS=N`: N keystrokes into the tender amount on the idle Sell screen ("12345"
/// then five Backspaces, over and over: no search, no IPC), sent by WebDriver or, with
/// `BENCH_KEY_SOURCE=x11`, as real X key events through xdotool (what a keyboard or a
/// scanner produces). Prints the app's main-arena bytes in use before and after: what typing
/// itself costs the app (UI) process.
async fn key_events(s: &Session, pid: &str) {
    let keys: u64 = env_u64("BENCH_KEY_EVENTS", 0);
    if keys == 0 {
        return;
    }
    let x11 = std::env::var("BENCH_KEY_SOURCE").is_ok_and(|v| v == "x11");
    s.press("#tender-amount").await;
    if x11 {
        let focus = std::process::Command::new("xdotool")
            .args([
                "search",
                "--sync",
                "--onlyvisible",
                "--name",
                "^Backroom$",
                "windowfocus",
                "--sync",
            ])
            .status()
            .expect("xdotool (apt install xdotool)");
        assert!(focus.success(), "xdotool could not focus the app window");
    }
    let before = main_arena_in_use_mb(pid);
    let (app0, _) = rss_mb(pid);
    let t = Instant::now();
    let backspace = "\u{E003}".repeat(5);
    // `BENCH_X_KEYS`: ten X keysyms per cycle instead (e.g. ten `Shift_L`: key events that
    // change nothing on screen).
    let cycle: Vec<String> = std::env::var("BENCH_X_KEYS")
        .map(|v| v.split_whitespace().map(String::from).collect())
        .unwrap_or_else(|_| {
            "1 2 3 4 5 BackSpace BackSpace BackSpace BackSpace BackSpace"
                .split(' ')
                .map(String::from)
                .collect()
        });
    assert_eq!(cycle.len(), 10, "BENCH_X_KEYS takes ten keysyms");
    let mut sent = 0u64;
    while sent < keys {
        if x11 {
            let mut args = vec!["key", "--delay", "1"];
            for _ in 0..10 {
                args.extend(cycle.iter().map(String::as_str));
            }
            let ok = std::process::Command::new("xdotool")
                .args(&args)
                .status()
                .expect("xdotool");
            assert!(ok.success(), "xdotool failed");
            sent += 100;
        } else {
            s.type_into("#tender-amount", &format!("12345{backspace}"))
                .await;
            sent += 10;
        }
    }
    // Let the page catch up with every key sent (each batch ends with the field emptied), so
    // no event is still queued when the memory is read.
    let drained = Instant::now();
    let mut value = s.value("#tender-amount").await;
    while !value.is_empty() && drained.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(200)).await;
        value = s.value("#tender-amount").await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = main_arena_in_use_mb(pid);
    let (app1, _) = rss_mb(pid);
    println!(
        "keys ({}): {sent} keystrokes in {:.1?}, field now {value:?}; main arena in use {before:.1?} -> {after:.1?} MB; RSS app {app0} -> {app1} MB ({})",
        if x11 { "X11 via xdotool" } else { "WebDriver" },
        t.elapsed(),
        rss_by_kind(pid)
    );
}

async fn sign_in(s: &Session) {
    s.click_staff("Olivia Owner").await;
    s.type_into("#pin", &format!("2580{ENTER}")).await;
    s.wait("#scan").await;
}

#[tokio::main]
async fn main() {
    let products: u64 = env_u64("BENCH_PRODUCTS", 100_000);
    let minutes: u64 = env_u64("BENCH_MINUTES", 3);
    // Run the app as shipped: compositing off (the harness turns it on for screenshots).
    std::env::set_var("BACKROOM_E2E_COMPOSITING_OFF", "1");
    // `BENCH_APP` runs another binary or a wrapper (e.g. one that starts the app under
    // heaptrack); it must still exec `target/release/backroom-desktop`, which the RSS probe finds.
    let app = std::env::var_os("BENCH_APP")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| workspace().join("target/release/backroom-desktop"));
    assert!(
        app.exists(),
        "build the release app first: cargo build --release -p backroom-desktop"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("store.sqlite");
    {
        let mut store =
            Store::open_with(&db, Arc::new(SystemClock), Arc::new(V7Ids)).expect("open");
        store
            .init(InitStore {
                store_name: "Bench Store".into(),
                currency: "EUR".into(),
                tax_mode: "inclusive".into(),
                device_name: "bench".into(),
                location_code: "MAIN".into(),
                owner_name: "Olivia Owner".into(),
                owner_pin: "2580".into(),
                time_zone: "UTC".into(),
            })
            .expect("init");
        let t = Instant::now();
        let r = store
            .import_shopify(
                catalogue(products).as_bytes(),
                &ImportOptions {
                    dry_run: false,
                    location: None,
                    skip_invalid: false,
                },
                &NoProgress,
            )
            .expect("import");
        assert!(
            r.problems.is_empty(),
            "{:?}",
            &r.problems[..r.problems.len().min(3)]
        );
        println!(
            "store: {products} products, {} variants (import {:.1?})",
            products * 3,
            t.elapsed()
        );
        store.checkpoint().expect("checkpoint");
    }

    // Cold start, three times.
    let mut pin_ms = Vec::new();
    let mut sell_ms = Vec::new();
    for _ in 0..3 {
        let t0 = Instant::now();
        let s = Session::start_app(&db, &app).await;
        s.wait("#pin").await;
        pin_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        sign_in(&s).await;
        sell_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        s.client.close().await.expect("close");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!(
        "cold start → PIN screen          runs {:?} ms",
        pin_ms.iter().map(|v| v.round()).collect::<Vec<_>>()
    );
    println!(
        "cold start → signed in, Sell     runs {:?} ms",
        sell_ms.iter().map(|v| v.round()).collect::<Vec<_>>()
    );

    // Search-as-you-type and memory over a scripted selling session.
    let s = Session::start_app(&db, &app).await;
    s.wait("#pin").await;
    sign_in(&s).await;
    let pid = app_pid();
    ipc_round_trips(&s, &pid).await;
    webdriver_round_trips(&s, &pid).await;
    key_events(&s, &pid).await;
    let rss_start = rss_mb(&pid);
    println!("app RSS by kind after sign-in (MB): {}", rss_by_kind(&pid));
    let mut latencies = Vec::new();
    let script = "const q = arguments[0]; const done = arguments[arguments.length - 1];
        const el = document.querySelector('#scan');
        el.value = ''; el.dispatchEvent(new Event('input', {bubbles: true}));
        setTimeout(() => {
          const t0 = performance.now();
          el.value = q; el.dispatchEvent(new Event('input', {bubbles: true}));
          const check = () => {
            if (document.querySelectorAll('#hits li').length > 0) { done(performance.now() - t0); }
            else if (performance.now() - t0 > 5000) { done(-1); }
            else { setTimeout(check, 1); }
          };
          check();
        }, 50);";
    for i in 0..40usize {
        let w = WORDS[i % WORDS.len()];
        let q = &w[..(2 + i % 3).min(w.len())];
        let v = s
            .client
            .execute_async(script, vec![json!(q)])
            .await
            .expect("search script");
        let ms = v.as_f64().unwrap_or(-1.0);
        assert!(ms >= 0.0, "no results for '{q}' within 5 s");
        latencies.push(ms);
    }
    println!(
        "search-as-you-type (in page)     p50 {:.1} ms  p95 {:.1} ms  max {:.1} ms",
        pct(latencies.clone(), 0.5),
        pct(latencies.clone(), 0.95),
        pct(latencies, 1.0)
    );
    s.set_value("#scan", "").await;

    let started = Instant::now();
    let deadline = started + Duration::from_secs(minutes * 60);
    let mut sales = 0u64;
    let mut last_receipt = String::new();
    let mut rss_max = rss_start;
    let mut next_sample = Duration::ZERO;
    let mut samples: Vec<(u64, u64, u64, u64)> = Vec::new();
    let mut detail = Detail::from_env(minutes);
    while Instant::now() < deadline {
        if started.elapsed() >= next_sample {
            let (app, total) = rss_mb(&pid);
            let minute = started.elapsed().as_secs() / 60;
            samples.push((minute, sales, app, total));
            println!(
                "  minute {minute:3}: {sales:6} sales, RSS app {app} MB, app + WebKit PSS {total} MB (app: {})",
                rss_by_kind(&pid)
            );
            next_sample += Duration::from_secs(if minutes > 10 { 300 } else { 60 });
            if let Some(d) = detail.as_mut() {
                if minute >= d.from_minute {
                    d.sample(&pid, minute);
                }
                let every_minute_from = Duration::from_secs(d.from_minute.max(minute + 1) * 60);
                next_sample = next_sample.min(every_minute_from);
            }
        }
        // Every 20th sale, a back-office round trip: orders, stock, catalog search, back to Sell.
        if sales % 20 == 19 {
            s.press("#nav-orders").await;
            s.wait("#orders-table").await;
            s.press("#nav-stock").await;
            s.wait("#stock-table").await;
            s.press("#nav-catalog").await;
            s.type_into(
                "#catalog-search",
                WORDS[(sales as usize / 20) % WORDS.len()],
            )
            .await;
            s.wait("#catalog-table tbody tr.product-row").await;
            s.press("#nav-sell").await;
            s.wait("#scan").await;
        }
        let skus: Vec<String> = (0..2u64)
            .map(|k| format!("B-{:06}-M", (sales * 7 + k * 13 + 1) % products))
            .collect();
        for sku in &skus {
            s.type_into("#scan", &format!("{sku}{ENTER}")).await;
        }
        // Both lines in the cart; pay cash (the default tender) with a note big enough for any
        // two items (change given), so the script never races the re-quote of the total, then
        // Enter on the emptied amount completes the sale, as a cashier does.
        s.wait_text("#cart tbody", |t| {
            skus.iter().all(|k| t.contains(k.as_str()))
        })
        .await;
        s.type_into("#tender-amount", &format!("500.00{ENTER}"))
            .await;
        s.type_into("#tender-amount", ENTER).await;
        let receipt = s
            .wait_text("#receipt-number", |t| !t.is_empty() && t != last_receipt)
            .await;
        last_receipt = receipt;
        sales += 1;
        let now = rss_mb(&pid);
        rss_max = (rss_max.0.max(now.0), rss_max.1.max(now.1));
    }
    let rss_end = rss_mb(&pid);
    samples.push((
        started.elapsed().as_secs() / 60,
        sales,
        rss_end.0,
        rss_end.1,
    ));
    println!("RSS over the session (minute, sales, app RSS MB, app + WebKit PSS MB): {samples:?}");
    println!("app RSS by kind at the end (MB): {}", rss_by_kind(&pid));
    if let Some(d) = detail.as_mut() {
        d.sample(&pid, started.elapsed().as_secs() / 60);
    }
    println!(
        "memory (app RSS / app + WebKit PSS) after sign-in {}/{} MB, after {sales} sales in {minutes} min {}/{} MB, max {}/{} MB",
        rss_start.0, rss_start.1, rss_end.0, rss_end.1, rss_max.0, rss_max.1
    );
    s.client.close().await.expect("close");
}
