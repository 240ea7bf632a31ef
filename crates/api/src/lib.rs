//! The typed contract between Backroom's UI and its backends.
//!
//! Every read model the engine hands out (search hits, stock levels, import reports, the health
//! check) and the one error shape `{code, message, field}` live here, as plain serde types. The
//! desktop shell, the CLI's `--json` output and, later, the server speak exactly these types.
//! No I/O; compiles to wasm.

use serde::{Deserialize, Serialize};

pub use backroom_domain::FieldError;

pub mod alerts;
pub mod cmd;
pub mod feedback;
pub mod sales;

/// The error every boundary returns. `field` names the input at fault when there is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    /// An error not about one field.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: None,
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError {
            code: ErrorCode::from(e.code),
            message: e.message,
            field: Some(e.field),
        }
    }
}

/// What went wrong, as a stable code: the ones a screen acts on are variants, the rest (most
/// validation codes: `required`, `invalid_amount`, …) travel as [`ErrorCode::Other`] and are
/// shown by their message. On the wire it is the `snake_case` string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ErrorCode {
    /// The action needs a manager's approval (pick one and ask for the PIN).
    ApprovalRequired,
    /// No receipt printer is set (fall back to the system print dialog).
    NotConfigured,
    /// The key names nothing.
    NotFound,
    /// The database has not been set up (first start).
    NotInitialised,
    /// The backend could not be reached or answered something unreadable.
    Transport,
    /// The backend failed in a way that is not the input's fault.
    Internal,
    /// Any other code, as sent.
    Other(String),
}

impl ErrorCode {
    /// The wire form.
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::ApprovalRequired => "approval_required",
            ErrorCode::NotConfigured => "not_configured",
            ErrorCode::NotFound => "not_found",
            ErrorCode::NotInitialised => "not_initialised",
            ErrorCode::Transport => "transport",
            ErrorCode::Internal => "internal",
            ErrorCode::Other(s) => s,
        }
    }
}

impl From<String> for ErrorCode {
    fn from(s: String) -> Self {
        match s.as_str() {
            "approval_required" => ErrorCode::ApprovalRequired,
            "not_configured" => ErrorCode::NotConfigured,
            "not_found" => ErrorCode::NotFound,
            "not_initialised" => ErrorCode::NotInitialised,
            "transport" => ErrorCode::Transport,
            "internal" => ErrorCode::Internal,
            _ => ErrorCode::Other(s),
        }
    }
}

impl From<&str> for ErrorCode {
    fn from(s: &str) -> Self {
        ErrorCode::from(s.to_string())
    }
}

impl From<ErrorCode> for String {
    fn from(c: ErrorCode) -> Self {
        c.as_str().to_string()
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
    /// What the variant is sold in: `pcs`, or `kg`/`g`/`m`/`l` with quantities in thousandths
    /// and `price_minor` per unit of measure.
    #[serde(default = "pieces")]
    pub sale_unit: String,
}

fn pieces() -> String {
    "pcs".into()
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
    /// Quantities are pieces, or thousandths of this unit (`kg`: grams).
    #[serde(default = "pieces")]
    pub sale_unit: String,
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
    /// What the import decided or adjusted at a row without refusing it, each naming the row
    /// and column: a SKU already used elsewhere given a suffix, a weight rounded to the
    /// milligram, a UPC-A's lost leading zero restored, a code kept as an internal code, a tax
    /// class assigned, an inventory difference applied to a level that moved since the file
    /// was prepared. Notes never stop an import.
    #[serde(default)]
    pub notes: Vec<RowProblem>,
    /// For every product the file updates: which product fields change and which variants are
    /// added, changed (and in which fields) or archived, so a dry run shows what an older file
    /// would undo.
    #[serde(default)]
    pub changes: Vec<ProductChange>,
    /// The products that have problems, and every file row they span (spreadsheet numbering),
    /// in order: what "import the valid products, skip the rest" skips (a dry run always says;
    /// a refused all-or-nothing import reports none).
    #[serde(default)]
    pub products_skipped: u64,
    #[serde(default)]
    pub skipped_rows: Vec<u64>,
}

/// What an import changes in one stored product.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductChange {
    pub handle: String,
    /// Product fields whose value changes (`title`, `tags`, `options`, `images`, …).
    pub fields: Vec<String>,
    /// SKUs of variants the file adds.
    pub variants_added: Vec<String>,
    /// Variants whose fields change.
    pub variants_changed: Vec<VariantChange>,
    /// SKUs of stored variants the file no longer lists: they are archived (kept with their
    /// history, gone from sale and search).
    pub variants_archived: Vec<String>,
}

impl ProductChange {
    /// One line for people: `handle: fields; adds SKU; SKU: fields; archives SKU`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if !self.fields.is_empty() {
            parts.push(self.fields.join(", "));
        }
        if !self.variants_added.is_empty() {
            parts.push(format!("adds {}", self.variants_added.join(", ")));
        }
        for v in &self.variants_changed {
            parts.push(format!("{}: {}", v.sku, v.fields.join(", ")));
        }
        if !self.variants_archived.is_empty() {
            parts.push(format!("archives {}", self.variants_archived.join(", ")));
        }
        format!("{}: {}", self.handle, parts.join("; "))
    }
}

/// The fields of one variant an import changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantChange {
    pub sku: String,
    /// `price`, `barcodes`, `weight`, `sku`, …
    pub fields: Vec<String>,
}

impl ImportReport {
    /// Whether the file had problems. An import with problems writes nothing, dry run or not,
    /// unless it was asked to skip the products that have them (then `products_skipped` > 0).
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

/// The result of `check`: empty `findings` means healthy. `flags` are facts kept that the
/// rules would have refused on one till — an item returned on two tills, a gift card spent
/// beyond its balance on two tills, a sale voided on one till and returned on another, a key
/// two stores both used: shown for a manager, never a failed check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckReport {
    pub ok: bool,
    pub movements: u64,
    pub levels: u64,
    pub outbox_ops: u64,
    pub findings: Vec<CheckFinding>,
    #[serde(default)]
    pub flags: Vec<CheckFinding>,
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
    /// The store it belongs to, where the replica knows it (head office: every location of
    /// every store); `None` on a standalone store and for this till's own locations before its
    /// first pull.
    #[serde(default)]
    pub store: Option<String>,
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

/// What a restore brought back, verified with `check` before the store is used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreReport {
    pub store_name: String,
    pub currency: String,
    pub products: u64,
    pub orders: u64,
    /// The last sale in the backup, on the store's wall clock; `None` when it has none.
    pub last_sale_local: Option<String>,
    /// When the backup file was written (its modification time), on the store's wall clock.
    pub backup_taken_local: String,
    /// The health check of the restored store (empty findings: healthy).
    pub check: CheckReport,
}

// ---- Counter: staff, customers, sales, returns, shifts ------------------------------------

pub use backroom_domain::sale::DiscountValue;
use std::collections::BTreeMap;

/// One line as the cashier entered it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SaleLineInput {
    /// SKU, barcode, or a price/weight-embedded EAN-13 as scanned.
    pub sku: String,
    /// In the variant's stock units: pieces, or thousandths of its measure (500 = 0.5 kg).
    /// A weight-embedded label on a kg or g variant carries its own weight: each label scanned
    /// is that weight, so quantity 2 is two labels.
    pub quantity: i64,
    /// A manual unit price (needs `price_override`).
    pub price_override: Option<i64>,
    pub discount: Option<DiscountValue>,
    /// For gift-card products: the code of the card being sold.
    pub gift_card_code: Option<String>,
}

/// One tender.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TenderInput {
    /// cash, card, gift_card, store_credit, loyalty.
    pub kind: String,
    pub amount: i64,
    /// Card terminal reference, cheque number…
    pub reference: String,
    pub gift_card_code: Option<String>,
}

/// A cart to price or complete.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SaleInput {
    /// Made by the till when the cart starts; completing the same cart twice gives one order.
    pub cart_id: String,
    /// Location code; blank: the first store location.
    pub location: String,
    pub customer_id: Option<String>,
    pub lines: Vec<SaleLineInput>,
    pub order_discount: Option<DiscountValue>,
    pub promo_codes: Vec<String>,
    pub tenders: Vec<TenderInput>,
    /// take_away (default), pickup or ship.
    pub fulfilment: String,
    pub approval: Option<Approval>,
    pub note: String,
}

/// A line of a stored order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineView {
    pub id: String,
    pub sku: String,
    pub title: String,
    /// In stock units: pieces, or thousandths of `sale_unit` (500 = 0.5 kg).
    pub quantity: i64,
    #[serde(default = "pieces")]
    pub sale_unit: String,
    pub unit_price: i64,
    pub price_source: String,
    pub gross: i64,
    pub discounts: Vec<(String, i64)>,
    pub discount_total: i64,
    pub tax_rate_milli: i64,
    pub tax: i64,
    pub total: i64,
    pub returned_qty: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentView {
    pub kind: String,
    pub tender: String,
    pub amount: i64,
    pub reference: String,
}

/// A stored order with its lines, payments and the three status axes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: String,
    pub receipt_number: String,
    pub location: String,
    pub staff_id: String,
    pub customer_id: Option<String>,
    pub currency: String,
    pub tax_mode: String,
    pub created_at: i64,
    pub subtotal: i64,
    pub discount_total: i64,
    pub tax_total: i64,
    pub total: i64,
    pub change_due: i64,
    pub payment_status: String,
    pub fulfilment_status: String,
    pub return_status: String,
    pub shift_id: Option<String>,
    pub lines: Vec<OrderLineView>,
    pub payments: Vec<PaymentView>,
    pub approver: Option<String>,
    /// `created_at` on the store's wall clock (`2026-01-16 00:30`).
    #[serde(default)]
    pub created_local: String,
}

/// A priced but not completed cart (what the Sell screen shows while scanning).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartQuote {
    pub lines: Vec<QuoteLine>,
    pub subtotal: i64,
    pub discount_total: i64,
    pub tax_total: i64,
    pub total: i64,
    /// Names of the promotions that applied.
    pub promotions: Vec<String>,
    /// Entered codes that no active promotion has (shown to the cashier as invalid).
    #[serde(default)]
    pub unknown_codes: Vec<String>,
    /// Where the cart's tenders stand, from the engine (the screen computes none of it).
    #[serde(default)]
    pub tenders: TenderView,
}

/// The standing of a cart's tenders against its total, in minor units: what the till shows
/// under the cart. Cash is rounded to the store's smallest coin; other tenders are exact.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenderView {
    /// Every tender entered.
    pub paid: i64,
    /// Still to pay: exact when no cash is entered, in coins once cash is.
    pub due: i64,
    /// What cash alone would settle after the other tenders, rounded to coins.
    pub cash_due: i64,
    /// Rounding booked when the sale completes (exact rest − cash due; 0 until cash settles).
    pub rounding: i64,
    pub change_due: i64,
    /// The smallest coin in minor units (1: no cash rounding).
    pub coin: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteLine {
    pub sku: String,
    pub title: String,
    /// In stock units: pieces, or thousandths of `sale_unit`.
    pub quantity: i64,
    #[serde(default = "pieces")]
    pub sale_unit: String,
    pub unit_price: i64,
    pub discount_total: i64,
    pub tax: i64,
    pub total: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReturnLineInput {
    /// The order line; or give `sku` and the first line of that SKU with units left is used.
    pub line_id: Option<String>,
    pub sku: String,
    pub quantity: i64,
    /// A return reason code (seeded with Shopify's: size_too_small, defective, …).
    pub reason: String,
    /// restock, damaged, quality_control or write_off.
    pub disposition: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RefundTender {
    pub kind: String,
    /// Minor units; `0` on one tender means "the rest of what is due", so a till can say
    /// "refund it all to store credit" without doing any money math itself.
    pub amount: i64,
    pub reference: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ReturnInput {
    /// Receipt number or order id; `None` for an unreceipted return.
    pub order: Option<String>,
    /// Where the goods come back (blank: the order's location, or the first store).
    pub location: String,
    pub customer_id: Option<String>,
    pub lines: Vec<ReturnLineInput>,
    /// Explicit refund split; empty means back to the original tenders.
    pub refund: Vec<RefundTender>,
    pub restocking_fee_bp: u32,
    /// New items for an exchange.
    pub exchange: Option<SaleInput>,
    pub approval: Option<Approval>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnView {
    pub id: String,
    pub number: String,
    pub order_id: Option<String>,
    pub refund_total: i64,
    pub restocking_fee: i64,
    pub refunds: Vec<(String, i64)>,
    pub exchange_order: Option<OrderView>,
}

/// Money per tender in a shift.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenderTotals {
    pub sales: i64,
    pub refunds: i64,
    pub voids: i64,
    pub net: i64,
}

/// The end-of-shift report. Written once when the shift closes and never changed after.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZReport {
    pub shift_id: String,
    pub number: String,
    pub location: String,
    pub opened_by: String,
    pub opened_at: i64,
    pub closed_by: Option<String>,
    pub closed_at: Option<i64>,
    pub float: i64,
    pub orders: i64,
    pub voided_orders: i64,
    pub gross_sales: i64,
    pub discounts: i64,
    pub tax: i64,
    pub net_sales: i64,
    pub returns: i64,
    pub refunds: i64,
    pub restocking_fees: i64,
    pub tenders: BTreeMap<String, TenderTotals>,
    pub cash_in: i64,
    pub cash_out: i64,
    pub expected_cash: i64,
    pub counted_cash: Option<i64>,
    pub variance: Option<i64>,
    /// Tax per rate: on sales, refunded on returns, and owed (absent from Z-reports stored
    /// before it existed).
    #[serde(default)]
    pub taxes: Vec<TaxByRate>,
    /// Why the counted cash differed from the expected (required above the store's
    /// threshold).
    #[serde(default)]
    pub variance_reason: String,
    /// The staff id who approved a difference above the approval threshold.
    #[serde(default)]
    pub variance_approver: Option<String>,
    /// The count by denomination, when the drawer was counted that way: (face value, count).
    #[serde(default)]
    pub denominations: Vec<(i64, i64)>,
}

/// Closing a shift: the counted cash (or the count by denomination), why it differs, and a
/// manager's approval when the difference is large.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CloseShiftInput {
    /// Location code (blank: the first store).
    pub location: String,
    /// Counted cash in minor units; ignored when `denominations` is given.
    pub counted: i64,
    /// (face value in minor units, count) — the drawer counted note by note.
    pub denominations: Vec<(i64, i64)>,
    pub reason: String,
    pub approval: Option<Approval>,
}

/// What closing would give, before it is final: the Z-report with the counted cash and its
/// difference, and whether a reason or a manager's approval will be asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseShiftReview {
    pub report: ZReport,
    pub reason_required: bool,
    pub approval_required: bool,
}

/// One shift in the list of past shifts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShiftSummary {
    pub id: String,
    pub number: String,
    pub location: String,
    pub opened_by: String,
    /// Local wall-clock times (`2026-01-16 08:02`); `closed_local` blank while open.
    pub opened_local: String,
    pub closed_local: String,
    pub status: String,
    pub float: i64,
    pub expected_cash: Option<i64>,
    pub counted_cash: Option<i64>,
    pub variance: Option<i64>,
}

/// The tax of one rate over a shift or a period, for the tax return: what sales charged, what
/// returns gave back, what is owed (minor units).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxByRate {
    /// Thousandths of a percent (20 % = 20000).
    pub rate_milli: i64,
    pub sales_tax: i64,
    /// Tax refunded on returns (positive).
    pub refunded_tax: i64,
    /// `sales_tax − refunded_tax`.
    pub net_tax: i64,
}

/// A manager's approval for one action.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Approval {
    /// The approving manager's name.
    pub manager: String,
    pub pin: String,
}

/// A staff member as shown to people (never the PIN hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffView {
    pub id: String,
    pub name: String,
    pub role: String,
    pub active: bool,
    pub locked: bool,
    pub locations: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CustomerInput {
    pub name: String,
    pub email: String,
    pub phone: String,
    /// Customer group code (price lists and promotions use it).
    pub group: Option<String>,
    pub marketing_consent: bool,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerView {
    pub id: String,
    pub name: String,
    pub email: String,
    pub phone: String,
    pub group: Option<String>,
    pub marketing_consent: bool,
    pub note: String,
    pub store_credit: i64,
    pub loyalty_points: i64,
    pub orders: i64,
    pub total_spent: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateGroup {
    /// `email` or `phone`.
    pub matched_on: String,
    pub value: String,
    pub customer_ids: Vec<String>,
    pub names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftCardView {
    pub code: String,
    pub balance: i64,
    pub initial_amount: i64,
    pub currency: String,
    pub expires_at: Option<i64>,
    pub active: bool,
    pub customer_id: Option<String>,
}

/// Filters for the order list; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderFilter {
    /// Unix ms, inclusive.
    pub from: Option<i64>,
    /// Unix ms, exclusive.
    pub to: Option<i64>,
    /// A local day (`2026-01-16`) of the store from which on (its first moment); overrides
    /// `from`.
    #[serde(default)]
    pub from_day: Option<String>,
    /// A local day up to which, that day included; overrides `to`.
    #[serde(default)]
    pub to_day: Option<String>,
    pub payment_status: Option<String>,
    pub fulfilment_status: Option<String>,
    pub return_status: Option<String>,
    /// Staff name (exact).
    pub staff: Option<String>,
    pub customer_id: Option<String>,
    /// Location code.
    pub location: Option<String>,
    /// Receipt number or part of it.
    pub receipt: Option<String>,
    pub limit: Option<u32>,
    /// A store's code: only the orders its tills took (head office's store filter).
    pub store: Option<String>,
}

/// One row of the order list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub id: String,
    pub receipt_number: String,
    pub created_at: i64,
    pub location: String,
    pub staff: String,
    pub customer: Option<String>,
    pub total: i64,
    pub payment_status: String,
    pub fulfilment_status: String,
    pub return_status: String,
    /// `created_at` on the store's wall clock (`2026-01-16 00:30`).
    #[serde(default)]
    pub created_local: String,
}

/// One entry of an audit timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntryView {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub approver: Option<String>,
    pub after: String,
    /// `at` on the store's wall clock.
    #[serde(default)]
    pub at_local: String,
}

// ---- Stock use-case inputs --------------------------------------------------------------

/// A manual adjustment of one state at one location.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Adjustment {
    /// SKU or barcode.
    pub sku: String,
    /// Location code.
    pub location: String,
    pub delta: i64,
    /// receipt, adjustment, correction, shrinkage or damage.
    pub reason: String,
    /// Blank means `available`.
    pub state: String,
    pub reference: String,
    pub note: String,
    /// A manager's approval, when writing stock off needs one.
    pub approval: Option<Approval>,
}

/// Moving units between two states at one location (e.g. available → damaged).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct StateMove {
    pub sku: String,
    pub location: String,
    pub from: String,
    pub to: String,
    pub quantity: i64,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TransferLineInput {
    /// SKU or barcode.
    pub sku: String,
    pub quantity: i64,
}

/// Units of one line that arrived.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceiveLine {
    pub sku: String,
    pub quantity: i64,
}

// ---- Catalog editing ----------------------------------------------------------------------

/// A new location.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewLocation {
    pub code: String,
    pub name: String,
    /// `store` or `warehouse`.
    pub kind: String,
}

/// An image of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ImageInput {
    pub url: String,
    pub alt: String,
}

/// The whole desired state of one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ProductInput {
    /// Blank: derived from the title.
    pub handle: String,
    pub title: String,
    pub description_html: String,
    pub vendor: String,
    pub product_type: String,
    /// Category path such as `Apparel > Shirts`; blank for none.
    pub category: String,
    pub tags: Vec<String>,
    /// `active`, `draft` or `archived`.
    pub status: String,
    pub published: bool,
    pub is_gift_card: bool,
    pub seo_title: String,
    pub seo_description: String,
    /// Option group names, in order; any number. Empty means a single default variant.
    pub options: Vec<String>,
    pub images: Vec<ImageInput>,
    /// Typed attribute values by attribute code.
    pub attributes: BTreeMap<String, String>,
    pub variants: Vec<VariantInput>,
}

/// One variant of a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct VariantInput {
    pub sku: String,
    /// What it is sold and stocked in: `pcs` (blank) or `kg`, `g`, `m`, `l` — then every
    /// quantity of it is in thousandths (500 = 0.5 kg) and `price_minor` is per unit of
    /// measure. Fixed once the variant has stock history.
    pub sale_unit: String,
    /// One value per option group of the product.
    pub option_values: Vec<String>,
    pub barcodes: Vec<String>,
    pub price_minor: i64,
    pub compare_at_minor: Option<i64>,
    pub cost_minor: Option<i64>,
    /// Shipping weight in milligrams (Shopify's `Variant Grams` may carry decimals).
    pub weight_mg: i64,
    pub weight_unit: String,
    pub taxable: bool,
    /// Code of a tax class; blank for the store default.
    pub tax_class: String,
    pub tax_code: String,
    pub requires_shipping: bool,
    pub inventory_tracked: bool,
    /// Who tracks the inventory, as Shopify's `Variant Inventory Tracker` names it (`shopify`,
    /// or a third-party service such as `shipwire`); kept and exported as imported. Blank on
    /// a tracked variant exports as `shopify`.
    pub inventory_tracker: String,
    /// `deny` or `continue`.
    pub inventory_policy: String,
    /// Shopify's `Variant Fulfillment Service` (`manual`, `gift_card`, a third-party
    /// service's handle); kept and exported as imported, blank exports as `manual`.
    pub fulfillment_service: String,
    pub image_url: String,
}

/// A new price list.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct PriceListInput {
    pub code: String,
    pub name: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub customer_group: Option<String>,
    /// Location code.
    pub location: Option<String>,
    pub priority: i32,
}

/// One product in the catalog list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRow {
    pub handle: String,
    pub title: String,
    pub vendor: String,
    pub status: String,
    pub variants: u32,
    pub price_min: i64,
    pub price_max: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxClassView {
    pub code: String,
    pub name: String,
    /// Thousandths of a percent (20 % = 20000).
    pub rate_milli: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceListView {
    pub code: String,
    pub name: String,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub customer_group: Option<String>,
    /// Location code.
    pub location: Option<String>,
    pub priority: i32,
    pub items: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceListItemView {
    pub sku: String,
    pub title: String,
    pub base_price_minor: i64,
    pub price_minor: i64,
}

// ---- Settings ---------------------------------------------------------------------------

/// A role and its grants, as shown on the Settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleView {
    pub code: String,
    pub name: String,
    pub discount_limit_bp: u32,
    /// (permission, allow | deny | approval) for every permission.
    pub grants: Vec<(String, String)>,
}

/// The store's editable settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StoreSettingsView {
    pub store_name: String,
    pub currency: String,
    pub tax_mode: String,
    /// Receipt printer: blank (none), `HOST:PORT` (raw TCP, usually 9100) or a device/file path.
    pub printer: String,
    pub receipt_footer: String,
    pub loyalty_points_per_unit: i64,
    pub loyalty_point_value: i64,
    /// Code of the tax class a taxable variant without its own class sells under (blank:
    /// none).
    #[serde(default)]
    pub default_tax_class: String,
    /// The store's time zone, an IANA name (`Europe/Berlin`); blank keeps the stored one.
    #[serde(default)]
    pub time_zone: String,
    /// Receipt printer characters per line: 48 on 80 mm paper, 32 on 58 mm (24–64; 0 keeps the
    /// stored value).
    #[serde(default)]
    pub printer_columns: u32,
    /// The printer's code page: `PC437`, `PC850`, `PC852` (Central European) or `PC858` (with
    /// €); blank keeps the stored value.
    #[serde(default)]
    pub printer_code_page: String,
    /// Cash is rounded to this smallest coin, in minor units (5 = 0.05; 1: no rounding; 0 keeps
    /// the stored value). Defaults to the currency's rule (CHF 5, SEK 100…).
    #[serde(default)]
    pub cash_rounding_increment: i64,
    /// `nearest` (ties away from zero), `down` or `up`; blank keeps the stored value.
    #[serde(default)]
    pub cash_rounding_mode: String,
    /// Closing a shift with a cash difference above this (minor units) needs a reason (default
    /// 1.00); `None` keeps the stored value.
    #[serde(default)]
    pub cash_variance_reason_above: Option<i64>,
    /// … and above this, a manager's approval (default 20.00).
    #[serde(default)]
    pub cash_variance_approval_above: Option<i64>,
}

/// Where a receipt went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintResult {
    pub printer: String,
    pub bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_travel_as_their_snake_case_string() {
        let e = ApiError::new(ErrorCode::ApprovalRequired, "ask a manager");
        let text = serde_json::to_string(&e).expect("serialises");
        assert_eq!(
            text,
            r#"{"code":"approval_required","message":"ask a manager"}"#
        );
        let back: ApiError = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, e);
        let other: ApiError =
            serde_json::from_str(r#"{"code":"invalid_amount","message":"m","field":"amount"}"#)
                .expect("parses");
        assert_eq!(other.code, ErrorCode::Other("invalid_amount".into()));
        assert_eq!(other.code.as_str(), "invalid_amount");
    }
}
