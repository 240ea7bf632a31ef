//! Back-office use-cases behind the desktop Catalog and Settings screens: the product list,
//! editing a product found by SKU, price lists, tax classes, roles, store settings, printing a
//! receipt to a real TCP listener and to a file, and backups with progress.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};

use backroom_api::StoreSettingsView;
use backroom_store::{PriceListInput, Progress, SaleInput, SaleLineInput, Store, StoreError};
use common::*;

fn sell_one(s: &mut Store) -> String {
    s.complete_sale(cash_sale("c1", "TEE-RED-M", 1, 2000))
        .unwrap()
        .receipt_number
}

fn field_of(e: StoreError) -> String {
    backroom_api::ApiError::from(e).field.unwrap_or_default()
}

#[test]
fn catalog_list_edit_by_sku_and_price_lists() {
    let mut t = new_store();
    t.store.save_product(tee()).unwrap();
    let mut mug = tee();
    mug.title = "Enamel Mug".into();
    mug.options = vec![];
    mug.variants = vec![variant("MUG-1", &[], "", 900)];
    t.store.save_product(mug).unwrap();

    let all = t.store.product_list("", 50).unwrap();
    assert_eq!(
        all.iter().map(|p| p.title.as_str()).collect::<Vec<_>>(),
        ["Classic Tee", "Enamel Mug"]
    );
    assert_eq!(
        (all[0].variants, all[0].price_min, all[0].price_max),
        (3, 1999, 2199)
    );
    let found = t.store.product_list("mug", 50).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].handle, "enamel-mug");

    // Edit a variant's price and add a barcode through the product found by its SKU.
    let mut p = t.store.product_by_sku("TEE-BLU-M").unwrap().unwrap();
    let v = p
        .variants
        .iter_mut()
        .find(|v| v.sku == "TEE-BLU-M")
        .unwrap();
    v.price_minor = 2499;
    v.barcodes.push("4012345678901".into());
    t.store.save_product(p).unwrap();
    let hit = t.store.lookup_barcode("4012345678901").unwrap().unwrap();
    assert_eq!(
        (hit.variant.sku.as_str(), hit.variant.price_minor),
        ("TEE-BLU-M", 2499)
    );

    // A new product can never replace an existing one by sharing its title.
    let before = t.footprint();
    let mut clash = tee();
    clash.variants = vec![variant("OTHER-1", &["Green", "S"], "", 500)];
    assert_eq!(
        field_of(t.store.create_product(clash).unwrap_err()),
        "title"
    );
    assert_eq!(t.footprint(), before);

    // A bad barcode names the field and changes nothing.
    let before = t.footprint();
    let mut p = t.store.product_by_sku("TEE-BLU-M").unwrap().unwrap();
    p.variants[0].barcodes.push("4012345678902".into());
    let e = t.store.save_product(p).unwrap_err();
    assert!(
        field_of(e).contains("barcodes"),
        "the error names the barcode field"
    );
    assert_eq!(t.footprint(), before);

    // Stock levels come a page at a time, filtered by the engine.
    t.store
        .receive_stock("TEE-RED-M", "MAIN", 5, "", "")
        .unwrap();
    t.store
        .receive_stock("TEE-BLU-M", "MAIN", 2, "", "")
        .unwrap();
    t.store.receive_stock("MUG-1", "MAIN", 9, "", "").unwrap();
    let page = t.store.stock_levels_matching(Some("MAIN"), "", 2).unwrap();
    assert_eq!(
        page.iter().map(|r| r.sku.as_str()).collect::<Vec<_>>(),
        ["MUG-1", "TEE-BLU-M"],
        "the first page by SKU"
    );
    let mugs = t
        .store
        .stock_levels_matching(Some("MAIN"), "enamel", 50)
        .unwrap();
    assert_eq!((mugs.len(), mugs[0].available), (1, 9));
    let by_code = t
        .store
        .stock_levels_matching(None, "4012345678901", 50)
        .unwrap();
    assert_eq!(by_code[0].sku, "TEE-BLU-M", "a barcode finds its variant");

    // The quote names the promotions that applied and the codes nobody has.
    t.store
        .create_promotion(
            "Save 5%",
            Some("SAVE5"),
            backroom_domain::sale::PromotionKind::Percent { bp: 500 },
            &[],
            false,
            0,
            0,
            (None, None),
        )
        .unwrap();
    let q = t
        .store
        .quote(&SaleInput {
            lines: vec![SaleLineInput {
                sku: "MUG-1".into(),
                quantity: 1,
                ..Default::default()
            }],
            promo_codes: vec!["save5".into(), "NOPE".into()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(q.promotions, ["Save 5%"]);
    assert_eq!(q.unknown_codes, ["NOPE"]);
    assert_eq!(q.total, 900 - 45);

    t.store.create_tax_class("RED", "Reduced", "7").unwrap();
    let classes = t.store.tax_classes().unwrap();
    assert_eq!(classes[0].code, "RED");
    assert_eq!(classes[0].rate_milli, 7000);

    t.store
        .create_price_list(PriceListInput {
            code: "vip".into(),
            name: "VIP".into(),
            customer_group: Some("vip".into()),
            priority: 5,
            ..Default::default()
        })
        .unwrap();
    t.store.set_list_price("VIP", "TEE-RED-M", 1500).unwrap();
    let lists = t.store.price_lists().unwrap();
    assert_eq!((lists[0].code.as_str(), lists[0].items), ("VIP", 1));
    let items = t.store.price_list_items("vip").unwrap();
    assert_eq!(
        (
            items[0].sku.as_str(),
            items[0].base_price_minor,
            items[0].price_minor
        ),
        ("TEE-RED-M", 1999, 1500)
    );
    assert_eq!(
        field_of(t.store.price_list_items("nope").unwrap_err()),
        "price_list"
    );
}

#[test]
fn settings_roles_and_printing_to_a_real_tcp_printer() {
    let mut t = new_store();
    t.store.save_product(tee()).unwrap();
    t.store
        .receive_stock("TEE-RED-M", "MAIN", 5, "", "")
        .unwrap();
    let receipt = sell_one(&mut t.store);

    // A test page goes to a printer before it is saved.
    let test_printer = TcpListener::bind("127.0.0.1:0").unwrap();
    let test_addr = test_printer.local_addr().unwrap().to_string();
    let test_reader = std::thread::spawn(move || {
        let (mut conn, _) = test_printer.accept().unwrap();
        let mut bytes = Vec::new();
        conn.read_to_end(&mut bytes).unwrap();
        bytes
    });
    t.store.print_test_page(&test_addr).unwrap();
    assert!(String::from_utf8_lossy(&test_reader.join().unwrap()).contains("Backroom test print"));

    // No printer saved yet: a clear error on the printer field.
    assert_eq!(
        field_of(t.store.print_receipt(&receipt, false).unwrap_err()),
        "printer"
    );

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let mut s = t.store.store_settings().unwrap();
    assert_eq!(
        (s.currency.as_str(), s.tax_mode.as_str()),
        ("EUR", "inclusive")
    );
    s.store_name = "Corner Shop Riverside".into();
    s.printer = addr.clone();
    s.receipt_footer = "Returns within 30 days".into();
    t.store.update_store_settings(s).unwrap();
    let s = t.store.store_settings().unwrap();
    assert_eq!(
        (s.store_name.as_str(), s.printer.as_str()),
        ("Corner Shop Riverside", addr.as_str())
    );

    let reader = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut bytes = Vec::new();
        conn.read_to_end(&mut bytes).unwrap();
        bytes
    });
    let printed = t.store.print_receipt(&receipt, true).unwrap();
    let bytes = reader.join().unwrap();
    assert_eq!(printed.bytes as usize, bytes.len());
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("Corner Shop Riverside"), "{text}");
    assert!(text.contains(&receipt));
    assert!(text.contains("DUPLICATE"));
    assert!(text.contains("Returns within 30 days"));
    assert!(
        bytes.starts_with(&[0x1b, b'@']),
        "ESC @ initialises the printer"
    );
    assert!(
        bytes.windows(2).any(|w| w == [0x1d, b'V']),
        "GS V cuts the paper"
    );

    // The X-report of the open shift prints too: float 100.00 plus the 19.99 cash sale made
    // before the shift opened (the next shift claims it).
    let shift = t.store.open_shift("MAIN", 10_000).unwrap();
    let lines = t.store.z_report_lines(&shift).unwrap();
    assert!(
        lines.iter().any(|(l, _)| l.starts_with("X-REPORT")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(l, _)| l.starts_with("Expected cash") && l.ends_with("119.99")),
        "{lines:?}"
    );

    // A device/file path works the same way.
    let file = t.dir.path().join("lp0");
    let mut s = t.store.store_settings().unwrap();
    s.printer = file.display().to_string();
    t.store.update_store_settings(s).unwrap();
    t.store.print_receipt(&receipt, false).unwrap();
    t.store.print_z_report(&shift).unwrap();
    let paper = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).to_string();
    assert!(paper.contains(&receipt));
    assert!(paper.contains("X-REPORT"), "appended after the receipt");

    // Bad settings name the field and change nothing.
    let before = t.footprint();
    for (edit, field) in [
        (
            Box::new(|s: &mut StoreSettingsView| s.printer = "printer-without-port".into())
                as Box<dyn Fn(&mut StoreSettingsView)>,
            "printer",
        ),
        (
            Box::new(|s: &mut StoreSettingsView| s.store_name = "  ".into()),
            "store_name",
        ),
        (
            Box::new(|s: &mut StoreSettingsView| s.currency = "USD".into()),
            "currency",
        ),
    ] {
        let mut s = t.store.store_settings().unwrap();
        edit(&mut s);
        assert_eq!(
            field_of(t.store.update_store_settings(s).unwrap_err()),
            field
        );
    }
    assert_eq!(t.footprint(), before);
    assert_eq!(
        t.store.store_settings().unwrap().store_name,
        "Corner Shop Riverside"
    );

    let roles = t.store.roles().unwrap();
    let cashier = roles.iter().find(|r| r.code == "cashier").unwrap();
    let grant = |p: &str| cashier.grants.iter().find(|g| g.0 == p).unwrap().1.clone();
    assert_eq!(grant("sell"), "allow");
    assert_eq!(grant("manage_staff"), "deny");
}

struct Count(AtomicU64, AtomicU64);
impl Progress for Count {
    fn set_total(&self, total: u64) {
        self.0.store(total, Ordering::SeqCst);
    }
    fn advance(&self, done: u64) {
        self.1.fetch_add(done, Ordering::SeqCst);
    }
}

#[test]
fn backup_reports_progress_and_restores() {
    let mut t = new_store();
    t.store.save_product(tee()).unwrap();
    let dest = t.dir.path().join("backup.sqlite");
    let progress = Count(AtomicU64::new(0), AtomicU64::new(0));
    t.store.backup_with_progress(&dest, &progress).unwrap();
    let total = progress.0.load(Ordering::SeqCst);
    assert!(total > 0);
    assert_eq!(
        progress.1.load(Ordering::SeqCst),
        total,
        "progress ends at its total"
    );
    assert_eq!(
        field_of(t.store.backup_with_progress(&dest, &progress).unwrap_err()),
        "file"
    );
    let copy = Store::open(&dest).unwrap();
    assert_eq!(copy.product_list("", 10).unwrap().len(), 1);
}

/// One print job received by a TCP listener standing in for a thermal printer.
fn printer() -> (String, std::thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let reader = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut bytes = Vec::new();
        conn.read_to_end(&mut bytes).unwrap();
        bytes
    });
    (addr, reader)
}

#[test]
fn umlauts_print_in_the_printers_code_page_on_its_paper_width() {
    let mut t = new_store();
    t.store.save_product(tee()).unwrap();
    t.store
        .receive_stock("TEE-RED-M", "MAIN", 5, "", "")
        .unwrap();
    let receipt = sell_one(&mut t.store);
    let (addr, job) = printer();
    let mut s = t.store.store_settings().unwrap();
    s.store_name = "Feinkost Müller & Söhne".into();
    s.receipt_footer = "Danke! Umtausch 30 Tage · 12,50 €".into();
    s.printer = addr;
    t.store.update_store_settings(s).unwrap();
    t.store.print_receipt(&receipt, false).unwrap();
    let bytes = job.join().unwrap();
    assert_eq!(&bytes[2..5], &[0x1B, b't', 0], "PC437 is selected");
    let name = b"Feinkost M\x81ller & S\x94hne";
    assert!(
        bytes.windows(name.len()).any(|w| w == name),
        "ü is 0x81 and ö 0x94 in PC437, never '?': {}",
        String::from_utf8_lossy(&bytes)
    );

    // A 58 mm printer with the euro: PC858, 32 columns.
    let (addr, job) = printer();
    let mut s = t.store.store_settings().unwrap();
    s.printer = addr;
    s.printer_columns = 32;
    s.printer_code_page = "PC858".into();
    t.store.update_store_settings(s).unwrap();
    t.store.print_receipt(&receipt, true).unwrap();
    let bytes = job.join().unwrap();
    assert_eq!(
        &bytes[2..5],
        &[0x1B, b't', 19],
        "PC858 is selected with ESC t 19"
    );
    assert!(bytes.contains(&0xD5), "€ is 0xD5 in PC858");
    let body = &bytes[5..bytes.len() - 7];
    for line in body.split(|b| *b == b'\n') {
        let text: Vec<u8> = line.iter().copied().filter(|b| *b != 0x1B).collect();
        assert!(
            text.len() <= 32 + 3,
            "every line fits 32 columns (bold codes aside): {}",
            String::from_utf8_lossy(line)
        );
    }
    let mut s = t.store.store_settings().unwrap();
    s.printer_code_page = "UTF-8".into();
    assert_eq!(
        field_of(t.store.update_store_settings(s).unwrap_err()),
        "code_page",
        "a code page the printers do not have is refused by name"
    );
}
