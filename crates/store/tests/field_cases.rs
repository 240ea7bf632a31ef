//! The field cases (`tests/fixtures/field-cases/`, copied from `shared/field-cases/`): inputs
//! shaped like merchants' real files and tills, each with the outcome a real store needs. Each
//! file is one example of a kind; the tests around it try other inputs of the same kind.

mod common;

use backroom_api::ImportReport;
use backroom_store::shopify::{write_rows, ImportOptions};
use backroom_store::{
    NoProgress, ReturnInput, ReturnLineInput, SaleInput, SaleLineInput, TenderInput,
};
use common::*;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/field-cases/"
);

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}{name}")).expect("read field case")
}

fn import_with(t: &mut TestStore, bytes: &[u8], opts: ImportOptions) -> ImportReport {
    t.store
        .import_shopify(bytes, &opts, &NoProgress)
        .expect("the file is readable")
}

fn import(t: &mut TestStore, bytes: &[u8], dry_run: bool) -> ImportReport {
    import_with(
        t,
        bytes,
        ImportOptions {
            dry_run,
            ..Default::default()
        },
    )
}

fn problems(r: &ImportReport) -> Vec<(u64, String)> {
    r.problems
        .iter()
        .map(|p| (p.row, p.column.clone()))
        .collect()
}

fn healthy(t: &TestStore) {
    let c = t.store.check().unwrap();
    assert!(c.ok, "check finds nothing wrong: {:#?}", c.findings);
}

fn sku_of(t: &TestStore, code: &str) -> String {
    t.store
        .lookup_barcode(code)
        .unwrap()
        .unwrap_or_else(|| panic!("{code} scans"))
        .variant
        .sku
}

// ---- crlf-row-numbers.csv -------------------------------------------------------------------

#[test]
fn problems_name_the_row_a_spreadsheet_shows_whatever_the_line_endings() {
    let crlf = fixture("crlf-row-numbers.csv");
    let text = String::from_utf8(crlf.clone()).unwrap();
    let lf = text.replace("\r\n", "\n");
    // A multi-line quoted cell above the bad row is still one spreadsheet row.
    let multi = lf.replace(
        "<p>Heavy linen,</p><p>two pockets</p>",
        "<p>Heavy linen,</p>\n<p>two\npockets</p>",
    );
    let multi_crlf = multi.replace('\n', "\r\n");
    // Old Mac Excel ends rows with a bare CR.
    let cr = text.replace("\r\n", "\r");
    for (what, bytes) in [
        ("bare CR", cr.into_bytes()),
        ("CRLF", crlf),
        ("LF", lf.into_bytes()),
        ("LF with a multi-line cell", multi.into_bytes()),
        ("CRLF with a multi-line cell", multi_crlf.into_bytes()),
    ] {
        let mut t = new_store();
        let r = import(&mut t, &bytes, true);
        assert_eq!(
            problems(&r),
            vec![(3, "Variant Price".to_string())],
            "{what}: one problem, at row 3 (header = row 1), column Variant Price: {:#?}",
            r.problems
        );
        assert!(
            r.problems[0].message.contains("24,00"),
            "{what}: the message quotes the cell"
        );
    }
}

// ---- spreadsheet-barcodes.csv ----------------------------------------------------------------

#[test]
fn spreadsheet_mangled_barcodes_are_problems_and_recoverable_ones_scan() {
    let file = fixture("spreadsheet-barcodes.csv");
    let mut t = new_store();
    let before = t.footprint();
    let r = import(&mut t, &file, false);
    assert_eq!(
        problems(&r),
        vec![(2, "Variant Barcode".to_string())],
        "only the scientific-notation code is a problem: {:#?}",
        r.problems
    );
    assert!(
        r.problems[0].message.contains("scientific notation"),
        "the message says what happened: {}",
        r.problems[0].message
    );
    assert_eq!(t.footprint(), before, "all-or-nothing by default");

    // Import the valid products, skip the one with the problem.
    let r = import_with(
        &mut t,
        &file,
        ImportOptions {
            skip_invalid: true,
            ..Default::default()
        },
    );
    assert_eq!(
        r.products_created, 3,
        "the three good products are imported"
    );
    assert_eq!(r.products_skipped, 1, "the oil is skipped");
    assert_eq!(r.skipped_rows, vec![2], "its row is listed");
    let mut out = Vec::new();
    assert_eq!(write_rows(&file[..], &r.skipped_rows, &mut out).unwrap(), 1);
    let rejects = String::from_utf8(out).unwrap();
    assert!(
        rejects.starts_with("Handle,Title,") && rejects.contains("rapeseed-oil"),
        "the skipped rows come back as a CSV with the header, to fix and re-import: {rejects}"
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.row == 3 && n.message.contains("leading zero")),
        "restoring the UPC-A's zero is said: {:#?}",
        r.notes
    );

    assert_eq!(
        sku_of(&t, "036000291452"),
        "LEM-330",
        "UPC-A restored and scans"
    );
    assert_eq!(sku_of(&t, "0036000291452"), "LEM-330", "as EAN-13 too");
    assert_eq!(
        sku_of(&t, "4006381333931"),
        "OAT-1",
        "the apostrophe is not part of the code"
    );
    assert_eq!(sku_of(&t, "04252614"), "GUM-1", "the UPC-E scans");
    assert_eq!(
        sku_of(&t, "042100005264"),
        "GUM-1",
        "its UPC-A finds the same product"
    );
    healthy(&t);
}

#[test]
fn every_mangled_code_shape_is_a_problem_at_its_row_and_column() {
    let header = "Handle,Title,Variant SKU,Variant Price,Variant Barcode\n";
    let cases = [
        ("5.90123E+12", "scientific notation"),
        ("3.65275e11", "scientific notation"),
        ("36000291453", "leading zero"),
        ("4006381333932", "check digit"),
        ("00036000291453", "GTIN-14"),
    ];
    for (code, says) in cases {
        let mut t = new_store();
        let file = format!("{header}a,A,A-1,1.00,\"{code}\"\n");
        let r = import(&mut t, file.as_bytes(), true);
        assert_eq!(
            problems(&r),
            vec![(2, "Variant Barcode".to_string())],
            "{code} is a problem at row 2, Variant Barcode"
        );
        assert!(
            r.problems[0].message.contains(says),
            "{code}: '{}' should mention {says}",
            r.problems[0].message
        );
    }
    // Internal codes of other shapes are allowed and reported as such.
    let mut t = new_store();
    let file =
        format!("{header}a,A,A-1,1.00,PLU-4011\nb,B,B-1,1.00,'4011\nc,C,C-1,1.00,'13652285\n");
    let r = import(&mut t, file.as_bytes(), false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    assert_eq!(
        r.notes
            .iter()
            .filter(|n| n.message.contains("internal code"))
            .count(),
        3,
        "each internal code is reported: {:#?}",
        r.notes
    );
    assert_eq!(
        sku_of(&t, "4011"),
        "B-1",
        "a short numeric code scans as typed"
    );
    assert_eq!(
        sku_of(&t, "13652285"),
        "C-1",
        "eight digits that are no EAN-8 are an item number, as real exports carry"
    );
}

// ---- shopify-accepts.csv ---------------------------------------------------------------------

#[test]
fn what_shopify_accepts_imports_and_nothing_is_altered_silently() {
    let file = fixture("shopify-accepts.csv");
    let mut t = new_store();
    let r = import(&mut t, &file, false);
    assert!(
        r.problems.is_empty(),
        "everything imports: {:#?}",
        r.problems
    );
    assert_eq!(r.products_created, 4);
    let ring = t.store.product_by_handle("silver-ring-tm™").unwrap();
    let ring = ring.expect("a handle with ™ is an opaque key");
    assert_eq!(
        ring.variants
            .iter()
            .map(|v| v.sku.as_str())
            .collect::<Vec<_>>(),
        vec!["RING 7 SLV", "RING 8 SLV"],
        "SKUs with spaces are kept as typed"
    );
    assert_eq!(
        ring.variants
            .iter()
            .map(|v| v.weight_mg)
            .collect::<Vec<_>>(),
        vec![2_600, 2_650],
        "fractional grams keep their precision"
    );
    let long = "DS-1005006152233445-BLACK-STRAP-ADJUSTABLE-NYLON-LANYARD-CROSSBODY-LONG";
    assert_eq!(
        sku_of(&t, long),
        long,
        "a long SKU (Shopify allows 255) is kept"
    );
    let socks = t.store.product_by_handle("wool-socks").unwrap().unwrap();
    assert_eq!(
        socks.variants[0].weight_mg, 120_408,
        "rounded to the milligram"
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.row == 5 && n.column == "Variant Grams" && n.message.contains("120.408")),
        "…and the rounding is said: {:#?}",
        r.notes
    );
    // The same SKU on two products: the first keeps it, the second gets a suffix, and the
    // report says so; a SKU still finds exactly one variant.
    let pack = t.store.product_by_handle("wool-socks-2").unwrap().unwrap();
    assert_eq!(socks.variants[0].sku, "SOCK-M");
    assert_eq!(pack.variants[0].sku, "SOCK-M-2");
    let note = r
        .notes
        .iter()
        .find(|n| n.row == 6 && n.column == "Variant SKU")
        .expect("a note at the second SOCK-M");
    assert!(note.message.contains("SOCK-M-2"), "{}", note.message);
    assert_eq!(
        t.store
            .lookup_barcode("SOCK-M")
            .unwrap()
            .unwrap()
            .variant
            .handle,
        "wool-socks"
    );
    // Importing the same file again changes nothing.
    let again = import(&mut t, &file, false);
    assert!(again.problems.is_empty(), "{:#?}", again.problems);
    assert_eq!(
        (again.products_unchanged, again.products_updated),
        (4, 0),
        "a re-import is idempotent, the suffixed SKU included"
    );
    // …and neither does importing our own export.
    let mut out = Vec::new();
    t.store.export_shopify(&mut out).unwrap();
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(
        text.contains(",120.408,"),
        "the export keeps the milligrams"
    );
    let round = import(&mut t, &out, false);
    assert_eq!(round.products_unchanged, 4, "{:#?}", round.changes);
    healthy(&t);
}

#[test]
fn trackers_fulfilment_long_generated_skus_and_quoted_tags_survive() {
    let mut t = new_store();
    let long = "a-very-long-handle-that-a-dropshipping-app-wrote-for-this-product-in-2024";
    let file = format!(
        "Handle,Title,Tags,Option1 Name,Option1 Value,Variant SKU,Variant Inventory Tracker,\
         Variant Fulfillment Service,Variant Price,Gift Card\n\
         {long}-red,Red,\"\"\"summer, sale\"\"\",Size,Large,,dsers-fulfillment-service,\
         dsers-fulfillment-service,5.00,FALSE\n\
         {long}-blue,Blue,,Size,Large,,printful,printful,5.00,FALSE\n\
         gift,Gift card,,Title,Default Title,GIFT-10,,gift_card,10.00,TRUE\n"
    );
    let r = import(&mut t, file.as_bytes(), false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    let red = t
        .store
        .product_by_handle(&format!("{long}-red"))
        .unwrap()
        .unwrap();
    let blue = t
        .store
        .product_by_handle(&format!("{long}-blue"))
        .unwrap()
        .unwrap();
    assert_ne!(
        red.variants[0].sku, blue.variants[0].sku,
        "generated SKUs of long handles that share a beginning stay unique"
    );
    assert!(red.variants[0].sku.chars().count() <= 64);
    assert_eq!(
        red.tags,
        vec!["summer", "sale"],
        "stray quotes are not part of tags"
    );
    assert_eq!(
        red.variants[0].inventory_tracker,
        "dsers-fulfillment-service"
    );
    assert_eq!(blue.variants[0].fulfillment_service, "printful");
    let mut out = Vec::new();
    t.store.export_shopify(&mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(",printful,") && text.contains(",gift_card,"),
        "third-party trackers and gift-card fulfilment are exported as imported"
    );
}

#[test]
fn a_dry_run_says_which_fields_change_and_which_variants_an_older_file_archives() {
    let mut t = new_store();
    t.store.save_product(tee()).unwrap();
    let file = "Handle,Title,Option1 Name,Option1 Value,Option2 Name,Option2 Value,Variant SKU,Variant Price\n\
                classic-tee,Classic Tee,Colour,Red,Size,M,TEE-RED-M,24.99\n\
                classic-tee,,,Red,,L,TEE-RED-L,19.99\n";
    let before = t.footprint();
    let r = import(&mut t, file.as_bytes(), true);
    assert_eq!(t.footprint(), before, "a dry run writes nothing");
    assert_eq!(r.changes.len(), 1, "{:#?}", r.changes);
    let c = &r.changes[0];
    assert_eq!(c.handle, "classic-tee");
    assert_eq!(
        c.variants_archived,
        vec!["TEE-BLU-M"],
        "the variant the file lacks"
    );
    assert!(
        c.variants_changed
            .iter()
            .any(|v| v.sku == "TEE-RED-M" && v.fields.contains(&"price".to_string())),
        "{:#?}",
        c.variants_changed
    );
}

// ---- taxable-without-class.csv ---------------------------------------------------------------

#[test]
fn taxable_variants_sell_under_the_default_class_and_untaxed_ones_at_zero() {
    let mut t = new_store();
    t.store.create_tax_class("STD", "Standard", "20").unwrap();
    let r = import(&mut t, &fixture("taxable-without-class.csv"), false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    for (sku, total, tax) in [("TEA-100", 1200, 200), ("WRAP-1", 300, 0)] {
        let o = t
            .store
            .complete_sale(cash_sale(format!("tax-{sku}"), sku, 1, total))
            .unwrap();
        assert_eq!(
            (o.total, o.tax_total),
            (total, tax),
            "{sku}: 20 % VAT included when taxable, none when not"
        );
    }
    healthy(&t);

    // A store that charges tax but has no default: check lists what would sell at 0 %.
    let mut s = t.store.store_settings().unwrap();
    s.default_tax_class = String::new();
    t.store.update_store_settings(s).unwrap();
    t.store
        .connection()
        .execute("UPDATE variant SET tax_class_id = NULL", [])
        .unwrap();
    let c = t.store.check().unwrap();
    assert!(!c.ok, "check is not ok");
    assert!(
        c.findings
            .iter()
            .any(|f| f.kind == "taxable_without_class" && f.detail.contains("TEA-100")),
        "{:#?}",
        c.findings
    );
}

// ---- stale-inventory.csv ---------------------------------------------------------------------

#[test]
fn an_inventory_file_never_erases_a_sale_made_after_it_was_prepared() {
    let mut t = new_store();
    let products =
        "Handle,Title,Variant SKU,Variant Price,Variant Inventory Tracker,Variant Inventory Qty\n\
                    stoneware-mug,Stoneware Mug,MUG-1,9.00,shopify,100\n";
    let r = import(&mut t, products.as_bytes(), false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    t.store
        .complete_sale(cash_sale("two-mugs", "MUG-1", 2, 1800))
        .unwrap();
    let file = fixture("stale-inventory.csv");
    let before = t.footprint();
    for dry_run in [true, false] {
        let r = t.store.import_inventory(&file[..], dry_run).unwrap();
        assert_eq!(
            r.problems
                .iter()
                .map(|p| (p.row, p.column.as_str()))
                .collect::<Vec<_>>(),
            vec![(2, "On hand (current)")],
            "dry run {dry_run}: the stale row is refused naming the column, as Shopify does"
        );
        assert!(
            r.problems[0].message.contains("98") && r.problems[0].message.contains("+3"),
            "{}",
            r.problems[0].message
        );
    }
    assert_eq!(t.footprint(), before, "nothing written");
    let on_hand = |t: &TestStore| -> i64 {
        t.store
            .connection()
            .query_row(
                "SELECT SUM(qty) FROM stock_level s JOIN variant v ON v.id = s.variant_id WHERE v.sku = 'MUG-1'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert_eq!(on_hand(&t), 98, "the sale stands; never 103");
    // The row fixed as the message says: +3 on today's 98.
    let fixed = String::from_utf8(file.clone())
        .unwrap()
        .replace(",100,100,103", ",100,98,101");
    let r = t.store.import_inventory(fixed.as_bytes(), false).unwrap();
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    assert_eq!(on_hand(&t), 101);
    // Importing the same file again moves nothing.
    let again = t.store.import_inventory(fixed.as_bytes(), false).unwrap();
    assert!(again.problems.is_empty(), "{:#?}", again.problems);
    assert_eq!((again.stock_movements, on_hand(&t)), (0, 101));
    healthy(&t);
}

// ---- counter cases ---------------------------------------------------------------------------

fn card_tender(code: &str, amount: i64) -> TenderInput {
    TenderInput {
        kind: "gift_card".into(),
        amount,
        gift_card_code: Some(code.into()),
        ..Default::default()
    }
}

/// Two variants of one product, SKUs and prices as given, `units` of each in stock at MAIN.
fn pair(t: &mut TestStore, a: (&str, i64), b: (&str, i64), units: i64) {
    let mut p = tee();
    p.variants.truncate(2);
    for (v, (sku, price)) in p.variants.iter_mut().zip([a, b]) {
        v.sku = sku.into();
        v.price_minor = price;
    }
    t.store.save_product(p).unwrap();
    for sku in [a.0, b.0] {
        t.store.receive_stock(sku, "MAIN", units, "", "").unwrap();
    }
}

/// An exchange cart of one `sku`, no tenders (the returned goods pay).
fn one_of(sku: &str) -> SaleInput {
    SaleInput {
        lines: vec![SaleLineInput {
            sku: sku.into(),
            quantity: 1,
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn return_of(receipt: &str, sku: &str, qty: i64) -> ReturnInput {
    ReturnInput {
        order: Some(receipt.into()),
        lines: vec![ReturnLineInput {
            sku: sku.into(),
            quantity: qty,
            reason: "defective".into(),
            disposition: "restock".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

#[test]
fn each_gift_card_gets_back_exactly_what_it_paid() {
    let mut t = new_store();
    let mut p = tee();
    p.variants[0].price_minor = 2500;
    t.store.save_product(p).unwrap();
    t.store
        .receive_stock("TEE-RED-M", "MAIN", 10, "", "")
        .unwrap();
    let card = |t: &TestStore, code: &str| t.store.gift_card(code).unwrap().balance;
    let sell = |t: &mut TestStore, cart: &str, a: &str, b: &str| {
        t.store.issue_gift_card(a, 3000, None, None, None).unwrap();
        t.store.issue_gift_card(b, 2000, None, None, None).unwrap();
        t.store
            .complete_sale(SaleInput {
                cart_id: cart.into(),
                lines: vec![SaleLineInput {
                    sku: "TEE-RED-M".into(),
                    quantity: 2,
                    ..Default::default()
                }],
                tenders: vec![card_tender(a, 3000), card_tender(b, 2000)],
                ..Default::default()
            })
            .unwrap()
    };
    // Returned in full.
    let o = sell(&mut t, "cards-1", "CARD-A", "CARD-B");
    t.store
        .process_return(return_of(&o.receipt_number, "TEE-RED-M", 2))
        .unwrap();
    assert_eq!(
        (card(&t, "CARD-A"), card(&t, "CARD-B")),
        (3000, 2000),
        "each card gets back what it paid, never more"
    );
    // Returned in halves on another sale.
    let o = sell(&mut t, "cards-2", "CARD-C", "CARD-D");
    t.store
        .process_return(return_of(&o.receipt_number, "TEE-RED-M", 1))
        .unwrap();
    assert_eq!(
        (card(&t, "CARD-C"), card(&t, "CARD-D")),
        (1500, 1000),
        "half back: 15.00 and 10.00"
    );
    t.store
        .process_return(return_of(&o.receipt_number, "TEE-RED-M", 1))
        .unwrap();
    assert_eq!(
        (card(&t, "CARD-C"), card(&t, "CARD-D")),
        (3000, 2000),
        "the second half brings each card back to what was loaded, no more"
    );
    healthy(&t);
    // Forcing more onto a card than was loaded is what check flags (two tills refunding one
    // payment would do it; the facts are kept and shown).
    t.store
        .connection()
        .execute(
            "INSERT INTO gift_card_txn (id, gift_card_id, amount, kind, at)
             SELECT 'forged', id, 100, 'refund', 0 FROM gift_card WHERE code = 'CARD-A'",
            [],
        )
        .unwrap();
    let c = t.store.check().unwrap();
    assert!(
        c.flags
            .iter()
            .any(|f| f.kind == "gift_card_over_loaded" && f.detail.contains("CARD-A")),
        "{:#?}",
        c.flags
    );
}

#[test]
fn a_price_label_keeps_its_quantity() {
    let mut t = new_store();
    let mut p = tee();
    p.variants[0].barcodes = vec![backroom_domain::barcode::base_code("2300042")];
    t.store.save_product(p).unwrap();
    let label = backroom_domain::barcode::make_embedded("2300042", 499).unwrap();
    let q = t
        .store
        .quote(&SaleInput {
            lines: vec![SaleLineInput {
                sku: label.clone(),
                quantity: 2,
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(q.total, 998, "two labels of 4.99 are 9.98, never 4.99");
    // The item's own shelf code (value 00000) is the item at its price in force, not a free label.
    let shelf = t
        .store
        .lookup_barcode(&backroom_domain::barcode::base_code("2300042"))
        .unwrap()
        .expect("the shelf code scans");
    assert_eq!(
        (shelf.variant.sku.as_str(), shelf.embedded_price_minor),
        ("TEE-RED-M", None)
    );
}

#[test]
fn one_code_means_one_variant_everywhere() {
    let mut t = new_store();
    t.store.save_product(tee()).unwrap();
    // A numeric SKU equal to another product's barcode is refused, naming both.
    let mut other = tee();
    other.handle = "other".into();
    other.title = "Other".into();
    other.variants.truncate(1);
    other.variants[0].sku = "4006381333931".into();
    other.variants[0].barcodes.clear();
    let err = t.store.save_product(other.clone()).unwrap_err();
    assert_eq!(err.code(), "code_taken", "{err}");
    assert!(err.to_string().contains("TEE-RED-M"), "{err}");
    // …in any spelling of the same GTIN.
    other.variants[0].sku = "36000291452".into();
    assert_eq!(
        t.store.save_product(other.clone()).unwrap_err().code(),
        "code_taken"
    );
    // A barcode equal to another variant's SKU is refused too.
    other.variants[0].sku = "OTHER-1".into();
    other.variants[0].barcodes = vec!["TEE-BLU-M".into()];
    let err = t.store.save_product(other).unwrap_err();
    assert_eq!(err.field(), Some("variants[0].barcodes[0]"), "{err}");
    // Scan, sale, stock and search resolve a code the same way.
    for code in ["4006381333931", "'4006381333931", "TEE-RED-M"] {
        assert_eq!(sku_of(&t, code), "TEE-RED-M", "{code}");
    }
    t.store
        .receive_stock("036000291452", "MAIN", 3, "", "")
        .expect("stock takes a UPC-A");
    let q = t
        .store
        .quote(&SaleInput {
            lines: vec![SaleLineInput {
                sku: "36000291452".into(),
                quantity: 1,
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        q.lines[0].sku, "TEE-BLU-M",
        "a sale line takes the same code"
    );
}

#[test]
fn older_inventory_exports_and_semicolon_files_import() {
    let mut t = new_store();
    let products = "Handle;Title;Variant SKU;Variant Price;Variant Inventory Tracker\n\
                    mug;Mug;MUG-1;9,00;shopify\n";
    let r = import(&mut t, products.as_bytes(), true);
    assert_eq!(
        problems(&r),
        vec![(2, "Variant Price".to_string())],
        "a semicolon file is read by its columns (and a decimal comma is still a problem)"
    );
    let products = products.replace("9,00", "9.00");
    let r = import(&mut t, products.as_bytes(), false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    // Shopify's older inventory export: one quantity column per location, named after it.
    t.store
        .create_location(backroom_store::NewLocation {
            code: "WH".into(),
            name: "Back Store".into(),
            kind: "warehouse".into(),
        })
        .unwrap();
    let inv = "Handle,Title,Option1 Name,Option1 Value,SKU,HS Code,COO,MAIN,Back Store\n\
               mug,Mug,Title,Default Title,'MUG-1,,,7.0,not stocked\n";
    let r = t.store.import_inventory(inv.as_bytes(), false).unwrap();
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    assert_eq!(r.stock_movements, 1);
    let available: i64 = t
        .store
        .connection()
        .query_row(
            "SELECT qty FROM stock_level s JOIN variant v ON v.id = s.variant_id
             WHERE v.sku = 'MUG-1' AND s.state = 'available'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(available, 7, "the MAIN column sets MAIN's available stock");
}

#[test]
fn unlisted_products_import_and_sell() {
    let mut t = new_store();
    let file = "Handle,Title,Variant SKU,Variant Price,Status\nhidden,Hidden,HID-1,4.00,unlisted\n";
    let r = import(&mut t, file.as_bytes(), false);
    assert!(
        r.problems.is_empty(),
        "Shopify's unlisted status: {:#?}",
        r.problems
    );
    let p = t.store.product_by_handle("hidden").unwrap().unwrap();
    assert_eq!(p.status, "unlisted", "kept as exported");
    let q = t
        .store
        .quote(&SaleInput {
            lines: vec![SaleLineInput {
                sku: "HID-1".into(),
                quantity: 1,
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(q.total, 400, "an unlisted product sells at the counter");
}

#[test]
fn a_large_import_is_several_bounded_ops_in_one_transaction() {
    let mut t = new_store();
    let mut file = String::from(
        "Handle,Title,Variant SKU,Variant Price,Variant Inventory Tracker,Variant Inventory Qty\n",
    );
    for i in 0..2_500 {
        file.push_str(&format!(
            "p-{i},Product {i},SKU-{i},1.00,shopify,{}\n",
            i % 7 + 1
        ));
    }
    let r = import(&mut t, file.as_bytes(), false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    assert_eq!((r.products_created, r.stock_movements), (2_500, 2_500));
    let ops: Vec<(String, usize)> = t
        .store
        .connection()
        .prepare("SELECT kind, length(body) FROM outbox WHERE kind = 'catalog.imported' ORDER BY device_seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        ops.len() >= 3,
        "2,500 products are at least 3 parts of ≤ 1,000: {ops:?}"
    );
    assert!(
        ops.iter().all(|(_, len)| *len < 600 * 1024),
        "every part is bounded: {ops:?}"
    );
    let moved: i64 = t
        .store
        .connection()
        .query_row(
            "SELECT COUNT(DISTINCT m.op_id) FROM stock_movement m JOIN outbox o ON o.op_id = m.op_id",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        moved as usize,
        ops.len(),
        "each part's movements belong to its own op"
    );
    healthy(&t);

    // All or nothing: a problem in the last product writes none of the parts.
    let mut t = new_store();
    let before = t.footprint();
    file.push_str("bad,Bad,BAD-1,abc,shopify,1\n");
    let r = import(&mut t, file.as_bytes(), false);
    assert_eq!(r.problems.len(), 1);
    assert_eq!(
        t.footprint(),
        before,
        "nothing of the 2,500 good products was written"
    );
}

#[test]
fn one_return_never_gives_a_payment_back_twice() {
    let mut t = new_store();
    let mut p = tee();
    p.variants[0].price_minor = 3000;
    t.store.save_product(p).unwrap();
    t.store
        .receive_stock("TEE-RED-M", "MAIN", 5, "", "")
        .unwrap();
    t.store
        .issue_gift_card("CARD-A", 3000, None, None, None)
        .unwrap();
    let o = t
        .store
        .complete_sale(SaleInput {
            cart_id: "gc-cash".into(),
            lines: vec![SaleLineInput {
                sku: "TEE-RED-M".into(),
                quantity: 2,
                ..Default::default()
            }],
            tenders: vec![
                card_tender("CARD-A", 3000),
                TenderInput {
                    kind: "cash".into(),
                    amount: 3000,
                    ..Default::default()
                },
            ],
            ..Default::default()
        })
        .unwrap();
    let mut r = return_of(&o.receipt_number, "TEE-RED-M", 2);
    r.refund = vec![
        backroom_store::RefundTender {
            kind: "gift_card".into(),
            amount: 3000,
            reference: String::new(),
        },
        backroom_store::RefundTender {
            kind: "gift_card".into(),
            amount: 3000,
            reference: String::new(),
        },
    ];
    let e = t.store.process_return(r).unwrap_err();
    assert_eq!(
        (e.field(), e.code()),
        (Some("refund[1].amount"), "over_refund"),
        "the second line finds the card already given back: {e}"
    );
    assert_eq!(
        t.store.gift_card("CARD-A").unwrap().balance,
        0,
        "nothing was refunded"
    );
}

#[test]
fn the_migration_pairs_two_equal_gift_card_payments_with_their_own_cards() {
    let mut t = new_store();
    let mut p = tee();
    p.variants[0].price_minor = 2500;
    t.store.save_product(p).unwrap();
    t.store
        .receive_stock("TEE-RED-M", "MAIN", 5, "", "")
        .unwrap();
    for code in ["CARD-A", "CARD-B"] {
        t.store
            .issue_gift_card(code, 2500, None, None, None)
            .unwrap();
    }
    t.store
        .complete_sale(SaleInput {
            cart_id: "two-equal-cards".into(),
            lines: vec![SaleLineInput {
                sku: "TEE-RED-M".into(),
                quantity: 2,
                ..Default::default()
            }],
            tenders: vec![card_tender("CARD-A", 2500), card_tender("CARD-B", 2500)],
            ..Default::default()
        })
        .unwrap();
    // As a database written before payments named their card, then the migration's backfill.
    let conn = t.store.connection();
    conn.execute("UPDATE payment SET gift_card_id = NULL", [])
        .unwrap();
    let migration = include_str!("../../../migrations/local/0004_field_cases.sql");
    let start = migration.find("WITH p AS").expect("the backfill statement");
    let end = start + migration[start..].find(';').expect("its end");
    conn.execute_batch(&migration[start..=end]).unwrap();
    let cards: Vec<String> = conn
        .prepare(
            "SELECT g.code FROM payment p JOIN gift_card g ON g.id = p.gift_card_id
             WHERE p.kind = 'sale' ORDER BY p.rowid",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        cards,
        vec!["CARD-A", "CARD-B"],
        "each payment keeps its own card"
    );
}

#[test]
fn codes_collide_in_every_form_a_scan_reads() {
    let mut t = new_store();
    let mut a = tee();
    a.variants.truncate(1);
    a.variants[0].barcodes = vec!["012345000065".into()]; // a UPC-A whose UPC-E is 01234565
    t.store.save_product(a).unwrap();
    let mut b = tee();
    b.handle = "b".into();
    b.title = "B".into();
    b.variants.truncate(1);
    b.variants[0].sku = "01234565".into();
    b.variants[0].barcodes.clear();
    let e = t.store.save_product(b).unwrap_err();
    assert_eq!(
        e.code(),
        "code_taken",
        "the SKU 01234565 would scan as that UPC-A: {e}"
    );
    // A SKU an older import stored with its apostrophe is still found as typed.
    t.store
        .connection()
        .execute(
            "UPDATE variant SET sku = '''777' WHERE sku = 'TEE-RED-M'",
            [],
        )
        .unwrap();
    assert_eq!(sku_of(&t, "'777"), "'777");
}

#[test]
fn a_skipped_product_does_not_push_a_later_one_to_a_suffix() {
    let mut t = new_store();
    let file = "Handle,Title,Variant SKU,Variant Price\n\
                bad,Bad,SHARED-1,abc\n\
                good,Good,SHARED-1,2.00\n";
    let r = import_with(
        &mut t,
        file.as_bytes(),
        ImportOptions {
            skip_invalid: true,
            ..Default::default()
        },
    );
    assert_eq!((r.products_created, r.products_skipped), (1, 1));
    assert_eq!(
        t.store.product_by_handle("good").unwrap().unwrap().variants[0].sku,
        "SHARED-1",
        "the skipped product never took the SKU"
    );
    // The skipped rows of a semicolon file come back with semicolons.
    let semi = "Handle;Title;Variant SKU;Variant Price\nbad2;Bad;B-2;x\nok2;Ok;O-2;1.00\n";
    let r = import(&mut t, semi.as_bytes(), true);
    assert_eq!(r.skipped_rows, vec![2]);
    let mut out = Vec::new();
    write_rows(semi.as_bytes(), &r.skipped_rows, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "Handle;Title;Variant SKU;Variant Price\nbad2;Bad;B-2;x\n"
    );
}

#[test]
fn a_part_number_on_every_condition_of_a_product_imports_once() {
    // A refurbished-electronics export: the manufacturer's part number in the Barcode column of
    // every condition, and of another listing of the same model.
    let mut t = new_store();
    let file =
        "Handle,Title,Option1 Name,Option1 Value,Variant SKU,Variant Price,Variant Barcode\n\
                air-13,Air 13,Condition,Excellent,AIR-EX,649.99,MVFL2LL/A\n\
                air-13,,,Good,AIR-GD,599.99,MVFL2LL/A\n\
                air-13-silver,Air 13 Silver,Condition,Good,AIRS-GD,599.99,MVFL2LL/A\n";
    let r = import(&mut t, file.as_bytes(), false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    assert_eq!(r.products_created, 2, "both listings import");
    assert_eq!(
        r.notes
            .iter()
            .filter(|n| n.column == "Variant Barcode" && n.message.contains("row 2"))
            .map(|n| n.row)
            .collect::<Vec<_>>(),
        vec![3, 4],
        "each later use of the code is named: {:#?}",
        r.notes
    );
    assert_eq!(
        sku_of(&t, "MVFL2LL/A"),
        "AIR-EX",
        "the code finds the first variant only"
    );
    healthy(&t);
}

#[test]
fn returning_the_paid_item_of_a_pair_refunds_it_net_of_its_share_of_the_deal() {
    use backroom_domain::sale::PromotionKind;
    let mut t = new_store();
    pair(&mut t, ("SCARF", 3000), ("BEANIE", 2000), 5);
    t.store
        .create_promotion(
            "Buy one, get one free",
            None,
            PromotionKind::BuyXGetY {
                buy: 1,
                get: 1,
                bp: 10_000,
            },
            &[],
            false,
            0,
            0,
            (None, None),
        )
        .unwrap();
    let o = t
        .store
        .complete_sale(SaleInput {
            cart_id: "bogo".into(),
            lines: ["SCARF", "BEANIE"]
                .iter()
                .map(|s| SaleLineInput {
                    sku: s.to_string(),
                    quantity: 1,
                    ..Default::default()
                })
                .collect(),
            tenders: vec![TenderInput {
                kind: "cash".into(),
                amount: 3000,
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(o.total, 3000, "a 30.00 scarf and a free 20.00 beanie");
    let back = t
        .store
        .process_return(return_of(&o.receipt_number, "SCARF", 1))
        .unwrap();
    assert_eq!(
        back.refund_total, 1800,
        "the scarf cost 30.00 less its 12.00 share of the 20.00 deal; never 30.00"
    );
    // The refund slip adds up line by line: -1 × 30.00, discount kept +12.00, refunded -18.00.
    let slip = t.store.any_receipt(&back.number, false).unwrap();
    let l = &slip.lines[0];
    assert_eq!(
        (l.quantity * l.unit_price - l.discount, l.total),
        (-1800, -1800),
        "quantity × price − discount = the line's refund: {l:?}"
    );
    let text: Vec<String> = slip.text_lines().into_iter().map(|(t, _)| t).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("discount kept") && t.ends_with("+12.00")),
        "{text:#?}"
    );
    assert_eq!(slip.total, -1800);
    healthy(&t);
}

#[test]
fn an_even_exchange_owes_the_tax_of_what_left_the_store() {
    let mut t = new_store();
    t.store.create_tax_class("STD", "Standard", "20").unwrap();
    t.store.create_tax_class("BOOKS", "Books", "5.5").unwrap();
    let mut p = tee();
    p.variants.truncate(2);
    p.variants[0].sku = "MUG".into();
    p.variants[0].price_minor = 1200;
    p.variants[0].tax_class = "STD".into();
    p.variants[1].sku = "BOOK".into();
    p.variants[1].price_minor = 1200;
    p.variants[1].tax_class = "BOOKS".into();
    t.store.save_product(p).unwrap();
    for sku in ["MUG", "BOOK"] {
        t.store.receive_stock(sku, "MAIN", 5, "", "").unwrap();
    }
    let shift = t.store.open_shift("MAIN", 0).unwrap();
    let o = t
        .store
        .complete_sale(cash_sale("mug", "MUG", 1, 1200))
        .unwrap();
    assert_eq!(o.tax_total, 200, "12.00 with 20 % VAT in it");
    let mut r = return_of(&o.receipt_number, "MUG", 1);
    r.exchange = Some(one_of("BOOK"));
    t.store.process_return(r).unwrap();
    let z = t.store.z_report(&shift).unwrap();
    let by_rate: Vec<(i64, i64, i64, i64)> = z
        .taxes
        .iter()
        .map(|x| (x.rate_milli, x.sales_tax, x.refunded_tax, x.net_tax))
        .collect();
    assert_eq!(
        by_rate,
        vec![(5_500, 63, 0, 63), (20_000, 200, 200, 0)],
        "2.63 on sales, 2.00 refunded, 0.63 owed: the book's 5.5 %"
    );
    let owed: i64 = z.taxes.iter().map(|x| x.net_tax).sum();
    assert_eq!(owed, 63);
    let report = t.store.sales_report(0, i64::MAX / 2).unwrap();
    assert_eq!(
        report.taxes, z.taxes,
        "the sales report says the same for the period"
    );
    let printed: Vec<String> = t
        .store
        .z_report_lines(&shift)
        .unwrap()
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert!(
        printed
            .iter()
            .any(|l| l.contains("5.5% owed") && l.ends_with("0.63")),
        "the printed Z-report has the block: {printed:#?}"
    );
}

// ---- the store's own day -----------------------------------------------------------------------

fn at(rfc3339: &str) -> i64 {
    backroom_store::local::instant(rfc3339, "at").unwrap()
}

#[test]
fn a_berlin_store_prints_and_reports_its_own_local_day_through_both_dst_nights() {
    let mut t = new_store();
    let mut s = t.store.store_settings().unwrap();
    s.time_zone = "Europe/Berlin".into();
    t.store.update_store_settings(s).unwrap();
    t.store.save_product(tee()).unwrap();
    t.store
        .receive_stock("TEE-RED-M", "MAIN", 50, "", "")
        .unwrap();
    let sell = |t: &mut TestStore, when: &str| {
        t.clock.set(at(when));
        t.store
            .complete_sale(cash_sale(format!("at-{when}"), "TEE-RED-M", 1, 1999))
            .unwrap()
            .receipt_number
    };
    // 23:30 on 15 January and 00:30 on 16 January, Berlin time (UTC+1).
    sell(&mut t, "2026-01-15T22:30:00Z");
    let after_midnight = sell(&mut t, "2026-01-15T23:30:00Z");
    let receipt = t.store.receipt(&after_midnight, false).unwrap();
    assert_eq!(
        receipt.date, "2026-01-16 00:30",
        "the receipt reads the local time"
    );
    let tz = t.store.settings().unwrap().tz.clone();
    let day = |d: &str| backroom_store::local::range(d, d, &tz).unwrap();
    let (a, b) = day("2026-01-16");
    let report = t.store.sales_report(a, b).unwrap();
    assert_eq!(report.orders, 1, "16 January holds exactly the 00:30 sale");

    // The night the clocks go forward (23 hours) and the night they go back (25 hours).
    for (date, sales) in [
        (
            "2026-03-29",
            [
                "2026-03-28T23:30:00Z",
                "2026-03-29T00:30:00Z",
                "2026-03-29T21:30:00Z",
            ],
        ),
        (
            "2026-10-25",
            [
                "2026-10-24T22:30:00Z",
                "2026-10-25T00:30:00Z",
                "2026-10-25T01:30:00Z",
            ],
        ),
    ] {
        for when in sales {
            sell(&mut t, when);
        }
        let (a, b) = day(date);
        assert_eq!(
            t.store.sales_report(a, b).unwrap().orders,
            3,
            "every sale of {date} lands on it, the day's length notwithstanding"
        );
    }
    // The Orders screen's filter by local days says the same.
    let filtered = t
        .store
        .orders(&backroom_api::OrderFilter {
            from_day: Some("2026-01-16".into()),
            to_day: Some("2026-01-16".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0].created_local, "2026-01-16 00:30");
    let mut s = t.store.store_settings().unwrap();
    s.time_zone = "Europe/Atlantis".into();
    assert_eq!(
        t.store.update_store_settings(s).unwrap_err().field(),
        Some("time_zone"),
        "an unknown zone is refused by name"
    );
}

// ---- loyalty that survives returns ---------------------------------------------------------------

#[test]
fn points_come_back_exactly_and_gift_card_money_earns_once() {
    use backroom_store::CustomerInput;
    let mut t = new_store();
    // 10 points per euro; a point is worth 0.05.
    t.store.set_loyalty(10, 5).unwrap();
    let c = t
        .store
        .create_customer(CustomerInput {
            name: "Lena".into(),
            email: "lena@example.com".into(),
            ..Default::default()
        })
        .unwrap();
    let mut p = tee();
    p.variants[0].price_minor = 624;
    t.store.save_product(p).unwrap();
    t.store
        .receive_stock("TEE-RED-M", "MAIN", 10, "", "")
        .unwrap();
    let mut card = tee();
    card.handle = "gift-card".into();
    card.title = "Gift card".into();
    card.is_gift_card = true;
    card.variants.truncate(1);
    card.variants[0].sku = "GC-50".into();
    card.variants[0].barcodes.clear();
    card.variants[0].price_minor = 5000;
    card.variants[0].inventory_tracked = false;
    t.store.save_product(card).unwrap();
    let points = |t: &TestStore| t.store.customer(&c).unwrap().loyalty_points;

    // Buying a 50.00 gift card earns nothing; spending it earns once.
    t.store
        .complete_sale(SaleInput {
            cart_id: "buy-card".into(),
            customer_id: Some(c.clone()),
            lines: vec![SaleLineInput {
                sku: "GC-50".into(),
                quantity: 1,
                gift_card_code: Some("LENA-CARD-1".into()),
                ..Default::default()
            }],
            tenders: vec![TenderInput {
                kind: "cash".into(),
                amount: 5000,
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(points(&t), 0, "a gift card bought earns no points");
    t.store
        .complete_sale(SaleInput {
            cart_id: "spend-card".into(),
            customer_id: Some(c.clone()),
            lines: vec![SaleLineInput {
                sku: "TEE-RED-M".into(),
                quantity: 8,
                ..Default::default()
            }],
            tenders: vec![card_tender("LENA-CARD-1", 4992)],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        points(&t),
        499,
        "spending it earns once: 49.92 → 499 points"
    );

    // Pay 12.48 with points (250 points at 0.05, rounded up), then return in halves.
    let before = points(&t);
    let o = t
        .store
        .complete_sale(SaleInput {
            cart_id: "points".into(),
            customer_id: Some(c.clone()),
            lines: vec![SaleLineInput {
                sku: "TEE-RED-M".into(),
                quantity: 2,
                ..Default::default()
            }],
            tenders: vec![TenderInput {
                kind: "loyalty".into(),
                amount: 1248,
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(points(&t), before - 250, "12.48 of points is 250 of them");
    for _ in 0..2 {
        t.store
            .process_return(return_of(&o.receipt_number, "TEE-RED-M", 1))
            .unwrap();
    }
    assert_eq!(
        points(&t),
        before,
        "both halves give back exactly the 250 points taken, not 124 + 124"
    );
    healthy(&t);
}

#[test]
fn small_point_refunds_and_reparked_carts_and_narrow_z_reports_hold() {
    use backroom_store::CustomerInput;
    let mut t = new_store();
    // A point is worth 1.00; three 0.50 items paid with 2 points (1.50 rounded up).
    t.store.set_loyalty(10, 100).unwrap();
    let c = t
        .store
        .create_customer(CustomerInput {
            name: "Ola".into(),
            email: "ola@example.com".into(),
            ..Default::default()
        })
        .unwrap();
    let mut p = tee();
    p.variants[0].price_minor = 1000;
    p.variants[1].price_minor = 50;
    t.store.save_product(p).unwrap();
    t.store
        .receive_stock("TEE-RED-M", "MAIN", 5, "", "")
        .unwrap();
    t.store
        .receive_stock("TEE-RED-L", "MAIN", 5, "", "")
        .unwrap();
    let line = |sku: &str, quantity| SaleLineInput {
        sku: sku.into(),
        quantity,
        ..Default::default()
    };
    // Earn 100 points first.
    t.store
        .complete_sale(SaleInput {
            cart_id: "earn".into(),
            customer_id: Some(c.clone()),
            lines: vec![line("TEE-RED-M", 1)],
            tenders: vec![TenderInput {
                kind: "cash".into(),
                amount: 1000,
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();
    let o = t
        .store
        .complete_sale(SaleInput {
            cart_id: "small".into(),
            customer_id: Some(c.clone()),
            lines: vec![line("TEE-RED-L", 3)],
            tenders: vec![TenderInput {
                kind: "loyalty".into(),
                amount: 150,
                ..Default::default()
            }],
            ..Default::default()
        })
        .unwrap();
    let points = |t: &TestStore| t.store.customer(&c).unwrap().loyalty_points;
    assert_eq!(points(&t), 98, "100 earned, 2 redeemed");
    for _ in 0..3 {
        t.store
            .process_return(return_of(&o.receipt_number, "TEE-RED-L", 1))
            .expect("a part worth less than a point is still a return");
    }
    assert_eq!(points(&t), 100, "all 2 points back over the three returns");

    // Parking a resumed cart again replaces it.
    let cart = SaleInput {
        cart_id: "park-me".into(),
        lines: vec![line("TEE-RED-M", 1)],
        ..Default::default()
    };
    let id = t.store.park_cart("first", cart).unwrap();
    let mut resumed = t.store.resume_cart(&id).unwrap();
    resumed.lines[0].quantity = 2;
    t.store.park_cart("again", resumed).unwrap();
    let parked = t.store.parked_carts().unwrap();
    assert_eq!(parked.len(), 1, "one cart, parked once: {parked:?}");
    assert_eq!(parked[0].1, "again");

    // A Z-report on 24-column paper: every line fits and none holds a line break.
    let shift = t.store.open_shift("MAIN", 0).unwrap();
    let mut s = t.store.store_settings().unwrap();
    s.printer_columns = 24;
    t.store.update_store_settings(s).unwrap();
    for (line, _) in t.store.z_report_lines(&shift).unwrap() {
        assert!(
            line.chars().count() <= 24 && !line.contains('\n'),
            "{line:?}"
        );
    }
    healthy(&t);
}

// ---- coins and cash ----------------------------------------------------------------------------

/// A receipt or refund slip as printed (text lines, 48 columns).
fn printed(t: &TestStore, key: &str) -> Vec<String> {
    t.store
        .any_receipt(key, false)
        .unwrap()
        .text_lines()
        .into_iter()
        .map(|(l, _)| l)
        .collect()
}

fn chf_store() -> TestStore {
    let mut t = new_store_in("CHF");
    pair(&mut t, ("JAM", 747), ("HONEY", 748), 20);
    t
}

fn paid_by(o: &backroom_api::OrderView) -> Vec<(String, i64)> {
    o.payments
        .iter()
        .map(|p| (p.tender.clone(), p.amount))
        .collect()
}

#[test]
fn a_zurich_till_rounds_only_the_cash_part_to_five_rappen() {
    let mut t = chf_store();
    let rule = t.store.store_settings().unwrap();
    assert_eq!(
        (
            rule.cash_rounding_increment,
            rule.cash_rounding_mode.as_str()
        ),
        (5, "nearest"),
        "a CHF store rounds cash to 0.05 unless Settings says otherwise"
    );
    let shift = t.store.open_shift("MAIN", 10_000).unwrap();

    // Before any tender the till shows the exact due for a card and the coins for cash.
    let q = t.store.quote(&cash_sale("q", "JAM", 1, 0)).unwrap();
    assert_eq!(
        (q.total, q.tenders.due, q.tenders.cash_due, q.tenders.coin),
        (747, 747, 745, 5)
    );

    // 7.47 settled with 7.45 in cash: 0.02 rounding booked on the order.
    let cash = t
        .store
        .complete_sale(cash_sale("jam-cash", "JAM", 1, 745))
        .unwrap();
    assert_eq!(cash.total, 747, "the price and the tax base stay exact");
    assert_eq!(
        paid_by(&cash),
        vec![("cash".into(), 745), ("rounding".into(), 2)]
    );
    assert_eq!(cash.change_due, 0);
    let lines = printed(&t, &cash.receipt_number);
    let from = lines
        .iter()
        .position(|l| l.starts_with("TOTAL CHF"))
        .unwrap();
    let tail: Vec<&str> = lines[from..from + 4]
        .iter()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .map(|w| w.last().copied().unwrap_or(""))
        .collect();
    assert_eq!(
        tail,
        ["7.47", "-0.02", "7.45", "7.45"],
        "total, rounding, total in cash, cash: {lines:#?}"
    );

    // By card it is exact.
    let mut card = cash_sale("jam-card", "JAM", 1, 747);
    card.tenders[0].kind = "card".into();
    let card = t.store.complete_sale(card).unwrap();
    assert_eq!(paid_by(&card), vec![("card".into(), 747)]);

    // 7.48 with a 10.00 note: 7.50 is due in cash, change 2.50, rounding −0.02.
    let note = t
        .store
        .complete_sale(cash_sale("honey", "HONEY", 1, 1_000))
        .unwrap();
    assert_eq!(note.change_due, 250);
    assert_eq!(
        paid_by(&note),
        vec![
            ("cash".into(), 1_000),
            ("rounding".into(), -2),
            ("cash".into(), -250)
        ]
    );

    // Cash that cannot be handed over is refused, naming the tender; nothing is written.
    let before = t.rows("sale_order");
    let e = t
        .store
        .complete_sale(cash_sale("jam-odd", "JAM", 1, 747))
        .unwrap_err();
    assert_eq!(
        (e.field(), e.code()),
        (Some("tenders[0].amount"), "not_coins"),
        "{e}"
    );
    assert!(
        e.to_string().contains("7.47 cannot, 7.45 or 7.50 can"),
        "{e}"
    );
    assert_eq!(t.rows("sale_order"), before);
    let e = t
        .store
        .complete_sale(cash_sale("jam-short", "JAM", 1, 740))
        .unwrap_err();
    assert_eq!(e.code(), "underpaid", "{e}");

    // A split: 5.00 on card, the 2.47 rest is 2.45 in cash.
    let mut split = cash_sale("jam-split", "JAM", 1, 245);
    split.tenders.insert(
        0,
        TenderInput {
            kind: "card".into(),
            amount: 500,
            ..Default::default()
        },
    );
    let q = t.store.quote(&split).unwrap();
    assert_eq!(
        (q.tenders.due, q.tenders.rounding, q.tenders.change_due),
        (0, 2, 0)
    );
    let split = t.store.complete_sale(split).unwrap();
    assert_eq!(
        paid_by(&split),
        vec![
            ("card".into(), 500),
            ("cash".into(), 245),
            ("rounding".into(), 2)
        ]
    );

    // Returning the cash jam pays back 7.45 in coins; the card jam gets 7.47 back on the card.
    let r = t
        .store
        .process_return(return_of(&cash.receipt_number, "JAM", 1))
        .unwrap();
    let mut refunds = r.refunds.clone();
    refunds.sort();
    assert_eq!(refunds, vec![("cash".into(), 745), ("rounding".into(), 2)]);
    let slip: Vec<String> = printed(&t, &r.number);
    assert!(
        slip.iter()
            .any(|l| l.starts_with("Cash rounding") && l.ends_with("+0.02"))
            && slip
                .iter()
                .any(|l| l.starts_with("TOTAL IN CASH") && l.ends_with("-7.45")),
        "the refund slip adds up with its rounding line: {slip:#?}"
    );
    let r = t
        .store
        .process_return(return_of(&card.receipt_number, "JAM", 1))
        .unwrap();
    assert_eq!(r.refunds, vec![("card".into(), 747)]);
    // The honey paid 7.50 in coins: it gets 7.50 back.
    let r = t
        .store
        .process_return(return_of(&note.receipt_number, "HONEY", 1))
        .unwrap();
    let mut refunds = r.refunds.clone();
    refunds.sort();
    assert_eq!(refunds, vec![("cash".into(), 750), ("rounding".into(), -2)]);

    // The drawer: float 100.00 + 7.45 + 7.50 + 2.45 − 7.45 − 7.50 = 102.45, in coins.
    let z = t.store.z_report(&shift).unwrap();
    assert_eq!(z.expected_cash, 10_245);
    assert_eq!(
        z.tenders.get("rounding").map(|r| r.net),
        Some(2),
        "the split's 0.02 is what rounding cost the shift"
    );
    let e = t.store.close_shift("MAIN", 10_247).unwrap_err();
    assert_eq!((e.field(), e.code()), (Some("counted_cash"), "not_coins"));
    let z = t.store.close_shift("MAIN", 10_245).unwrap();
    assert_eq!(z.variance, Some(0));
    healthy(&t);
}

#[test]
fn the_rounding_rule_is_a_setting_and_voids_and_exchanges_keep_to_it() {
    let mut t = chf_store();
    // A euro store that rounds to 0.05 (as Finland, Ireland or the Netherlands do) sets it.
    let mut s = t.store.store_settings().unwrap();
    s.cash_rounding_mode = "down".into();
    t.store.update_store_settings(s.clone()).unwrap();
    let o = t
        .store
        .complete_sale(cash_sale("honey", "HONEY", 1, 745))
        .unwrap();
    assert_eq!(
        paid_by(&o),
        vec![("cash".into(), 745), ("rounding".into(), 3)]
    );
    s.cash_rounding_mode = "bankers".into();
    let e = t.store.update_store_settings(s.clone()).unwrap_err();
    assert_eq!(e.field(), Some("cash_rounding_mode"));
    s.cash_rounding_mode = "nearest".into();
    s.cash_rounding_increment = -5;
    let e = t.store.update_store_settings(s.clone()).unwrap_err();
    assert_eq!(e.field(), Some("cash_rounding_increment"));
    s.cash_rounding_increment = 1;
    t.store.update_store_settings(s.clone()).unwrap();
    let exact = t
        .store
        .complete_sale(cash_sale("jam", "JAM", 1, 747))
        .unwrap();
    assert_eq!(
        paid_by(&exact),
        vec![("cash".into(), 747)],
        "1: no rounding"
    );

    // Exchanges a cent apart: nothing smaller than a coin changes hands either way.
    s = t.store.store_settings().unwrap();
    s.cash_rounding_increment = 5;
    t.store.update_store_settings(s).unwrap();
    let jam = t
        .store
        .complete_sale(cash_sale("jam-2", "JAM", 1, 745))
        .unwrap();
    let mut swap = return_of(&jam.receipt_number, "JAM", 1);
    swap.exchange = Some(one_of("HONEY"));
    let r = t.store.process_return(swap).unwrap();
    let dearer = r.exchange_order.expect("the exchange order");
    assert_eq!(
        paid_by(&dearer),
        vec![("exchange".into(), 747), ("rounding".into(), 1)],
        "the cent the honey costs more is rounding"
    );
    let mut back = return_of(&dearer.receipt_number, "HONEY", 1);
    back.exchange = Some(one_of("JAM"));
    let r = t.store.process_return(back).unwrap();
    assert_eq!(
        r.refunds,
        vec![("rounding".into(), 1)],
        "the cent the jam costs less is not paid out"
    );

    // A void gives back exactly the coins taken, rounding reversed with them.
    t.store.void_sale(&o.id, "wrong item", None).unwrap();
    let net: i64 = t
        .store
        .order(&o.id)
        .unwrap()
        .payments
        .iter()
        .map(|p| p.amount)
        .sum();
    assert_eq!(net, 0);
    healthy(&t);
}

// ---- goods sold by weight or length -----------------------------------------------------------

fn available(t: &TestStore, sku: &str, loc: &str) -> i64 {
    t.store
        .stock_qty(sku, loc, backroom_domain::stock::StockState::Available)
        .unwrap()
}

#[test]
fn cheese_by_the_kilo_sells_returns_counts_and_transfers_in_grams() {
    use backroom_domain::barcode::{base_code, make_embedded};
    let mut t = new_store().with_warehouse();
    let mut p = tee();
    p.variants.truncate(2);
    p.variants[0].sku = "CHEESE".into();
    p.variants[0].sale_unit = "kg".into();
    p.variants[0].price_minor = 2_490;
    p.variants[0].barcodes = vec![base_code("2100042")];
    p.variants[1].sku = "ROPE".into();
    p.variants[1].sale_unit = "m".into();
    p.variants[1].price_minor = 1_299;
    p.variants[1].barcodes = vec![];
    t.store.save_product(p.clone()).unwrap();
    t.store
        .receive_stock("CHEESE", "MAIN", 5_000, "", "")
        .unwrap();
    t.store
        .receive_stock("ROPE", "MAIN", 50_000, "", "")
        .unwrap();

    // 0.5 kg at 24.90/kg is 12.45 and takes 0.5 kg off stock.
    let o = t
        .store
        .complete_sale(cash_sale("cheese", "CHEESE", 500, 1_245))
        .unwrap();
    assert_eq!(o.total, 1_245);
    assert_eq!(
        (o.lines[0].quantity, o.lines[0].sale_unit.as_str()),
        (500, "kg")
    );
    assert_eq!(available(&t, "CHEESE", "MAIN"), 4_500, "5 kg − 0.5 kg");
    let lines = printed(&t, &o.receipt_number);
    assert!(
        lines.iter().any(|l| l.trim() == "0.5 kg x 24.90/kg CHEESE"),
        "{lines:#?}"
    );

    // A scale's label: 1.250 kg takes 1.25 kg off stock at the price per kg (31.125 → 31.13);
    // two labels of that weight are 2.5 kg.
    let label = make_embedded("2100042", 1_250).unwrap();
    let q = t.store.quote(&cash_sale("q", &label, 1, 0)).unwrap();
    assert_eq!(
        (q.lines[0].quantity, q.total),
        (1_250, 3_113),
        "the label's weight is the quantity"
    );
    let q = t.store.quote(&cash_sale("q", &label, 2, 0)).unwrap();
    assert_eq!((q.lines[0].quantity, q.total), (2_500, 6_225));
    t.store
        .complete_sale(cash_sale("label", &label, 1, 3_115))
        .unwrap();
    assert_eq!(
        available(&t, "CHEESE", "MAIN"),
        3_250,
        "the label's weight left stock, not one unit"
    );

    // Rope by the metre: 1.75 m at 12.99/m is 22.73.
    let rope = t
        .store
        .complete_sale(cash_sale("rope", "ROPE", 1_750, 2_273))
        .unwrap();
    assert_eq!(rope.total, 2_273);
    assert_eq!(available(&t, "ROPE", "MAIN"), 48_250);

    // Returning 0.2 kg of the 0.5 kg refunds 0.2/0.5 of 12.45 and puts 0.2 kg back.
    let r = t
        .store
        .process_return(return_of(&o.receipt_number, "CHEESE", 200))
        .unwrap();
    assert_eq!(r.refund_total, 498);
    assert_eq!(available(&t, "CHEESE", "MAIN"), 3_450);
    let slip: Vec<String> = printed(&t, &r.number);
    assert!(
        slip.iter().any(|l| l.contains("-0.2 kg x 24.90/kg")),
        "{slip:#?}"
    );
    // Without a receipt: the lowest price it sold for, per kg (0.3 kg of 24.90/kg = 7.47).
    let mut unreceipted = return_of("", "CHEESE", 300);
    unreceipted.order = None;
    let r = t.store.process_return(unreceipted).unwrap();
    assert_eq!(r.refund_total, 747);

    // Transfers and counts take the same thousandths.
    let n = t
        .store
        .create_transfer(
            "MAIN",
            "WH",
            vec![backroom_store::TransferLineInput {
                sku: "CHEESE".into(),
                quantity: 1_500,
            }],
            "",
        )
        .unwrap();
    t.store.send_transfer(&n).unwrap();
    t.store
        .receive_transfer(
            &n,
            vec![backroom_store::ReceiveLine {
                sku: "CHEESE".into(),
                quantity: 1_500,
            }],
            false,
        )
        .unwrap();
    assert_eq!(available(&t, "CHEESE", "WH"), 1_500);
    let count = t.store.start_count("WH", None).unwrap();
    let e = t.store.record_count(&count, "CHEESE", None).unwrap_err();
    assert_eq!(
        e.field(),
        Some("quantity"),
        "a scan of a kg item without a label asks for the weight"
    );
    assert_eq!(
        t.store
            .record_count(&count, &make_embedded("2100042", 700).unwrap(), None)
            .unwrap(),
        700,
        "a label scanned in a count adds its weight"
    );
    assert_eq!(
        t.store.record_count(&count, "CHEESE", Some(1_450)).unwrap(),
        1_450
    );
    t.store.apply_count(&count, false).unwrap();
    assert_eq!(available(&t, "CHEESE", "WH"), 1_450);

    // The unit is fixed once the variant has history.
    p.variants[0].sale_unit = "pcs".into();
    let e = t.store.save_product(p).unwrap_err();
    assert_eq!(e.field(), Some("variants[0].sale_unit"), "{e}");
    healthy(&t);
}

#[test]
fn pieces_stay_whole_and_units_are_checked() {
    let mut t = new_store();
    let mut p = tee();
    p.variants[0].sale_unit = "lb".into();
    let e = t.store.save_product(p.clone()).unwrap_err();
    assert_eq!(e.field(), Some("variants[0].sale_unit"), "{e}");
    p.variants[0].sale_unit = "KG".into();
    t.store.save_product(p).unwrap();
    let saved = t.store.product_by_sku("TEE-RED-M").unwrap().unwrap();
    assert_eq!(
        saved.variants[0].sale_unit, "kg",
        "stored in its canonical spelling"
    );
    assert_eq!(saved.variants[1].sale_unit, "pcs", "blank is pieces");
    let hit = t.store.lookup_barcode("TEE-RED-M").unwrap().unwrap();
    assert_eq!(
        hit.variant.sale_unit, "kg",
        "the till learns the unit from a scan"
    );
    // A piece line of quantity 0 is refused as before; a weighed one of 0 g too.
    for sku in ["TEE-RED-L", "TEE-RED-M"] {
        let e = t.store.quote(&cash_sale("q", sku, 0, 0)).unwrap_err();
        assert_eq!(e.field(), Some("lines[0].quantity"), "{sku}: {e}");
    }
}
