//! The typed contract between Backroom's UI and its backends.
//!
//! Every read model the engine hands out (search hits, stock levels, import reports, the health
//! check) and the one error shape `{code, message, field}` live here, as plain serde types. The
//! desktop shell, the CLI's `--json` output and, later, the server speak exactly these types.
//! No I/O; compiles to wasm.

use serde::{Deserialize, Serialize};

pub use backroom_domain::FieldError;

/// The error every boundary returns. `field` names the input at fault when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError {
            code: e.code,
            message: e.message,
            field: Some(e.field),
        }
    }
}

/// One search or lookup result: a sellable variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantHit {
    pub variant_id: String,
    pub product_id: String,
    pub handle: String,
    pub title: String,
    pub variant_title: String,
    pub sku: String,
    pub barcodes: Vec<String>,
    pub vendor: String,
    pub price_minor: i64,
    pub currency: String,
    pub status: String,
}

/// A barcode scan resolved to a variant, with what the code itself carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanHit {
    pub variant: VariantHit,
    /// Price embedded in the code (minor units), when it was a price-embedded EAN-13.
    pub embedded_price_minor: Option<i64>,
    /// Weight embedded in the code, in grams, when it was a weight-embedded EAN-13.
    pub embedded_weight_g: Option<i64>,
}

/// One variant × location row of stock, by state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevelRow {
    pub location: String,
    pub sku: String,
    pub title: String,
    pub available: i64,
    pub committed: i64,
    pub reserved: i64,
    pub damaged: i64,
    pub quality_control: i64,
    pub safety_stock: i64,
    pub on_hand: i64,
    pub incoming: i64,
    pub reorder_point: Option<i64>,
}

/// One row of the low / out-of-stock / negative report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockAlertRow {
    pub location: String,
    pub sku: String,
    pub title: String,
    pub available: i64,
    pub reorder_point: Option<i64>,
    /// `negative`, `out_of_stock` or `low`.
    pub alert: String,
}

/// A problem found in an import file: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    /// 1-based line number in the file as a spreadsheet shows it (the header is row 1).
    pub row: u64,
    pub column: String,
    pub message: String,
}

/// What an import did, or would do on a dry run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub dialect: String,
    pub rows: u64,
    pub products_created: u64,
    pub products_updated: u64,
    pub products_unchanged: u64,
    pub variants_created: u64,
    pub variants_updated: u64,
    pub rows_skipped: u64,
    pub stock_movements: u64,
    pub problems: Vec<RowProblem>,
    /// Handles that would be / were created, in file order (a preview for people).
    pub created_handles: Vec<String>,
    /// Handles that would be / were updated, in file order.
    pub updated_handles: Vec<String>,
    /// Header names of columns the importer does not map (Google Shopping, market prices, unit
    /// prices, …), in file order, so nothing in a file is dropped without saying so.
    #[serde(default)]
    pub ignored_columns: Vec<String>,
    /// Variants whose SKU cell was blank and that got a SKU generated from handle + option
    /// values.
    #[serde(default)]
    pub skus_generated: u64,
}

impl ImportReport {
    /// Whether the file had problems. An import with problems writes nothing, dry run or not.
    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }
}

/// One finding of `check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckFinding {
    /// `integrity`, `stock_drift`, `outbox_gap`, …
    pub kind: String,
    pub detail: String,
}

/// The result of `check`: empty `findings` means healthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    pub ok: bool,
    pub movements: u64,
    pub levels: u64,
    pub outbox_ops: u64,
    pub findings: Vec<CheckFinding>,
}

/// A transfer document as shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferView {
    pub id: String,
    pub number: String,
    pub from_location: String,
    pub to_location: String,
    pub status: String,
    pub lines: Vec<TransferLineView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferLineView {
    pub sku: String,
    pub quantity: i64,
    pub received: i64,
    /// Units sent but recorded as not arriving when the receipt was closed.
    pub discrepancy: i64,
}

/// A cycle count as shown to people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountView {
    pub id: String,
    pub location: String,
    pub status: String,
    pub lines: Vec<CountLineView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountLineView {
    pub sku: String,
    pub counted: i64,
    /// Available quantity the system showed when this item was first counted.
    pub snapshot: i64,
    pub variance: i64,
}

/// A location (store or warehouse).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocationView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub kind: String,
}

/// Summary numbers of a store, printed after `demo` and shown on the home screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreSummary {
    pub store_name: String,
    pub currency: String,
    pub locations: u64,
    pub products: u64,
    pub variants: u64,
    pub units_on_hand: i64,
    pub movements: u64,
    pub outbox_ops: u64,
}
