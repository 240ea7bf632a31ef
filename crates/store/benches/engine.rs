//! Engine benchmarks over a generated 100k-product / 300k-variant catalogue.
//!
//! Run: `cargo bench -p backroom-store --bench engine` (release build). Prints p50/p95 per
//! operation; the figures go to docs/benchmarks.md. Not a test: nothing here fails on timing.
//!
//! Steps: generate a legacy-dialect Shopify CSV (100k products × 3 sizes, each with an EAN-13
//! and an inventory quantity) in memory, import it into a fresh SQLite file through the real
//! importer (timed), then time barcode lookups, searches and stock movement commits on it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use backroom_domain::barcode::gs1_check_digit;
use backroom_store::shopify::ImportOptions;
use backroom_store::{
    Adjustment, InitStore, NoProgress, ReturnInput, ReturnLineInput, SaleInput, SaleLineInput,
    Store, SystemClock, TenderInput, V7Ids,
};
use rand_chacha::rand_core::{RngCore, SeedableRng};

const WORDS: &[&str] = &[
    "classic", "organic", "linen", "wool", "cotton", "alpine", "coastal", "urban", "vintage",
    "nordic", "rustic", "premium", "shirt", "tee", "mug", "teapot", "tote", "chinos", "scarf",
    "beanie", "socks", "jacket", "candle", "soap", "honey", "coffee", "cheese", "olive", "apron",
    "blanket",
];
const VENDORS: &[&str] = &[
    "Acme", "Lumen", "Fjord", "Brulee", "Kettle", "Oak", "Pine", "Ridge",
];

fn ean(n: u64) -> String {
    let data = format!("20{n:010}");
    let digits: Vec<u8> = data.bytes().map(|b| b - b'0').collect();
    format!("{data}{}", gs1_check_digit(&digits))
}

fn title(i: u64) -> String {
    let a = WORDS[(i * 7 % WORDS.len() as u64) as usize];
    let b = WORDS[(i * 13 / 3 % WORDS.len() as u64) as usize];
    let c = WORDS[(i / 30 % WORDS.len() as u64) as usize];
    format!("{a} {b} {c} {i}")
}

fn csv(products: u64) -> String {
    let mut s = String::with_capacity(products as usize * 400);
    s.push_str("Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Tracker,Variant Inventory Qty,Variant Price,Variant Barcode,Status\n");
    for i in 0..products {
        let handle = format!("p-{i}");
        let t = title(i);
        let vendor = VENDORS[(i % VENDORS.len() as u64) as usize];
        for (k, size) in ["S", "M", "L"].iter().enumerate() {
            let sku = format!("SKU-{i:06}-{size}");
            let code = ean(i * 3 + k as u64 + 1);
            let qty = (i + k as u64) % 40;
            let price = format!("{}.{:02}", 5 + i % 90, (i * 7) % 100);
            if k == 0 {
                s.push_str(&format!(
                    "{handle},{t},\"<p>The {t}, made well.</p>\",{vendor},Goods,\"{},{}\",TRUE,Size,{size},{sku},shopify,{qty},{price},{code},active\n",
                    WORDS[(i % 30) as usize], WORDS[((i + 5) % 30) as usize]
                ));
            } else {
                s.push_str(&format!(
                    "{handle},,,,,,,,{size},{sku},shopify,{qty},{price},{code},\n"
                ));
            }
        }
    }
    s
}

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration, Duration) {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    (at(0.50), at(0.95), at(0.99))
}

fn report(name: &str, samples: Vec<Duration>) {
    let n = samples.len();
    let (p50, p95, p99) = percentiles(samples);
    println!("{name:<40} n={n:<6} p50={p50:>10.3?} p95={p95:>10.3?} p99={p99:>10.3?}");
}

fn idle_checkpoint(store: &Store, n: usize, out: &mut Vec<Duration>) {
    if n.is_multiple_of(50) {
        let t = Instant::now();
        store.checkpoint().expect("checkpoint");
        out.push(t.elapsed());
    }
}

/// `VmHWM` (peak resident set) and `VmRSS` of this process, in MB, from `/proc/self/status`.
fn memory_mb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn fresh_store(path: &std::path::Path) -> Store {
    let mut s = Store::open_with(path, Arc::new(SystemClock), Arc::new(V7Ids)).expect("open");
    s.init(InitStore {
        store_name: "Bench".into(),
        currency: "EUR".into(),
        tax_mode: "inclusive".into(),
        device_name: "bench".into(),
        location_code: "MAIN".into(),
        owner_name: "Olivia Owner".into(),
        owner_pin: "2580".into(),
        time_zone: "UTC".into(),
    })
    .expect("init");
    s
}

/// `BENCH_MODE=import`: the figure on its own process, so the peak RSS is the
/// importer's. A 100k-row file (33,334 products × 3) is written to disk first and imported
/// from a buffered file reader, as the CLI does.
fn import_only(dir: &std::path::Path) {
    let file = dir.join("products.csv");
    std::fs::write(&file, csv(33_334)).expect("write csv");
    let (hwm, rss) = memory_mb();
    println!("before import: peak RSS {hwm} MB, RSS {rss} MB (CSV generated and dropped)");
    let mut store = fresh_store(&dir.join("import.sqlite"));
    for dry_run in [true, false] {
        let started = Instant::now();
        let f = std::fs::File::open(&file).expect("open csv");
        let r = store
            .import_shopify(
                std::io::BufReader::new(f),
                &ImportOptions {
                    dry_run,
                    ..Default::default()
                },
                &NoProgress,
            )
            .expect("import");
        let took = started.elapsed();
        let (hwm, rss) = memory_mb();
        println!(
            "shopify import {:<8} {} rows in {took:.2?}; peak RSS {hwm} MB, RSS now {rss} MB ({} products, {} movements, {} problems)",
            if dry_run { "dry run" } else { "real" },
            r.rows,
            r.products_created,
            r.stock_movements,
            r.problems.len()
        );
    }
}

/// `BENCH_MODE=check`: `check` over a store with ~350k movements (100k products × 3 imported,
/// then stock adjustments), three runs.
fn check_only(dir: &std::path::Path) {
    let mut store = fresh_store(&dir.join("check.sqlite"));
    store
        .import_shopify(
            csv(100_000).as_bytes(),
            &ImportOptions::default(),
            &NoProgress,
        )
        .expect("import");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for _ in 0..57_000 {
        let sku = format!("SKU-{:06}-M", rng.next_u64() % 100_000);
        store
            .adjust_stock(Adjustment {
                sku,
                location: "MAIN".into(),
                delta: 1,
                reason: "receipt".into(),
                ..Default::default()
            })
            .expect("adjust");
    }
    // A trading store, not only stock: 10,000 five-line sales and 2,000 returns.
    store.open_shift("MAIN", 10_000).expect("open shift");
    let mut receipts = Vec::new();
    for n in 0..10_000u64 {
        let lines: Vec<SaleLineInput> = (0..5)
            .map(|k| SaleLineInput {
                sku: format!(
                    "SKU-{:06}-{}",
                    rng.next_u64() % 100_000,
                    ["S", "M", "L"][k % 3]
                ),
                quantity: 1,
                ..Default::default()
            })
            .collect();
        let mut input = SaleInput {
            cart_id: format!("check-{n}"),
            lines,
            ..Default::default()
        };
        let total = store.quote(&input).expect("quote").total;
        input.tenders = vec![TenderInput {
            kind: "card".into(),
            amount: total,
            reference: format!("T{n}"),
            gift_card_code: None,
        }];
        receipts.push(store.complete_sale(input).expect("sale").receipt_number);
    }
    for receipt in receipts.iter().step_by(5) {
        let order = store.order(receipt).expect("order");
        let line = &order.lines[0];
        store
            .process_return(ReturnInput {
                order: Some(receipt.clone()),
                lines: vec![ReturnLineInput {
                    line_id: Some(line.id.clone()),
                    sku: line.sku.clone(),
                    quantity: 1,
                    reason: "unwanted".into(),
                    disposition: "restock".into(),
                }],
                ..Default::default()
            })
            .expect("return");
    }
    store.checkpoint().expect("checkpoint");
    // Where the time of `check` goes: SQLite's structure check per table, timed here.
    let conn = store.connection();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'catalog_fts%' AND name NOT LIKE 'sqlite_%'")
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<Result<_, _>>()
        .expect("tables");
    let t = Instant::now();
    for table in &tables {
        let _: String = conn
            .query_row(&format!("PRAGMA quick_check(\"{table}\")"), [], |r| {
                r.get(0)
            })
            .expect("quick_check");
    }
    println!(
        "  of which quick_check, table by table: {:.2?}",
        t.elapsed()
    );
    for run in 1..=3 {
        let t = Instant::now();
        let c = store.check().expect("check");
        println!(
            "check run {run}: {:.2?} (ok={}, {} movements, {} levels)",
            t.elapsed(),
            c.ok,
            c.movements,
            c.levels
        );
    }
    let t = Instant::now();
    let c = store.check_full().expect("check --full");
    println!(
        "check --full (integrity_check, foreign keys): {:.2?} (ok={})",
        t.elapsed(),
        c.ok
    );
}

/// `BENCH_MODE=apply` (`BENCH_PRODUCTS`, default 100k products × 3; `BENCH_OPS`, default
/// 100k): a second till of the same store (restored from the first's backup) applies the
/// first till's stock ops from a file, in pages; then single ops as they would trickle in.
fn apply_only(dir: &std::path::Path) {
    let products: u64 = std::env::var("BENCH_PRODUCTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let n_ops: u64 = std::env::var("BENCH_OPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let mut a = fresh_store(&dir.join("a.sqlite"));
    a.import_shopify(
        csv(products).as_bytes(),
        &ImportOptions::default(),
        &NoProgress,
    )
    .expect("import");
    let seed = dir.join("seed.sqlite");
    a.backup(&seed).expect("backup");
    let mut b = Store::open_with(
        &dir.join("b.sqlite"),
        Arc::new(SystemClock),
        Arc::new(V7Ids),
    )
    .expect("open b");
    b.restore(&seed).expect("restore");
    let since = a.last_device_seq().expect("seq");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let adjust = |a: &mut Store, rng: &mut rand_chacha::ChaCha8Rng| {
        let i = rng.next_u64() % products;
        a.adjust_stock(Adjustment {
            sku: format!("SKU-{i:06}-M"),
            location: "MAIN".into(),
            delta: 1 + (rng.next_u64() % 5) as i64,
            reason: "receipt".into(),
            ..Default::default()
        })
        .expect("adjust");
    };
    let started = Instant::now();
    for _ in 0..n_ops {
        adjust(&mut a, &mut rng);
    }
    println!(
        "{:<40} {n_ops} ops in {:.2?}",
        "ops written on till A",
        started.elapsed()
    );
    let ops = a.ops_after(since).expect("ops");
    let bytes: usize = ops.iter().map(|o| o.body.to_string().len()).sum();
    let lines: usize = ops.iter().map(|o| o.to_line().len() + 1).sum();
    println!(
        "{:<40} body {} B/op, line {} B/op (JSON)",
        "stock.adjusted size",
        bytes / ops.len().max(1),
        lines / ops.len().max(1)
    );
    let file: String = ops.iter().map(|o| o.to_line() + "\n").collect();
    let packed = zstd::encode_all(file.as_bytes(), 3).expect("zstd");
    println!(
        "{:<40} {} B as JSON lines, {} B zstd-3 ({:.1} B/op, {:.1}x)",
        "the 100k-op file",
        file.len(),
        packed.len(),
        packed.len() as f64 / ops.len().max(1) as f64,
        file.len() as f64 / packed.len().max(1) as f64
    );
    let started = Instant::now();
    let r = b.apply_all(&ops).expect("apply");
    let took = started.elapsed();
    println!(
        "{:<40} {} ops in {took:.2?} ({:.0} ops/s; {} applied, {} deferred)",
        "apply onto till B (pages of APPLY_PAGE)",
        ops.len(),
        ops.len() as f64 / took.as_secs_f64(),
        r.applied,
        r.deferred
    );
    let started = Instant::now();
    let (wal, done) = b.checkpoint().expect("checkpoint");
    println!(
        "{:<40} {wal} WAL pages, {done} copied in {:.2?}",
        "idle checkpoint on B afterwards",
        started.elapsed()
    );
    let mut single = Vec::new();
    for _ in 0..300 {
        let since = a.last_device_seq().expect("seq");
        adjust(&mut a, &mut rng);
        let op = a.ops_after(since).expect("ops").remove(0);
        let started = Instant::now();
        b.apply(&op).expect("apply one");
        single.push(started.elapsed());
    }
    report("apply one op (store of 300k variants)", single);
    let c = b.check().expect("check");
    println!(
        "check on till B: ok={} ({} findings)",
        c.ok,
        c.findings.len()
    );
}

/// `BENCH_MODE=sizes`: every recorded op body (`tests/fixtures/ops/v1/bodies.json`, one per
/// kind and version) in bytes: compact JSON, and zstd level 3 alone (a single op; a batch
/// compresses far better, see the apply bench).
fn sizes_only() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/ops/v1/bodies.json");
    let text = std::fs::read_to_string(&path).expect("bodies.json");
    let bodies: std::collections::BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&text).expect("bodies");
    println!("| kind@version | JSON bytes | zstd-3 bytes (one op alone) |");
    println!("|---|---|---|");
    for (kind, body) in bodies {
        let json = body.to_string();
        let packed = zstd::encode_all(json.as_bytes(), 3).expect("zstd");
        println!("| `{kind}` | {} | {} |", json.len(), packed.len());
    }
}

fn main() {
    match std::env::var("BENCH_MODE").as_deref() {
        Ok("sizes") => return sizes_only(),
        Ok("import") => return import_only(tempfile::tempdir().expect("dir").path()),
        Ok("check") => return check_only(tempfile::tempdir().expect("dir").path()),
        Ok("apply") => return apply_only(tempfile::tempdir().expect("dir").path()),
        _ => {}
    }
    let products: u64 = std::env::var("BENCH_PRODUCTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.sqlite");
    let mut store = fresh_store(&path);

    let text = csv(products);
    let rows = products * 3;
    println!(
        "catalogue: {products} products, {rows} variants, CSV {} MB",
        text.len() / 1_000_000
    );
    let started = Instant::now();
    let r = store
        .import_shopify(
            text.as_bytes(),
            &ImportOptions {
                dry_run: true,
                location: None,
                ..Default::default()
            },
            &NoProgress,
        )
        .expect("dry run");
    println!(
        "{:<40} {rows} rows in {:.2?} ({} problems)",
        "shopify import dry run",
        started.elapsed(),
        r.problems.len()
    );
    let started = Instant::now();
    let r = store
        .import_shopify(
            text.as_bytes(),
            &ImportOptions {
                dry_run: false,
                location: None,
                ..Default::default()
            },
            &NoProgress,
        )
        .expect("import");
    let took = started.elapsed();
    assert!(
        r.problems.is_empty(),
        "generated CSV must import cleanly: {:?}",
        &r.problems[..r.problems.len().min(3)]
    );
    println!(
        "{:<40} {rows} rows in {took:.2?} ({:.0} rows/s; {} products, {} movements)",
        "shopify import (real)",
        rows as f64 / took.as_secs_f64(),
        r.products_created,
        r.stock_movements
    );
    if std::env::var("BENCH_IMPORT_ONLY").is_ok() {
        return;
    }
    // 100k rows specifically (the figure): a fresh import of the first third.
    {
        let path = dir.path().join("bench-100k.sqlite");
        let mut s2 = fresh_store(&path);
        let third = csv(products / 3);
        let started = Instant::now();
        s2.import_shopify(
            third.as_bytes(),
            &ImportOptions {
                dry_run: false,
                location: None,
                ..Default::default()
            },
            &NoProgress,
        )
        .expect("import");
        println!(
            "{:<40} {} rows in {:.2?}",
            "shopify import (real, ~100k rows)",
            (products / 3) * 3,
            started.elapsed()
        );
    }

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let mut pick = |n: u64| rng.next_u64() % n;

    let mut samples = Vec::new();
    for _ in 0..20_000 {
        let code = ean(pick(rows) + 1);
        let t = Instant::now();
        let hit = store.lookup_barcode(&code).expect("lookup");
        samples.push(t.elapsed());
        assert!(hit.is_some(), "every generated barcode exists");
    }
    report("barcode lookup (EAN-13)", samples);

    let mut samples = Vec::new();
    let mut total_hits = 0;
    for i in 0..3_000u64 {
        // What people type: a prefix of a word, two words, a SKU fragment, a vendor.
        let q = match i % 4 {
            0 => WORDS[pick(30) as usize][..3].to_string(),
            1 => format!(
                "{} {}",
                WORDS[pick(30) as usize],
                &WORDS[pick(30) as usize][..2]
            ),
            2 => format!("SKU-{:04}", pick(10_000)),
            _ => VENDORS[pick(8) as usize].to_lowercase(),
        };
        let t = Instant::now();
        let hits = store.search(&q, 20).expect("search");
        samples.push(t.elapsed());
        total_hits += hits.len();
    }
    report("search (20 results, ranked)", samples);
    println!("  (average {} hits per query)", total_hits / 3_000);

    // The app checkpoints the WAL when the till is idle (Store::checkpoint); here that happens
    // every 50 operations, outside the timed section, and its cost is reported on its own.
    let mut checkpoints = Vec::new();
    store.checkpoint().expect("checkpoint");
    let mut samples = Vec::new();
    for _ in 0..5_000 {
        let sku = format!("SKU-{:06}-M", pick(products));
        let t = Instant::now();
        store
            .adjust_stock(Adjustment {
                sku,
                location: "MAIN".into(),
                delta: 1,
                reason: "receipt".into(),
                ..Default::default()
            })
            .expect("adjust");
        samples.push(t.elapsed());
        idle_checkpoint(&store, samples.len(), &mut checkpoints);
    }
    report("stock movement commit (+audit +outbox)", samples);

    // Counter: 5-line sales with a split tender, returns, and a Z-report over 10k orders.
    store.open_shift("MAIN", 10_000).expect("open shift");
    let mut samples = Vec::new();
    let mut receipts = Vec::new();
    for n in 0..10_000u64 {
        let lines: Vec<SaleLineInput> = (0..5)
            .map(|k| SaleLineInput {
                sku: format!("SKU-{:06}-{}", pick(products), ["S", "M", "L"][k % 3]),
                quantity: 1,
                ..Default::default()
            })
            .collect();
        let mut input = SaleInput {
            cart_id: format!("bench-{n}"),
            lines,
            ..Default::default()
        };
        let total = store.quote(&input).expect("quote").total;
        input.tenders = vec![
            TenderInput {
                kind: "card".into(),
                amount: total / 2,
                reference: format!("T{n}"),
                gift_card_code: None,
            },
            TenderInput {
                kind: "cash".into(),
                amount: total - total / 2 + 500,
                ..Default::default()
            },
        ];
        let t = Instant::now();
        let o = store.complete_sale(input).expect("sale");
        samples.push(t.elapsed());
        idle_checkpoint(&store, samples.len(), &mut checkpoints);
        receipts.push(o.receipt_number);
    }
    report("sale commit (5 lines, card+cash)", samples);

    let mut samples = Vec::new();
    for k in 0..2_000usize {
        let receipt = &receipts[k * 5];
        let order = store.order(receipt).expect("order");
        let line = &order.lines[k % 5];
        let t = Instant::now();
        store
            .process_return(ReturnInput {
                order: Some(receipt.clone()),
                lines: vec![ReturnLineInput {
                    line_id: Some(line.id.clone()),
                    sku: line.sku.clone(),
                    quantity: 1,
                    reason: "unwanted".into(),
                    disposition: "restock".into(),
                }],
                ..Default::default()
            })
            .expect("return");
        samples.push(t.elapsed());
        idle_checkpoint(&store, samples.len(), &mut checkpoints);
    }
    report("return (1 line, to original tenders)", samples);

    let shift = store
        .current_shift("MAIN")
        .expect("shift")
        .expect("open shift");
    let mut samples = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let z = store.z_report(&shift).expect("z");
        samples.push(t.elapsed());
        assert_eq!(z.orders, 10_000);
    }
    report("Z-report (10k orders, 2k returns)", samples);
    let t = Instant::now();
    store
        .close_shift_with(backroom_store::CloseShiftInput {
            location: "MAIN".into(),
            reason: "bench: the drawer is not counted".into(),
            ..Default::default()
        })
        .expect("close");
    println!(
        "{:<40} {:.2?}",
        "close shift (writes the Z-report)",
        t.elapsed()
    );

    report("idle WAL checkpoint (every 50 ops)", checkpoints);

    let t = Instant::now();
    let c = store.check().expect("check");
    println!(
        "{:<40} {:.2?} (ok={}, {} movements)",
        "check (full ledger recompute)",
        t.elapsed(),
        c.ok,
        c.movements
    );
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    println!("database file: {} MB", size / 1_000_000);
}
