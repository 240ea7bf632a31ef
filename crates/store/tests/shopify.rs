//! Shopify CSV import/export and the inventory CSV import, against hand-written fixtures that
//! look like real Shopify exports (tests/fixtures/shopify/).

mod common;

use std::cell::Cell;

use backroom_api::ImportReport;
use backroom_domain::stock::StockState;
use backroom_store::shopify::ImportOptions;
use backroom_store::{NoProgress, ProductInput, Progress, StateMove};
use common::*;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/shopify/");
const COLOR: &str = "product.metafields.shopify.color-pattern";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}{name}")).expect("read fixture")
}

fn opts(dry_run: bool) -> ImportOptions {
    ImportOptions {
        dry_run,
        location: None,
        ..Default::default()
    }
}

fn import_bytes(t: &mut TestStore, bytes: &[u8], dry_run: bool) -> ImportReport {
    t.store
        .import_shopify(bytes, &opts(dry_run), &NoProgress)
        .expect("import runs")
}

fn import(t: &mut TestStore, name: &str, dry_run: bool) -> ImportReport {
    import_bytes(t, &fixture(name), dry_run)
}

fn healthy(t: &TestStore) {
    let report = t.store.check().unwrap();
    assert!(
        report.ok,
        "every import keeps levels equal to the ledger and the outbox dense: {:?}",
        report.findings
    );
}

fn product(t: &TestStore, handle: &str) -> ProductInput {
    t.store
        .product_by_handle(handle)
        .unwrap()
        .unwrap_or_else(|| panic!("product '{handle}' exists"))
}

fn available(t: &TestStore, sku: &str, location: &str) -> i64 {
    t.store
        .stock_qty(sku, location, StockState::Available)
        .unwrap()
}

fn export(t: &TestStore) -> Vec<u8> {
    let mut out = Vec::new();
    t.store.export_shopify(&mut out).unwrap();
    out
}

/// Outbox ops as (kind, body), oldest first.
fn ops(t: &TestStore) -> Vec<(String, serde_json::Value)> {
    let mut stmt = t
        .store
        .connection()
        .prepare("SELECT kind, body FROM outbox ORDER BY device_seq")
        .unwrap();
    stmt.query_map([], |r| {
        let body: String = r.get(1)?;
        Ok((r.get(0)?, serde_json::from_str(&body).unwrap()))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// The spreadsheet row (header = 1, one row per record however many lines its cells span)
/// of the record whose text starts with `needle`.
fn line_of(file: &str, needle: &str) -> u64 {
    let bytes = fixture(file);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[..]);
    let first = needle.split(',').next().unwrap();
    let rest = needle.split_once(',').map_or("", |(_, r)| r);
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.unwrap();
        if rec.get(0) == Some(first) && rec.get(1).unwrap_or("").starts_with(rest) {
            return i as u64 + 1;
        }
    }
    panic!("no record starts with {needle}")
}

fn note_at(r: &ImportReport, row: u64, column: &str) -> String {
    r.notes
        .iter()
        .find(|p| p.row == row && p.column == column)
        .map(|p| p.message.clone())
        .unwrap_or_else(|| panic!("a note at row {row}, column '{column}': {:#?}", r.notes))
}

fn problem_at(r: &ImportReport, row: u64, column: &str) -> String {
    r.problems
        .iter()
        .find(|p| p.row == row && p.column == column)
        .map(|p| p.message.clone())
        .unwrap_or_else(|| {
            panic!(
                "a problem at row {row}, column '{column}': {:#?}",
                r.problems
            )
        })
}

#[test]
fn legacy_export_imports_every_awkward_cell() {
    let mut t = new_store();
    let ops_before = t.rows("outbox");
    let audit_before = t.rows("audit_log");
    let r = import(&mut t, "products_legacy.csv", false);
    assert!(
        r.problems.is_empty(),
        "a clean export has no problems: {:#?}",
        r.problems
    );
    assert_eq!(
        r.dialect, "legacy",
        "Handle/Body (HTML)/Variant SKU is the legacy header"
    );
    assert_eq!(r.rows, 17, "17 data records, whatever their line count");
    assert_eq!(r.products_created, 6, "six handles, six products");
    assert_eq!(
        r.variants_created, 13,
        "4 tees + mug + 3 socks + 2 gift cards + 2 aprons + candle"
    );
    assert_eq!(
        r.skus_generated, 2,
        "the gift card's two variants have no SKU in the file"
    );
    for col in [
        "Option1 Linked To",
        "Unit Price Total Measure",
        "Google Shopping / Gender",
        "Price / International",
        "Included / International",
    ] {
        assert!(
            r.ignored_columns.iter().any(|c| c == col),
            "'{col}' is not mapped, so it is reported: {:?}",
            r.ignored_columns
        );
    }
    assert!(
        !r.ignored_columns.iter().any(|c| c.contains("metafields")),
        "metafield columns become attributes, not ignored columns"
    );

    let tee = product(&t, "classic-tee");
    assert_eq!(
        tee.title, "Classic Organic Tee",
        "Title comes from the first row"
    );
    assert!(
        tee.description_html
            .contains("100% organic cotton.</p>\n<ul>")
            && tee
                .description_html
                .contains("\"relaxed\" through the body"),
        "quoted HTML keeps its commas, doubled quotes and newlines: {}",
        tee.description_html
    );
    assert_eq!(
        tee.tags,
        vec!["cotton", "organic", "summer 2024"],
        "a quoted tag cell splits on its commas"
    );
    assert_eq!(
        tee.category, "Apparel & Accessories > Clothing > Clothing Tops > T-Shirts",
        "Product Category is the category path"
    );
    assert_eq!(
        tee.options,
        vec!["Colour", "Size"],
        "option names come from the first row, in order"
    );
    assert_eq!(
        tee.variants.len(),
        4,
        "each option row is a variant, not a product"
    );
    let red_m = &tee.variants[0];
    assert_eq!(
        red_m.option_values,
        vec!["Red", "M"],
        "Option1/Option2 Value of the row"
    );
    assert_eq!(red_m.price_minor, 1999, "19.99 EUR is 1999 cents, exactly");
    assert_eq!(
        red_m.compare_at_minor,
        Some(2499),
        "Variant Compare At Price 24.99 is 2499 cents"
    );
    assert_eq!(
        red_m.cost_minor,
        Some(650),
        "Cost per item 6.50 is 650 cents"
    );
    assert_eq!(red_m.weight_mg, 180_000, "Variant Grams 180 is 180,000 mg");
    assert_eq!(
        red_m.weight_unit, "kg",
        "Variant Weight Unit is kept as the display unit"
    );
    assert!(
        red_m.inventory_tracked && red_m.taxable && red_m.requires_shipping,
        "shopify tracker and TRUE cells mean tracked, taxable, shipped"
    );
    assert_eq!(
        red_m.image_url, "https://cdn.shopify.com/s/files/1/0612/3456/7890/files/tee-red.jpg",
        "Variant Image is the variant's image"
    );
    assert_eq!(
        tee.variants[2].barcodes,
        vec!["0036000291452"],
        "a 12-digit UPC-A is stored as its EAN-13"
    );
    assert!(
        tee.variants[3].barcodes.is_empty(),
        "a blank barcode is no barcode"
    );
    assert_eq!(
        tee.variants[2].compare_at_minor, None,
        "blank compare-at is none"
    );
    assert_eq!(
        tee.images.len(),
        6,
        "four images on variant rows and two image-only rows"
    );
    assert_eq!(
        tee.images[3].alt, "Woven label, \"Acme\"",
        "alt text with a comma and doubled quotes survives quoting"
    );
    assert!(
        tee.images[5].url.ends_with("tee-model.jpg"),
        "images keep their positions"
    );
    assert_eq!(
        tee.attributes.get(COLOR).map(String::as_str),
        Some("red; blue"),
        "the metafield column is an attribute keyed by its path"
    );
    assert_eq!(
        tee.seo_title, "Classic Organic Tee | Acme",
        "SEO Title is kept"
    );

    let mug = product(&t, "cafe-creme-mug");
    assert_eq!(mug.title, "Café Crème Mug", "UTF-8 accents survive");
    assert!(
        mug.options.is_empty(),
        "Title / Default Title means no option groups"
    );
    assert_eq!(
        mug.variants.len(),
        1,
        "a Default Title product is one variant"
    );
    assert!(
        mug.variants[0].option_values.is_empty(),
        "the one variant has no option values"
    );
    assert_eq!(mug.variants[0].weight_unit, "g", "Variant Weight Unit g");
    assert_eq!(
        mug.images.len(),
        3,
        "two of its images arrive on image-only rows"
    );
    assert_eq!(
        mug.tags,
        vec!["ceramic", "kitchen", "gift ideas", "café"],
        "tags are trimmed, accents kept"
    );
    assert!(
        mug.description_html
            .contains("— perfect for a \"petit crème\", a flat white"),
        "an em dash, quotes and commas inside quoted HTML survive"
    );

    let socks = product(&t, "merino-socks");
    assert_eq!(
        socks.variants[1].option_values,
        vec!["M (39–42)"],
        "option values keep their UTF-8 en dash"
    );
    assert_eq!(
        socks.variants[1].inventory_policy, "continue",
        "Variant Inventory Policy continue means backorders allowed"
    );

    let gift = product(&t, "gift-card");
    assert!(gift.is_gift_card, "Gift Card TRUE");
    assert_eq!(
        gift.variants
            .iter()
            .map(|v| v.sku.as_str())
            .collect::<Vec<_>>(),
        vec!["GIFT-CARD-25-00", "GIFT-CARD-50-00"],
        "blank SKUs are generated from handle and option values"
    );
    assert!(
        gift.variants
            .iter()
            .all(|v| !v.inventory_tracked && !v.requires_shipping && !v.taxable),
        "a blank tracker means untracked; FALSE cells are false"
    );

    let apron = product(&t, "linen-apron");
    assert_eq!(apron.status, "draft", "Status draft");
    assert!(!apron.published, "Published FALSE");
    assert_eq!(
        apron.variants[0].tax_code, "P0000000",
        "Variant Tax Code is kept as is"
    );

    let (name, kind): (String, String) = t
        .store
        .connection()
        .query_row(
            "SELECT name, kind FROM attribute_def WHERE code = ?1",
            [COLOR],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (name.as_str(), kind.as_str()),
        ("Color", "text"),
        "an unknown metafield is defined as text, named by its column label"
    );

    assert_eq!(
        t.rows("outbox") - ops_before,
        1,
        "the whole import is one use-case, so one op"
    );
    assert_eq!(t.rows("audit_log") - audit_before, 1, "and one audit entry");
    let (kind, body) = ops(&t).pop().unwrap();
    assert_eq!(kind, "catalog.imported", "a product import's op kind");
    assert_eq!(
        body["products"].as_array().unwrap().len(),
        6,
        "the op lists every created product"
    );
    assert_eq!(
        body["movements"].as_array().unwrap().len(),
        9,
        "one movement per tracked variant with a non-zero quantity"
    );
    assert_eq!(
        r.stock_movements, 9,
        "the report counts the movements the op holds"
    );
    healthy(&t);
}

#[test]
fn inventory_quantity_becomes_an_import_movement_at_the_chosen_location() {
    let mut t = new_store().with_warehouse();
    import(&mut t, "products_legacy.csv", false);
    assert_eq!(
        available(&t, "TEE-RED-M", "MAIN"),
        12,
        "default: the first store location"
    );
    assert_eq!(
        available(&t, "TEE-RED-M", "WH"),
        0,
        "nothing lands at a location that was not chosen"
    );
    assert_eq!(
        available(&t, "GIFT-CARD-25-00", "MAIN"),
        0,
        "untracked variants get no stock"
    );
    let history = t.store.stock_history("TEE-RED-M").unwrap();
    assert_eq!(history.len(), 1, "one receipt-like movement");
    assert_eq!(
        history[0].reason, "import",
        "the movement reason says where the stock came from"
    );
    assert_eq!(
        history[0].reference, "import:shopify",
        "and the reference names the importer"
    );
    assert_eq!(
        history[0].delta, 12,
        "the movement is the file's quantity minus the (empty) level"
    );

    // The file's number is the level: a changed file moves only the difference.
    let text = String::from_utf8(fixture("products_legacy.csv")).unwrap();
    let changed = text.replace(",TEE-RED-M,180,shopify,12,", ",TEE-RED-M,180,shopify,20,");
    let r = import_bytes(&mut t, changed.as_bytes(), false);
    assert_eq!(
        r.products_unchanged, 6,
        "a quantity is not a product change"
    );
    assert_eq!(r.stock_movements, 1, "only the tee's level differs");
    assert_eq!(
        available(&t, "TEE-RED-M", "MAIN"),
        20,
        "the level now equals the file"
    );
    assert_eq!(
        t.store.stock_history("TEE-RED-M").unwrap()[1].delta,
        8,
        "the second movement is only the difference"
    );

    // Another location by option.
    let mut w = new_store().with_warehouse();
    let r = w
        .store
        .import_shopify(
            &fixture("products_legacy.csv")[..],
            &ImportOptions {
                dry_run: false,
                location: Some("wh".into()),
                ..Default::default()
            },
            &NoProgress,
        )
        .unwrap();
    assert!(r.problems.is_empty(), "the file is clean");
    assert_eq!(
        available(&w, "TEE-RED-M", "WH"),
        12,
        "quantities land at the chosen location"
    );
    assert_eq!(
        available(&w, "TEE-RED-M", "MAIN"),
        0,
        "the default location is untouched when another is chosen"
    );
    let err = w
        .store
        .import_shopify(
            &fixture("products_legacy.csv")[..],
            &ImportOptions {
                dry_run: true,
                location: Some("NOPE".into()),
                ..Default::default()
            },
            &NoProgress,
        )
        .unwrap_err();
    assert_eq!(
        err.field(),
        Some("location"),
        "an unknown location names the option"
    );
    healthy(&t);
    healthy(&w);
}

#[test]
fn both_dialects_and_a_bom_crlf_file_give_the_same_catalogue() {
    let mut legacy = new_store();
    let mut new = new_store();
    let mut crlf = new_store();
    let a = import(&mut legacy, "products_legacy.csv", false);
    let b = import(&mut new, "products_2024.csv", false);
    let c = import(&mut crlf, "products_bom_crlf.csv", false);
    assert!(
        b.problems.is_empty(),
        "the 2024 export is clean: {:#?}",
        b.problems
    );
    assert!(
        c.problems.is_empty(),
        "BOM and CRLF are not problems: {:#?}",
        c.problems
    );
    assert_eq!(
        b.dialect, "2024",
        "URL handle/Description/SKU is the 2024 header"
    );
    assert_eq!(
        c.dialect, "legacy",
        "the BOM does not hide the first header name"
    );
    let all = |t: &TestStore| t.store.all_products().unwrap();
    assert_eq!(
        all(&legacy),
        all(&new),
        "the same catalogue in either dialect is the same products"
    );
    assert_eq!(
        all(&legacy),
        all(&crlf),
        "CRLF inside quoted HTML is stored as LF, so the files agree"
    );
    assert!(
        new.store
            .product_by_handle("beeswax-candle")
            .unwrap()
            .is_some(),
        "a blank URL handle is derived from the title"
    );
    let levels = |t: &TestStore| t.store.stock_levels(None).unwrap();
    assert_eq!(levels(&legacy), levels(&new), "and the same stock");
    assert_eq!(
        (a.products_created, a.variants_created, a.stock_movements),
        (b.products_created, b.variants_created, b.stock_movements),
        "the dialects agree on every count"
    );
    healthy(&legacy);
    healthy(&new);
    healthy(&crlf);
}

#[test]
fn dry_run_writes_nothing_and_counts_creates_and_updates() {
    let mut t = new_store();
    let before = t.footprint();
    let r = import(&mut t, "products_legacy.csv", true);
    assert!(r.dry_run, "the report says it was a dry run");
    assert_eq!(
        t.footprint(),
        before,
        "a dry run writes no row, no op, no audit entry"
    );
    assert_eq!(r.products_created, 6, "but says what it would create");
    assert_eq!(
        r.variants_created, 13,
        "all thirteen variants would be created"
    );
    assert_eq!(r.stock_movements, 9, "and nine levels would be set");
    assert_eq!(r.created_handles[0], "classic-tee", "handles in file order");
    assert!(r.problems.is_empty(), "a clean file");

    import(&mut t, "products_legacy.csv", false);
    let text = String::from_utf8(fixture("products_legacy.csv")).unwrap();
    let changed = text.replace(
        ",TEE-BLU-L,190,shopify,5,deny,manual,21.99,",
        ",TEE-BLU-L,190,shopify,5,deny,manual,22.49,",
    );
    let before = t.footprint();
    let r = import_bytes(&mut t, changed.as_bytes(), true);
    assert_eq!(t.footprint(), before, "still nothing written");
    assert_eq!(r.products_updated, 1, "the tee's price changed");
    assert_eq!(
        r.updated_handles,
        vec!["classic-tee"],
        "the preview names the updated handle"
    );
    assert_eq!(r.variants_updated, 1, "one variant differs");
    assert_eq!(
        r.products_unchanged, 5,
        "the other five products are as stored"
    );
    assert_eq!(r.stock_movements, 0, "quantities match the store");
    healthy(&t);
}

#[test]
fn a_file_with_problems_reports_each_by_row_and_column_and_writes_nothing() {
    let mut t = new_store();
    let before = t.footprint();
    let dry = import(&mut t, "products_errors.csv", true);
    let real = import(&mut t, "products_errors.csv", false);
    assert_eq!(
        t.footprint(),
        before,
        "an import with any problem writes nothing"
    );
    assert!(
        real.has_problems(),
        "has_problems is the contract a caller checks"
    );
    assert_eq!(
        dry.problems, real.problems,
        "a dry run finds exactly what a real import refuses"
    );
    assert_eq!(
        (real.products_created, real.stock_movements),
        (0, 0),
        "a refused import reports nothing as done"
    );
    assert_eq!(
        dry.products_created, 3,
        "good-shirt, dup-a and dup-b (its SKU given a suffix) would be fine on their own"
    );

    let r = &real;
    assert!(
        problem_at(r, 3, "Variant Price").contains("'12,99' is not a plain decimal number"),
        "a decimal comma is not a price"
    );
    let dup = note_at(r, 5, "Variant SKU");
    assert!(
        dup.contains("also on row 4") && dup.contains("'DUP-1-2'"),
        "a SKU used by two products in the file is kept by the first and suffixed on the second: {dup}"
    );
    assert!(
        problem_at(r, 6, "Variant Barcode").contains("check digit"),
        "a GTIN with a wrong check digit is refused"
    );
    assert!(
        problem_at(r, 7, "Status").contains("'published' is not a product status"),
        "a status must be active, draft or archived"
    );
    assert!(
        problem_at(r, 9, "Option1 Value").contains("already has options"),
        "normalise's variants[1].option_values maps to the second row of that product"
    );
    // `HAS SPACE` is a valid SKU: Shopify allows spaces inside SKUs.
    for col in [
        "Published",
        "Variant Grams",
        "Variant Inventory Qty",
        "Variant Inventory Policy",
        "Variant Price",
    ] {
        problem_at(r, 10, col);
    }
    assert_eq!(
        r.problems.len(),
        9,
        "every problem is collected, not just the first: {:#?}",
        r.problems
    );
    assert!(
        r.problems.windows(2).all(|w| w[0].row <= w[1].row),
        "problems come in row order"
    );
    healthy(&t);
}

#[test]
fn a_barcode_or_sku_already_in_the_store_stays_with_its_variant_and_the_import_goes_on() {
    let mut t = new_store();
    let other = ProductInput {
        handle: "house-tee".into(),
        title: "House Tee".into(),
        options: vec!["Size".into()],
        variants: vec![
            variant("MUG-CC-350", &["M"], "", 1500),
            variant("HOUSE-L", &["L"], "7612345678900", 1500),
        ],
        ..Default::default()
    };
    t.store.save_product(other).unwrap();
    let before = t.footprint();
    let r = import(&mut t, "products_legacy.csv", true);
    let mug_row = line_of("products_legacy.csv", "cafe-creme-mug,Café");
    let candle_row = line_of("products_legacy.csv", "beeswax-candle,Beeswax");
    let renamed = note_at(&r, mug_row, "Variant SKU");
    assert!(
        renamed.contains("product 'house-tee' in this store") && renamed.contains("'MUG-CC-350-2'"),
        "the mug's SKU belongs to another product, so the mug gets a suffixed SKU and a note \
         (row = the spreadsheet row of the record): {renamed}"
    );
    let kept_off = note_at(&r, candle_row, "Variant Barcode");
    assert!(
        kept_off.contains("house-tee") && kept_off.contains("imported without it"),
        "the candle's barcode belongs to another product: it stays there, and the candle is \
         imported without it: {kept_off}"
    );
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    assert_eq!(t.footprint(), before, "dry run included: nothing written");
    let r = import(&mut t, "products_legacy.csv", false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    assert_eq!(
        t.store
            .lookup_barcode("7612345678900")
            .unwrap()
            .unwrap()
            .variant
            .sku,
        "HOUSE-L",
        "the code still finds the one variant it was on"
    );
    healthy(&t);
}

#[test]
fn importing_twice_creates_no_duplicates_and_no_extra_stock() {
    let mut t = new_store();
    import(&mut t, "products_legacy.csv", false);
    let footprint = t.footprint();
    let movements = t.rows("stock_movement");
    let r = import(&mut t, "products_legacy.csv", false);
    assert!(r.problems.is_empty(), "the file is clean");
    assert_eq!(r.products_unchanged, 6, "every product is as stored");
    assert_eq!(
        (
            r.products_created,
            r.products_updated,
            r.variants_created,
            r.variants_updated
        ),
        (0, 0, 0, 0),
        "nothing created or updated the second time"
    );
    assert_eq!(r.stock_movements, 0, "the levels already equal the file");
    assert_eq!(
        t.rows("stock_movement"),
        movements,
        "no stock movement the second time"
    );
    assert_eq!(
        t.footprint(),
        footprint,
        "an import that changes nothing writes nothing, not even an empty op"
    );
    // The 2024 file of the same catalogue is the same too.
    let r = import(&mut t, "products_2024.csv", false);
    assert_eq!(
        r.products_unchanged, 6,
        "the other dialect matches the stored state"
    );
    assert_eq!(
        t.footprint(),
        footprint,
        "the 2024 file of the same catalogue writes nothing either"
    );
    healthy(&t);
}

#[test]
fn export_then_import_then_export_is_byte_identical() {
    let mut a = new_store();
    import(&mut a, "products_legacy.csv", false);
    let first = export(&a);
    let text = String::from_utf8(first.clone()).unwrap();
    assert!(
        text.starts_with(
            "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,\
             Option1 Value,Option2 Name,Option2 Value,Option3 Name,Option3 Value,Variant SKU,\
             Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,\
             Variant Fulfillment Service,Variant Price,Variant Compare At Price,\
             Variant Requires Shipping,Variant Taxable,Variant Barcode,Image Src,Image Position,\
             Image Alt Text,Gift Card,SEO Title,SEO Description,Variant Image,Variant Weight Unit,\
             Variant Tax Code,Cost per item,Status,\
             Color (product.metafields.shopify.color-pattern)\n"
        ),
        "the legacy header plus the attribute column: {}",
        text.lines().next().unwrap()
    );
    assert!(
        text.contains("\ncafe-creme-mug,Café Crème Mug,"),
        "UTF-8 is written as is"
    );
    assert!(
        text.contains(",Title,Default Title,,,,,MUG-CC-350,420,shopify,30,deny,manual,14.50,"),
        "a product without options is written as Title / Default Title"
    );
    let rows = a.store.export_shopify(std::io::sink()).unwrap();
    assert_eq!(rows, 17, "one row per variant plus image-only rows");

    let mut b = new_store();
    let r = import_bytes(&mut b, &first, false);
    assert!(
        r.problems.is_empty(),
        "our export is a clean import: {:#?}",
        r.problems
    );
    assert!(
        r.ignored_columns.is_empty(),
        "and every column it writes is understood"
    );
    assert_eq!(
        a.store.all_products().unwrap(),
        b.store.all_products().unwrap(),
        "every exported column lands back in the field it came from"
    );
    assert_eq!(
        a.store.stock_levels(None).unwrap(),
        b.store.stock_levels(None).unwrap(),
        "and the default location's stock comes along"
    );
    let second = export(&b);
    assert_eq!(
        String::from_utf8(second).unwrap(),
        text,
        "export → import into an empty store → export is byte-identical"
    );
    let again = import_bytes(&mut a, &first, false);
    assert_eq!(
        again.products_unchanged, 6,
        "re-importing our own export changes nothing"
    );
    healthy(&a);
    healthy(&b);
}

#[test]
fn columns_shopify_cannot_hold_are_kept_when_updating() {
    let mut t = new_store();
    t.store
        .create_tax_class("REDUCED", "Reduced rate", "7")
        .unwrap();
    let mut p = tee();
    p.variants[0].tax_class = "REDUCED".into();
    p.variants[0].barcodes = vec!["4006381333931".into(), "INTERNAL-77".into()];
    t.store.save_product(p).unwrap();
    let file = export(&t);
    let text = String::from_utf8(file.clone()).unwrap();
    assert!(
        !text.contains("INTERNAL-77"),
        "Shopify's CSV has one barcode column"
    );
    let before = t.footprint();
    let r = import_bytes(&mut t, &file, false);
    assert_eq!(
        r.products_unchanged, 1,
        "the tax class and the second barcode are kept, so nothing changed"
    );
    assert_eq!(
        t.footprint(),
        before,
        "re-importing the export writes nothing"
    );
    let stored = product(&t, "classic-tee");
    assert_eq!(
        stored.variants[0].tax_class, "REDUCED",
        "the tax class, which Shopify cannot hold, is kept"
    );
    assert_eq!(
        stored.variants[0].barcodes,
        vec!["4006381333931", "INTERNAL-77"],
        "the second barcode, which Shopify cannot hold, is kept"
    );

    // A file without a column keeps that value; a blank cell in a column it has blanks it.
    let partial = "Handle,Variant SKU,Variant Price,Variant Compare At Price\n\
                   classic-tee,TEE-RED-M,18.00,\n\
                   classic-tee,TEE-RED-L,19.99,\n\
                   classic-tee,TEE-BLU-M,21.99,\n";
    let r = import_bytes(&mut t, partial.as_bytes(), false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    assert_eq!(
        r.products_updated, 1,
        "the changed price updates the product"
    );
    let stored = product(&t, "classic-tee");
    assert_eq!(
        stored.title, "Classic Tee",
        "no Title column: the title is kept"
    );
    assert_eq!(
        stored.options,
        vec!["Colour", "Size"],
        "no option columns: options kept"
    );
    assert_eq!(
        stored.variants[0].price_minor, 1800,
        "Variant Price 18.00 is 1800 cents"
    );
    assert_eq!(
        stored.variants[0].barcodes[0], "4006381333931",
        "no barcode column: kept"
    );
    assert_eq!(
        stored.variants[1].option_values,
        vec!["Red", "L"],
        "variants are matched by SKU, so their option values are kept"
    );
    healthy(&t);
}

#[test]
fn our_own_attributes_travel_under_the_backroom_namespace() {
    let mut t = new_store();
    t.store
        .define_attribute(
            "material",
            "Material",
            "select",
            vec!["Cotton".into(), "Linen".into()],
        )
        .unwrap();
    let mut p = tee();
    p.attributes.insert("material".into(), "Linen".into());
    t.store.save_product(p).unwrap();
    let file = String::from_utf8(export(&t)).unwrap();
    assert!(
        file.lines()
            .next()
            .unwrap()
            .ends_with(",Status,Material (product.metafields.backroom.material)"),
        "a plain attribute code is exported as a metafield in our namespace"
    );
    let before = t.footprint();
    let r = import_bytes(&mut t, file.as_bytes(), false);
    assert_eq!(
        r.products_unchanged, 1,
        "the namespace maps back to the same code"
    );
    assert_eq!(
        t.footprint(),
        before,
        "re-importing our own export writes nothing"
    );

    let mut b = new_store();
    import_bytes(&mut b, file.as_bytes(), false);
    assert_eq!(
        product(&b, "classic-tee")
            .attributes
            .get("material")
            .map(String::as_str),
        Some("Linen"),
        "the attribute arrives under its own code"
    );
    assert_eq!(
        String::from_utf8(export(&b)).unwrap(),
        file,
        "and round-trips byte for byte"
    );

    let bad = file.replace(",Linen\n", ",Silk\n");
    let r = import_bytes(&mut t, bad.as_bytes(), true);
    assert!(
        problem_at(&r, 2, "Material (product.metafields.backroom.material)")
            .contains("'Silk' is not one of: Cotton, Linen"),
        "a select attribute's value is checked against its options: {:#?}",
        r.problems
    );
}

#[test]
fn more_than_three_options_are_folded_into_option3_on_export() {
    let mut t = new_store();
    let mut p = tee();
    p.options = vec![
        "Colour".into(),
        "Size".into(),
        "Material".into(),
        "Fit".into(),
    ];
    for v in &mut p.variants {
        v.option_values
            .extend(["Cotton".to_string(), "Slim".to_string()]);
    }
    t.store.save_product(p).unwrap();
    let text = String::from_utf8(export(&t)).unwrap();
    assert!(
        text.contains(",Colour,Red,Size,M,Material / Fit,Cotton / Slim,TEE-RED-M,"),
        "options 3 and up share the third column pair: {text}"
    );
    let mut b = new_store();
    let r = import_bytes(&mut b, text.as_bytes(), false);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    let folded = product(&b, "classic-tee");
    assert_eq!(
        folded.options,
        vec!["Colour", "Size", "Material / Fit"],
        "the folded options import as three groups"
    );
    assert_eq!(
        folded.variants[0].option_values,
        vec!["Red", "M", "Cotton / Slim"],
        "and each variant's folded values as three values"
    );
}

#[test]
fn progress_counts_every_row() {
    struct Count {
        total: Cell<u64>,
        done: Cell<u64>,
    }
    impl Progress for Count {
        fn set_total(&self, total: u64) {
            self.total.set(total);
        }
        fn advance(&self, n: u64) {
            self.done.set(self.done.get() + n);
        }
    }
    for (file, dry_run, rows) in [
        ("products_legacy.csv", true, 17),
        ("products_legacy.csv", false, 17),
        ("products_errors.csv", false, 9),
    ] {
        let mut t = new_store();
        let c = Count {
            total: Cell::new(0),
            done: Cell::new(0),
        };
        t.store
            .import_shopify(&fixture(file)[..], &opts(dry_run), &c)
            .unwrap();
        assert_eq!(c.total.get(), rows, "the total is the number of data rows");
        assert_eq!(
            c.done.get(),
            rows,
            "and every row is accounted for ({file}, dry run: {dry_run})"
        );
    }
}

#[test]
fn headers_that_are_not_shopify_are_one_problem_on_row_1() {
    let mut t = new_store();
    let r = import_bytes(&mut t, b"name,price\nTee,10\n", false);
    assert_eq!(
        r.problems.len(),
        1,
        "one problem for the whole header, not one per row"
    );
    assert_eq!(r.problems[0].row, 1, "the header is row 1");
    assert!(
        r.problems[0].message.contains("not a Shopify product CSV"),
        "the problem says what the file is not"
    );
    let r = import_bytes(&mut t, b"", false);
    assert!(
        r.has_problems(),
        "an empty file is a problem, not a silent success"
    );
    let r = import_bytes(&mut t, b"Handle,Title,Variant SKU,SKU\nx,X,A,B\n", false);
    assert!(
        r.problems[0].message.contains("appears twice"),
        "the same column under both dialects' names is ambiguous"
    );
}

#[test]
fn a_file_that_is_not_utf8_names_the_rows_and_writes_nothing() {
    let mut t = new_store();
    // "Café" saved as Windows-1252 by a spreadsheet: 0xE9 is not UTF-8.
    let mut file = b"Handle,Title,Variant SKU,Variant Price\ncafe,Caf".to_vec();
    file.extend([0xE9]);
    file.extend(b",CAFE-1,3.00\ntea,Tea,TEA-1,2.00\n");
    let before = t.footprint();
    let r = import_bytes(&mut t, &file, false);
    assert_eq!(r.rows, 2, "the unreadable row still counts as a row");
    assert_eq!(r.problems.len(), 1, "{:#?}", r.problems);
    assert_eq!(
        (r.problems[0].row, r.problems[0].column.as_str()),
        (2, "Title"),
        "the row and the column holding the bad bytes"
    );
    assert!(
        r.problems[0].message.contains("UTF-8"),
        "the message says how to fix the file"
    );
    assert_eq!(
        t.footprint(),
        before,
        "the good row is not imported on its own"
    );
}

#[test]
fn the_inventory_csv_sets_on_hand_per_location() {
    let mut t = new_store().with_warehouse();
    import(&mut t, "products_legacy.csv", false);
    t.store
        .move_stock(StateMove {
            sku: "TEE-RED-M".into(),
            location: "MAIN".into(),
            from: "available".into(),
            to: "damaged".into(),
            quantity: 2,
            note: "seam".into(),
        })
        .unwrap();
    let before = t.footprint();
    let dry = t
        .store
        .import_inventory(&fixture("inventory.csv")[..], true)
        .unwrap();
    assert_eq!(t.footprint(), before, "a dry run writes nothing");
    assert!(dry.problems.is_empty(), "{:#?}", dry.problems);
    assert_eq!(
        dry.dialect, "inventory",
        "the inventory importer names its format"
    );
    assert_eq!(dry.rows, 7, "seven data rows");
    assert_eq!(
        dry.stock_movements, 4,
        "RED-M, BLU-M at WH, the mug at both locations"
    );
    assert_eq!(
        dry.rows_skipped, 2,
        "one 'not stocked' row and one without a new value"
    );
    assert_eq!(
        dry.ignored_columns,
        vec!["HS Code", "COO", "Bin name"],
        "unmapped inventory columns are reported"
    );

    let ops_before = t.rows("outbox");
    let r = t
        .store
        .import_inventory(&fixture("inventory.csv")[..], false)
        .unwrap();
    assert_eq!(
        r.stock_movements, 4,
        "the real import does what the dry run said"
    );
    assert_eq!(t.rows("outbox") - ops_before, 1, "one use-case, one op");
    assert_eq!(
        ops(&t).pop().unwrap().0,
        "stock.inventory_imported",
        "an inventory import's op kind"
    );
    assert_eq!(
        available(&t, "TEE-RED-M", "MAIN"),
        13,
        "on hand 12 (10 available + 2 damaged) → 15 moves 3 into available"
    );
    assert_eq!(
        t.store
            .stock_qty("TEE-RED-M", "MAIN", StockState::Damaged)
            .unwrap(),
        2,
        "damaged stock is not touched by a count"
    );
    assert_eq!(
        available(&t, "TEE-RED-L", "MAIN"),
        8,
        "same number, no movement"
    );
    assert_eq!(
        available(&t, "TEE-BLU-M", "WH"),
        20,
        "a blank SKU is matched by handle + option values; location by name"
    );
    assert_eq!(
        available(&t, "MUG-CC-350", "MAIN"),
        28,
        "'corner shop' is MAIN's name"
    );
    assert_eq!(
        available(&t, "MUG-CC-350", "WH"),
        6,
        "'wh' is a location code"
    );
    assert_eq!(
        available(&t, "SOCK-S", "MAIN"),
        40,
        "a blank new value changes nothing"
    );
    let last = t.store.stock_history("MUG-CC-350").unwrap();
    assert_eq!(
        last[1].reason, "count_correction",
        "a count is a count correction"
    );
    assert_eq!(
        last[1].reference, "import:inventory",
        "referenced to the inventory importer"
    );
    assert_eq!(last[1].delta, -2, "28 counted where 30 were available");

    let footprint = t.footprint();
    let again = t
        .store
        .import_inventory(&fixture("inventory.csv")[..], false)
        .unwrap();
    assert_eq!(
        again.stock_movements, 0,
        "importing the same counts again moves nothing"
    );
    assert_eq!(t.footprint(), footprint, "and writes nothing");
    healthy(&t);
}

#[test]
fn inventory_csv_problems_are_reported_and_nothing_is_written() {
    let mut t = new_store().with_warehouse();
    import(&mut t, "products_legacy.csv", false);
    let file = "Handle,Option1 Value,Option2 Value,Option3 Value,SKU,Location,On hand (current),On hand (new)\n\
                classic-tee,Red,M,,TEE-RED-M,MAIN,12,14\n\
                classic-tee,Purple,XS,,NOPE-1,MAIN,0,3\n\
                classic-tee,Red,M,,TEE-RED-L,Moon Base,0,3\n\
                classic-tee,Red,M,,TEE-BLU-L,MAIN,5,-1\n\
                classic-tee,Green,XL,,,MAIN,0,2\n\
                classic-tee,Red,M,,TEE-RED-M,Corner Shop,12,lots\n";
    let before = t.footprint();
    let r = t.store.import_inventory(file.as_bytes(), false).unwrap();
    assert_eq!(t.footprint(), before, "a file with problems writes nothing");
    let cols: Vec<(u64, &str)> = r
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_str()))
        .collect();
    assert_eq!(
        cols,
        vec![
            (3, "SKU"),
            (4, "Location"),
            (5, "On hand (new)"),
            (6, "Handle"),
            (7, "On hand (new)"),
        ],
        "{:#?}",
        r.problems
    );
    let file = "Handle,Option1 Value,Option2 Value,SKU,Location,On hand (new)\n\
                classic-tee,Blue,L,SHOPIFY-ONLY-9,MAIN,6\n";
    let r = t.store.import_inventory(file.as_bytes(), false).unwrap();
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    assert_eq!(
        available(&t, "TEE-BLU-L", "MAIN"),
        6,
        "a SKU this store does not know falls back to handle + option values"
    );
    let file = "Handle,SKU,Location,Available\nclassic-tee,TEE-RED-M,MAIN,7\n";
    let r = t.store.import_inventory(file.as_bytes(), false).unwrap();
    assert_eq!(
        r.stock_movements, 1,
        "without 'On hand (new)', Available is the new number"
    );
    assert_eq!(
        available(&t, "TEE-RED-M", "MAIN"),
        7,
        "Available 7 sets available to 7"
    );
    healthy(&t);
}
