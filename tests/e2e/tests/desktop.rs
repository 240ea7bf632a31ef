//! The desktop app as a person uses it: the real binary in a real WebKit window (Xvfb),
//! driven through tauri-driver → WebKitWebDriver. Each step saves a screenshot under
//! `target/e2e-screenshots/`. Run with `xvfb-run -a cargo test -p backroom-e2e` after
//! `scripts/build-ui.sh` and `cargo build -p backroom-desktop` (scripts/test.sh does all that).
//! These tests fail — never skip — when the app, the driver or a display is missing.

use std::path::PathBuf;

use backroom_e2e::{Session, ENTER};
use backroom_store::Store;

/// The tests' demo store: 20 products, one trading day.
fn demo_store() -> (tempfile::TempDir, PathBuf) {
    backroom_e2e::demo_store(11, 20)
}

fn money(text: &str) -> i64 {
    let t: String = text
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    t.parse()
        .unwrap_or_else(|_| panic!("'{text}' is not an amount"))
}

#[tokio::test(flavor = "multi_thread")]
async fn cashier_sells_returns_checks_stock_and_imports() {
    let (dir, db) = demo_store();
    // Two items in stock at MAIN, their barcodes, and a customer with an email.
    let (items, customer_email) = {
        let s = Store::open(&db).expect("open");
        let levels = s.stock_levels(Some("MAIN")).expect("levels");
        let mut items = Vec::new();
        for row in levels.iter().filter(|r| r.available >= 3) {
            let hit = s
                .search(&row.sku, 1)
                .expect("search")
                .into_iter()
                .next()
                .expect("hit");
            if let Some(code) = hit.barcodes.first() {
                items.push((row.sku.clone(), code.clone(), row.available, row.damaged));
            }
            if items.len() == 2 {
                break;
            }
        }
        let email: String = s
            .connection()
            .query_row(
                "SELECT email FROM customer WHERE email <> '' ORDER BY created_at LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("a customer with an email");
        (items, email)
    };
    assert_eq!(items.len(), 2, "the demo store has two items to sell");

    let s = Session::start(&db).await;

    // Sign in with a PIN.
    s.wait("#pin").await;
    s.shot("01-sign-in").await;
    s.click_staff("Casey Cashier").await;
    s.type_into("#pin", &format!("1111{ENTER}")).await;
    let who = s.text("#signed-in").await;
    assert!(who.contains("Casey Cashier"), "signed in as Casey: {who}");

    // Sell two items by scanner input with a split tender, to a customer.
    s.type_into("#scan", &format!("{}{ENTER}", items[0].1))
        .await;
    s.type_into("#scan", &format!("{}{ENTER}", items[1].1))
        .await;
    s.wait_text("#cart tbody", |t| {
        t.contains(&items[0].0) && t.contains(&items[1].0)
    })
    .await;
    s.type_into("#customer-search", &format!("{customer_email}{ENTER}"))
        .await;
    // Enter shows who matches; the cashier picks (nobody is attached silently).
    s.click("#customer-matches .customer-match").await;
    s.wait("#customer-name").await;
    let total = money(&s.wait_text("#total", |t| money(t) > 0).await);
    s.set_value("#tender-kind", "card").await;
    let card = total / 2;
    s.type_into(
        "#tender-amount",
        &format!("{}.{:02}{ENTER}", card / 100, card % 100),
    )
    .await;
    s.set_value("#tender-kind", "cash").await;
    let cash = total - card + 500;
    s.type_into(
        "#tender-amount",
        &format!("{}.{:02}{ENTER}", cash / 100, cash % 100),
    )
    .await;
    s.shot("02-sell-cart").await;
    s.click("#complete").await;
    let receipt = s.text("#receipt-number").await;
    assert_eq!(
        money(&s.text("#change-due").await),
        500,
        "5.00 change from the cash tender"
    );
    s.shot("03-sale-receipt").await;
    // Every Enter and click above also called `window.open()` (the shell's WebKitGTK workaround,
    // src-tauri/src/webkit.rs): the shell refuses new windows, so there is still one.
    let windows = s.client.windows().await.expect("window handles");
    assert_eq!(windows.len(), 1, "no window was opened: {windows:?}");

    // Return one line: damaged, refunded to store credit.
    s.click("#nav-returns").await;
    s.type_into("#return-receipt", &format!("{receipt}{ENTER}"))
        .await;
    s.wait("#return-lines").await;
    s.set_value(".return-qty", "1").await;
    s.set_value(".return-disposition", "damaged").await;
    s.set_value("#refund-method", "store_credit").await;
    s.shot("04-return").await;
    s.click("#process-return").await;
    // A cashier refunding to a tender the sale did not use needs a manager.
    s.wait("#return-approve-by option").await;
    let why = s.wait_text("#return-error", |t| !t.is_empty()).await;
    assert!(why.contains("approval"), "the refusal says why: {why}");
    // The manager is picked from the staff who can approve, not typed.
    let approvers = s.text("#return-approve-by").await;
    assert!(
        approvers.contains("Morgan Manager") && !approvers.contains("Casey"),
        "only staff who can approve are listed: {approvers}"
    );
    s.set_value("#return-approve-by", "Morgan Manager").await;
    s.type_into("#return-approve-pin", "2222").await;
    s.shot("05-return-approval").await;
    s.click("#process-return").await;
    let done = s.text("#return-done").await;
    assert!(
        done.contains("Store credit"),
        "refunded to store credit: {done}"
    );
    let slip = s
        .wait_text("#return-slip", |t| t.contains("RETURN of"))
        .await;
    assert!(
        slip.contains(&receipt),
        "the refund slip names the sale: {slip}"
    );
    s.shot("05b-return-slip").await;

    // The order's timeline shows the sale and the approved return.
    s.click("#nav-orders").await;
    s.type_into("#orders-receipt", &receipt).await;
    s.wait_text("#orders-table tbody", |t| {
        t.contains(&receipt) && t.contains("Partly refunded")
    })
    .await;
    s.click("#orders-table tbody tr.order-row td:nth-child(2)")
        .await;
    let timeline = s
        .wait_text("#order-timeline", |t| t.contains("Return processed"))
        .await;
    assert!(
        timeline.contains("Sale completed"),
        "the sale is on the timeline: {timeline}"
    );
    assert!(
        timeline.contains("approved by Morgan Manager"),
        "the approver is on the timeline: {timeline}"
    );
    s.shot("06-order-timeline").await;

    // The Stock screen reflects the sale and the damaged return.
    s.click("#nav-stock").await;
    s.type_into("#stock-filter", &items[0].0).await;
    let row = s
        .wait_text(&format!("tr[data-sku='{}']", items[0].0), |t| !t.is_empty())
        .await;
    let available: i64 = s
        .text(&format!("tr[data-sku='{}'] td.available", items[0].0))
        .await
        .trim()
        .parse()
        .expect("available is a number");
    let damaged: i64 = s
        .text(&format!("tr[data-sku='{}'] td.damaged", items[0].0))
        .await
        .trim()
        .parse()
        .expect("damaged");
    assert_eq!(
        available,
        items[0].2 - 1,
        "one sold and not restocked: {row}"
    );
    assert_eq!(
        damaged,
        items[0].3 + 1,
        "the returned unit is damaged: {row}"
    );
    s.shot("07-stock").await;

    // Count the second item's shelf by scanning it twice; applying sets available to 2.
    s.click("#stock-tab-count").await;
    s.click("#count-start").await;
    s.type_into("#count-scan", &format!("{}{ENTER}", items[1].1))
        .await;
    s.type_into("#count-scan", &format!("{}{ENTER}", items[1].1))
        .await;
    s.wait_text("#count-lines tbody", |t| {
        t.contains(&items[1].0) && t.contains('2')
    })
    .await;
    s.shot("08-count").await;
    s.click("#count-apply").await;
    s.wait_text("#stock-message", |t| t.contains("Count applied"))
        .await;
    s.set_value("#stock-filter", &items[1].0).await;
    let counted = s
        .wait_text(
            &format!("tr[data-sku='{}'] td.available", items[1].0),
            |t| t.trim() == "2",
        )
        .await;
    assert_eq!(counted.trim(), "2", "two scans counted, count applied");

    // Lock the till and switch to the owner: importing needs catalogue rights a cashier lacks.
    s.click("#lock").await;
    s.wait("#pin").await;
    s.click_staff("Olivia Owner").await;
    s.type_into("#pin", &format!("2580{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Olivia Owner"))
        .await;

    // Import a Shopify CSV with a dry-run preview (legacy header, quoted HTML, a 2-variant product).
    s.click("#nav-catalog").await;
    s.click("#catalog-tab-import").await;
    let csv = "Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Tracker,Variant Inventory Qty,Variant Price,Variant Barcode,Status\n\
               e2e-wool-scarf,Wool Scarf,\"<p>Warm, soft &amp; \"\"lovely\"\"</p>\",Fjord Goods,Scarf,\"wool, winter\",TRUE,Colour,Red,E2E-SCARF-RED,shopify,4,29.90,4006381333931,active\n\
               e2e-wool-scarf,,,,,,,,Blue,E2E-SCARF-BLU,shopify,6,29.90,5901234123457,\n\
               e2e-beeswax-candle,Beeswax Candle,<p>Hand poured.</p>,Kettle Bros,Candle,home,TRUE,Title,Default Title,E2E-CANDLE,shopify,10,12.50,,active\n";
    s.set_value("#import-csv", csv).await;
    s.click("#import-preview").await;
    let preview = s.text("#import-summary").await;
    assert!(
        preview.contains("2 products to create"),
        "the preview says what will be created: {preview}"
    );
    s.shot("09-import-preview").await;
    s.click("#import-go").await;
    s.wait_text("#import-report h3", |t| t.contains("Imported"))
        .await;
    s.wait_text(".progress", |t| t.contains("100%")).await;
    s.shot("10-import-done").await;

    // An older file: the scarf without its blue variant, and a row with a bad price. The
    // preview says what the update would archive and offers to skip the bad product.
    let older = "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price\n\
                 e2e-wool-scarf,Wool Scarf,Colour,Red,E2E-SCARF-RED,31.90\n\
                 e2e-broken,Broken,Title,Default Title,E2E-BROKEN,12;50\n";
    s.set_value("#import-csv", older).await;
    s.click("#import-preview").await;
    let changes = s
        .wait_text("#import-changes", |t| t.contains("E2E-SCARF-BLU"))
        .await;
    assert!(
        changes.contains("archives E2E-SCARF-BLU") && changes.contains("E2E-SCARF-RED: price"),
        "the preview names the variant an older file would archive: {changes}"
    );
    let skip = s
        .wait_text("#import-skip", |t| t.contains("skip 1 with problems"))
        .await;
    assert!(skip.contains("Import the valid products"), "{skip}");
    s.shot("10b-import-preview-changes").await;
    s.click("#import-skip").await;
    let skipped = s
        .wait_text("#import-skipped", |t| t.contains("Skipped 1"))
        .await;
    assert!(skipped.contains("1 rows"), "{skipped}");
    s.click("#import-edit-skipped").await;
    let mut text = String::new();
    for _ in 0..100 {
        text = s.value("#import-csv").await;
        if !text.contains("E2E-SCARF-RED") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        text.starts_with("Handle,Title")
            && text.contains("e2e-broken")
            && !text.contains("E2E-SCARF-RED"),
        "the skipped rows, with the header, are back in the box to fix: {text}"
    );
    s.shot("10c-import-skipped-rows").await;

    // A file, not pasted text: the backend reads it from where it is (a 30 MB export is never
    // pasted into a box). Dropping it on the window sets the same path.
    let file = dir.path().join("products_export.csv");
    std::fs::write(
        &file,
        "Handle,Title,Variant SKU,Variant Price,Variant Inventory Tracker,Variant Inventory Qty\n\
         e2e-linen-bag,Linen Bag,E2E-BAG,19.90,shopify,3\n",
    )
    .expect("write the export");
    s.type_into("#import-file", &file.display().to_string())
        .await;
    s.click("#import-preview").await;
    let from_file = s
        .wait_text("#import-summary", |t| t.contains("1 products to create"))
        .await;
    assert!(from_file.contains("1 rows"), "{from_file}");
    // …and the catalogue goes out to a file the owner names.
    let export = dir.path().join("catalogue.csv");
    s.type_into("#export-file", &export.display().to_string())
        .await;
    s.click("#export-go").await;
    s.wait_text("#export-result", |t| t.contains("Exported"))
        .await;
    let written = std::fs::read_to_string(&export).expect("the export file");
    assert!(
        written.starts_with("Handle,") && written.contains("e2e-wool-scarf"),
        "a Shopify CSV with the imported products"
    );

    s.client.close().await.expect("close session");

    let store = Store::open(&db).expect("reopen");
    assert!(
        store.check().expect("check").ok,
        "the database is healthy after the session"
    );
    let imported = store
        .stock_qty(
            "E2E-SCARF-RED",
            "MAIN",
            backroom_domain::stock::StockState::Available,
        )
        .expect("imported SKU");
    assert_eq!(
        imported, 4,
        "the imported inventory quantity is stock at MAIN (the older file has none to set)"
    );
    let scarf = store
        .product_by_handle("e2e-wool-scarf")
        .expect("read")
        .expect("the scarf");
    assert_eq!(
        scarf
            .variants
            .iter()
            .map(|v| v.sku.as_str())
            .collect::<Vec<_>>(),
        vec!["E2E-SCARF-RED"],
        "importing the valid product applied the older file, as its preview said"
    );
    assert!(
        store
            .product_by_handle("e2e-broken")
            .expect("read")
            .is_none(),
        "the skipped product was not imported"
    );
}

/// A receipt printer on a real TCP port: every connection is one print job, handed over whole.
fn printer() -> (String, std::sync::mpsc::Receiver<Vec<u8>>) {
    use std::io::Read;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("printer port");
    let addr = listener.local_addr().expect("addr").to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let mut job = Vec::new();
            if conn.and_then(|mut c| c.read_to_end(&mut job)).is_ok() && tx.send(job).is_err() {
                return;
            }
        }
    });
    (addr, rx)
}

fn next_job(jobs: &std::sync::mpsc::Receiver<Vec<u8>>) -> String {
    let job = jobs
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the printer received a job");
    assert!(job.starts_with(&[0x1b, b'@']), "ESC @ starts every job");
    assert!(
        job.windows(2).any(|w| w == [0x1d, b'V']),
        "every job ends with a cut (GS V)"
    );
    String::from_utf8_lossy(&job).into_owned()
}

/// Sets a field of the variant row whose SKU is `sku` in the product editor.
async fn set_variant_field(s: &Session, sku: &str, class: &str, value: &str) {
    s.client
        .execute(
            "const row = [...document.querySelectorAll('#variant-table tr.variant-row')]
                 .find(r => r.querySelector('.variant-sku').value === arguments[0]);
             const el = row.querySelector('.' + arguments[1]); el.value = arguments[2];
             el.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![
                serde_json::json!(sku),
                serde_json::json!(class),
                serde_json::json!(value),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("setting {class} of {sku}: {e}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn owner_sets_up_printer_edits_catalog_sells_and_backs_up() {
    let (dir, db) = demo_store();
    let (sku, handle) = {
        let s = Store::open(&db).expect("open");
        let row = s
            .stock_levels(Some("MAIN"))
            .expect("levels")
            .into_iter()
            .find(|r| r.available >= 3)
            .expect("an item in stock");
        let p = s
            .product_by_sku(&row.sku)
            .expect("product")
            .expect("exists");
        (row.sku, p.handle)
    };
    let new_barcode = "4012345678901";
    let (printer_addr, jobs) = printer();

    let s = Session::start(&db).await;
    s.click_staff("Olivia Owner").await;
    s.type_into("#pin", &format!("2580{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Olivia Owner"))
        .await;

    // Settings: a network receipt printer, tried with a test page, then saved.
    s.click("#nav-settings").await;
    s.wait_text("#settings-name", |_| true).await;
    s.set_value("#settings-printer", &printer_addr).await;
    s.click("#settings-test-print").await;
    assert!(next_job(&jobs).contains("Backroom test print"));
    s.wait_text("#settings-ok", |t| t.contains("Test page sent"))
        .await;
    s.click("#settings-save").await;
    s.wait_text("#settings-ok", |t| t.contains("Settings saved"))
        .await;
    s.shot("11-settings-printer").await;

    // Staff and roles: a new cashier.
    s.click("#settings-tab-staff").await;
    s.type_into("#staff-name", "Sam Seasonal").await;
    s.type_into("#staff-pin", "4826").await;
    s.click("#staff-add").await;
    s.wait_text("#settings-staff", |t| t.contains("Sam Seasonal"))
        .await;
    s.shot("12-settings-staff-roles").await;

    // Catalog: find the product, give the variant a new price and a barcode. A wrong barcode
    // is refused next to its row and nothing typed is lost.
    // Alt+5 opens the Catalog from the keyboard.
    s.type_into("#staff-name", "\u{E00A}5\u{E000}").await;
    s.wait("#catalog-search").await;
    s.type_into("#catalog-search", &sku).await;
    s.click(&format!("tr.product-row[data-handle='{handle}'] td"))
        .await;
    s.wait("#product-editor").await;
    set_variant_field(&s, &sku, "variant-price", "12.34").await;
    set_variant_field(&s, &sku, "variant-barcodes", "4012345678902").await;
    s.click("#product-save").await;
    let why = s
        .wait_text("#product-error", |t| t.contains("barcode"))
        .await;
    assert!(
        why.contains("Variant ") && !why.contains('['),
        "the error names the row in words: {why}"
    );
    s.wait("#variant-table tr.variant-row.invalid").await;
    assert_eq!(
        s.value("#variant-table tr.variant-row.invalid .variant-price")
            .await,
        "12.34",
        "the typed price is still there"
    );
    s.shot("13-catalog-error").await;
    set_variant_field(&s, &sku, "variant-barcodes", new_barcode).await;
    s.click("#product-save").await;
    s.wait_text("#product-saved", |t| t.starts_with("Saved"))
        .await;
    s.shot("14-catalog-saved").await;

    // Sell it by its new barcode at its new price, with a line discount and a promo code;
    // park the cart, resume it, take cash and print the receipt.
    s.click("#nav-sell").await;
    s.type_into("#scan", &format!("{new_barcode}{ENTER}")).await;
    s.wait_text("#total", |t| money(t) == 1234).await;
    s.type_into("#line-discount", &format!("10%{ENTER}")).await;
    let discount = money(&s.wait_text("#discount-total", |t| money(t) > 0).await);
    let total = money(&s.wait_text("#total", |t| money(t) < 1234).await);
    assert_eq!(
        total,
        1234 - discount,
        "the total is the price less the discount"
    );
    s.type_into("#promo-code", &format!("welcome10{ENTER}"))
        .await;
    s.wait_text("#promotions", |t| {
        t.contains("WELCOME10") && t.contains("Welcome 10%")
    })
    .await;
    s.type_into("#promo-code", &format!("nope10{ENTER}")).await;
    s.wait_text("#promotions", |t| t.contains("NOPE10 — not a valid code"))
        .await;
    let total = money(&s.wait_text("#total", |t| money(t) > 0).await);
    s.type_into("#park-label", "e2e customer fetching a size")
        .await;
    s.click("#park").await;
    s.wait_text("#total", |t| money(t) == 0).await;
    s.click("#parked-show").await;
    s.click("#parked-list .resume").await;
    s.wait_text("#cart tbody", |t| t.contains(&sku)).await;
    assert_eq!(
        money(&s.wait_text("#total", |t| money(t) == total).await),
        total,
        "the resumed cart keeps its discount and code"
    );
    s.shot("15-sell-discount-resumed").await;
    s.type_into(
        "#tender-amount",
        &format!("{}.{:02}{ENTER}", total / 100, total % 100),
    )
    .await;
    // Enter on the emptied amount completes the sale (no mouse at the till).
    s.wait_text("#tenders", |t| !t.is_empty()).await;
    s.type_into("#tender-amount", ENTER).await;
    let receipt = s.text("#receipt-number").await;
    s.click("#receipt-print").await;
    let paper = next_job(&jobs);
    assert!(
        paper.contains(&receipt),
        "the receipt number is printed: {paper}"
    );
    s.wait_text("#receipt-printed", |t| t.contains("Printed"))
        .await;
    s.click("#receipt-reprint").await;
    assert!(next_job(&jobs).contains("DUPLICATE"), "a reprint says so");

    // Shift: cash in, then print the X-report.
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
    s.click("#z-print").await;
    assert!(next_job(&jobs).contains("X-REPORT"));
    s.shot("16-shift-cash-in").await;
    // Closing 5.00 short: the review shows the difference and asks why before it is final.
    let expected: i64 = {
        let st = Store::open(&db).expect("open");
        let n = st.current_shift("").expect("shift").expect("open");
        st.z_report(&n).expect("x-report").expected_cash
    };
    let short = expected - 500;
    s.type_into(
        "#close-shift #shift-amount",
        &format!("{}.{:02}{ENTER}", short / 100, short % 100),
    )
    .await;
    let diff = s
        .wait_text("#review-difference", |t| t.contains("short"))
        .await;
    assert!(diff.contains("5.00 short"), "{diff}");
    s.click("#close-review #shift-go").await;
    let why = s.wait_text("#shift-error", |t| !t.is_empty()).await;
    assert!(
        why.contains("say why"),
        "a difference needs a reason: {why}"
    );
    s.type_into("#close-reason", "gave change from a 50 as a 20")
        .await;
    s.shot("16b-shift-close-review").await;
    s.click("#close-review #shift-go").await;
    s.wait_text("#shift-message", |t| t.contains("closed"))
        .await;
    let z = s.text("#z-report").await;
    assert!(z.contains("Z-report") && z.contains("gave change"), "{z}");
    let past = s.text("#past-shifts").await;
    assert!(
        past.contains("-5.00"),
        "the closed shift is listed with its difference: {past}"
    );

    // Back up with progress.
    s.click("#nav-settings").await;
    s.click("#settings-tab-backups").await;
    s.click("#backup-now").await;
    s.wait_text("#backup-ok", |t| t.contains("Backed up")).await;
    s.wait_text(".progress", |t| t.contains("100%")).await;
    s.wait_text("#backup-list tbody", |t| t.contains("backroom-"))
        .await;
    s.shot("17-backup").await;
    s.client.close().await.expect("close session");

    let store = Store::open(&db).expect("reopen");
    assert!(
        store.check().expect("check").ok,
        "healthy after the session"
    );
    let hit = store
        .lookup_barcode(new_barcode)
        .expect("lookup")
        .expect("the new barcode finds the variant");
    assert_eq!(
        (hit.variant.sku.as_str(), hit.variant.price_minor),
        (sku.as_str(), 1234)
    );
    assert!(store
        .staff()
        .expect("staff")
        .iter()
        .any(|m| m.name == "Sam Seasonal"));
    assert_eq!(
        store.store_settings().expect("settings").printer,
        printer_addr
    );
    let backups = std::fs::read_dir(dir.path().join("backups"))
        .expect("backups folder")
        .count();
    assert_eq!(backups, 1, "one backup file");
}

/// A price-embedded label (GS1 prefix 23) scanned twice at the Sell screen is charged at the
/// label's price, twice: the screen sends the scanned code, not the variant's SKU (which would
/// charge the shelf price), and the engine keeps the quantity.
#[tokio::test(flavor = "multi_thread")]
async fn the_sell_screen_charges_a_price_labels_price() {
    let (_dir, db) = demo_store();
    let base: String = {
        let s = Store::open(&db).expect("open");
        s.connection()
            .query_row(
                "SELECT b.code FROM barcode b JOIN variant v ON v.id = b.variant_id
                 JOIN product p ON p.id = v.product_id
                 WHERE b.code LIKE '23%' AND v.archived = 0 AND p.status = 'active'
                 ORDER BY b.code LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("the demo deli has price-label items")
    };
    let label = backroom_domain::barcode::make_embedded(&base[..7], 499).expect("a label");

    let s = Session::start(&db).await;
    s.wait("#pin").await;
    s.click_staff("Casey Cashier").await;
    s.type_into("#pin", &format!("1111{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Casey")).await;
    s.type_into("#scan", &format!("{label}{ENTER}")).await;
    s.type_into("#scan", &format!("{label}{ENTER}")).await;
    let digits = |t: &str| t.chars().filter(char::is_ascii_digit).collect::<String>();
    let total = s.wait_text("#total", |t| digits(t) == "998").await;
    assert_eq!(money(&total), 998, "two labels of 4.99 are 9.98: {total}");
    let cart = s.text("#cart tbody").await;
    assert!(
        cart.contains(&label),
        "the cart line is the label's code, so its price reaches the engine: {cart}"
    );
    s.shot("20-price-label").await;
}

/// Goods sold by weight: the cashier types the weight of a kg item in the cart (0.5 kg at
/// 24.90/kg is 12.45) and a scale's weight label brings its own weight.
#[tokio::test(flavor = "multi_thread")]
async fn the_sell_screen_weighs_cheese() {
    let (_dir, db) = demo_store();
    let base = backroom_domain::barcode::base_code("2100042");
    {
        let mut s = Store::open(&db).expect("open");
        s.set_actor("system");
        s.save_product(backroom_store::ProductInput {
            title: "Bergkäse".into(),
            status: "active".into(),
            variants: vec![backroom_store::VariantInput {
                sku: "CHEESE-KG".into(),
                sale_unit: "kg".into(),
                price_minor: 2490,
                barcodes: vec![base],
                inventory_tracked: true,
                inventory_policy: "deny".into(),
                ..Default::default()
            }],
            ..Default::default()
        })
        .expect("save the cheese");
        s.receive_stock("CHEESE-KG", "MAIN", 10_000, "", "")
            .expect("10 kg in stock");
        // A euro store that rounds cash to 5 cents, as Finnish and Dutch stores do.
        let mut settings = s.store_settings().expect("settings");
        settings.cash_rounding_increment = 5;
        s.update_store_settings(settings).expect("cash rounding");
    }
    let label = backroom_domain::barcode::make_embedded("2100042", 1250).expect("a label");

    let s = Session::start(&db).await;
    s.wait("#pin").await;
    s.click_staff("Casey Cashier").await;
    s.type_into("#pin", &format!("1111{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Casey")).await;
    s.type_into("#scan", &format!("CHEESE-KG{ENTER}")).await;
    s.wait_text("#total", |t| money(t) == 2490).await;
    // The weighed line takes its weight typed in kg.
    s.set_value("#cart .qty-measure", "0.5").await;
    let total = s.wait_text("#total", |t| money(t) == 1245).await;
    assert_eq!(money(&total), 1245, "0.5 kg at 24.90/kg: {total}");
    // A scale's label: 1.25 kg at 24.90/kg = 31.13, shown with its weight.
    s.type_into("#scan", &format!("{label}{ENTER}")).await;
    s.wait_text("#total", |t| money(t) == 1245 + 3113).await;
    let cart = s.text("#cart tbody").await;
    assert!(
        cart.contains("1.25 kg"),
        "the label line shows its weight: {cart}"
    );
    // 43.58 is 43.60 in coins: the engine says so before cash is taken, and books the rounding.
    let in_cash = s.text("#cash-due").await;
    assert_eq!(money(&in_cash), 4360, "{in_cash}");
    s.type_into("#tender-amount", &format!("50.00{ENTER}"))
        .await;
    let change = s.wait_text("#due", |t| money(t) == 640).await;
    assert_eq!(
        money(&change),
        640,
        "change from the engine, in coins: {change}"
    );
    assert_eq!(money(&s.text("#cash-rounding").await), 2);
    s.shot("21-weighed-cheese").await;
    s.click("#complete").await;
    assert_eq!(money(&s.text("#change-due").await), 640);
    let after = Store::open(&db)
        .expect("open")
        .stock_qty(
            "CHEESE-KG",
            "MAIN",
            backroom_domain::stock::StockState::Available,
        )
        .expect("level");
    assert_eq!(after, 10_000 - 500 - 1250, "1.75 kg left the shelf");
}

/// The counter as staff use it: a scan right after sign-in lands in the cart (the scan field
/// has focus), the cart survives a look at another screen (Alt+3 → Alt+1), a typed word picks
/// a search result with ↓ and Enter, a name finds that customer, and locking parks the cart.
#[tokio::test(flavor = "multi_thread")]
async fn the_cart_survives_switching_screens_and_locking() {
    let (_dir, db) = demo_store();
    let (sku, code, title, customer): (String, String, String, String) = {
        let s = Store::open(&db).expect("open");
        let (sku, code, title) = s
            .connection()
            .query_row(
                "SELECT v.sku, b.code, p.title FROM variant v JOIN barcode b ON b.variant_id = v.id
                 JOIN product p ON p.id = v.product_id
                 WHERE b.code NOT LIKE '21%' AND b.code NOT LIKE '23%' AND v.archived = 0 AND p.status = 'active' AND p.is_gift_card = 0
                 ORDER BY v.sku LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("a product with a barcode");
        let customer: String = s
            .connection()
            .query_row(
                "SELECT name FROM customer WHERE name LIKE '% %' ORDER BY name LIMIT 1 OFFSET 3",
                [],
                |r| r.get(0),
            )
            .expect("a demo customer");
        (sku, code, title, customer)
    };
    let s = Session::start(&db).await;
    s.wait("#pin").await;
    s.click_staff("Casey Cashier").await;
    s.type_into("#pin", &format!("1111{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Casey")).await;
    // Typed into whatever has focus, as a scanner does: it must be the scan field.
    s.wait("#scan").await;
    s.client
        .active_element()
        .await
        .expect("focus")
        .send_keys(&format!("{code}{ENTER}"))
        .await
        .expect("scan");
    s.wait_text("#cart tbody", |t| t.contains(&sku)).await;
    // Alt+3 (Orders) and back with Alt+1: the cart is still there.
    let alt = |n: char| format!("\u{E00A}{n}\u{E000}");
    s.client
        .active_element()
        .await
        .expect("focus")
        .send_keys(&alt('3'))
        .await
        .expect("alt+3");
    s.wait("main.orders").await;
    s.client
        .active_element()
        .await
        .expect("focus")
        .send_keys(&alt('1'))
        .await
        .expect("alt+1");
    let cart = s.wait_text("#cart tbody", |t| t.contains(&sku)).await;
    assert!(
        cart.contains(&sku),
        "the cart survived Alt+3 → Alt+1: {cart}"
    );
    // A typed word: ↓ highlights the first result, Enter adds it (not read as a barcode).
    let word: String = title
        .split_whitespace()
        .next()
        .unwrap_or(&title)
        .to_string();
    let total = money(&s.text("#total").await);
    s.type_into("#scan", &word).await;
    s.wait("#hits li").await;
    s.type_into("#scan", &format!("\u{E015}{ENTER}")).await;
    s.wait_text("#total", |t| money(t) > total).await;
    let err = s.text("#sell-error").await;
    assert!(
        !err.contains("nothing has the code"),
        "a word is not a barcode: {err}"
    );
    // A full name finds that person to pick.
    s.type_into("#customer-search", &format!("{customer}{ENTER}"))
        .await;
    let matches = s.wait_text("#customer-matches", |t| !t.is_empty()).await;
    assert!(
        matches.starts_with(&customer),
        "{customer} is who matches: {matches}"
    );
    s.click("#customer-matches .customer-match").await;
    let name = s.text("#customer-name").await;
    assert!(name.contains(&customer), "{name}");
    s.shot("22-cart-kept").await;
    // A cashier writing off a broken item needs a manager, picked from a list, with a PIN.
    s.click("#nav-stock").await;
    s.type_into("#adjust-sku", &sku).await;
    s.type_into("#adjust-qty", "-1").await;
    s.set_value("#adjust-reason", "damage").await;
    s.click("#adjust-go").await;
    s.wait("#adjust-approve-by option").await;
    s.set_value("#adjust-approve-by", "Morgan Manager").await;
    s.type_into("#adjust-approve-pin", "2222").await;
    s.click("#adjust-go").await;
    s.wait_text("#stock-message", |t| t.contains("adjusted"))
        .await;
    s.click("#nav-sell").await;
    s.wait_text("#cart tbody", |t| t.contains(&sku)).await;
    // Locking parks the cart; the next cashier finds it among the parked carts.
    s.click("#lock").await;
    s.wait("#pin").await;
    s.click_staff("Casey Cashier").await;
    s.type_into("#pin", &format!("1111{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Casey")).await;
    let empty = s.text("#cart tbody").await;
    assert!(!empty.contains(&sku), "a new cart after locking: {empty}");
    s.click("#parked-show").await;
    let parked = s.text("#parked-list").await;
    assert!(
        parked.contains("locked the till"),
        "the left cart was parked: {parked}"
    );
    // The parked cart is sold, then voided from Orders: the cashier asks a manager there too.
    s.click("#parked-list button.resume").await;
    s.wait_text("#cart tbody", |t| t.contains(&sku)).await;
    let total = money(&s.wait_text("#total", |t| money(t) > 0).await);
    s.set_value("#tender-kind", "card").await;
    s.type_into(
        "#tender-amount",
        &format!("{}.{:02}{ENTER}", total / 100, total % 100),
    )
    .await;
    s.click("#complete").await;
    let receipt = s.text("#receipt-number").await;
    s.click("#nav-orders").await;
    s.type_into("#orders-receipt", &receipt).await;
    s.wait_text("#orders-table tbody", |t| t.contains(&receipt))
        .await;
    s.click("#orders-table tbody tr.order-row td:nth-child(2)")
        .await;
    s.click("#order-void").await;
    s.type_into("#void-reason", "rang up by mistake").await;
    s.click("#void-confirm").await;
    s.wait("#void-approve-by option").await;
    s.set_value("#void-approve-by", "Morgan Manager").await;
    s.type_into("#void-approve-pin", "2222").await;
    s.click("#void-confirm").await;
    let timeline = s
        .wait_text("#order-timeline", |t| t.contains("Sale voided"))
        .await;
    assert!(
        timeline.contains("approved by Morgan Manager"),
        "the void is approved on the timeline: {timeline}"
    );
    let detail = s.text("#order-detail").await;
    assert!(
        detail.contains("Voided"),
        "the order reads voided: {detail}"
    );
    s.shot("22b-order-voided").await;
}

/// A walk-in brings back a sale and wants store credit: the returns desk adds them as a
/// customer right there, instead of failing with "needs a customer".
#[tokio::test(flavor = "multi_thread")]
async fn a_walk_in_gets_store_credit_on_a_customer_made_at_the_desk() {
    let (_dir, db) = demo_store();
    let (receipt, sku) = {
        let mut st = Store::open(&db).expect("open");
        st.set_actor("system");
        let sku: String = st
            .connection()
            .query_row(
                "SELECT v.sku FROM variant v JOIN product p ON p.id = v.product_id
                 JOIN stock_level l ON l.variant_id = v.id AND l.state = 'available' AND l.qty > 0
                 WHERE v.archived = 0 AND p.status = 'active' AND p.is_gift_card = 0 AND v.sale_unit = 'pcs'
                 ORDER BY v.sku LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("an item in stock");
        let total = st
            .quote(&backroom_store::SaleInput {
                lines: vec![backroom_store::SaleLineInput {
                    sku: sku.clone(),
                    quantity: 1,
                    ..Default::default()
                }],
                ..Default::default()
            })
            .expect("quote")
            .total;
        let o = st
            .complete_sale(backroom_store::SaleInput {
                cart_id: "walk-in".into(),
                lines: vec![backroom_store::SaleLineInput {
                    sku: sku.clone(),
                    quantity: 1,
                    ..Default::default()
                }],
                tenders: vec![backroom_store::TenderInput {
                    kind: "card".into(),
                    amount: total,
                    ..Default::default()
                }],
                ..Default::default()
            })
            .expect("a walk-in's sale");
        (o.receipt_number, sku)
    };
    let s = Session::start(&db).await;
    s.wait("#pin").await;
    s.click_staff("Morgan Manager").await;
    s.type_into("#pin", &format!("2222{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Morgan")).await;
    s.click("#nav-returns").await;
    s.type_into("#return-receipt", &format!("{receipt}{ENTER}"))
        .await;
    s.wait_text("#return-lines", |t| t.contains(&sku)).await;
    s.set_value(".return-qty", "1").await;
    s.set_value("#refund-method", "store_credit").await;
    s.click("#return-customer-new").await;
    s.type_into("#return-customer-new-name", "Walk In Wendy")
        .await;
    s.type_into("#return-customer-new-email", "wendy@example.com")
        .await;
    s.click("#return-customer-new-save").await;
    let who = s.text("#return-customer").await;
    assert!(who.contains("Walk In Wendy"), "{who}");
    s.shot("23-store-credit-new-customer").await;
    s.click("#process-return").await;
    let done = s.text("#return-done").await;
    assert!(
        done.contains("Store credit"),
        "refunded to store credit: {done}"
    );
    // Her details are edited on Customers later (a phone number she gave the next time).
    s.click("#nav-customers").await;
    s.type_into("#customer-query", "Wendy").await;
    s.click("#customer-results button").await;
    s.click("#customer-edit").await;
    s.type_into("#customer-edit-new-phone", "+49 170 1234567")
        .await;
    s.click("#customer-edit-new-save").await;
    let profile = s
        .wait_text("#customer-profile", |t| t.contains("+491701234567"))
        .await;
    assert!(profile.contains("Store credit"), "{profile}");
    s.shot("24-customer-edited").await;
    let st = Store::open(&db).expect("open");
    let wendy = st
        .search_customers("wendy@example.com", 5)
        .expect("search")
        .pop()
        .expect("Wendy was created");
    assert!(wendy.store_credit > 0, "her credit is on her account");
}

/// Every screen at 1366×768 and 1920×1080: nothing runs off the side of the window and the
/// top bar stays in view after scrolling. Screenshots of each for people to look at.
#[tokio::test(flavor = "multi_thread")]
async fn every_screen_fits_at_1366_and_1920() {
    let (_dir, db) = demo_store();
    let s = Session::start(&db).await;
    s.wait("#pin").await;
    s.click_staff("Olivia Owner").await;
    s.type_into("#pin", &format!("2580{ENTER}")).await;
    s.wait_text("#signed-in", |t| t.contains("Olivia")).await;
    let screens = [
        "sell",
        "returns",
        "orders",
        "customers",
        "catalog",
        "stock",
        "shift",
        "settings",
        "dashboards",
    ];
    for (w, h) in [(1366u32, 768u32), (1920, 1080)] {
        s.client.set_window_size(w, h).await.expect("resize");
        for name in screens {
            s.click(&format!("#nav-{name}")).await;
            s.wait("main").await;
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let overflow = s
                .client
                .execute(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                    vec![],
                )
                .await
                .expect("measure")
                .as_i64()
                .unwrap_or(0);
            assert!(
                overflow <= 0,
                "{name} at {w}×{h} runs {overflow}px off the side"
            );
            let header_top = s
                .client
                .execute(
                    "window.scrollTo(0, document.body.scrollHeight); return document.querySelector('header').getBoundingClientRect().top;",
                    vec![],
                )
                .await
                .expect("scroll")
                .as_f64()
                .unwrap_or(-1.0);
            assert!(
                header_top >= 0.0,
                "{name} at {w}×{h}: the top bar scrolled away"
            );
            s.client
                .execute("window.scrollTo(0, 0); return 0;", vec![])
                .await
                .expect("scroll back");
            s.shot(&format!("screen-{w}x{h}-{name}")).await;
        }
    }
}
