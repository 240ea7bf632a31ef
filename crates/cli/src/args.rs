//! The command line, as clap types.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "backroom",
    version,
    about = "Backroom: a store's back office on its own machine"
)]
pub struct Cli {
    /// The store database (default: the platform data directory's backroom/store.sqlite).
    #[arg(long, global = true, env = "BACKROOM_DB")]
    pub db: Option<PathBuf>,
    /// Print results as JSON.
    #[arg(long, global = true)]
    pub json: bool,
    /// Act as this staff member (signs in with --pin first).
    #[arg(long, global = true, env = "BACKROOM_STAFF")]
    pub staff: Option<String>,
    /// The staff member's PIN.
    #[arg(long, global = true, env = "BACKROOM_PIN")]
    pub pin: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Set up a new store in the database.
    Init {
        #[arg(long)]
        store_name: String,
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// `inclusive` (prices include tax) or `exclusive` (tax added at the till).
        #[arg(long, default_value = "inclusive")]
        tax_mode: String,
        /// Code of the store's own location.
        #[arg(long, default_value = "MAIN")]
        location: String,
        /// A name for this device.
        #[arg(long, default_value = "desk-1")]
        device: String,
        /// The owner's name (created with the owner role).
        #[arg(long, default_value = "Owner")]
        owner: String,
        /// The owner's PIN (4–8 digits).
        #[arg(long, env = "BACKROOM_OWNER_PIN")]
        owner_pin: String,
        /// The store's time zone, an IANA name such as Europe/Berlin (default: this machine's):
        /// receipts, reports and date ranges are in its local time.
        #[arg(long, default_value = "")]
        time_zone: String,
    },
    /// Build a realistic demo store (deterministic per seed) in an empty database.
    Demo {
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value_t = 200)]
        products: usize,
        /// Days of trading history (sales, returns, exchanges, shifts at both shops).
        #[arg(long, default_value_t = 90)]
        days: u32,
    },
    /// Print the store's headline numbers.
    Summary,
    #[command(subcommand)]
    Location(LocationCmd),
    /// Add a tax class: CODE NAME RATE (percent, e.g. 20 or 8.875).
    TaxClass {
        code: String,
        name: String,
        rate: String,
    },
    #[command(subcommand)]
    Product(ProductCmd),
    #[command(subcommand)]
    Import(ImportCmd),
    #[command(subcommand)]
    Export(ExportCmd),
    /// Search the catalogue (title, SKU, barcode, vendor, tags; prefix matching).
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
    /// Resolve a scanned barcode (incl. price/weight-embedded EAN-13) or SKU.
    Scan { code: String },
    /// The price in force for a SKU.
    Price {
        sku: String,
        /// When (2026-06-01 or RFC 3339); default now.
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        group: Option<String>,
        #[arg(long)]
        location: Option<String>,
    },
    #[command(subcommand, name = "price-list")]
    PriceList(PriceListCmd),
    #[command(subcommand)]
    Stock(StockCmd),
    /// Verify integrity, ledger vs levels, outbox density; non-zero exit on any finding.
    Check {
        /// Also run SQLite's full integrity check (indexes, the search index) and the
        /// foreign-key check: several seconds on a large store.
        #[arg(long)]
        full: bool,
    },
    /// Write a consistent online backup of the database to FILE.
    Backup { file: PathBuf },
    /// Replace the database with a backup (the current one is kept beside it first).
    Restore { file: PathBuf },
    /// This till's ops (the facts it recorded) as a file.
    #[command(subcommand)]
    Ops(OpsCmd),
    /// Run the central server: tills push their ops to it and pull their store's stream
    /// (PostgreSQL; migrations run at start). Stops cleanly on SIGTERM or Ctrl-C.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8640")]
        bind: String,
        /// PostgreSQL URL, e.g. postgres://postgres@127.0.0.1:5432/backroom.
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
    },
    /// Connect this till to a server with a one-time enrolment code (`backroom admin enrol`):
    /// it gets its credential and device code, then syncs (an empty --db becomes a new till of
    /// that store, with its history).
    Connect {
        /// The server, e.g. http://127.0.0.1:8640.
        url: String,
        #[arg(long)]
        code: String,
    },
    /// Sync this connected till once: push every op the server has not acknowledged, then pull
    /// its store's stream to the end (head office: pull every store's). `sync status` says
    /// where the till stands without touching the network.
    Sync {
        #[command(subcommand)]
        cmd: Option<SyncCmd>,
    },
    /// Manage the server's stores and tills, against its database.
    Admin {
        /// PostgreSQL URL of the server's database.
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
        #[command(subcommand)]
        cmd: AdminCmd,
    },
    #[command(subcommand)]
    Staff(crate::counter::StaffCmd),
    #[command(subcommand)]
    Customer(crate::counter::CustomerCmd),
    #[command(subcommand)]
    Sale(crate::counter::SaleCmd),
    /// Return items from a sale (or unreceipted), with refunds and an optional exchange.
    Return(crate::counter::ReturnArgs),
    #[command(subcommand)]
    Shift(crate::counter::ShiftCmd),
    #[command(subcommand)]
    Report(crate::counter::ReportCmd),
    /// Surveys: templates, definitions, responses, displays, themes and the CSV export.
    #[command(subcommand)]
    Survey(crate::feedback::SurveyCmd),
    /// Alerts: evaluate the rules, list, acknowledge, and the rules' settings.
    #[command(subcommand)]
    Alert(crate::feedback::AlertCmd),
    #[command(subcommand, name = "gift-card")]
    GiftCard(crate::counter::GiftCardCmd),
    /// Add (positive) or remove (negative) store credit: CUSTOMER AMOUNT --note WHY
    Credit {
        customer: String,
        #[arg(allow_hyphen_values = true)]
        amount: String,
        #[arg(long)]
        note: String,
        #[command(flatten)]
        approval: crate::counter::ApprovalArgs,
    },
    #[command(subcommand)]
    Promotion(crate::counter::PromotionCmd),
    #[command(subcommand)]
    Settings(SettingsCmd),
}

#[derive(Subcommand)]
pub enum SettingsCmd {
    /// Price/weight-embedded EAN-13 prefixes: PREFIX=price|weight … (replaces the list).
    Barcodes { rules: Vec<String> },
    /// Loyalty: points per whole currency unit paid, and what one point is worth (e.g. 0.01).
    Loyalty {
        #[arg(long)]
        points_per_unit: i64,
        #[arg(long)]
        point_value: String,
    },
    /// Cash rounding: the smallest coin (e.g. 0.05; 0.01 for none) and the rule (nearest, down,
    /// up). Only the cash part of a payment is rounded.
    CashRounding {
        #[arg(long)]
        coin: String,
        #[arg(long, default_value = "nearest")]
        mode: String,
    },
    /// Show the store settings.
    Show,
}

#[derive(Subcommand)]
pub enum LocationCmd {
    /// Add a location: CODE NAME.
    Add {
        code: String,
        name: String,
        /// `store` or `warehouse`.
        #[arg(long, default_value = "store")]
        kind: String,
    },
    List,
}

#[derive(Subcommand)]
pub enum ProductCmd {
    /// Create or replace a product from a JSON file (the ProductInput shape).
    Save { file: PathBuf },
    /// Show a product as JSON.
    Show { handle: String },
}

#[derive(Subcommand)]
pub enum ImportCmd {
    /// Import a Shopify product CSV (legacy or 2024 header).
    Shopify {
        file: PathBuf,
        /// Report what would change and every problem, writing nothing.
        #[arg(long)]
        dry_run: bool,
        /// Location for the inventory quantity column (default: the first store location).
        #[arg(long)]
        location: Option<String>,
        /// Import the valid products and skip every product that has a problem (default: a
        /// file with any problem imports nothing).
        #[arg(long)]
        skip_invalid: bool,
        /// With --skip-invalid: write the skipped rows (with the header) to this CSV, to fix
        /// and import again.
        #[arg(long, value_name = "FILE", requires = "skip_invalid")]
        skipped_rows: Option<PathBuf>,
    },
    /// Import Shopify's multi-location inventory CSV as count corrections.
    Inventory {
        file: PathBuf,
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
pub enum ExportCmd {
    /// Export the catalogue as a Shopify product CSV (legacy header, which Shopify accepts).
    Shopify {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum PriceListCmd {
    /// Add a price list.
    Add {
        code: String,
        name: String,
        #[arg(long)]
        starts: Option<String>,
        #[arg(long)]
        ends: Option<String>,
        /// Customer group the list is for.
        #[arg(long)]
        group: Option<String>,
        /// Location code the list is for.
        #[arg(long)]
        location: Option<String>,
        #[arg(long, default_value_t = 0)]
        priority: i32,
    },
    /// Set a SKU's price in a list: CODE SKU PRICE (decimal, e.g. 12.50).
    Set {
        code: String,
        sku: String,
        price: String,
    },
}

#[derive(Subcommand)]
pub enum StockCmd {
    /// Stock by state for every variant × location with history.
    Levels {
        #[arg(long)]
        location: Option<String>,
    },
    /// Negative, out-of-stock and low (at or below reorder point) stock.
    Alerts {
        #[arg(long)]
        location: Option<String>,
    },
    /// The movement ledger of one SKU.
    History { sku: String },
    /// Receive units into available (a quantity of a kg/m/l item may have decimals: 2.5).
    Receive {
        sku: String,
        quantity: String,
        #[arg(long)]
        location: String,
        #[arg(long, default_value = "")]
        reference: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Adjust one state by a signed delta with a reason.
    Adjust {
        sku: String,
        #[arg(allow_hyphen_values = true)]
        delta: String,
        #[arg(long)]
        location: String,
        /// receipt, adjustment, correction, shrinkage or damage.
        #[arg(long)]
        reason: String,
        /// Default: available.
        #[arg(long, default_value = "")]
        state: String,
        #[arg(long, default_value = "")]
        reference: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Move units between states (e.g. available → damaged).
    Move {
        sku: String,
        quantity: String,
        #[arg(long)]
        location: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Set or clear a reorder point.
    Reorder {
        sku: String,
        #[arg(long)]
        location: String,
        #[arg(long)]
        min: Option<i64>,
        #[arg(long)]
        clear: bool,
    },
    #[command(subcommand)]
    Transfer(TransferCmd),
    #[command(subcommand)]
    Count(CountCmd),
}

#[derive(Subcommand)]
pub enum TransferCmd {
    /// Draft a transfer: --from A --to B SKU=QTY… (B a location code, or @CODE: another store
    /// of the chain, which receives it through the server).
    Create {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(required = true)]
        lines: Vec<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    Send {
        number: String,
    },
    /// Record arrivals SKU=QTY…; --close records what is still missing as a discrepancy.
    Receive {
        number: String,
        lines: Vec<String>,
        #[arg(long)]
        close: bool,
    },
    /// Close a partly received transfer by sending what never arrived back to the source
    /// (`--close` on receive writes it off as missing instead).
    CancelRest {
        number: String,
    },
    Cancel {
        number: String,
    },
    Show {
        number: String,
    },
    List,
}

#[derive(Subcommand)]
pub enum CountCmd {
    /// Start a count at a location, optionally for one category path.
    Start {
        #[arg(long)]
        location: String,
        #[arg(long)]
        category: Option<String>,
    },
    /// Record scans: each code counts one unit.
    Scan {
        count_id: String,
        #[arg(required = true)]
        codes: Vec<String>,
    },
    /// Set an item's counted quantity.
    Set {
        count_id: String,
        sku: String,
        quantity: String,
    },
    Show {
        count_id: String,
    },
    /// Apply the count as count_correction movements.
    Apply {
        count_id: String,
        /// Set items in scope that were not counted to zero.
        #[arg(long)]
        zero_uncounted: bool,
    },
    Cancel {
        count_id: String,
    },
}

/// `backroom ops …`
#[derive(Subcommand)]
pub enum AdminCmd {
    /// Add a store to the chain.
    #[command(subcommand)]
    Store(AdminStoreCmd),
    /// Issue a one-time enrolment code for a new till of a store, or for a head-office device
    /// (printed alone on stdout).
    Enrol {
        #[arg(
            long,
            required_unless_present = "head_office",
            conflicts_with = "head_office"
        )]
        store: Option<String>,
        /// A head-office device: reads every store's stream, writes only the chain's surveys
        /// and theme rules.
        #[arg(long)]
        head_office: bool,
    },
    /// Server users (owner, head office, store manager) who sign in to the server's API.
    #[command(subcommand)]
    User(AdminUserCmd),
    /// Revoke a till (by its device code): its next request is refused.
    Revoke {
        #[arg(long)]
        device: String,
    },
    /// Compact a store's stream: ops stored more than --keep-days ago go, behind a snapshot a
    /// till that needs them starts from (it pushes everything it holds first).
    Compact {
        #[arg(long)]
        store: String,
        #[arg(long)]
        keep_days: u64,
    },
}

#[derive(Subcommand)]
pub enum AdminUserCmd {
    /// Add a user; the password comes from BACKROOM_PASSWORD, else the first line of stdin.
    Add {
        #[arg(long)]
        email: String,
        /// owner, head_office or store_manager.
        #[arg(long)]
        role: String,
        /// The store of a store manager.
        #[arg(long)]
        store: Option<String>,
    },
    /// Disable a user and end their sessions at once.
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
pub enum SyncCmd {
    /// Where this till stands: the server, ops not yet pushed, the last successful sync, and
    /// conflicts to look at (no network).
    Status,
}

#[derive(Subcommand)]
pub enum AdminStoreCmd {
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
pub enum OpsCmd {
    /// Write ops as JSON lines, one op per line in device_seq order, to FILE (a new file; `-`
    /// for standard output).
    Export {
        file: PathBuf,
        /// Only ops after this device_seq.
        #[arg(long, default_value_t = 0)]
        since: i64,
        /// Also the ops written by the devices this database continued from (a restored till's
        /// predecessor).
        #[arg(long)]
        all_devices: bool,
    },
    /// Apply ops another till exported (JSON lines): idempotent, in order per device; kinds
    /// this version cannot apply yet are kept for a later one. Onto an empty database (a new
    /// --db path), a store's whole history makes a replica of that store with its own device.
    Apply { file: PathBuf },
}
