//! Backroom's local commerce engine on embedded SQLite.
//!
//! A [`Store`] owns one SQLite file. Every mutating use-case (`create_location`, `save_product`,
//! `adjust_stock`, `send_transfer`, `import_shopify`, …) runs as **one** transaction that writes
//! the domain rows, exactly one audit entry and exactly one outbox op (see [`uow`]); when it
//! fails, nothing is written. The clock and the id source are injected ([`Clock`], [`IdSource`])
//! so tests and the demo generator are deterministic.
//!
//! Reads (search, barcode lookup, stock levels, reports, `check`) take `&self` and never write.
//!
//! This is the only crate that depends on rusqlite.

// Rows read with rusqlite are tuples; naming each one would add types used once.
#![allow(clippy::type_complexity)]

mod admin;
mod alerts;
mod apply;
mod apply_catalog;
mod auth;
mod catalog;
mod check;
mod clock;
mod code;
mod count;
mod customer;
pub mod demo;
mod error;
mod facts;
mod feedback;
pub mod local;
mod location;
mod master;
mod migrate;
mod ops;
mod replica;
mod reports;
mod returns;
mod sale;
mod sales;
mod search;
mod settings;
mod shift;
pub mod shopify;
mod staff;
mod stock;
mod transfer;
mod uow;

use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension};

pub use admin::{backups_in, check_printer, send_to_printer, PrintJob};
pub use apply::{Applied, ApplyReport, APPLY_PAGE, MAX_CLOCK_AHEAD_MS};
pub use backroom_api::{Adjustment, ReceiveLine, StateMove, TransferLineInput};
pub use backroom_api::{Approval, StaffView};
pub use backroom_api::{
    CartQuote, OrderLineView, OrderView, PaymentView, QuoteLine, SaleInput, SaleLineInput,
    TenderInput,
};
pub use backroom_api::{
    CloseShiftInput, CloseShiftReview, RestoreReport, ShiftSummary, TenderTotals, ZReport,
};
pub use backroom_api::{CustomerInput, CustomerView, DuplicateGroup, GiftCardView};
pub use backroom_api::{RefundTender, ReturnInput, ReturnLineInput, ReturnView};
pub use catalog::{ImageInput, NewLocation, PriceListInput, ProductInput, VariantInput};
pub use clock::{Clock, IdSource, ManualClock, SeededIds, SystemClock, V7Ids};
pub use error::{StoreError, StoreResult};
pub use feedback::answer_of;
pub use feedback::{
    FeedbackDashboard, FeedbackFilter, NpsView, ReasonView, ResponseInput, ResponseQuery,
    ResponseView, ScoreView, SurveyView, ThemeStat, ThemeView, ThemesView, CHANNELS, MIN_TERM_DF,
};
pub use location::{store_location_id, STORE_PREFIX};
pub use migrate::SCHEMA_VERSION;
pub use ops::OpsSelection;
pub use replica::{ServerLink, SyncConflictView, SyncStatus, START_OVER, START_OVER_MESSAGE};
pub use reports::SalesReport;
pub use stock::MovementView;

use backroom_domain::{tax::TaxMode, Currency};

/// Progress of a long operation (imports, the demo generator): `done` of `total` units.
pub trait Progress {
    fn set_total(&self, total: u64);
    fn advance(&self, done: u64);
}

/// A progress sink that ignores everything (tests, scripts).
pub struct NoProgress;
impl Progress for NoProgress {
    fn set_total(&self, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// What `init` needs to set up a store.
#[derive(Debug, Clone)]
pub struct InitStore {
    pub store_name: String,
    pub currency: String,
    pub tax_mode: String,
    pub device_name: String,
    /// Code of the store's own location (the first sales location), e.g. `MAIN`.
    pub location_code: String,
    /// The owner, created with the `owner` role.
    pub owner_name: String,
    pub owner_pin: String,
    /// The store's time zone, an IANA name (`Europe/Berlin`); blank: this machine's.
    pub time_zone: String,
}

/// SQLite's page cache per connection, in KiB (16 MiB: search p95 9.4 ms, where 8 MiB gave
/// 10.0 ms; docs/benchmarks.md).
pub(crate) const CACHE_KIB: i64 = 16 * 1024;
/// SQLite's backstop auto-checkpoint, in pages; the desktop checkpoints when idle.
pub(crate) const WAL_AUTOCHECKPOINT_PAGES: i64 = 10_000;

/// Store-wide settings read once at open.
#[derive(Debug, Clone)]
pub struct Settings {
    pub store_name: String,
    pub currency: Currency,
    pub tax_mode: TaxMode,
    pub embedded_rules: Vec<backroom_domain::barcode::EmbeddedRule>,
    /// Loyalty points earned per whole currency unit paid.
    pub loyalty_points_per_unit: i64,
    /// Value of one loyalty point when redeemed, in minor units.
    pub loyalty_point_value: i64,
    /// Receipt printer: blank, `HOST:PORT` (raw TCP) or a device/file path.
    pub printer: String,
    /// Last line of every receipt.
    pub receipt_footer: String,
    /// Code of the tax class a taxable variant without its own class is sold under (blank:
    /// none; `check` then lists those variants, which would sell at 0 %). Shopify's
    /// `Variant Taxable` / `Charge tax` maps to it on import.
    pub default_tax_class: String,
    /// How the receipt printer prints: columns per line and code page (Settings).
    pub print_format: backroom_domain::receipt::PrintFormat,
    /// The store's time zone (IANA name) and the zone itself: receipts, reports and day ranges
    /// are in its local time (see [`local`]).
    pub time_zone: String,
    pub tz: jiff::tz::TimeZone,
    /// How cash is rounded to the smallest coin (Settings; the currency's rule by default).
    pub cash_rounding: backroom_domain::cash::CashRounding,
    /// Closing a shift with a cash difference above this (minor units, either way) needs a
    /// reason; above `variance_approval_above` also a manager's approval.
    pub variance_reason_above: i64,
    pub variance_approval_above: i64,
}

/// One local store database.
pub struct Store {
    conn: Connection,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdSource>,
    actor: String,
    device: Option<Device>,
    settings: Option<Settings>,
    /// Whether this connection may replace the database with the server's snapshot (not when
    /// another connection of the same app writes to it: the desktop's sync worker hands the
    /// start-over to its store thread).
    snapshot_restore: bool,
    /// The store's zone as the connection's `br_local_day`/`br_local_hour` read it (see
    /// [`sales`]).
    zone: sales::SharedZone,
}

#[derive(Debug, Clone)]
pub(crate) struct Device {
    pub id: String,
    pub code: String,
}

impl Store {
    /// Opens (creating if needed) the database at `path` with the real clock and UUIDv7 ids.
    pub fn open(path: &Path) -> StoreResult<Store> {
        Self::open_with(path, Arc::new(SystemClock), Arc::new(V7Ids))
    }

    /// Opens the database at `path` with the given clock and id source.
    ///
    /// Applies pending migrations; refuses a database written by a newer schema.
    pub fn open_with(
        path: &Path,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> StoreResult<Store> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Io {
                path: dir.display().to_string(),
                source: e,
            })?;
        }
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // WAL: readers never block the writer; NORMAL sync is durable across app crashes in WAL.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // A 16 MiB page cache and no memory-mapped I/O: a bigger cache made every commit slower
        // (SQLite walks the cache when a transaction ends), and mmap'd database pages count in
        // the app's resident memory (+170 MB over two minutes of selling on a 750 MB store);
        // the OS page cache serves the same reads without either cost. See docs/benchmarks.md.
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        conn.pragma_update(None, "mmap_size", 0)?;
        // The app checkpoints when idle (`checkpoint`); SQLite's own auto-checkpoint, which
        // stalls whichever commit trips it, is only a backstop at ~40 MiB of WAL.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        let zone = sales::shared_zone("UTC");
        sales::register_functions(&conn, &zone)?;
        migrate::migrate(&mut conn)?;
        let mut store = Store {
            conn,
            clock,
            ids,
            actor: "system".into(),
            device: None,
            settings: None,
            snapshot_restore: true,
            zone,
        };
        store.load_context()?;
        Ok(store)
    }

    pub(crate) fn load_context(&mut self) -> StoreResult<()> {
        self.device = self
            .conn
            .query_row("SELECT id, code FROM device WHERE is_self = 1", [], |r| {
                Ok(Device {
                    id: r.get(0)?,
                    code: r.get(1)?,
                })
            })
            .optional()?;
        self.settings = if self.device.is_some() {
            Some(settings::read_settings(&self.conn)?)
        } else {
            None
        };
        if let Some(s) = &self.settings {
            sales::ensure_zone(&mut self.conn, &self.zone, &s.time_zone, &s.tz)?;
        }
        Ok(())
    }

    /// Copies committed WAL pages into the database file without blocking readers or the
    /// writer (SQLite's PASSIVE checkpoint). The desktop app runs it when the till is idle so
    /// that a sale never pays for a checkpoint; SQLite's own auto-checkpoint stays on as a
    /// backstop. Returns (WAL pages, pages checkpointed).
    pub fn checkpoint(&self) -> StoreResult<(i64, i64)> {
        Ok(self
            .conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(1)?, r.get(2)?))
            })?)
    }

    /// Runs the following use-cases as `actor` (a staff id, or `cli`/`system` for scripts).
    pub fn set_actor(&mut self, actor: impl Into<String>) {
        self.actor = actor.into();
    }

    pub fn actor(&self) -> &str {
        &self.actor
    }

    pub fn is_initialised(&self) -> bool {
        self.device.is_some()
    }

    pub fn settings(&self) -> StoreResult<&Settings> {
        self.settings.as_ref().ok_or(StoreError::NotInitialised)
    }

    pub fn device_id(&self) -> StoreResult<&str> {
        self.device
            .as_ref()
            .map(|d| d.id.as_str())
            .ok_or(StoreError::NotInitialised)
    }

    /// Direct read access for reports and tests in this workspace (never for writes).
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// The default database path: the platform data directory's `backroom/store.sqlite`.
pub fn default_db_file_name() -> &'static str {
    "store.sqlite"
}

/// Creates a new file at `path` (never over an existing one: error `cannot_create` under
/// `file`; a blank path is `required`), lets `write` fill it through a buffer, and flushes it.
pub(crate) fn write_new_file<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> StoreResult<T>,
) -> StoreResult<T> {
    if path.as_os_str().is_empty() {
        return Err(StoreError::invalid(
            "file",
            "required",
            "say where to save the file",
        ));
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            StoreError::invalid("file", "cannot_create", format!("{}: {e}", path.display()))
        })?;
    let mut out = std::io::BufWriter::new(file);
    use std::io::Write as _;
    let value = write(&mut out)?;
    out.flush().map_err(|e| StoreError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    Ok(value)
}
