//! CLI tests: run the built `backroom` binary against real SQLite files, as a script would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Cli {
        Cli {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("store.sqlite")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_backroom"))
            .arg("--db")
            .arg(self.db())
            .args(args)
            .env_remove("BACKROOM_DB")
            .env_remove("BACKROOM_STAFF")
            .env_remove("BACKROOM_PIN")
            .env("BACKROOM_OWNER_PIN", "1234")
            .output()
            .expect("run backroom")
    }

    /// Runs and asserts success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "backroom {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs and asserts failure; returns stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "backroom {args:?} should have failed but printed {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("--json prints JSON")
    }
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/shopify")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn using_a_store_before_init_says_how_to_fix_it() {
    let cli = Cli::new();
    let err = cli.fails(&["stock", "levels"]);
    assert!(
        err.contains("backroom init"),
        "the error should say to run init: {err}"
    );
}

#[test]
fn init_then_stock_workflow_end_to_end() {
    let cli = Cli::new();
    cli.ok(&["init", "--store-name", "Corner Shop", "--currency", "EUR"]);
    let err = cli.fails(&["init", "--store-name", "Again"]);
    assert!(err.contains("already set up"), "{err}");
    cli.ok(&["location", "add", "WH", "Warehouse", "--kind", "warehouse"]);
    cli.ok(&[
        "import",
        "shopify",
        &fixture("products_legacy.csv"),
        "--location",
        "WH",
    ]);

    let levels = cli.json(&["stock", "levels", "--location", "WH"]);
    let rows = levels.as_array().expect("levels is a list");
    assert!(!rows.is_empty(), "the import put stock at WH");
    let sku = rows[0]["sku"].as_str().unwrap().to_string();
    let before = rows[0]["available"].as_i64().unwrap();

    cli.ok(&[
        "stock",
        "receive",
        &sku,
        "5",
        "--location",
        "WH",
        "--reference",
        "PO-9",
    ]);
    cli.ok(&[
        "stock",
        "adjust",
        &sku,
        "-1",
        "--location",
        "WH",
        "--reason",
        "shrinkage",
        "--note",
        "lost",
    ]);
    cli.ok(&[
        "stock",
        "move",
        &sku,
        "1",
        "--location",
        "WH",
        "--from",
        "available",
        "--to",
        "damaged",
    ]);
    let number = cli.json(&[
        "stock",
        "transfer",
        "create",
        "--from",
        "WH",
        "--to",
        "MAIN",
        &format!("{sku}=2"),
    ])["number"]
        .as_str()
        .unwrap()
        .to_string();
    cli.ok(&["stock", "transfer", "send", &number]);
    let t = cli.json(&[
        "stock",
        "transfer",
        "receive",
        &number,
        &format!("{sku}=1"),
        "--close",
    ]);
    assert_eq!(t["status"], "received");
    assert_eq!(t["lines"][0]["discrepancy"], 1, "one unit recorded missing");

    let wh = cli.json(&["stock", "levels", "--location", "WH"]);
    let row = wh
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sku"] == sku.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["available"].as_i64().unwrap(), before + 5 - 1 - 1 - 2);
    assert_eq!(row["damaged"], 1);

    let count = cli.json(&["stock", "count", "start", "--location", "MAIN"])["count_id"]
        .as_str()
        .unwrap()
        .to_string();
    cli.ok(&["stock", "count", "scan", &count, &sku, &sku, &sku]);
    let view = cli.json(&["stock", "count", "show", &count]);
    assert_eq!(
        view["lines"][0]["counted"], 3,
        "three scans count three units"
    );
    cli.ok(&["stock", "count", "apply", &count]);
    let main = cli.json(&["stock", "levels", "--location", "MAIN"]);
    let row = main
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["sku"] == sku.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        row["available"], 3,
        "count corrected MAIN to what was scanned"
    );

    let check = cli.json(&["check"]);
    assert_eq!(check["ok"], true, "{check}");
    let history = cli.json(&["stock", "history", &sku]);
    let reasons: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["reason"].as_str().unwrap())
        .collect();
    for r in [
        "import",
        "receipt",
        "shrinkage",
        "damage",
        "transfer_out",
        "transfer_in",
        "transfer_discrepancy",
        "count_correction",
    ] {
        assert!(
            reasons.contains(&r),
            "history should show a {r} movement: {reasons:?}"
        );
    }
}

#[test]
fn errors_name_the_field_and_exit_non_zero() {
    let cli = Cli::new();
    cli.ok(&["init", "--store-name", "Corner Shop"]);
    let err = cli.fails(&["stock", "receive", "NOPE", "1", "--location", "MAIN"]);
    assert!(err.starts_with("error: sku:"), "names the field: {err}");
    let err = cli.fails(&["location", "add", "bad code!", "X"]);
    assert!(err.contains("code"), "{err}");
    let err = cli.fails(&["init", "--store-name", "X", "--currency", "EURO"]);
    assert!(
        err.contains("already set up") || err.contains("currency"),
        "{err}"
    );
    let fresh = Cli::new();
    let err = fresh.fails(&["init", "--store-name", "X", "--currency", "EURO"]);
    assert!(
        err.contains("currency"),
        "bad currency names the field: {err}"
    );
}

#[test]
fn dry_run_reports_and_writes_nothing_then_import_export_round_trips() {
    let cli = Cli::new();
    cli.ok(&["init", "--store-name", "Corner Shop"]);
    let dry = cli.json(&[
        "import",
        "shopify",
        &fixture("products_legacy.csv"),
        "--dry-run",
    ]);
    assert_eq!(dry["dry_run"], true);
    assert!(
        dry["products_created"].as_u64().unwrap() > 0,
        "the dry run previews creations: {dry}"
    );
    let summary = cli.json(&["summary"]);
    assert_eq!(summary["products"], 0, "a dry run writes nothing");

    cli.ok(&["import", "shopify", &fixture("products_legacy.csv")]);
    let out1 = cli.dir.path().join("out1.csv");
    cli.ok(&["export", "shopify", out1.to_str().unwrap()]);
    let again = cli.json(&["import", "shopify", out1.to_str().unwrap()]);
    assert_eq!(
        again["products_created"], 0,
        "re-importing our own export creates nothing: {again}"
    );
    assert_eq!(again["products_updated"], 0, "and changes nothing: {again}");

    let bad = cli.run(&[
        "--json",
        "import",
        "shopify",
        &fixture("products_errors.csv"),
    ]);
    assert!(!bad.status.success(), "a file with problems exits non-zero");
    let report: serde_json::Value =
        serde_json::from_slice(&bad.stdout).expect("the report is still printed");
    let problems = report["problems"].as_array().unwrap();
    assert!(
        !problems.is_empty()
            && problems
                .iter()
                .all(|p| p["row"].as_u64().unwrap() >= 2
                    && !p["column"].as_str().unwrap().is_empty())
    );
}

#[test]
fn demo_is_deterministic_per_seed_and_healthy() {
    let a = Cli::new();
    let b = Cli::new();
    a.ok(&["demo", "--seed", "9", "--products", "25", "--days", "5"]);
    b.ok(&["demo", "--seed", "9", "--products", "25", "--days", "5"]);
    let sa = a.json(&["summary"]);
    assert_eq!(sa, b.json(&["summary"]), "same seed, same store");
    assert_eq!(sa["locations"], 3);
    assert!(
        sa["movements"].as_u64().unwrap() > 100,
        "the demo has a real stock history: {sa}"
    );
    let ea = a.dir.path().join("a.csv");
    let eb = b.dir.path().join("b.csv");
    a.ok(&["export", "shopify", ea.to_str().unwrap()]);
    b.ok(&["export", "shopify", eb.to_str().unwrap()]);
    assert_eq!(
        std::fs::read(&ea).unwrap(),
        std::fs::read(&eb).unwrap(),
        "same seed, byte-identical catalogue"
    );
    let ids = |c: &Cli| -> Vec<String> {
        let conn = Command::new("sqlite3")
            .arg(c.db())
            .arg("SELECT op_id FROM outbox ORDER BY device_seq")
            .output();
        conn.map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
    };
    assert_eq!(ids(&a), ids(&b), "even the op ids are deterministic");
    assert_eq!(a.json(&["check"])["ok"], true);
    let alerts = a.json(&["stock", "alerts"]);
    assert!(
        alerts.as_array().is_some(),
        "alerts report runs on the demo"
    );
    let err = a.fails(&["demo"]);
    assert!(
        err.contains("new --db"),
        "the demo refuses to overwrite a store: {err}"
    );
}

#[test]
fn backup_and_restore() {
    let cli = Cli::new();
    cli.ok(&["init", "--store-name", "Corner Shop"]);
    cli.ok(&["location", "add", "NORTH", "North"]);
    let backup = cli.dir.path().join("backup.sqlite");
    cli.ok(&["backup", backup.to_str().unwrap()]);
    cli.ok(&["location", "add", "SOUTH", "South"]);
    assert_eq!(cli.json(&["location", "list"]).as_array().unwrap().len(), 3);
    cli.ok(&["restore", backup.to_str().unwrap()]);
    assert_eq!(
        cli.json(&["location", "list"]).as_array().unwrap().len(),
        2,
        "restore brings back the backup's state"
    );
    let err = cli.fails(&["backup", backup.to_str().unwrap()]);
    assert!(err.contains("already exists"), "{err}");

    // The restored store is a new device: its own ops start at 1, and `ops export` carries
    // them (with `--all-devices`, the backup's history too).
    cli.ok(&["location", "add", "EAST", "East"]);
    let ops = cli.dir.path().join("ops.jsonl");
    let said = cli.ok(&["ops", "export", ops.to_str().unwrap()]);
    assert!(said.contains("1 ops written"), "{said}");
    let text = std::fs::read_to_string(&ops).expect("ops file");
    let op: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(
        (op["kind"].as_str(), op["device_seq"].as_i64()),
        (Some("location.created"), Some(1))
    );
    let all = cli.ok(&["ops", "export", "-", "--all-devices"]);
    assert_eq!(all.lines().count(), 3, "init, NORTH, then EAST: {all}");
    let err = cli.fails(&["ops", "export", ops.to_str().unwrap()]);
    assert!(err.contains("file"), "never over an existing file: {err}");
}

#[test]
fn search_scan_and_price() {
    let cli = Cli::new();
    cli.ok(&["demo", "--seed", "3", "--products", "30", "--days", "2"]);
    let hits = cli.json(&["search", "d00001"]);
    let h = hits
        .as_array()
        .and_then(|h| h.first())
        .cloned()
        .expect("every demo store has product D00001");
    assert!(
        h["sku"].as_str().unwrap().starts_with("D00001"),
        "SKU prefix search: {h}"
    );
    let code = h["barcodes"][0].as_str().unwrap().to_string();
    let scan = cli.json(&["scan", &code]);
    assert_eq!(
        scan["variant"]["sku"], h["sku"],
        "scanning a result's barcode finds it"
    );
    let price = cli.json(&["price", h["sku"].as_str().unwrap(), "--at", "2026-01-10"]);
    assert_eq!(
        price["price_minor"], h["price_minor"],
        "no price list applies in January: base price"
    );
    let err = cli.fails(&["scan", "4006381333932"]);
    assert!(err.contains("check digit"), "{err}");
}

#[test]
fn counter_workflow_as_staff_with_approval_and_z_report() {
    let cli = Cli::new();
    cli.ok(&["demo", "--seed", "5", "--products", "20", "--days", "1"]);
    let sku = cli.json(&["search", "d00002"])[0]["sku"]
        .as_str()
        .expect("a demo SKU")
        .to_string();
    let as_casey = |args: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = vec![
            "--staff".into(),
            "Casey Cashier".into(),
            "--pin".into(),
            "1111".into(),
        ];
        v.extend(args.iter().map(|s| s.to_string()));
        v
    };
    let run = |args: Vec<String>| cli.run(&args.iter().map(String::as_str).collect::<Vec<_>>());

    let out = run(as_casey(&[
        "--json",
        "shift",
        "open",
        "--location",
        "MAIN",
        "--float",
        "100.00",
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shift: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shift = shift["shift"].as_str().unwrap().to_string();

    // A price override by a cashier needs a manager's approval.
    let line = format!("{sku}=1@1.00");
    let out = run(as_casey(&[
        "sale",
        "complete",
        "--location",
        "MAIN",
        "--line",
        &line,
        "--tender",
        "cash=1.00",
    ]));
    assert!(
        !out.status.success(),
        "the override must be refused without approval"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("approval"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(as_casey(&[
        "--json",
        "sale",
        "complete",
        "--location",
        "MAIN",
        "--line",
        &line,
        "--tender",
        "cash=5.00",
        "--approve-by",
        "Morgan Manager",
        "--approve-pin",
        "2222",
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let order: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(order["total"], 100);
    assert_eq!(order["change_due"], 400);
    assert!(
        order["approver"].is_string(),
        "the approver is recorded: {order}"
    );
    let receipt = order["receipt_number"].as_str().unwrap().to_string();

    // Return it to store credit is a different tender: approval again. Refund to cash instead.
    let ret_line = format!("{sku}=1:defective:damaged");
    let out = run(as_casey(&[
        "--json", "return", &receipt, "--line", &ret_line,
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ret: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ret["refund_total"], 100);
    let again = run(as_casey(&["return", &receipt, "--line", &ret_line]));
    assert!(!again.status.success(), "cannot return more than was sold");

    let escpos = cli.dir.path().join("r.bin");
    cli.ok(&[
        "sale",
        "receipt",
        &receipt,
        "--escpos",
        escpos.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&escpos).unwrap();
    assert_eq!(
        &bytes[bytes.len() - 4..],
        &[0x1D, b'V', 66, 0],
        "the receipt ends with a cut"
    );

    let out = run(as_casey(&[
        "--json",
        "shift",
        "close",
        "--location",
        "MAIN",
        "--counted",
        "100.00",
    ]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let z = cli.json(&["report", "z", &shift]);
    assert_eq!(z["orders"], 1);
    assert_eq!(z["returns"], 1);
    assert_eq!(
        z["expected_cash"], 10_000,
        "float + 1.00 sale − 1.00 refund"
    );
    assert_eq!(z["variance"], 0);
    let sales = cli.json(&[
        "report",
        "sales",
        "--from",
        "2026-01-01",
        "--to",
        "2027-01-01",
    ]);
    assert!(
        sales["orders"].as_i64().unwrap() > 1,
        "the demo day plus this sale: {sales}"
    );
    assert_eq!(cli.json(&["check"])["ok"], true);
}

#[test]
fn receipt_reaches_a_network_printer() {
    use std::io::Read;
    let cli = Cli::new();
    cli.ok(&["demo", "--seed", "6", "--products", "10", "--days", "1"]);
    let receipt = {
        let conn = Command::new("sqlite3")
            .arg(cli.db())
            .arg("SELECT receipt_number FROM sale_order LIMIT 1")
            .output()
            .unwrap();
        String::from_utf8_lossy(&conn.stdout).trim().to_string()
    };
    assert!(!receipt.is_empty(), "the demo day made sales");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        buf
    });
    cli.ok(&["sale", "receipt", &receipt, "--printer", &addr]);
    let bytes = server.join().unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains(&receipt), "the printer got the receipt text");
    assert_eq!(
        &bytes[bytes.len() - 4..],
        &[0x1D, b'V', 66, 0],
        "and the cut command"
    );
}

#[test]
fn amounts_print_in_the_store_currency_and_a_closed_pipe_ends_quietly() {
    let cli = Cli::new();
    cli.ok(&["init", "--store-name", "Kissa", "--currency", "JPY"]);
    let file = cli.dir.path().join("p.csv");
    std::fs::write(
        &file,
        "Handle,Title,Variant SKU,Variant Price,Variant Inventory Tracker,Variant Inventory Qty\n\
         matcha,Matcha,MAT-1,1200,shopify,5\n",
    )
    .unwrap();
    cli.ok(&["import", "shopify", file.to_str().unwrap()]);
    let hits = cli.ok(&["search", "matcha"]);
    assert!(
        hits.contains(" 1200 JPY"),
        "a zero-decimal currency prints no decimals: {hits}"
    );
    assert!(!hits.contains("12.00"), "{hits}");

    // The reader goes away before the listing is written: no panic message, status 141.
    let mut child = Command::new(env!("CARGO_BIN_EXE_backroom"))
        .arg("--db")
        .arg(cli.db())
        .args(["search", "matcha"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "",
        "a closed pipe prints nothing on stderr"
    );
    assert_eq!(
        out.status.code(),
        Some(141),
        "128 + SIGPIPE, as cat or grep"
    );
}

#[test]
fn the_printed_z_report_line_adds_up_with_voids() {
    let cli = Cli::new();
    // UTC, so `date -u` below names the store's day.
    cli.ok(&["init", "--store-name", "Corner", "--time-zone", "UTC"]);
    let file = cli.dir.path().join("p.csv");
    std::fs::write(
        &file,
        "Handle,Title,Variant SKU,Variant Price,Variant Inventory Tracker,Variant Inventory Qty\n\
         mug,Mug,MUG-1,9.00,shopify,5\n",
    )
    .unwrap();
    cli.ok(&["import", "shopify", file.to_str().unwrap()]);
    let shift = cli.json(&["shift", "open", "--location", "MAIN", "--float", "50.00"]);
    let shift = shift["shift"].as_str().unwrap().to_string();
    let sale = |cash: &str| {
        cli.json(&[
            "sale",
            "complete",
            "--location",
            "MAIN",
            "--line",
            "MUG-1=1",
            "--tender",
            cash,
        ])
    };
    sale("cash=10.00");
    let voided = sale("cash=9.00");
    cli.ok(&[
        "sale",
        "void",
        voided["receipt_number"].as_str().unwrap(),
        "--reason",
        "wrong item",
    ]);
    let z = cli.ok(&["report", "z", &shift]);
    let cash = z
        .lines()
        .find(|l| l.trim_start().starts_with("cash "))
        .unwrap_or_else(|| panic!("a cash line: {z}"));
    let words: Vec<&str> = cash.split_whitespace().collect();
    let after = |label: &str| {
        let i = words.iter().position(|w| *w == label).expect(label);
        words[i + 1]
    };
    assert_eq!(
        (
            after("sales"),
            after("refunds"),
            after("voids"),
            after("net")
        ),
        ("18.00", "0.00", "-9.00", "9.00"),
        "sales + refunds + voids = net on the printed line: {cash}"
    );
    assert!(z.contains("expected cash 59.00"), "{z}");
    // A plain --to date includes that day; a reversed range is an error, never a silent zero.
    let today = String::from_utf8(
        Command::new("date")
            .args(["-u", "+%F"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let today = today.trim();
    let day = cli.json(&["report", "sales", "--from", today, "--to", today]);
    assert_eq!(
        day["orders"], 1,
        "today's one kept sale, from and to both today: {day}"
    );
    let err = cli.fails(&["report", "sales", "--from", today, "--to", "2000-01-01"]);
    assert!(err.contains("to: the range ends before it starts"), "{err}");
    // The dashboard's figures ride along: the one kept sale, its average and units.
    let dash = &day["dashboard"]["kpis"];
    assert_eq!(dash["orders"], 1, "{day}");
    assert_eq!(dash["total"], day["net_sales"], "{day}");
    assert_eq!(dash["aov"], day["net_sales"], "{day}");
    let text = cli.ok(&["report", "sales", "--from", today, "--to", today]);
    assert!(text.contains("best sellers (net revenue):"), "{text}");
    let fbt = cli.json(&["report", "fbt", "MUG-1"]);
    assert_eq!(
        fbt["items"].as_array().map(Vec::len),
        Some(0),
        "one sale pairs nothing: {fbt}"
    );
    let err = cli.fails(&["report", "fbt", "NOPE-404"]);
    assert!(err.contains("product"), "{err}");
    let rules = cli.json(&["alert", "rules"]);
    assert_eq!(rules.as_array().map(Vec::len), Some(6), "{rules}");
    cli.ok(&[
        "alert",
        "rule",
        "csat_below",
        "--threshold",
        "80",
        "--min-n",
        "5",
    ]);
    let err = cli.fails(&["alert", "rule", "csat_below", "--threshold", "180"]);
    assert!(err.contains("threshold_milli"), "{err}");
    let open = cli.json(&["alert", "check"]);
    assert!(open.is_array(), "{open}");
    let gift = cli.ok(&["gift-card", "issue", "GIFT-0001", "25.00"]);
    assert!(!gift.is_empty());
    let shown = cli.ok(&["gift-card", "show", "GIFT-0001"]);
    assert!(shown.contains("balance 25.00 of 25.00"), "{shown}");
}

#[test]
fn two_gift_cards_get_back_their_own_share_and_a_price_label_keeps_its_quantity() {
    let cli = Cli::new();
    cli.ok(&["init", "--store-name", "Corner"]);
    let file = cli.dir.path().join("p.csv");
    // A deli item whose shelf label carries its price (GS1 prefix 23).
    std::fs::write(
        &file,
        "Handle,Title,Variant SKU,Variant Price,Variant Barcode,Variant Inventory Tracker,Variant Inventory Qty\n\
         mug,Mug,MUG-1,25.00,,shopify,10\n\
         olives,Olives,OLIVES,0.00,2300042000005,shopify,10\n",
    )
    .unwrap();
    cli.ok(&["import", "shopify", file.to_str().unwrap()]);
    cli.ok(&["gift-card", "issue", "GIFT-000A", "30.00"]);
    cli.ok(&["gift-card", "issue", "GIFT-000B", "20.00"]);
    let sale = cli.json(&[
        "sale",
        "complete",
        "--location",
        "MAIN",
        "--line",
        "MUG-1=2",
        "--tender",
        "gift_card=30.00:GIFT-000A",
        "--tender",
        "gift_card=20.00:GIFT-000B",
    ]);
    let receipt = sale["receipt_number"].as_str().unwrap().to_string();
    let balance = |code: &str| cli.json(&["gift-card", "show", code])["balance"].clone();
    for (half, (a, b)) in [(1, (1500, 1000)), (2, (3000, 2000))] {
        let back = cli.ok(&["return", &receipt, "--line", "MUG-1=1:defective:restock"]);
        assert!(back.contains("refunded 25.00"), "return {half}: {back}");
        // The refund slip prints (and reprints) from the CLI by the return's number.
        let number = back.split_whitespace().next().unwrap();
        let slip = cli.ok(&["sale", "receipt", number, "--duplicate"]);
        assert!(
            slip.contains(&format!("RETURN of {receipt}")) && slip.contains("DUPLICATE"),
            "{slip}"
        );
        assert_eq!(
            (balance("GIFT-000A"), balance("GIFT-000B")),
            (serde_json::json!(a), serde_json::json!(b)),
            "after return {half}, each card has back its share of what it paid"
        );
    }
    let shown = cli.ok(&["gift-card", "show", "GIFT-000A"]);
    assert!(shown.contains("balance 30.00 of 30.00"), "{shown}");
    assert_eq!(cli.json(&["check"])["ok"], true);

    let quote = cli.ok(&[
        "sale",
        "quote",
        "--location",
        "MAIN",
        "--line",
        "2300042004997=2",
    ]);
    assert!(
        quote.contains("total 9.98"),
        "two 4.99 labels are 9.98, printed as money: {quote}"
    );
}

#[test]
fn a_zurich_deli_weighs_cheese_and_rounds_cash_to_five_rappen() {
    let cli = Cli::new();
    cli.ok(&["init", "--store-name", "Käserei", "--currency", "CHF"]);
    let file = cli.dir.path().join("cheese.json");
    std::fs::write(
        &file,
        r#"{"handle":"bergkaese","title":"Bergkäse","status":"active","variants":[
            {"sku":"CHEESE","sale_unit":"kg","price_minor":2490,"inventory_tracked":true,"inventory_policy":"deny"}]}"#,
    )
    .unwrap();
    cli.ok(&["product", "save", file.to_str().unwrap()]);
    let got = cli.ok(&["stock", "receive", "CHEESE", "5.25", "--location", "MAIN"]);
    assert!(got.contains("5250"), "5.25 kg is 5250 g in stock: {got}");
    let e = cli.fails(&["stock", "receive", "CHEESE", "5.2555", "--location", "MAIN"]);
    assert!(e.contains("quantity") && e.contains("kg"), "{e}");
    // 0.3 kg at 24.90/kg is 7.47; in cash that is 7.45.
    let quote = cli.ok(&["sale", "quote", "--line", "CHEESE=0.3"]);
    assert!(
        quote.contains("total 7.47") && quote.contains("in cash 7.45"),
        "{quote}"
    );
    let e = cli.fails(&[
        "sale",
        "complete",
        "--line",
        "CHEESE=0.3",
        "--tender",
        "cash=7.47",
    ]);
    assert!(
        e.contains("tenders[0].amount") && e.contains("7.45 or 7.50"),
        "cash that no coin can pay is refused, naming the tender: {e}"
    );
    let sold = cli.ok(&[
        "sale",
        "complete",
        "--line",
        "CHEESE=0.3",
        "--tender",
        "cash=10",
    ]);
    assert!(
        sold.contains("0.3 kg") && sold.contains("change 2.55") && sold.contains("Cash rounding"),
        "{sold}"
    );
    let levels = cli.ok(&["stock", "levels"]);
    assert!(
        levels.contains("CHEESE (kg)") && levels.contains("4.95"),
        "{levels}"
    );
    let settings = cli.json(&["settings", "show"]);
    assert_eq!(settings["cash_rounding"]["increment"], 5);
    cli.ok(&["settings", "cash-rounding", "--coin", "0.01"]);
    cli.ok(&[
        "sale",
        "complete",
        "--line",
        "CHEESE=0.3",
        "--tender",
        "cash=7.47",
    ]);
    assert_eq!(cli.json(&["check"])["ok"], true);
}

/// A day's stock facts carried from one till to another as a file: applied once, applied again
/// with no effect, and both tills show the same levels.
#[test]
fn ops_files_carry_stock_from_one_till_to_another() {
    let a = Cli::new();
    a.ok(&["init", "--store-name", "Corner Shop"]);
    a.ok(&["import", "shopify", &fixture("products_legacy.csv")]);
    let seed = a.dir.path().join("seed.sqlite");
    a.ok(&["backup", seed.to_str().unwrap()]);
    let b = Cli::new();
    b.ok(&["restore", seed.to_str().unwrap()]);
    let since = a.ok(&["ops", "export", "-"]).lines().count().to_string();

    a.ok(&["stock", "receive", "TEE-RED-M", "5", "--location", "MAIN"]);
    a.ok(&["stock", "receive", "TEE-RED-L", "2", "--location", "MAIN"]);
    let day = a.dir.path().join("day.jsonl");
    a.ok(&["ops", "export", day.to_str().unwrap(), "--since", &since]);

    let said = b.ok(&["ops", "apply", day.to_str().unwrap()]);
    assert!(said.contains("2 applied"), "{said}");
    let again = b.ok(&["ops", "apply", day.to_str().unwrap()]);
    assert!(again.contains("0 applied, 2 already here"), "{again}");
    assert_eq!(
        b.json(&["stock", "levels", "--location", "MAIN"]),
        a.json(&["stock", "levels", "--location", "MAIN"]),
        "both tills show the same levels"
    );
    b.ok(&["check"]);

    // Onto an empty database, a store's whole history makes a replica of it, with its own
    // device identity; a file that does not start at the store's beginning is refused there.
    let all = a.dir.path().join("all.jsonl");
    a.ok(&["ops", "export", all.to_str().unwrap()]);
    let c = Cli::new();
    let said = c.ok(&["ops", "apply", all.to_str().unwrap()]);
    assert!(said.contains("0 kept for a later version"), "{said}");
    assert_eq!(
        c.json(&["stock", "levels", "--location", "MAIN"]),
        a.json(&["stock", "levels", "--location", "MAIN"]),
        "the replica shows the same levels"
    );
    c.ok(&["check"]);
    let d = Cli::new();
    let err = d.fails(&["ops", "apply", day.to_str().unwrap()]);
    assert!(err.contains("store.initialised"), "{err}");

    let junk = b.dir.path().join("junk.jsonl");
    std::fs::write(&junk, "{\"op_id\": 1}\n").unwrap();
    let err = b.fails(&["ops", "apply", junk.to_str().unwrap()]);
    assert!(err.contains("line 1"), "the bad line is named: {err}");
}

/// The chain as separate processes: `backroom serve` on a real PostgreSQL (DATABASE_URL, or the
/// machine's on 127.0.0.1:5432) and `backroom admin` setting up a store and two enrolment codes;
/// one till that sells and connects with its history, a second till that connects onto an
/// empty file and sells too; after both sync they show the same stock; a revoked till is
/// refused; the server stops cleanly on SIGTERM.
#[test]
fn two_tills_sync_through_a_running_server() {
    use sqlx::migrate::MigrateDatabase;
    let admin_url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("a database in DATABASE_URL");
    let url = format!("{base}/backroom_cli_{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    // The server creates its database on first start; this one is the test's own.
    let _ = rt.block_on(sqlx::Postgres::drop_database(&url));
    let admin = Cli::new();
    admin.ok(&[
        "admin",
        "--database-url",
        &url,
        "store",
        "add",
        "--code",
        "CORNER",
        "--name",
        "Corner Shop",
    ]);
    let enrol = || {
        admin
            .ok(&[
                "admin",
                "--database-url",
                &url,
                "enrol",
                "--store",
                "CORNER",
            ])
            .trim()
            .to_string()
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_backroom"))
        .args(["serve", "--bind", &bind, "--database-url", &url])
        .spawn()
        .expect("start the server");
    let server_url = format!("http://{bind}");
    let a = Cli::new();
    a.ok(&["init", "--store-name", "Corner Shop"]);
    a.ok(&["import", "shopify", &fixture("products_legacy.csv")]);
    a.ok(&["stock", "receive", "TEE-RED-M", "5", "--location", "MAIN"]);
    // The server takes a moment to listen: the first connect retries until it answers.
    let code_a = enrol();
    let mut tries = 0;
    let connected = loop {
        let out = a.run(&["connect", &server_url, "--code", &code_a]);
        if out.status.success() {
            break String::from_utf8_lossy(&out.stdout).into_owned();
        }
        tries += 1;
        assert!(
            tries < 100,
            "the server never answered: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let till_a = connected
        .split("as till ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .expect("the till's device code")
        .to_string();
    let b = Cli::new();
    let said = b.ok(&["connect", &server_url, "--code", &enrol()]);
    assert!(said.contains("pulled"), "{said}");
    b.ok(&["stock", "receive", "TEE-RED-L", "2", "--location", "MAIN"]);
    b.ok(&["sync"]);
    a.ok(&["sync"]);
    assert_eq!(
        a.json(&["stock", "levels", "--location", "MAIN"]),
        b.json(&["stock", "levels", "--location", "MAIN"]),
        "both tills show the same levels"
    );
    a.ok(&["check"]);
    b.ok(&["check"]);

    // Where a till stands, without the network: nothing pending after a sync, one op after a
    // local change.
    let st = a.json(&["sync", "status"]);
    assert_eq!(st["mode"], "connected");
    assert_eq!(st["store"], "CORNER");
    assert_eq!(st["pending_ops"], 0);
    assert!(st["last_sync_at"].is_i64(), "{st}");
    a.ok(&["stock", "receive", "TEE-RED-M", "1", "--location", "MAIN"]);
    assert_eq!(a.json(&["sync", "status"])["pending_ops"], 1);
    a.ok(&["sync"]);
    assert_eq!(Cli::new().json(&["sync", "status"])["mode"], "standalone");

    // Head office: a device enrolled for it takes in the store onto an empty file.
    let hq_code = admin
        .ok(&["admin", "--database-url", &url, "enrol", "--head-office"])
        .trim()
        .to_string();
    let hq = Cli::new();
    let said = hq.ok(&["connect", &server_url, "--code", &hq_code]);
    assert!(said.contains("head office"), "{said}");
    assert_eq!(
        hq.json(&["stock", "levels", "--location", "MAIN"]),
        a.json(&["stock", "levels", "--location", "MAIN"]),
        "head office sees the store's levels"
    );
    assert_eq!(hq.json(&["sync", "status"])["mode"], "head_office");

    // A server user, with the password from the environment (never an argument).
    let add_user = |email: &str, role: &str, store: Option<&str>, password: &str| {
        let mut args = vec![
            "admin",
            "--database-url",
            &url,
            "user",
            "add",
            "--email",
            email,
            "--role",
            role,
        ];
        if let Some(s) = store {
            args.extend(["--store", s]);
        }
        Command::new(env!("CARGO_BIN_EXE_backroom"))
            .args(args)
            .env("BACKROOM_PASSWORD", password)
            .output()
            .expect("user add")
    };
    let added = add_user(
        "manager@corner.example",
        "store-manager",
        Some("CORNER"),
        "a long enough password",
    );
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    let short = add_user("x@corner.example", "owner", None, "short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));

    admin.ok(&[
        "admin",
        "--database-url",
        &url,
        "revoke",
        "--device",
        &till_a,
    ]);
    let refused = a.fails(&["sync"]);
    assert!(refused.contains("revoked"), "{refused}");
    b.ok(&["sync"]);
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = server.wait().expect("the server stops");
    assert!(
        status.success(),
        "SIGTERM stops the server cleanly: {status}"
    );
    let _ = rt.block_on(sqlx::Postgres::drop_database(&url));
}
