//! Shopify product CSV import/export and the multi-location inventory CSV import.
//!
//! # Product CSV import ([`Store::import_shopify`])
//!
//! A file Shopify exported or accepts must import. Both header dialects are accepted and
//! reported in [`ImportReport::dialect`]: the **legacy** one (`Handle, Title, Body (HTML), …,
//! Variant SKU, …`; also the older `Standard Product Type` / `Custom Product Type` spelling) as
//! `"legacy"`, and the **2024+** one (`Title, URL handle, Description, …, SKU, …`) as `"2024"`.
//! Header names are matched case-insensitively after trimming; either dialect's name for a column
//! is understood in either file. UTF-8 with or without a BOM, CRLF or LF, commas or (a European
//! spreadsheet's) semicolons, and quoted cells with commas, quotes, newlines and HTML are read by
//! the `csv` crate; CRLF inside a quoted cell is stored as LF.
//!
//! Rows are grouped by handle (a row with a blank handle but a title gets the handle Shopify
//! would derive from the title). Handles are opaque keys: any Unicode without whitespace (`™`,
//! emoji), folded to lower case. The first row of a handle carries the product fields; further
//! rows with option values, a SKU, a price or a barcode are more variants; rows with only image
//! columns add images (ordered by `Image Position`). A product whose only option is
//! `Title` / `Default Title` is stored with **no** option groups and one variant without option
//! values; export writes it back as `Title` / `Default Title`.
//!
//! Cells as Shopify and spreadsheets write them: a leading apostrophe on a SKU or a barcode
//! (Shopify's export keeps numbers as text so) is not part of it; SKUs keep inner spaces and may
//! be 255 characters; `Variant Grams` may have decimals (kept to the milligram; finer digits are
//! rounded and a note says so); barcodes are read by [`barcode::parse_code`] (EAN-13, EAN-8,
//! UPC-A, UPC-E, GTIN-14, a UPC-A that lost its leading zero, internal codes; scientific
//! notation and broken check digits are problems); stray quotes around a tag list are dropped;
//! `Variant Inventory Tracker` and `Variant Fulfillment Service` (`shopify`, `shipwire`,
//! `gift_card`, …) are kept and exported as imported; `Status` may be `unlisted`; whole numbers
//! written `12.0` are whole numbers. A taxable variant without a tax class sells under the
//! store's default class (Shopify's `Variant Taxable` / `Charge tax`).
//!
//! Metafield columns such as `Color (product.metafields.shopify.color-pattern)` become product
//! attributes keyed by the part in parentheses (`product.metafields.shopify.color-pattern`);
//! an unknown attribute is defined as `text`, named by the label before the parentheses. Our own
//! attributes are exported in the `product.metafields.backroom.` namespace and that prefix is
//! stripped again on import, so their codes survive a round trip. Every column the importer does
//! not map (Google Shopping, market prices, unit prices, variant metafields, `Option1 Linked To`,
//! …) is listed in [`ImportReport::ignored_columns`].
//!
//! **Updating.** Rows whose handle exists update that product the way Shopify's "overwrite
//! products with the same handle" does: a blank cell in a column the file has blanks the value,
//! a column the file does not have keeps the stored value. Values Shopify's CSV cannot carry are
//! kept: a variant's tax class and any barcodes after the first. Variants are matched to stored
//! ones by SKU, then by option values; stored variants the file no longer lists are archived by
//! `write_product` (never deleted). A product whose normalised state equals the stored one is
//! counted as unchanged and not rewritten. [`ImportReport::changes`] says, for every updated
//! product, which fields change and which variants are added, changed or archived, in the dry
//! run as in the import. A variant row with a blank price is a problem, never a silent 0.
//!
//! **SKUs.** The same SKU on two variants is legal in Shopify: the first variant (in file order,
//! or the store's own) keeps it and a later one gets the first free `-2`, `-3`… suffix, with a
//! note, so a SKU always finds one variant and a re-import gives the same SKUs. A blank SKU keeps
//! the SKU of the stored variant with the same option values, or else gets a deterministic one
//! built from the handle and the option values (`CLASSIC-TEE-RED-M`; longer than 64 characters,
//! it keeps 55 and ends in eight hex digits of a UUIDv5 of the whole, so long handles stay
//! distinct), counted in [`ImportReport::skus_generated`]. A barcode already on another variant
//! (of the file or the store) stays with the first one; the later variant is imported without it
//! and a note names both (real exports put one part number on every condition of a product). A
//! code that is one variant's SKU and another's barcode is a problem naming both (one rule for
//! codes, [`crate::code`]).
//!
//! **Problems and notes.** Every problem is a [`RowProblem`] naming the row a spreadsheet shows
//! (the header is row 1, one row per record however many lines its cells span, whatever the
//! line endings) and the column as the file spells it. All problems are collected, not just the
//! first; validation uses the same rules as `save_product` (`catalog::normalise`), whose field
//! names (`variants[1].sku`) are mapped back to the row and column they came from. What the
//! importer decided without refusing (a suffixed SKU, a rounded weight, a restored UPC-A zero, an
//! internal code) is a note in [`ImportReport::notes`], with its row and column.
//!
//! **Writing.** By default a file with problems writes nothing, dry run or not: the report comes
//! back as `Ok` with its `problems` filled ([`ImportReport::has_problems`]), and a caller must
//! check it. With [`ImportOptions::skip_invalid`] the valid products are imported and every
//! product with a problem is skipped whole; the report lists the skipped rows
//! ([`ImportReport::skipped_rows`], also in a dry run) and [`write_rows`] copies them into a CSV
//! to fix and import again. A dry run plans the whole file and writes nothing. A real import
//! plans and writes product by product in **one transaction** (rolled back on a problem, or
//! when it would change nothing, so it writes nothing at all then): no plan of the whole file is
//! held, and a 100k-row file imports in about 3 s in under 150 MB. Its facts are several
//! bounded ops of kind `catalog.imported` (at most 1,000 products or ~256 KB of body each, each
//! with its audit entry and `device_seq`): every created or updated product (id, variant ids,
//! the normalised [`ProductInput`]) and the stock movements of those products, which belong to
//! their part's op.
//!
//! **Inventory quantity.** For an inventory-tracked variant with a non-blank `Variant Inventory
//! Qty` / `Inventory quantity`, the `available` level at the chosen location (default: the first
//! `store` location by code) is set to the file's number by one `import` movement of the
//! difference, referenced `import:shopify`. Importing the same file twice therefore creates no
//! duplicate products, variants or movements.
//!
//! # Product CSV export ([`Store::export_shopify`])
//!
//! Writes the legacy dialect (the one every Shopify store and most tools accept), products in
//! handle order, one row per variant with the product fields on the first row only, then one row
//! per image beyond the variant count, plus one column per product attribute in use
//! (`Name (product.metafields.ns.key)`, sorted by code). Inventory quantity is `available` at the
//! first `store` location; grams keep their milligrams; trackers and fulfilment services are
//! written as stored. Shopify's CSV holds at most three option groups: a product with more is
//! **folded** — options three and up are joined with ` / ` into `Option3 Name` and
//! `Option3 Value` (a warning is logged naming the handle) — rather than failing the whole export.
//! Not exported (Shopify's CSV has no place for them): tax classes, barcodes after the first,
//! price lists, stock at other locations; tags containing a comma come back as two tags.
//!
//! # Inventory CSV import ([`Store::import_inventory`])
//!
//! Shopify's multi-location inventory export: one row per variant × location with
//! `On hand (new)`; or the older export with one quantity column per location, headed by the
//! location's name. Variants are matched by SKU (a blank SKU, or one this store does not know,
//! falls back to handle + option values); locations by code or name (case-insensitive).
//! `not stocked` rows and rows without a new value are skipped. Each other row becomes one
//! `count_correction` movement on `available` that brings on-hand (every state but `incoming`)
//! to the new number, referenced `import:inventory`; without an `On hand (new)` column,
//! `Available` (which may be negative: oversold) is the new `available` instead. As in Shopify,
//! a row whose `On hand (current)` no longer matches the store (a sale or a receipt since the
//! file was prepared) is refused naming that column, so a sale is never erased; a row already
//! at its new number is done. One use-case, one op of kind `stock.inventory_imported`; problems
//! and dry runs as above.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::path::Path;

use backroom_api::{ImportReport, RowProblem};
use backroom_domain::barcode;
use backroom_domain::barcode::CodeKind;
use backroom_domain::catalog::{
    format_grams, parse_bool, parse_weight_grams, strip_text_marker, AttributeKind, Handle,
    InventoryPolicy, ProductStatus, Sku, SKU_MAX_CHARS,
};
use backroom_domain::money::format_minor;
use backroom_domain::stock::{MovementReason, StockState};
use backroom_domain::{Currency, FieldError, Money};
use backroom_sync::body::CATALOG_IMPORTED_VERSION;
use backroom_sync::catalog::AttributeDefinedV1;
use rusqlite::{params, Connection};
use serde_json::json;

use crate::catalog::{
    define_attribute_in, flush_fts, normalise, read_product, write_normalised, CatalogCache,
    ImageInput, ProductInput, VariantInput, Writer, Written,
};
use crate::location::{default_location, location_id};
use crate::stock::{apply_movements, Movement};
use crate::uow::{Change, Uow};
use crate::{Progress, Store, StoreError, StoreResult};

/// Options of [`Store::import_shopify`].
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Compute the report (what would be created, updated, unchanged; every problem) and write
    /// nothing.
    pub dry_run: bool,
    /// Location code that receives the file's inventory quantities; default: the store's
    /// default location (the first `store` location set up).
    pub location: Option<String>,
    /// Import the valid products and skip every product that has a problem (all its rows),
    /// instead of writing nothing. Problems that concern the whole file (its header) still
    /// stop the import. The skipped rows are listed in [`ImportReport::skipped_rows`];
    /// [`write_rows`] copies them into a CSV to fix and import again.
    pub skip_invalid: bool,
}

/// Reference of the movements written by a product import.
pub const IMPORT_REFERENCE: &str = "import:shopify";
/// Reference of the movements written by an inventory import.
pub const INVENTORY_REFERENCE: &str = "import:inventory";

const METAFIELD_PREFIX: &str = "product.metafields.";
/// Namespace our own (non-metafield) attribute codes are exported under.
const OWN_NAMESPACE: &str = "product.metafields.backroom.";
/// How many rows of progress to batch before reporting.
const PROGRESS_STEP: u64 = 1000;

// ---------------------------------------------------------------------------------------------
// Reading a CSV file
// ---------------------------------------------------------------------------------------------

/// One data record and its spreadsheet row number (header = 1).
struct Row {
    line: u64,
    rec: csv::StringRecord,
}

impl Row {
    fn cell(&self, idx: Option<usize>) -> &str {
        idx.and_then(|i| self.rec.get(i)).unwrap_or("").trim()
    }

    fn is_blank(&self) -> bool {
        self.rec.iter().all(|c| c.trim().is_empty())
    }
}

/// A whole file: trimmed header names, the data rows, and rows that could not be read.
struct Table {
    headers: Vec<String>,
    rows: Vec<Row>,
    problems: Vec<RowProblem>,
}

fn csv_error(what: &str, e: &csv::Error) -> StoreError {
    StoreError::Csv(format!("{what}: {e}"))
}

/// `;` when the header line has semicolons and no commas (a spreadsheet in a European locale
/// saves CSV so), else `,`.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    if !line.contains(&b',') && line.contains(&b';') {
        b';'
    } else {
        b','
    }
}

/// A CSV reader over `reader` with the file's delimiter (see [`sniff_delimiter`]), headers read
/// as a record (so the header keeps row 1), rows of any length; and that delimiter.
fn csv_reader<R: Read>(reader: R) -> StoreResult<(csv::Reader<std::io::BufReader<R>>, u8)> {
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, reader);
    let delimiter = sniff_delimiter(
        std::io::BufRead::fill_buf(&mut reader)
            .map_err(|e| StoreError::Csv(format!("reading the CSV file: {e}")))?,
    );
    let rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .delimiter(delimiter)
        .from_reader(reader);
    Ok((rdr, delimiter))
}

fn read_table(reader: impl Read) -> StoreResult<Table> {
    // csv-core strips a UTF-8 BOM at the start of the input; headers are handled here so the
    // header line keeps its line number (1) and lossy names.
    let (mut rdr, _) = csv_reader(reader)?;
    let mut headers: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    // The row a spreadsheet shows: one per record (a multi-line cell is still one row),
    // whatever the line endings; the header is row 1.
    let mut line = 0u64;
    loop {
        let mut rec = csv::ByteRecord::new();
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error("reading the CSV file", &e)),
        }
        line += 1;
        if rec.iter().any(|f| f.contains(&b'\r')) {
            rec = rec.iter().map(strip_cr).collect();
        }
        let Some(names) = &headers else {
            headers = Some(
                rec.iter()
                    .map(|h| {
                        String::from_utf8_lossy(h)
                            .trim()
                            .trim_start_matches('\u{feff}')
                            .trim()
                            .to_string()
                    })
                    .collect(),
            );
            continue;
        };
        match csv::StringRecord::from_byte_record(rec) {
            Ok(rec) => rows.push(Row { line, rec }),
            Err(e) => {
                let column = names
                    .get(e.utf8_error().field())
                    .cloned()
                    .unwrap_or_default();
                problems.push(RowProblem {
                    row: line,
                    column,
                    message: "is not valid UTF-8; save the file as UTF-8 (Shopify exports are)"
                        .into(),
                });
            }
        }
    }
    Ok(Table {
        headers: headers.unwrap_or_default(),
        rows,
        problems,
    })
}

/// `\r\n` → `\n` inside a cell (a CRLF file's multi-line descriptions).
fn strip_cr(field: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        if field[i] == b'\r' && field.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(field[i]);
        i += 1;
    }
    out
}

/// A whole number of units; `12.0` (how spreadsheets and pandas write whole numbers) is 12.
fn parse_count(text: &str, field: &str) -> Result<i64, FieldError> {
    let t = text.trim();
    let t = match t.split_once('.') {
        Some((whole, zeros)) if !zeros.is_empty() && zeros.bytes().all(|b| b == b'0') => whole,
        _ => t,
    };
    t.parse::<i64>()
        .ok()
        .filter(|q| q.abs() <= 1_000_000_000)
        .ok_or_else(|| {
            FieldError::new(
                field,
                "invalid_quantity",
                format!("'{}' is not a whole number", text.trim()),
            )
        })
}

// ---------------------------------------------------------------------------------------------
// Product CSV columns
// ---------------------------------------------------------------------------------------------

/// A product CSV column we understand, whatever the dialect calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Handle,
    Title,
    Body,
    Vendor,
    Category,
    StandardType,
    Type,
    CustomType,
    Tags,
    Published,
    Opt1Name,
    Opt1Value,
    Opt2Name,
    Opt2Value,
    Opt3Name,
    Opt3Value,
    Sku,
    Grams,
    Tracker,
    Qty,
    Policy,
    Fulfillment,
    Price,
    CompareAt,
    RequiresShipping,
    Taxable,
    Barcode,
    ImageSrc,
    ImagePosition,
    ImageAlt,
    GiftCard,
    SeoTitle,
    SeoDescription,
    VariantImage,
    WeightUnit,
    TaxCode,
    Cost,
    Status,
}

const COLS: usize = Col::Status as usize + 1;
const OPT_NAME: [Col; 3] = [Col::Opt1Name, Col::Opt2Name, Col::Opt3Name];
const OPT_VALUE: [Col; 3] = [Col::Opt1Value, Col::Opt2Value, Col::Opt3Value];

impl Col {
    /// The column a (trimmed, lower-cased) header names, in either dialect.
    fn from_header(h: &str) -> Option<Col> {
        Some(match h {
            "handle" | "url handle" => Col::Handle,
            "title" => Col::Title,
            "body (html)" | "body html" | "description" => Col::Body,
            "vendor" => Col::Vendor,
            "product category" => Col::Category,
            "standard product type" => Col::StandardType,
            "type" => Col::Type,
            "custom product type" => Col::CustomType,
            "tags" => Col::Tags,
            "published" | "published on online store" => Col::Published,
            "option1 name" => Col::Opt1Name,
            "option1 value" => Col::Opt1Value,
            "option2 name" => Col::Opt2Name,
            "option2 value" => Col::Opt2Value,
            "option3 name" => Col::Opt3Name,
            "option3 value" => Col::Opt3Value,
            "variant sku" | "sku" => Col::Sku,
            "variant grams" | "weight value (grams)" => Col::Grams,
            "variant inventory tracker" | "inventory tracker" => Col::Tracker,
            "variant inventory qty" | "inventory quantity" => Col::Qty,
            "variant inventory policy" | "continue selling when out of stock" => Col::Policy,
            "variant fulfillment service" | "fulfillment service" => Col::Fulfillment,
            "variant price" | "price" => Col::Price,
            "variant compare at price" | "compare-at price" | "compare at price" => Col::CompareAt,
            "variant requires shipping" | "requires shipping" => Col::RequiresShipping,
            "variant taxable" | "charge tax" => Col::Taxable,
            "variant barcode" | "barcode" => Col::Barcode,
            "image src" | "product image url" => Col::ImageSrc,
            "image position" => Col::ImagePosition,
            "image alt text" => Col::ImageAlt,
            "gift card" => Col::GiftCard,
            "seo title" => Col::SeoTitle,
            "seo description" => Col::SeoDescription,
            "variant image" | "variant image url" => Col::VariantImage,
            "variant weight unit" | "weight unit for display" => Col::WeightUnit,
            "variant tax code" | "tax code" => Col::TaxCode,
            "cost per item" => Col::Cost,
            "status" => Col::Status,
            _ => return None,
        })
    }

    /// The column's name in a dialect, for problems about a column the file lacks.
    fn canonical(self, legacy: bool) -> &'static str {
        let (old, new) = match self {
            Col::Handle => ("Handle", "URL handle"),
            Col::Title => ("Title", "Title"),
            Col::Body => ("Body (HTML)", "Description"),
            Col::Vendor => ("Vendor", "Vendor"),
            Col::Category => ("Product Category", "Product category"),
            Col::StandardType => ("Standard Product Type", "Standard Product Type"),
            Col::Type => ("Type", "Type"),
            Col::CustomType => ("Custom Product Type", "Custom Product Type"),
            Col::Tags => ("Tags", "Tags"),
            Col::Published => ("Published", "Published on online store"),
            Col::Opt1Name => ("Option1 Name", "Option1 name"),
            Col::Opt1Value => ("Option1 Value", "Option1 value"),
            Col::Opt2Name => ("Option2 Name", "Option2 name"),
            Col::Opt2Value => ("Option2 Value", "Option2 value"),
            Col::Opt3Name => ("Option3 Name", "Option3 name"),
            Col::Opt3Value => ("Option3 Value", "Option3 value"),
            Col::Sku => ("Variant SKU", "SKU"),
            Col::Grams => ("Variant Grams", "Weight value (grams)"),
            Col::Tracker => ("Variant Inventory Tracker", "Inventory tracker"),
            Col::Qty => ("Variant Inventory Qty", "Inventory quantity"),
            Col::Policy => (
                "Variant Inventory Policy",
                "Continue selling when out of stock",
            ),
            Col::Fulfillment => ("Variant Fulfillment Service", "Fulfillment service"),
            Col::Price => ("Variant Price", "Price"),
            Col::CompareAt => ("Variant Compare At Price", "Compare-at price"),
            Col::RequiresShipping => ("Variant Requires Shipping", "Requires shipping"),
            Col::Taxable => ("Variant Taxable", "Charge tax"),
            Col::Barcode => ("Variant Barcode", "Barcode"),
            Col::ImageSrc => ("Image Src", "Product image URL"),
            Col::ImagePosition => ("Image Position", "Image position"),
            Col::ImageAlt => ("Image Alt Text", "Image alt text"),
            Col::GiftCard => ("Gift Card", "Gift card"),
            Col::SeoTitle => ("SEO Title", "SEO title"),
            Col::SeoDescription => ("SEO Description", "SEO description"),
            Col::VariantImage => ("Variant Image", "Variant image URL"),
            Col::WeightUnit => ("Variant Weight Unit", "Weight unit for display"),
            Col::TaxCode => ("Variant Tax Code", "Tax code"),
            Col::Cost => ("Cost per item", "Cost per item"),
            Col::Status => ("Status", "Status"),
        };
        if legacy {
            old
        } else {
            new
        }
    }
}

/// A metafield column mapped to a product attribute.
struct AttrCol {
    idx: usize,
    code: String,
    label: String,
    header: String,
}

/// Where each understood column sits in the file.
struct Columns {
    idx: [Option<usize>; COLS],
    headers: Vec<String>,
    attrs: Vec<AttrCol>,
    ignored: Vec<String>,
    legacy: bool,
}

/// `Color (product.metafields.shopify.color-pattern)` → (`Color`, the attribute code).
fn metafield_header(header: &str) -> Option<(String, String)> {
    let inner = header.strip_suffix(')')?;
    let (label, path) = inner.rsplit_once('(')?;
    let path = path.trim();
    if !path.to_ascii_lowercase().starts_with(METAFIELD_PREFIX) {
        return None;
    }
    let code = match path.strip_prefix(OWN_NAMESPACE) {
        Some(own) if !own.is_empty() => own.to_string(),
        _ => path.to_string(),
    };
    let label = label.trim();
    let label = if label.is_empty() {
        code.as_str()
    } else {
        label
    };
    Some((label.to_string(), code))
}

/// The export header of an attribute: its name and its metafield path.
fn metafield_column(code: &str, name: &str) -> String {
    if code.starts_with(METAFIELD_PREFIX) {
        format!("{name} ({code})")
    } else {
        format!("{name} ({OWN_NAMESPACE}{code})")
    }
}

impl Columns {
    /// Maps a header; `Err` carries header problems (row 1).
    fn map(headers: &[String]) -> Result<Columns, Vec<RowProblem>> {
        let mut idx: [Option<usize>; COLS] = [None; COLS];
        let mut attrs: Vec<AttrCol> = Vec::new();
        let mut ignored = Vec::new();
        let mut problems = Vec::new();
        let mut legacy = true;
        let dup = |name: &str, other: &str| RowProblem {
            row: 1,
            column: name.to_string(),
            message: format!("this column appears twice (also as '{other}'); remove one"),
        };
        for (i, h) in headers.iter().enumerate() {
            let lower = h.to_lowercase();
            if let Some(col) = Col::from_header(&lower) {
                if col == Col::Handle && lower == "url handle" {
                    legacy = false;
                }
                match idx[col as usize] {
                    Some(j) => problems.push(dup(h, headers[j].as_str())),
                    None => idx[col as usize] = Some(i),
                }
            } else if let Some((label, code)) = metafield_header(h) {
                if let Some(a) = attrs.iter().find(|a| a.code == code) {
                    problems.push(dup(h, &a.header));
                } else {
                    attrs.push(AttrCol {
                        idx: i,
                        code,
                        label,
                        header: h.clone(),
                    });
                }
            } else if !h.is_empty() {
                ignored.push(h.clone());
            }
        }
        if idx[Col::Handle as usize].is_none() {
            if idx[Col::Title as usize].is_some()
                && [Col::Sku, Col::Price, Col::Body, Col::ImageSrc]
                    .iter()
                    .any(|c| idx[*c as usize].is_some())
            {
                // A 2024-style file of new products may leave out `URL handle` entirely.
                legacy = headers.iter().any(|h| {
                    let l = h.to_lowercase();
                    l == "variant sku" || l == "body (html)" || l == "variant price"
                });
            } else {
                problems.push(RowProblem {
                    row: 1,
                    column: headers.first().cloned().unwrap_or_default(),
                    message: "this is not a Shopify product CSV: it has no Handle (or URL handle) \
                              and Title column"
                        .into(),
                });
            }
        }
        // Older exports' type columns only count when the newer ones are absent.
        for (newer, older) in [
            (Col::Category, Col::StandardType),
            (Col::Type, Col::CustomType),
        ] {
            if idx[newer as usize].is_some() {
                if let Some(j) = idx[older as usize].take() {
                    ignored.push(headers[j].clone());
                }
            }
        }
        if problems.is_empty() {
            Ok(Columns {
                idx,
                headers: headers.to_vec(),
                attrs,
                ignored,
                legacy,
            })
        } else {
            Err(problems)
        }
    }

    fn has(&self, c: Col) -> bool {
        self.idx[c as usize].is_some()
    }

    fn cell<'r>(&self, row: &'r Row, c: Col) -> &'r str {
        row.cell(self.idx[c as usize])
    }

    /// The column's name as the file spells it (or the dialect's name when it lacks it).
    fn name(&self, c: Col) -> String {
        match self.idx[c as usize] {
            Some(i) => self.headers[i].clone(),
            None => c.canonical(self.legacy).to_string(),
        }
    }

    fn category_col(&self) -> Col {
        if !self.has(Col::Category) && self.has(Col::StandardType) {
            Col::StandardType
        } else {
            Col::Category
        }
    }

    fn type_col(&self) -> Col {
        if !self.has(Col::Type) && self.has(Col::CustomType) {
            Col::CustomType
        } else {
            Col::Type
        }
    }

    /// Whether a row (not the first of its product) describes another variant.
    fn is_variant_row(&self, row: &Row) -> bool {
        [
            Col::Opt1Value,
            Col::Opt2Value,
            Col::Opt3Value,
            Col::Sku,
            Col::Price,
            Col::Barcode,
            Col::CompareAt,
            Col::Qty,
        ]
        .iter()
        .any(|c| !self.cell(row, *c).is_empty())
    }
}

// ---------------------------------------------------------------------------------------------
// Planning a product import
// ---------------------------------------------------------------------------------------------

/// The rows of one handle.
struct Group {
    handle: String,
    /// Indices into the table's rows: all of them, and those that are variants (first first).
    rows: Vec<usize>,
    variant_rows: Vec<usize>,
    /// The handle itself is invalid; the group is reported once and not built.
    invalid: bool,
}

/// What the database already holds, loaded once per import.
struct DbIndex {
    products: HashMap<String, String>,
    /// SKU → (variant id, product handle), live variants only.
    skus: HashMap<String, (String, String)>,
    /// Barcode → product handle.
    barcodes: HashMap<String, String>,
    attrs: HashMap<String, (AttributeKind, Vec<String>)>,
}

impl DbIndex {
    fn load(conn: &Connection) -> StoreResult<DbIndex> {
        let products = conn
            .prepare("SELECT handle, id FROM product")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let skus = conn
            .prepare(
                "SELECT v.sku, v.id, p.handle FROM variant v JOIN product p ON p.id = v.product_id
                 WHERE v.archived = 0",
            )?
            .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
            .collect::<Result<_, _>>()?;
        let barcodes = conn
            .prepare(
                "SELECT b.code, p.handle FROM barcode b JOIN variant v ON v.id = b.variant_id
                 JOIN product p ON p.id = v.product_id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut attrs = HashMap::new();
        let mut stmt = conn.prepare("SELECT code, kind, options FROM attribute_def")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (code, kind, options) = row?;
            let options: Vec<String> = serde_json::from_str(&options).unwrap_or_default();
            attrs.insert(code, (AttributeKind::parse(&kind)?, options));
        }
        Ok(DbIndex {
            products,
            skus,
            barcodes,
            attrs,
        })
    }
}

/// `available` at a location, by variant id.
fn available_at(conn: &Connection, location_id: &str) -> StoreResult<HashMap<String, i64>> {
    Ok(conn
        .prepare(
            "SELECT variant_id, qty FROM stock_level WHERE location_id = ?1 AND state = 'available'",
        )?
        .query_map([location_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

/// One product of the file, validated.
struct Planned {
    product: ProductInput,
    written: Written,
    /// File inventory quantity per variant (blank cell: `None`).
    qty: Vec<Option<i64>>,
    /// Ids of the stored variants the file's variants match (for unchanged products and dry-run
    /// movement counts).
    variant_ids: Vec<Option<String>>,
    /// Variants new to the store, and stored variants whose state changes.
    variants_created: u64,
    variants_updated: u64,
    first_line: u64,
    variant_lines: Vec<u64>,
    /// What an update changes (for the dry run and the preview).
    change: Option<backroom_api::ProductChange>,
}

struct Planner<'a> {
    conn: &'a Connection,
    currency: Currency,
    cols: &'a Columns,
    rows: &'a [Row],
    db: DbIndex,
    avail: HashMap<String, i64>,
    problems: Vec<RowProblem>,
    seen: HashSet<(u64, String)>,
    file_skus: HashMap<String, (String, u64)>,
    file_barcodes: HashMap<String, (String, u64)>,
    skus_generated: u64,
    rows_skipped: u64,
    notes: Vec<RowProblem>,
}

impl<'a> Planner<'a> {
    fn problem(&mut self, row: u64, column: String, message: impl Into<String>) {
        if self.seen.insert((row, column.clone())) {
            self.problems.push(RowProblem {
                row,
                column,
                message: message.into(),
            });
        }
    }

    fn col_problem(&mut self, row: u64, col: Col, message: impl Into<String>) {
        let name = self.cols.name(col);
        self.problem(row, name, message);
    }

    fn note(&mut self, row: u64, col: Col, message: impl Into<String>) {
        self.notes.push(RowProblem {
            row,
            column: self.cols.name(col),
            message: message.into(),
        });
    }

    /// Who already has `sku`, if anyone but the product `handle` (stored) or an earlier
    /// variant of the file.
    fn sku_owner(&self, sku: &str, handle: &str) -> Option<String> {
        if let Some((h, row)) = self.file_skus.get(sku) {
            return Some(format!("row {row} (product '{h}')"));
        }
        self.db
            .skus
            .get(sku)
            .filter(|(_, h)| h != handle)
            .map(|(_, h)| format!("product '{h}' in this store"))
    }

    /// The first free `SKU-2`, `SKU-3`, … for a variant of `handle` whose SKU is taken.
    fn free_sku(&self, sku: &str, handle: &str) -> String {
        (2u64..)
            .map(|n| {
                let suffix = format!("-{n}");
                let keep = SKU_MAX_CHARS - suffix.chars().count();
                format!("{}{suffix}", sku.chars().take(keep).collect::<String>())
            })
            .find(|c| self.sku_owner(c, handle).is_none())
            .unwrap_or_default()
    }

    /// Groups rows by handle, in file order.
    fn group(&mut self) -> Vec<Group> {
        let cols = self.cols;
        let mut groups: Vec<Group> = Vec::new();
        let mut by_key: HashMap<String, usize> = HashMap::new();
        for (i, row) in self.rows.iter().enumerate() {
            if row.is_blank() {
                self.rows_skipped += 1;
                continue;
            }
            let raw = cols.cell(row, Col::Handle);
            let key = if !raw.is_empty() {
                raw.to_lowercase()
            } else {
                let title = cols.cell(row, Col::Title);
                if title.is_empty() {
                    self.col_problem(
                        row.line,
                        Col::Handle,
                        "handle is required (or a Title to derive it from)",
                    );
                    continue;
                }
                match Handle::from_title(title) {
                    Ok(h) => h.as_str().to_string(),
                    Err(e) => {
                        self.col_problem(row.line, Col::Title, e.message);
                        continue;
                    }
                }
            };
            if let Some(&g) = by_key.get(&key) {
                let group = &mut groups[g];
                group.rows.push(i);
                if cols.is_variant_row(row) {
                    group.variant_rows.push(i);
                } else if cols.cell(row, Col::ImageSrc).is_empty() {
                    self.rows_skipped += 1;
                }
                continue;
            }
            let (handle, invalid) = match Handle::parse(&key) {
                Ok(h) => (h.as_str().to_string(), false),
                Err(e) => {
                    self.col_problem(row.line, Col::Handle, e.message);
                    (key.clone(), true)
                }
            };
            by_key.insert(key, groups.len());
            groups.push(Group {
                handle,
                rows: vec![i],
                variant_rows: vec![i],
                invalid,
            });
        }
        groups
    }

    fn text(&self, row: &Row, col: Col, fallback: Option<&String>) -> String {
        if self.cols.has(col) {
            self.cols.cell(row, col).to_string()
        } else {
            fallback.cloned().unwrap_or_default()
        }
    }

    fn boolean(&mut self, row: &Row, col: Col, default: bool, fallback: Option<bool>) -> bool {
        if !self.cols.has(col) {
            return fallback.unwrap_or(default);
        }
        let name = self.cols.name(col);
        match parse_bool(self.cols.cell(row, col), default, &name) {
            Ok(b) => b,
            Err(e) => {
                self.problem(row.line, name, e.message);
                default
            }
        }
    }

    /// A money cell: `Ok(None)` when blank.
    fn money(&mut self, row: &Row, col: Col) -> Option<i64> {
        let text = self.cols.cell(row, col);
        if text.is_empty() {
            return None;
        }
        let name = self.cols.name(col);
        match Money::parse(text, self.currency, &name) {
            Ok(m) => Some(m.minor),
            Err(e) => {
                self.problem(row.line, name, e.message);
                Some(0)
            }
        }
    }

    fn plan_group(&mut self, g: &Group) -> StoreResult<Option<Planned>> {
        let cols = self.cols;
        let rows = self.rows;
        let before_problems = self.problems.len();
        let first = &rows[g.rows[0]];
        let existing_id = self.db.products.get(&g.handle).cloned();
        let existing = match &existing_id {
            Some(id) => Some(read_product(self.conn, id)?),
            None => None,
        };
        let ex = existing.as_ref();

        let mut p = ProductInput {
            handle: g.handle.clone(),
            title: self.text(first, Col::Title, ex.map(|e| &e.title)),
            description_html: self.text(first, Col::Body, ex.map(|e| &e.description_html)),
            vendor: self.text(first, Col::Vendor, ex.map(|e| &e.vendor)),
            product_type: self.text(first, cols.type_col(), ex.map(|e| &e.product_type)),
            category: self.text(first, cols.category_col(), ex.map(|e| &e.category)),
            seo_title: self.text(first, Col::SeoTitle, ex.map(|e| &e.seo_title)),
            seo_description: self.text(first, Col::SeoDescription, ex.map(|e| &e.seo_description)),
            ..Default::default()
        };
        p.tags = if cols.has(Col::Tags) {
            split_tags(cols.cell(first, Col::Tags))
        } else {
            ex.map(|e| e.tags.clone()).unwrap_or_default()
        };
        p.published = self.boolean(first, Col::Published, true, ex.map(|e| e.published));
        p.is_gift_card = self.boolean(first, Col::GiftCard, false, ex.map(|e| e.is_gift_card));
        p.status = if cols.has(Col::Status) {
            let s = cols.cell(first, Col::Status);
            match ProductStatus::parse(s) {
                Ok(s) => s.as_str().to_string(),
                Err(e) => {
                    self.col_problem(first.line, Col::Status, e.message);
                    String::new()
                }
            }
        } else {
            ex.map(|e| e.status.clone()).unwrap_or_default()
        };
        p.attributes = ex.map(|e| e.attributes.clone()).unwrap_or_default();
        for a in &cols.attrs {
            let raw = first.cell(Some(a.idx));
            if raw.is_empty() {
                p.attributes.remove(&a.code);
                continue;
            }
            let (kind, options) = self
                .db
                .attrs
                .get(&a.code)
                .cloned()
                .unwrap_or((AttributeKind::Text, Vec::new()));
            match kind.canonical_value(raw, &options, &a.header) {
                Ok(v) => {
                    p.attributes.insert(a.code.clone(), v);
                }
                Err(e) => self.problem(first.line, a.header.clone(), e.message),
            }
        }

        // Options and each variant's values.
        let has_opt_cols = OPT_NAME
            .iter()
            .chain(OPT_VALUE.iter())
            .any(|c| cols.has(*c));
        let has_name_cols = OPT_NAME.iter().any(|c| cols.has(*c));
        p.options = if has_name_cols {
            let mut names: Vec<String> = OPT_NAME
                .iter()
                .map(|c| cols.cell(first, *c).to_string())
                .collect();
            while names.last().is_some_and(String::is_empty) {
                names.pop();
            }
            names
        } else {
            ex.map(|e| e.options.clone()).unwrap_or_default()
        };
        let mut values: Vec<Vec<String>> = Vec::with_capacity(g.variant_rows.len());
        for &r in &g.variant_rows {
            let row = &rows[r];
            let mut v: Vec<String> = if has_opt_cols {
                OPT_VALUE
                    .iter()
                    .map(|c| cols.cell(row, *c).to_string())
                    .collect()
            } else {
                let sku = cols.cell(row, Col::Sku);
                ex.and_then(|e| e.variants.iter().find(|v| !sku.is_empty() && v.sku == sku))
                    .map(|v| v.option_values.clone())
                    .unwrap_or_default()
            };
            while v.last().is_some_and(String::is_empty) {
                v.pop();
            }
            while v.len() < p.options.len() {
                v.push(String::new());
            }
            values.push(v);
        }
        let default_title = (p.options.is_empty()
            || (p.options.len() == 1 && p.options[0].eq_ignore_ascii_case("title")))
            && values
                .iter()
                .all(|v| v.len() == 1 && v[0].eq_ignore_ascii_case("default title"));
        if default_title {
            p.options.clear();
            values.iter_mut().for_each(Vec::clear);
        }

        // Variants, matched to stored ones by SKU then option values.
        let mut used: HashSet<usize> = HashSet::new();
        let mut qty = Vec::with_capacity(values.len());
        let mut variant_lines = Vec::with_capacity(values.len());
        let mut matched: Vec<Option<usize>> = Vec::with_capacity(values.len());
        for (&r, option_values) in g.variant_rows.iter().zip(values) {
            let row = &rows[r];
            variant_lines.push(row.line);
            // Shopify's export writes a numeric-looking SKU as `'42248509259858`.
            let raw_sku = strip_text_marker(cols.cell(row, Col::Sku));
            let m = ex.and_then(|e| {
                e.variants
                    .iter()
                    .enumerate()
                    .find(|(k, v)| !raw_sku.is_empty() && v.sku == raw_sku && !used.contains(k))
                    .or_else(|| {
                        e.variants
                            .iter()
                            .enumerate()
                            .find(|(k, v)| v.option_values == option_values && !used.contains(k))
                    })
                    .map(|(k, _)| k)
            });
            if let Some(k) = m {
                used.insert(k);
            }
            matched.push(m);
            let old: Option<&VariantInput> = m.and_then(|k| ex.map(|e| &e.variants[k]));
            let sku = if !raw_sku.is_empty() {
                match Sku::parse(raw_sku) {
                    Ok(s) => s.as_str().to_string(),
                    Err(e) => {
                        self.col_problem(row.line, Col::Sku, e.message);
                        format!("~row{}", row.line)
                    }
                }
            } else if let Some(o) = old {
                o.sku.clone()
            } else {
                self.skus_generated += 1;
                generated_sku(&g.handle, &option_values)
            };
            let mut v = VariantInput {
                sku,
                option_values,
                tax_class: old.map(|o| o.tax_class.clone()).unwrap_or_default(),
                // Shopify has no unit of sale: a variant sold by weight here stays so.
                sale_unit: old.map(|o| o.sale_unit.clone()).unwrap_or_default(),
                ..Default::default()
            };
            v.barcodes = if cols.has(Col::Barcode) {
                let cell = cols.cell(row, Col::Barcode);
                let mut codes = Vec::new();
                if !cell.is_empty() {
                    match barcode::parse_code(cell) {
                        Ok(code) => {
                            let typed = cell.trim_start_matches('\'');
                            if code.kind == CodeKind::UpcA && typed.len() == 11 {
                                self.note(
                                    row.line,
                                    Col::Barcode,
                                    format!(
                                        "'{typed}' is a UPC-A whose leading zero a spreadsheet \
                                         dropped; stored as {}",
                                        code.canonical
                                    ),
                                );
                            } else if code.kind == CodeKind::Internal {
                                self.note(
                                    row.line,
                                    Col::Barcode,
                                    format!(
                                        "'{typed}' is not an EAN, UPC or GTIN; kept as an \
                                         internal code"
                                    ),
                                );
                            }
                            codes.push(code.canonical);
                        }
                        Err(e) => self.col_problem(row.line, Col::Barcode, e.message),
                    }
                }
                // Shopify's CSV holds one barcode; the others a variant has are kept.
                for extra in old.map(|o| o.barcodes.iter().skip(1)).into_iter().flatten() {
                    if !codes.contains(extra) {
                        codes.push(extra.clone());
                    }
                }
                codes
            } else {
                old.map(|o| o.barcodes.clone()).unwrap_or_default()
            };
            v.price_minor = if cols.has(Col::Price) {
                match self.money(row, Col::Price) {
                    Some(m) => m,
                    None => {
                        self.col_problem(row.line, Col::Price, "price is required");
                        0
                    }
                }
            } else {
                old.map_or(0, |o| o.price_minor)
            };
            v.compare_at_minor = if cols.has(Col::CompareAt) {
                self.money(row, Col::CompareAt)
            } else {
                old.and_then(|o| o.compare_at_minor)
            };
            v.cost_minor = if cols.has(Col::Cost) {
                self.money(row, Col::Cost)
            } else {
                old.and_then(|o| o.cost_minor)
            };
            v.weight_mg = if cols.has(Col::Grams) {
                let cell = cols.cell(row, Col::Grams);
                if cell.is_empty() {
                    0
                } else {
                    let name = cols.name(Col::Grams);
                    match parse_weight_grams(cell, &name) {
                        Ok(w) => {
                            if w.rounded {
                                self.note(
                                    row.line,
                                    Col::Grams,
                                    format!(
                                        "{cell} g kept to the milligram as {} g",
                                        format_grams(w.mg)
                                    ),
                                );
                            }
                            w.mg
                        }
                        Err(e) => {
                            self.problem(row.line, name, e.message);
                            0
                        }
                    }
                }
            } else {
                old.map_or(0, |o| o.weight_mg)
            };
            v.weight_unit = if cols.has(Col::WeightUnit) {
                let unit = weight_unit(cols.cell(row, Col::WeightUnit));
                if !unit.is_empty() && !["g", "kg", "lb", "oz"].contains(&unit.as_str()) {
                    self.col_problem(
                        row.line,
                        Col::WeightUnit,
                        format!("'{unit}' is not g, kg, lb or oz"),
                    );
                    String::new()
                } else {
                    unit
                }
            } else {
                old.map(|o| o.weight_unit.clone()).unwrap_or_default()
            };
            v.taxable = self.boolean(row, Col::Taxable, true, old.map(|o| o.taxable));
            v.tax_code = self.text(row, Col::TaxCode, old.map(|o| &o.tax_code));
            v.requires_shipping = self.boolean(
                row,
                Col::RequiresShipping,
                true,
                old.map(|o| o.requires_shipping),
            );
            v.inventory_tracker = self.text(row, Col::Tracker, old.map(|o| &o.inventory_tracker));
            v.inventory_tracked = if cols.has(Col::Tracker) {
                !v.inventory_tracker.is_empty()
            } else {
                old.is_none_or(|o| o.inventory_tracked)
            };
            v.fulfillment_service =
                self.text(row, Col::Fulfillment, old.map(|o| &o.fulfillment_service));
            v.inventory_policy = if cols.has(Col::Policy) {
                match InventoryPolicy::parse(cols.cell(row, Col::Policy)) {
                    Ok(pol) => pol.as_str().to_string(),
                    Err(e) => {
                        self.col_problem(row.line, Col::Policy, e.message);
                        String::new()
                    }
                }
            } else {
                old.map(|o| o.inventory_policy.clone()).unwrap_or_default()
            };
            v.image_url = self.text(row, Col::VariantImage, old.map(|o| &o.image_url));
            let q = cols.cell(row, Col::Qty);
            qty.push(if q.is_empty() {
                None
            } else {
                let name = cols.name(Col::Qty);
                match parse_count(q, &name) {
                    Ok(n) => Some(n),
                    Err(e) => {
                        self.problem(row.line, name, e.message);
                        None
                    }
                }
            });
            p.variants.push(v);
        }

        // Images, by position then file order; a URL counts once.
        p.images = if cols.has(Col::ImageSrc) {
            let mut found: Vec<(i64, usize, ImageInput)> = Vec::new();
            for (order, &r) in g.rows.iter().enumerate() {
                let row = &rows[r];
                let url = cols.cell(row, Col::ImageSrc);
                if url.is_empty() {
                    continue;
                }
                let pos_text = cols.cell(row, Col::ImagePosition);
                let pos = if pos_text.is_empty() {
                    i64::MAX
                } else {
                    match pos_text.parse::<i64>() {
                        Ok(n) if n >= 0 => n,
                        _ => {
                            self.col_problem(
                                row.line,
                                Col::ImagePosition,
                                format!("'{pos_text}' is not a whole number"),
                            );
                            i64::MAX
                        }
                    }
                };
                found.push((
                    pos,
                    order,
                    ImageInput {
                        url: url.to_string(),
                        alt: cols.cell(row, Col::ImageAlt).to_string(),
                    },
                ));
            }
            found.sort_by_key(|(pos, order, _)| (*pos, *order));
            let mut urls = HashSet::new();
            found
                .into_iter()
                .map(|(_, _, img)| img)
                .filter(|img| urls.insert(img.url.clone()))
                .collect()
        } else {
            ex.map(|e| e.images.clone()).unwrap_or_default()
        };

        // The codes this product claims in the file; released again if it is skipped, so a
        // product left out never pushes a later one to a suffix or a clash.
        let mut claimed_skus: Vec<String> = Vec::new();
        let mut claimed_codes: Vec<String> = Vec::new();
        // The same SKU on two variants is legal in Shopify: the first keeps it, a later one
        // gets the first free `-2`, `-3`… suffix, said in a note, so a SKU finds one variant.
        for (i, &line) in variant_lines.iter().enumerate() {
            let sku = p.variants[i].sku.clone();
            if sku.starts_with("~row") {
                continue;
            }
            if let Some(owner) = self.sku_owner(&sku, &g.handle) {
                let free = self.free_sku(&sku, &g.handle);
                self.note(
                    line,
                    Col::Sku,
                    format!(
                        "SKU '{sku}' is also on {owner}; this variant gets SKU '{free}' so that \
                         each SKU finds one variant"
                    ),
                );
                p.variants[i].sku = free;
            }
            self.file_skus
                .insert(p.variants[i].sku.clone(), (g.handle.clone(), line));
            claimed_skus.push(p.variants[i].sku.clone());
        }
        // A barcode means one variant. Real exports reuse one code on several variants (a
        // manufacturer's part number on every condition of a refurbished laptop): the first
        // variant keeps it and the later ones are imported without it, with a note naming both,
        // so the file imports and a scan still finds one variant. No code is one variant's SKU
        // and another's barcode.
        for (i, &line) in variant_lines.iter().enumerate() {
            let here = (g.handle.clone(), line);
            let codes = std::mem::take(&mut p.variants[i].barcodes);
            let mut kept = Vec::with_capacity(codes.len());
            for code in codes {
                let owner = match self.file_barcodes.get(&code) {
                    Some((h, other)) => Some(format!("row {other} (product '{h}')")),
                    None => self
                        .db
                        .barcodes
                        .get(&code)
                        .filter(|h| **h != g.handle)
                        .map(|h| format!("product '{h}' in this store")),
                };
                if let Some(owner) = owner {
                    self.note(
                        line,
                        Col::Barcode,
                        format!(
                            "barcode {code} is already on {owner}; this variant is imported \
                             without it, so a scan finds one variant"
                        ),
                    );
                    continue;
                }
                self.file_barcodes.insert(code.clone(), here.clone());
                claimed_codes.push(code.clone());
                for spelling in barcode::spellings(&code) {
                    let other = match self.file_skus.get(&spelling).filter(|o| **o != here) {
                        Some((h, r)) => Some(format!("row {r} (product '{h}')")),
                        None => self
                            .db
                            .skus
                            .get(&spelling)
                            .filter(|(_, h)| *h != g.handle)
                            .map(|(_, h)| format!("product '{h}' in this store")),
                    };
                    if let Some(other) = other {
                        let msg = format!(
                            "barcode {code} is the SKU '{spelling}' of {other}; one code must \
                             mean one variant"
                        );
                        self.col_problem(line, Col::Barcode, msg);
                        break;
                    }
                }
                kept.push(code);
            }
            p.variants[i].barcodes = kept;
        }
        for (i, v) in p.variants.iter().enumerate() {
            let line = variant_lines[i];
            let here = (g.handle.clone(), line);
            for canonical in barcode::code_keys(&v.sku) {
                let other = match self.file_barcodes.get(&canonical).filter(|o| **o != here) {
                    Some((h, r)) => Some(format!("row {r} (product '{h}')")),
                    None => self
                        .db
                        .barcodes
                        .get(&canonical)
                        .filter(|h| **h != g.handle)
                        .map(|h| format!("product '{h}' in this store")),
                };
                if let Some(other) = other {
                    let msg = format!(
                        "SKU '{}' reads as barcode {canonical} of {other}; one code must mean \
                         one variant",
                        v.sku
                    );
                    self.col_problem(line, Col::Sku, msg);
                    break;
                }
            }
        }

        // The same rules as `save_product`, mapped back to rows and columns.
        let normalised = match normalise(&p) {
            Ok(n) => Some(n),
            Err(e) => {
                let (row, column) = locate(cols, &e.field, first.line, &variant_lines);
                self.problem(row, column, e.message);
                None
            }
        };
        let Some(product) = normalised.filter(|_| self.problems.len() == before_problems) else {
            for sku in claimed_skus {
                self.file_skus.remove(&sku);
            }
            for code in claimed_codes {
                self.file_barcodes.remove(&code);
            }
            return Ok(None);
        };
        let written = match ex {
            None => Written::Created,
            Some(e) if *e == product => Written::Unchanged,
            Some(_) => Written::Updated,
        };
        let variant_ids = matched
            .iter()
            .map(|m| {
                m.and_then(|k| ex.map(|e| &e.variants[k].sku))
                    .and_then(|sku| self.db.skus.get(sku))
                    .map(|(id, _)| id.clone())
            })
            .collect();
        let (mut variants_created, mut variants_updated) = (0, 0);
        if written != Written::Unchanged {
            for (v, m) in product.variants.iter().zip(&matched) {
                match m.and_then(|k| ex.map(|e| &e.variants[k])) {
                    None => variants_created += 1,
                    Some(old) if old != v => variants_updated += 1,
                    Some(_) => {}
                }
            }
        }
        let change = match (written, ex) {
            (Written::Updated, Some(e)) => Some(product_change(e, &product, &matched)),
            _ => None,
        };
        Ok(Some(Planned {
            change,
            product,
            written,
            qty,
            variant_ids,
            variants_created,
            variants_updated,
            first_line: first.line,
            variant_lines,
        }))
    }
}

/// What an import changes in a stored product: product fields by name, variants added,
/// changed (with their fields) and archived. `matched[i]` is the stored variant the file's
/// variant `i` updates.
fn product_change(
    old: &ProductInput,
    new: &ProductInput,
    matched: &[Option<usize>],
) -> backroom_api::ProductChange {
    let mut fields = Vec::new();
    let mut field = |name: &str, differs: bool| {
        if differs {
            fields.push(name.to_string());
        }
    };
    field("title", old.title != new.title);
    field("description", old.description_html != new.description_html);
    field("vendor", old.vendor != new.vendor);
    field("type", old.product_type != new.product_type);
    field("category", old.category != new.category);
    field("tags", old.tags != new.tags);
    field("status", old.status != new.status);
    field("published", old.published != new.published);
    field("gift_card", old.is_gift_card != new.is_gift_card);
    field("seo_title", old.seo_title != new.seo_title);
    field(
        "seo_description",
        old.seo_description != new.seo_description,
    );
    field("options", old.options != new.options);
    field("images", old.images != new.images);
    field("attributes", old.attributes != new.attributes);
    let mut change = backroom_api::ProductChange {
        handle: new.handle.clone(),
        fields,
        ..Default::default()
    };
    for (v, m) in new.variants.iter().zip(matched) {
        let Some(o) = m.and_then(|k| old.variants.get(k)) else {
            change.variants_added.push(v.sku.clone());
            continue;
        };
        let mut f = Vec::new();
        for (name, differs) in [
            ("sku", o.sku != v.sku),
            ("options", o.option_values != v.option_values),
            ("barcodes", o.barcodes != v.barcodes),
            ("price", o.price_minor != v.price_minor),
            ("compare_at_price", o.compare_at_minor != v.compare_at_minor),
            ("cost", o.cost_minor != v.cost_minor),
            (
                "weight",
                o.weight_mg != v.weight_mg || o.weight_unit != v.weight_unit,
            ),
            ("taxable", o.taxable != v.taxable),
            ("tax_class", o.tax_class != v.tax_class),
            ("tax_code", o.tax_code != v.tax_code),
            (
                "requires_shipping",
                o.requires_shipping != v.requires_shipping,
            ),
            (
                "inventory_tracker",
                o.inventory_tracked != v.inventory_tracked
                    || o.inventory_tracker != v.inventory_tracker,
            ),
            ("inventory_policy", o.inventory_policy != v.inventory_policy),
            (
                "fulfillment_service",
                o.fulfillment_service != v.fulfillment_service,
            ),
            ("image", o.image_url != v.image_url),
        ] {
            if differs {
                f.push(name.to_string());
            }
        }
        if !f.is_empty() {
            change.variants_changed.push(backroom_api::VariantChange {
                sku: v.sku.clone(),
                fields: f,
            });
        }
    }
    for (k, o) in old.variants.iter().enumerate() {
        if !matched.contains(&Some(k)) {
            change.variants_archived.push(o.sku.clone());
        }
    }
    change
}

/// Maps a `normalise` field (`variants[1].sku`) to the row and column that produced it.
fn locate(c: &Columns, field: &str, first_line: u64, variant_lines: &[u64]) -> (u64, String) {
    if let Some(rest) = field.strip_prefix("variants[") {
        if let Some((n, sub)) = rest.split_once(']') {
            let line = n
                .parse::<usize>()
                .ok()
                .and_then(|i| variant_lines.get(i).copied())
                .unwrap_or(first_line);
            let sub = sub.trim_start_matches('.');
            let col = if let Some(j) = sub.strip_prefix("option_values[") {
                j.trim_end_matches(']')
                    .parse::<usize>()
                    .ok()
                    .map(|j| OPT_VALUE[j.min(2)])
            } else if sub.starts_with("barcodes") {
                Some(Col::Barcode)
            } else {
                match sub {
                    "sku" => Some(Col::Sku),
                    "option_values" => Some(Col::Opt1Value),
                    "price" => Some(Col::Price),
                    "compare_at_price" => Some(Col::CompareAt),
                    "cost" => Some(Col::Cost),
                    "weight" => Some(Col::Grams),
                    "weight_unit" => Some(Col::WeightUnit),
                    "inventory_policy" => Some(Col::Policy),
                    _ => None,
                }
            };
            return (line, col.map_or_else(|| sub.to_string(), |col| c.name(col)));
        }
    }
    if let Some(j) = field.strip_prefix("options[") {
        let j = j.trim_end_matches(']').parse::<usize>().unwrap_or(0);
        return (first_line, c.name(OPT_NAME[j.min(2)]));
    }
    if let Some(code) = field.strip_prefix("attributes.") {
        if let Some(a) = c.attrs.iter().find(|a| a.code == code) {
            return (first_line, a.header.clone());
        }
    }
    let col = match field {
        "title" => Some(Col::Title),
        "handle" | "variants" => Some(Col::Handle),
        "status" => Some(Col::Status),
        "category" => Some(c.category_col()),
        _ => None,
    };
    (
        first_line,
        col.map_or_else(|| field.to_string(), |col| c.name(col)),
    )
}

/// `Red`, `Extra Large` → `red`, `extra-large`: runs of anything but letters and digits become
/// one dash.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for ch in text.trim().to_lowercase().chars() {
        if ch.is_alphanumeric() {
            out.push(ch);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// The SKU of a variant whose SKU cell is blank: handle and option values, upper case, at most
/// 64 characters. A longer one keeps its first 55 and ends in `-` and eight hex digits of a
/// UUIDv5 of the whole text, so long handles that share a beginning still get distinct,
/// repeatable SKUs.
fn generated_sku(handle: &str, option_values: &[String]) -> String {
    let mut s = slug(handle);
    for v in option_values {
        let part = slug(v);
        if !part.is_empty() {
            s.push('-');
            s.push_str(&part);
        }
    }
    let s = s.to_uppercase();
    if s.chars().count() <= 64 {
        return s.trim_end_matches('-').to_string();
    }
    let digest = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, s.as_bytes())
        .simple()
        .to_string();
    let head: String = s.chars().take(55).collect();
    format!(
        "{}-{}",
        head.trim_end_matches('-'),
        digest[..8].to_uppercase()
    )
}

/// A `Tags` cell as tags: split at commas, trimmed, and stripped of the quotes a person typed
/// around the list or a tag (`"summer, sale"` is the tags `summer` and `sale`).
fn split_tags(cell: &str) -> Vec<String> {
    const QUOTES: &[char] = &['"', '\'', '\u{201c}', '\u{201d}', '\u{2018}', '\u{2019}'];
    cell.split(',')
        .map(|t| t.trim().trim_matches(QUOTES).trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Weight-unit spellings seen in exports (`kg`, `KILOGRAMS`, `lbs`) → `g`, `kg`, `lb`, `oz`.
fn weight_unit(text: &str) -> String {
    let t = text.trim().to_lowercase();
    match t.as_str() {
        "grams" | "gram" => "g".into(),
        "kilograms" | "kilogram" | "kgs" => "kg".into(),
        "pounds" | "pound" | "lbs" => "lb".into(),
        "ounces" | "ounce" => "oz".into(),
        _ => t,
    }
}

/// Advances a progress sink in batches.
struct Ticker<'a> {
    progress: &'a dyn Progress,
    pending: u64,
    sent: u64,
}

impl Ticker<'_> {
    fn tick(&mut self, n: u64) {
        self.pending += n;
        if self.pending >= PROGRESS_STEP {
            self.progress.advance(self.pending);
            self.sent += self.pending;
            self.pending = 0;
        }
    }

    /// Reports the rest up to `total` (blank rows, rows with problems, the end of the work).
    fn finish(&mut self, total: u64) {
        let rest = total.saturating_sub(self.sent);
        if rest > 0 {
            self.progress.advance(rest);
        }
        self.sent = total;
        self.pending = 0;
    }
}

/// Plans the file group by group, in file order: each valid product goes to `each` as soon as
/// it is planned and is not kept, so a plan never holds the whole catalogue (a 100k-row file
/// would need hundreds of MB). The report is tallied on the way.
#[allow(clippy::too_many_arguments)]
fn plan_import(
    conn: &Connection,
    currency: Currency,
    table: &Table,
    cols: &Columns,
    location_id: &str,
    report: &mut ImportReport,
    mut ticker: Option<&mut Ticker>,
    each: &mut dyn FnMut(Planned) -> StoreResult<()>,
) -> StoreResult<()> {
    let mut planner = Planner {
        conn,
        currency,
        cols,
        rows: &table.rows,
        db: DbIndex::load(conn)?,
        avail: available_at(conn, location_id)?,
        problems: table.problems.clone(),
        seen: HashSet::new(),
        file_skus: HashMap::new(),
        file_barcodes: HashMap::new(),
        skus_generated: 0,
        rows_skipped: 0,
        notes: Vec::new(),
    };
    let groups = planner.group();
    let mut failed_rows: Vec<u64> = Vec::new();
    for g in &groups {
        let planned = if g.invalid {
            None
        } else {
            planner.plan_group(g)?
        };
        match planned {
            Some(p) => {
                tally(report, &p, &planner.avail);
                each(p)?;
            }
            None => {
                report.products_skipped += 1;
                failed_rows.extend(g.rows.iter().map(|&r| table.rows[r].line));
            }
        }
        if let Some(t) = ticker.as_deref_mut() {
            t.tick(g.rows.len() as u64);
        }
    }
    report.rows_skipped = planner.rows_skipped;
    report.skus_generated = planner.skus_generated;
    let mut problems = planner.problems;
    problems.sort_by_key(|p| p.row);
    // Rows in no product (unreadable ones) are skipped with the products that failed.
    failed_rows.extend(problems.iter().map(|p| p.row).filter(|r| *r > 1));
    failed_rows.sort_unstable();
    failed_rows.dedup();
    report.skipped_rows = failed_rows;
    report.problems = problems;
    let mut notes = planner.notes;
    notes.sort_by_key(|n| n.row);
    report.notes = notes;
    Ok(())
}

/// Adds one planned product to the report's counts.
fn tally(report: &mut ImportReport, p: &Planned, avail: &HashMap<String, i64>) {
    match p.written {
        Written::Created => {
            report.products_created += 1;
            report.created_handles.push(p.product.handle.clone());
        }
        Written::Updated => {
            report.products_updated += 1;
            report.updated_handles.push(p.product.handle.clone());
            if let Some(c) = &p.change {
                report.changes.push(c.clone());
            }
        }
        Written::Unchanged => report.products_unchanged += 1,
    }
    report.variants_created += p.variants_created;
    report.variants_updated += p.variants_updated;
    for (i, q) in p.qty.iter().enumerate() {
        let tracked = p
            .product
            .variants
            .get(i)
            .is_some_and(|v| v.inventory_tracked);
        if let (Some(q), true) = (q, tracked) {
            let current = p
                .variant_ids
                .get(i)
                .and_then(Option::as_ref)
                .and_then(|id| avail.get(id))
                .copied()
                .unwrap_or(0);
            if *q != current {
                report.stock_movements += 1;
            }
        }
    }
}

/// The most products one op of an import carries, and the body size (bytes) at which a part is
/// closed: large imports become several bounded ops in the one transaction, so the import
/// stays all-or-nothing here and fits a sync batch later.
const PART_PRODUCTS: usize = 1_000;
const PART_BYTES: usize = 256 * 1024;

/// The products and movements of the import op being filled.
#[derive(Default)]
struct Part {
    products: String,
    count: usize,
    movements: Vec<Movement>,
    /// Attributes the file brought that the store did not have, defined on the way.
    attributes: Vec<AttributeDefinedV1>,
    created: u64,
    updated: u64,
}

impl Part {
    fn full(&self) -> bool {
        self.count >= PART_PRODUCTS || self.products.len() >= PART_BYTES
    }

    /// Writes the part's movements under `op_id` and returns the op's change
    /// (`catalog.imported`, body `{source, dialect, currency, location_id, part, movements,
    /// products}`); the part is left empty.
    fn take(
        &mut self,
        uow: &Uow,
        op_id: &str,
        head: &ImportHead,
        part: u64,
    ) -> StoreResult<Change> {
        let facts = crate::stock::apply_movements_for(uow, op_id, &self.movements)?;
        let summary = json!({"rows": head.rows, "part": part, "products_created": self.created,
                             "products_updated": self.updated, "stock_movements": facts.len()});
        let mut change = Change::new("catalog.imported", "import", op_id).after(summary);
        change.raw_body = Some(format!(
            "{{\"v\":{CATALOG_IMPORTED_VERSION},\"source\":\"shopify\",\"dialect\":{},\"currency\":{},\"location_id\":{},\"part\":{part},\"attributes\":{},\"movements\":{},\"products\":[{}]}}",
            json_text(&head.dialect)?,
            json_text(&head.currency)?,
            json_text(&head.location)?,
            json_text(&self.attributes)?,
            json_text(&facts)?,
            self.products,
        ));
        *self = Part::default();
        Ok(change)
    }
}

/// What every part of one import says about the import as a whole.
struct ImportHead {
    dialect: String,
    currency: String,
    location: String,
    rows: u64,
}

/// Clears the "would do" counts of a report whose import wrote nothing because of problems.
fn nothing_done(report: &mut ImportReport) {
    report.products_created = 0;
    report.products_updated = 0;
    report.products_unchanged = 0;
    report.variants_created = 0;
    report.variants_updated = 0;
    report.stock_movements = 0;
    report.created_handles.clear();
    report.updated_handles.clear();
    report.changes.clear();
    report.products_skipped = 0;
    report.skipped_rows.clear();
}

// ---------------------------------------------------------------------------------------------
// The use-cases
// ---------------------------------------------------------------------------------------------

/// The legacy export header (attribute columns follow).
const EXPORT_HEADER: [&str; 36] = [
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Gift Card",
    "SEO Title",
    "SEO Description",
    "Variant Image",
    "Variant Weight Unit",
    "Variant Tax Code",
    "Cost per item",
    "Status",
];

fn tf(b: bool) -> String {
    if b { "TRUE" } else { "FALSE" }.to_string()
}

/// Option names and one variant's values as at most three columns (see the module docs).
fn fold3(items: &[String]) -> [String; 3] {
    let mut out: [String; 3] = Default::default();
    for (i, item) in items.iter().enumerate().take(2) {
        out[i].clone_from(item);
    }
    if items.len() > 2 {
        out[2] = items[2..].join(" / ");
    }
    out
}

/// JSON text of a value without an intermediate `serde_json::Value` (large op bodies).
fn json_text<T: serde::Serialize + ?Sized>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Csv(e.to_string()))
}

/// One written product in the import op body.
#[derive(serde::Serialize)]
struct WrittenEntry<'a> {
    product_id: &'a str,
    variant_ids: &'a [String],
    written: &'static str,
    product: &'a crate::catalog::ProductInput,
}

impl Store {
    /// Imports a Shopify product CSV (either dialect) — see the [module docs](self) for the
    /// mapping and semantics.
    ///
    /// Returns `Ok(report)` whether or not the file had problems: a file with **any** problem
    /// writes nothing (check [`ImportReport::has_problems`]); a dry run writes nothing either. A
    /// real import of a clean file is one use-case (one op `catalog.imported`, one audit entry),
    /// and nothing at all when it would change nothing. `Err` is reserved for an unreadable
    /// file, an unknown `opts.location` and storage failures.
    pub fn import_shopify(
        &mut self,
        reader: impl Read,
        opts: &ImportOptions,
        progress: &dyn Progress,
    ) -> StoreResult<ImportReport> {
        let settings = self.settings()?.clone();
        let currency = settings.currency;
        let table = read_table(reader)?;
        let mut report = ImportReport {
            dry_run: opts.dry_run,
            // Rows that are not UTF-8 are rows too (each is a problem).
            rows: (table.rows.len() + table.problems.len()) as u64,
            ..Default::default()
        };
        progress.set_total(report.rows);
        let mut ticker = Ticker {
            progress,
            pending: 0,
            sent: 0,
        };
        if table.headers.is_empty() {
            report.problems.push(RowProblem {
                row: 1,
                column: String::new(),
                message: "the file is empty; the first row must be the header".into(),
            });
            return Ok(report);
        }
        let cols = match Columns::map(&table.headers) {
            Ok(c) => c,
            Err(problems) => {
                report.problems = problems;
                return Ok(report);
            }
        };
        report.dialect = if cols.legacy { "legacy" } else { "2024" }.to_string();
        report.ignored_columns.clone_from(&cols.ignored);
        let location = match &opts.location {
            Some(code) => location_id(&self.conn, code)?,
            None => default_location(&self.conn)?
                .map(|(id, _)| id)
                .ok_or_else(|| StoreError::not_found("location", "location", "store"))?,
        };
        if opts.dry_run {
            let mut ignore = |_: Planned| Ok(());
            plan_import(
                &self.conn,
                currency,
                &table,
                &cols,
                &location,
                &mut report,
                Some(&mut ticker),
                &mut ignore,
            )?;
            ticker.finish(report.rows);
            return Ok(report);
        }

        // The real import plans and writes each product as it comes, in one transaction; a file
        // with a problem (without `skip_invalid`), or one that would change nothing, is rolled
        // back, so it writes nothing at all. Planning once instead of a dry pass first saves a
        // third of the planning time, and no plan is held whole (memory stays bounded).
        let head = ImportHead {
            dialect: report.dialect.clone(),
            currency: currency.code().to_string(),
            location: location.clone(),
            rows: report.rows,
        };
        let skip_invalid = opts.skip_invalid;
        // Why the transaction was rolled back, when it was on purpose.
        #[derive(PartialEq)]
        enum Undo {
            Problems,
            NothingToChange,
        }
        let mut undo: Option<Undo> = None;
        // Where a write that only the database could refuse came from (a race with another
        // writer): the product's first row and its variants' rows.
        let mut failed: Option<(u64, Vec<u64>, FieldError)> = None;
        // The commit of a big import leaves a large WAL; the auto-checkpoint would copy it into
        // the database inside this call (7 % of a 100k-row import). It is left to the next
        // idle checkpoint (the desktop's, `Store::checkpoint`) or to closing the database.
        self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        let result = self.write(|uow| {
            let uow: &Uow = uow;
            let mut cache = CatalogCache::default();
            cache.defer_search_index();
            // The plan checks SKUs and barcodes against the file and the store already.
            cache.codes_checked = true;
            let known_attributes: HashSet<String> = uow
                .tx
                .prepare("SELECT code FROM attribute_def")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut defined: HashSet<String> = HashSet::new();
            let avail = available_at(&uow.tx, &location)?;
            let mut part = Part::default();
            let mut parts = 0u64;
            let writer = Writer::from(uow);
            let mut write_one = |pp: Planned| -> StoreResult<()> {
                // A metafield column the store has no attribute for becomes a text attribute
                // named by the column's label.
                for code in pp.product.attributes.keys() {
                    if !known_attributes.contains(code) && defined.insert(code.clone()) {
                        let label = cols
                            .attrs
                            .iter()
                            .find(|a| &a.code == code)
                            .map_or(code.as_str(), |a| a.label.as_str());
                        define_attribute_in(&writer, code, label, AttributeKind::Text, &[])?;
                        part.attributes.push(crate::catalog::attribute_fact(
                            code,
                            label,
                            AttributeKind::Text,
                            &[],
                        ));
                    }
                }
                if pp.written == Written::Unchanged {
                    for (i, v) in pp.product.variants.iter().enumerate() {
                        let (Some(Some(q)), Some(Some(id)), true) =
                            (pp.qty.get(i), pp.variant_ids.get(i), v.inventory_tracked)
                        else {
                            continue;
                        };
                        push_movement(&mut part.movements, id, &location, *q, &avail);
                    }
                } else {
                    let saved = match write_normalised(&writer, &mut cache, pp.product, None) {
                        Ok(s) => s,
                        Err(StoreError::Invalid(e)) => {
                            failed = Some((pp.first_line, pp.variant_lines.clone(), e.clone()));
                            return Err(StoreError::Invalid(e));
                        }
                        Err(e) => return Err(e),
                    };
                    if saved.written == Written::Created {
                        part.created += 1;
                    } else {
                        part.updated += 1;
                    }
                    let entry = WrittenEntry {
                        product_id: &saved.product_id,
                        variant_ids: &saved.variant_ids,
                        written: if saved.written == Written::Created {
                            "created"
                        } else {
                            "updated"
                        },
                        product: &saved.product,
                    };
                    if part.count > 0 {
                        part.products.push(',');
                    }
                    part.products.push_str(&json_text(&entry)?);
                    part.count += 1;
                    for (i, v) in saved.product.variants.iter().enumerate() {
                        let (Some(Some(q)), Some(id), true) =
                            (pp.qty.get(i), saved.variant_ids.get(i), v.inventory_tracked)
                        else {
                            continue;
                        };
                        push_movement(&mut part.movements, id, &location, *q, &avail);
                    }
                }
                if part.full() {
                    // A closed part is its own op; the last part is the use-case's op. Search
                    // rows wait for the end: FTS5 flushes its pending index at every savepoint
                    // of every later statement (measured: +2 s on 100k rows when flushed per part).
                    parts += 1;
                    let op_id = uow.new_id();
                    let change = part.take(uow, &op_id, &head, parts)?;
                    crate::uow::record_part(uow, &op_id, change)?;
                }
                Ok(())
            };
            plan_import(
                &uow.tx,
                currency,
                &table,
                &cols,
                &location,
                &mut report,
                Some(&mut ticker),
                &mut write_one,
            )?;
            if report.has_problems() && !skip_invalid {
                undo = Some(Undo::Problems);
                return Err(StoreError::invalid("file", "has_problems", "rolled back"));
            }
            if report.products_created + report.products_updated + report.stock_movements == 0 {
                undo = Some(Undo::NothingToChange);
                return Err(StoreError::invalid("file", "unchanged", "rolled back"));
            }
            flush_fts(uow, &mut cache)?;
            let change = part.take(uow, &uow.op_id, &head, parts + 1)?;
            Ok(((), change))
        });
        ticker.finish(report.rows);
        self.conn
            .pragma_update(None, "wal_autocheckpoint", crate::WAL_AUTOCHECKPOINT_PAGES)?;
        match (result, failed, undo) {
            (Ok(()), _, _) => Ok(report),
            (Err(_), _, Some(Undo::NothingToChange)) => Ok(report),
            (Err(_), _, Some(Undo::Problems)) => {
                nothing_done(&mut report);
                Ok(report)
            }
            (Err(_), Some((first_line, variant_lines, e)), None) => {
                // The transaction was rolled back; report the refusal where it came from.
                let (row, column) = locate(&cols, &e.field, first_line, &variant_lines);
                report.problems.push(RowProblem {
                    row,
                    column,
                    message: e.message,
                });
                nothing_done(&mut report);
                Ok(report)
            }
            (Err(e), None, None) => Err(e),
        }
    }

    /// [`Store::export_shopify`] into a new file at `path` (never over an existing one).
    /// Returns the data rows written.
    pub fn export_shopify_file(&self, path: &Path) -> StoreResult<u64> {
        crate::write_new_file(path, |w| self.export_shopify(w))
    }

    /// Writes every product as a legacy-dialect Shopify product CSV (see the
    /// [module docs](self)). Returns the number of data rows written (the header not counted).
    pub fn export_shopify(&self, writer: impl Write) -> StoreResult<u64> {
        let exponent = self.settings()?.currency.exponent();
        let money = |m: i64| format_minor(m, exponent);
        let products = self.all_products()?;
        let qty: HashMap<String, i64> = match default_location(&self.conn)?.map(|(id, _)| id) {
            Some(loc) => self
                .conn
                .prepare(
                    "SELECT v.sku, s.qty FROM stock_level s JOIN variant v ON v.id = s.variant_id
                     WHERE s.location_id = ?1 AND s.state = 'available' AND v.archived = 0",
                )?
                .query_map([loc], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?,
            None => HashMap::new(),
        };
        let attrs: Vec<(String, String)> = self
            .conn
            .prepare(
                "SELECT DISTINCT d.code, d.name FROM attribute_def d
                 JOIN product_attribute a ON a.attribute_id = d.id ORDER BY d.code",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;

        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(writer);
        let write_err = |e: csv::Error| csv_error("writing the export", &e);
        let mut header: Vec<String> = EXPORT_HEADER.iter().map(|h| h.to_string()).collect();
        header.extend(
            attrs
                .iter()
                .map(|(code, name)| metafield_column(code, name)),
        );
        w.write_record(&header).map_err(write_err)?;
        let width = header.len();
        let mut rows = 0u64;
        for p in &products {
            if p.options.len() > 3 {
                tracing::warn!(
                    handle = %p.handle,
                    options = p.options.len(),
                    "Shopify's CSV holds three options; options 3 and up are folded into Option3"
                );
            }
            let names = if p.options.is_empty() {
                ["Title".to_string(), String::new(), String::new()]
            } else {
                fold3(&p.options)
            };
            let lines = p.variants.len().max(p.images.len()).max(1);
            for i in 0..lines {
                let mut rec = vec![String::new(); width];
                rec[0].clone_from(&p.handle);
                if i == 0 {
                    rec[1].clone_from(&p.title);
                    rec[2].clone_from(&p.description_html);
                    rec[3].clone_from(&p.vendor);
                    rec[4].clone_from(&p.category);
                    rec[5].clone_from(&p.product_type);
                    rec[6] = p.tags.join(", ");
                    rec[7] = tf(p.published);
                    rec[8].clone_from(&names[0]);
                    rec[10].clone_from(&names[1]);
                    rec[12].clone_from(&names[2]);
                    rec[28] = tf(p.is_gift_card);
                    rec[29].clone_from(&p.seo_title);
                    rec[30].clone_from(&p.seo_description);
                    rec[35].clone_from(&p.status);
                    for (j, (code, _)) in attrs.iter().enumerate() {
                        if let Some(v) = p.attributes.get(code) {
                            rec[EXPORT_HEADER.len() + j].clone_from(v);
                        }
                    }
                }
                if let Some(v) = p.variants.get(i) {
                    let values = if p.options.is_empty() {
                        ["Default Title".to_string(), String::new(), String::new()]
                    } else {
                        fold3(&v.option_values)
                    };
                    rec[9].clone_from(&values[0]);
                    rec[11].clone_from(&values[1]);
                    rec[13].clone_from(&values[2]);
                    rec[14].clone_from(&v.sku);
                    rec[15] = format_grams(v.weight_mg);
                    if v.inventory_tracked {
                        rec[16] = if v.inventory_tracker.is_empty() {
                            "shopify".into()
                        } else {
                            v.inventory_tracker.clone()
                        };
                        rec[17] = qty.get(&v.sku).copied().unwrap_or(0).to_string();
                    }
                    rec[18].clone_from(&v.inventory_policy);
                    rec[19] = if v.fulfillment_service.is_empty() {
                        "manual".into()
                    } else {
                        v.fulfillment_service.clone()
                    };
                    rec[20] = money(v.price_minor);
                    rec[21] = v.compare_at_minor.map(money).unwrap_or_default();
                    rec[22] = tf(v.requires_shipping);
                    rec[23] = tf(v.taxable);
                    rec[24] = v.barcodes.first().cloned().unwrap_or_default();
                    rec[31].clone_from(&v.image_url);
                    rec[32].clone_from(&v.weight_unit);
                    rec[33].clone_from(&v.tax_code);
                    rec[34] = v.cost_minor.map(money).unwrap_or_default();
                }
                if let Some(img) = p.images.get(i) {
                    rec[25].clone_from(&img.url);
                    rec[26] = (i + 1).to_string();
                    rec[27].clone_from(&img.alt);
                }
                w.write_record(&rec).map_err(write_err)?;
                rows += 1;
            }
        }
        w.flush()
            .map_err(|e| StoreError::Csv(format!("writing the export: {e}")))?;
        Ok(rows)
    }

    /// Imports Shopify's multi-location inventory CSV (see the [module docs](self)).
    ///
    /// Like [`Store::import_shopify`], returns `Ok(report)` with every problem and writes nothing
    /// when there is any problem or on a dry run; otherwise one use-case (one op
    /// `stock.inventory_imported`), or nothing at all when no level changes.
    pub fn import_inventory(
        &mut self,
        reader: impl Read,
        dry_run: bool,
    ) -> StoreResult<ImportReport> {
        self.settings()?;
        let table = read_table(reader)?;
        let mut report = ImportReport {
            dry_run,
            dialect: "inventory".into(),
            rows: (table.rows.len() + table.problems.len()) as u64,
            problems: table.problems.clone(),
            ..Default::default()
        };
        let locations = locations_by_key(&self.conn)?;
        let Some(inv) = InventoryColumns::map(&table.headers, &locations, &mut report) else {
            return Ok(report);
        };
        let lines = plan_inventory(&self.conn, &table, &inv, &locations, &mut report)?;
        report.problems.sort_by_key(|p| p.row);
        if report.has_problems() {
            return Ok(report);
        }
        let current_col = inv.name(inv.current_qty, "On hand (current)");
        let (planned, stale) = inventory_movements(&self.conn, &lines, &current_col)?;
        report.stock_movements = planned.len() as u64;
        if !stale.is_empty() {
            report.problems.extend(stale);
            report.problems.sort_by_key(|p| p.row);
            report.stock_movements = 0;
            return Ok(report);
        }
        if dry_run || planned.is_empty() {
            return Ok(report);
        }
        let rows = report.rows;
        let count = self.write(|uow| {
            // Levels are read again inside the transaction so the deltas are exact.
            let (movements, stale) = inventory_movements(&uow.tx, &lines, &current_col)?;
            if let Some(p) = stale.first() {
                return Err(StoreError::invalid(
                    &p.column,
                    "stale_count",
                    p.message.clone(),
                ));
            }
            let facts = apply_movements(uow, &movements)?;
            let n = facts.len() as u64;
            let change = Change::new("stock.inventory_imported", "import", uow.op_id.clone())
                .after(json!({"rows": rows, "stock_movements": n}))
                .facts(
                    1,
                    &backroom_sync::body::StockMovementsV1 {
                        source: "shopify_inventory".into(),
                        movements: facts,
                    },
                )?;
            Ok((n, change))
        })?;
        report.stock_movements = count;
        Ok(report)
    }
}

// ---------------------------------------------------------------------------------------------
// Inventory CSV
// ---------------------------------------------------------------------------------------------

/// Which stock the new number sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Basis {
    /// `On hand (new)`: every state but incoming.
    OnHand,
    /// `Available`: the available state.
    Available,
}

struct InventoryColumns {
    handle: Option<usize>,
    values: [Option<usize>; 3],
    sku: Option<usize>,
    /// The `Location` column; `None` in Shopify's older export, which has one quantity column
    /// per location, headed by the location's name (`location_cols`).
    location: Option<usize>,
    /// Older export: (column, location id) of each column headed by a location's name or code.
    location_cols: Vec<(usize, String)>,
    new_qty: usize,
    /// `On hand (current)`: what on-hand was when the file was prepared.
    current_qty: Option<usize>,
    basis: Basis,
    /// Every quantity column, to spot `not stocked`.
    qty_cols: Vec<usize>,
    headers: Vec<String>,
}

impl InventoryColumns {
    /// Maps the header; `locations` is the store's locations by lower-cased code and name.
    fn map(
        headers: &[String],
        locations: &HashMap<String, String>,
        report: &mut ImportReport,
    ) -> Option<InventoryColumns> {
        let find = |names: &[&str]| {
            headers
                .iter()
                .position(|h| names.contains(&h.to_lowercase().as_str()))
        };
        let handle = find(&["handle", "url handle"]);
        let sku = find(&["sku", "variant sku"]);
        let values = [
            find(&["option1 value"]),
            find(&["option2 value"]),
            find(&["option3 value"]),
        ];
        let location = find(&["location"]);
        let on_hand_new = find(&["on hand (new)"]);
        let on_hand_current = find(&["on hand (current)", "on hand"]);
        let available = find(&["available", "available (not editable)"]);
        let mut qty_cols = Vec::new();
        let mut ignored = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            let l = h.to_lowercase();
            match l.as_str() {
                "handle" | "url handle" | "title" | "sku" | "variant sku" | "location"
                | "option1 name" | "option1 value" | "option2 name" | "option2 value"
                | "option3 name" | "option3 value" => {}
                "incoming (not editable)"
                | "unavailable (not editable)"
                | "committed (not editable)"
                | "available (not editable)"
                | "available"
                | "on hand (current)"
                | "on hand (new)" => qty_cols.push(i),
                "" => {}
                _ => ignored.push(h.clone()),
            }
        }
        report.ignored_columns = ignored;
        let mut header_problem = |column: &str, message: &str| {
            report.problems.push(RowProblem {
                row: 1,
                column: column.into(),
                message: message.into(),
            })
        };
        if handle.is_none() && sku.is_none() {
            header_problem(
                "SKU",
                "this is not a Shopify inventory CSV: it has neither a SKU nor a Handle column",
            );
        }
        let mut location_cols = Vec::new();
        if location.is_none() {
            // Shopify's older inventory export: one quantity column per location, named after it.
            for (i, h) in headers.iter().enumerate() {
                if let Some(id) = locations.get(&h.to_lowercase()) {
                    location_cols.push((i, id.clone()));
                }
            }
            if location_cols.is_empty() {
                header_problem(
                    "Location",
                    "the file needs a Location column (one row per variant and location), or \
                     one quantity column per location headed by the location's name or code; \
                     no column names a location of this store",
                );
                return None;
            }
            report.ignored_columns.retain(|c| {
                !location_cols
                    .iter()
                    .any(|(i, _)| headers.get(*i).is_some_and(|h| h == c))
            });
        }
        let (new_qty, basis) = match (on_hand_new, available, location_cols.first()) {
            (Some(i), _, _) => (i, Basis::OnHand),
            (None, Some(i), _) => (i, Basis::Available),
            (None, None, Some((i, _))) => (*i, Basis::Available),
            (None, None, None) => {
                header_problem(
                    "On hand (new)",
                    "the file has neither an 'On hand (new)' nor an 'Available' column",
                );
                return None;
            }
        };
        if handle.is_none() && sku.is_none() {
            return None;
        }
        Some(InventoryColumns {
            handle,
            values,
            sku,
            location,
            location_cols,
            new_qty,
            current_qty: on_hand_current.filter(|_| basis == Basis::OnHand),
            basis,
            qty_cols,
            headers: headers.to_vec(),
        })
    }

    fn name(&self, idx: Option<usize>, fallback: &str) -> String {
        idx.and_then(|i| self.headers.get(i))
            .cloned()
            .unwrap_or_else(|| fallback.to_string())
    }
}

/// One validated row of an inventory file.
struct InventoryLine {
    row: u64,
    variant_id: String,
    location_id: String,
    new_qty: i64,
    /// The file's `On hand (current)`, when it has one.
    file_current: Option<i64>,
    basis: Basis,
}

/// The store's locations by lower-cased code and by lower-cased name (codes win).
fn locations_by_key(conn: &Connection) -> StoreResult<HashMap<String, String>> {
    let mut locations: HashMap<String, String> = HashMap::new();
    let mut stmt = conn.prepare("SELECT id, code, name FROM location")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (id, code, name) = row?;
        locations.entry(name.to_lowercase()).or_insert(id.clone());
        locations.insert(code.to_lowercase(), id);
    }
    Ok(locations)
}

fn plan_inventory(
    conn: &Connection,
    table: &Table,
    inv: &InventoryColumns,
    locations: &HashMap<String, String>,
    report: &mut ImportReport,
) -> StoreResult<Vec<InventoryLine>> {
    let mut by_sku: HashMap<String, String> = HashMap::new();
    let mut by_options: HashMap<(String, Vec<String>), String> = HashMap::new();
    {
        let mut stmt = conn.prepare(
            "SELECT v.id, v.sku, p.handle, v.option_values FROM variant v
             JOIN product p ON p.id = v.product_id WHERE v.archived = 0",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?;
        for row in rows {
            let (id, sku, handle, ov) = row?;
            let ov: Vec<String> = serde_json::from_str(&ov).unwrap_or_default();
            by_options.insert(
                (handle, ov.iter().map(|v| v.to_lowercase()).collect()),
                id.clone(),
            );
            by_sku.insert(sku, id);
        }
    }
    let sku_col = inv.name(inv.sku, "SKU");
    let handle_col = inv.name(inv.handle, "Handle");
    let loc_col = inv.name(inv.location, "Location");
    let qty_col = inv.name(Some(inv.new_qty), "On hand (new)");
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    let mut lines = Vec::new();
    let mut problem = |row: u64, column: &str, message: String| {
        report.problems.push(RowProblem {
            row,
            column: column.to_string(),
            message,
        })
    };
    let mut skipped = 0u64;
    for row in &table.rows {
        if row.is_blank()
            || inv
                .qty_cols
                .iter()
                .any(|&i| row.cell(Some(i)).eq_ignore_ascii_case("not stocked"))
        {
            skipped += 1;
            continue;
        }
        // Which quantity cells this row sets, and where: the new-quantity column at the row's
        // Location, or (older export) one column per location.
        let targets: Vec<(usize, Option<String>, String)> = match inv.location {
            Some(loc_idx) => {
                let loc_text = row.cell(Some(loc_idx));
                let location = locations.get(&loc_text.to_lowercase()).cloned();
                if location.is_none() {
                    problem(
                        row.line,
                        &loc_col,
                        if loc_text.is_empty() {
                            "location is required".to_string()
                        } else {
                            format!("no location with code or name '{loc_text}'")
                        },
                    );
                }
                vec![(inv.new_qty, location, qty_col.clone())]
            }
            None => inv
                .location_cols
                .iter()
                .map(|(i, id)| (*i, Some(id.clone()), inv.name(Some(*i), "")))
                .collect(),
        };
        let mut quantities = Vec::new();
        for (idx, location, col) in targets {
            let text = row.cell(Some(idx));
            if text.is_empty() || text.eq_ignore_ascii_case("not stocked") {
                continue;
            }
            match parse_count(text, &col) {
                // A count is never below zero; `Available` can be (oversold), and is a fact.
                Ok(q) if q < 0 && inv.basis == Basis::OnHand => problem(
                    row.line,
                    &col,
                    format!("{q} is negative; a count cannot be below zero"),
                ),
                Ok(q) => quantities.push((location, q, col)),
                Err(e) => problem(row.line, &col, e.message),
            }
        }
        if quantities.is_empty() {
            skipped += 1;
            continue;
        }
        let sku = strip_text_marker(row.cell(inv.sku));
        let handle = row.cell(inv.handle).to_lowercase();
        let mut values: Vec<String> = inv
            .values
            .iter()
            .map(|i| row.cell(*i).to_lowercase())
            .collect();
        while values.last().is_some_and(String::is_empty) {
            values.pop();
        }
        if values.len() == 1 && values[0] == "default title" {
            values.clear();
        }
        // By SKU; a SKU this store does not know (or none) falls back to handle + options.
        let by_handle = || {
            (!handle.is_empty())
                .then(|| by_options.get(&(handle.clone(), values.clone())).cloned())
                .flatten()
        };
        let variant = by_sku.get(sku).cloned().or_else(by_handle);
        if variant.is_none() {
            let (column, message) = match (sku.is_empty(), handle.is_empty()) {
                (false, _) => (&sku_col, format!("no variant with SKU '{sku}'")),
                (true, true) => (
                    &sku_col,
                    "SKU is blank and there is no Handle to find the variant by".to_string(),
                ),
                (true, false) => (
                    &handle_col,
                    format!(
                        "no variant of '{handle}' with options '{}'",
                        values.join(" / ")
                    ),
                ),
            };
            problem(row.line, column, message);
        }
        let current_text = row.cell(inv.current_qty);
        let file_current = if current_text.is_empty() {
            None
        } else {
            let name = inv.name(inv.current_qty, "On hand (current)");
            match parse_count(current_text, &name) {
                Ok(q) => Some(q),
                Err(e) => {
                    problem(row.line, &name, e.message);
                    continue;
                }
            }
        };
        let Some(variant_id) = variant else {
            continue;
        };
        for (location, new_qty, col) in quantities {
            let Some(location_id) = location else {
                continue;
            };
            if let Some(other) = seen.insert((variant_id.clone(), location_id.clone()), row.line) {
                problem(
                    row.line,
                    &col,
                    format!("this variant and location were already set on row {other}"),
                );
                continue;
            }
            lines.push(InventoryLine {
                row: row.line,
                variant_id: variant_id.clone(),
                location_id,
                new_qty,
                file_current,
                basis: inv.basis,
            });
        }
    }
    report.rows_skipped = skipped;
    Ok(lines)
}

/// The count corrections that bring each line's stock to its new number, and a problem for each
/// line whose stock moved since the file was prepared.
///
/// As in Shopify, `On hand (current)` is what the file's author saw. When the store's on-hand
/// no longer matches it (a sale or a receipt since), the row is refused naming that column, so
/// a sale made after the file was prepared is never erased; applying the file's difference
/// instead would count it twice when the same file is imported again. A row whose new number
/// is already the store's is simply done (importing a file twice moves nothing).
fn inventory_movements(
    conn: &Connection,
    lines: &[InventoryLine],
    current_col: &str,
) -> StoreResult<(Vec<Movement>, Vec<RowProblem>)> {
    let mut on_hand = conn.prepare_cached(
        "SELECT COALESCE(SUM(qty), 0) FROM stock_level
         WHERE variant_id = ?1 AND location_id = ?2 AND state <> 'incoming'",
    )?;
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for l in lines {
        let current: i64 = match l.basis {
            Basis::OnHand => {
                on_hand.query_row(params![l.variant_id, l.location_id], |r| r.get(0))?
            }
            Basis::Available => {
                crate::stock::level(conn, &l.variant_id, &l.location_id, StockState::Available)?
            }
        };
        match l.file_current {
            Some(was) if was != current && l.new_qty != current => {
                notes.push(RowProblem {
                    row: l.row,
                    column: current_col.to_string(),
                    message: format!(
                        "on hand was {was} when the file was prepared but is {current} now \
                         (sold or received since); setting it to {} would erase that, so \
                         export a fresh inventory file or change On hand (new) by {:+} \
                         and On hand (current) to {current}",
                        l.new_qty,
                        l.new_qty - was
                    ),
                });
                continue;
            }
            _ => {}
        }
        let delta = l.new_qty - current;
        if delta != 0 {
            out.push(Movement {
                variant_id: l.variant_id.clone(),
                location_id: l.location_id.clone(),
                state: StockState::Available,
                delta,
                reason: MovementReason::CountCorrection,
                reference: INVENTORY_REFERENCE.to_string(),
                note: String::new(),
            });
        }
    }
    Ok((out, notes))
}

/// Copies the header and the given rows (spreadsheet numbering, as in
/// [`ImportReport::skipped_rows`]) of a CSV file into a new CSV, so the rows an import skipped
/// can be fixed and imported again. Returns how many data rows were written. Rows that are not
/// valid UTF-8 are copied byte for byte.
pub fn write_rows(reader: impl Read, rows: &[u64], writer: impl Write) -> StoreResult<u64> {
    let wanted: HashSet<u64> = rows.iter().copied().collect();
    // The file's own delimiter, read and written, so rows are counted as the import counted
    // them and come back in the form they went in.
    let (mut rdr, delimiter) = csv_reader(reader)?;
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .from_writer(writer);
    let mut rec = csv::ByteRecord::new();
    let (mut line, mut written) = (0u64, 0u64);
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(csv_error("reading the CSV file", &e)),
        }
        line += 1;
        if line == 1 || wanted.contains(&line) {
            w.write_byte_record(&rec)
                .map_err(|e| csv_error("writing the skipped rows", &e))?;
            written += u64::from(line > 1);
        }
    }
    w.flush()
        .map_err(|e| StoreError::Csv(format!("writing the skipped rows: {e}")))?;
    Ok(written)
}

/// Adds the `import` movement that brings a variant's available stock at `location` to the
/// file's quantity `q`, if it differs from `avail` (read once before writing).
fn push_movement(
    out: &mut Vec<Movement>,
    variant_id: &str,
    location: &str,
    q: i64,
    avail: &HashMap<String, i64>,
) {
    let delta = q - avail.get(variant_id).copied().unwrap_or(0);
    if delta != 0 {
        out.push(Movement {
            variant_id: variant_id.to_string(),
            location_id: location.to_string(),
            state: StockState::Available,
            delta,
            reason: MovementReason::Import,
            reference: IMPORT_REFERENCE.to_string(),
            note: String::new(),
        });
    }
}
