//! The Tauri commands: decode, call one use-case, map the error. Nothing else lives here.

use backroom_domain::receipt::{CodePage, PrintFormat};
use std::path::PathBuf;
use std::sync::Arc;

use backroom_api::{
    Adjustment, ApiError, AuditEntryView, CartQuote, CountView, CustomerInput, CustomerView,
    GiftCardView, ImportReport, LocationView, OrderFilter, OrderSummary, OrderView, ReceiveLine,
    ReturnInput, ReturnView, SaleInput, ScanHit, StaffView, StateMove, StockAlertRow,
    StockLevelRow, TransferLineInput, TransferView, VariantHit, ZReport,
};
use backroom_api::{CloseShiftInput, CloseShiftReview, RestoreReport, ShiftSummary};
use backroom_api::{
    NewLocation, PriceListInput, PriceListItemView, PriceListView, PrintResult, ProductInput,
    ProductRow, RoleView, StoreSettingsView, TaxClassView,
};
use backroom_domain::staff::{Grant, Permission};
use backroom_store::shopify::ImportOptions;
use backroom_store::{
    demo, InitStore, ManualClock, NoProgress, PrintJob, Progress, SeededIds, Store, StoreError,
};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use tauri::{AppHandle, Emitter, State};

/// A unit of store work, run on the store thread.
type Job = Box<dyn FnOnce(&mut Option<Store>) + Send>;

/// The open store, owned by one long-lived thread that runs every command's store work in
/// turn (one writer at a time, never on the UI thread).
///
/// One thread rather than a lock taken from tokio's blocking pool: the pool starts and retires
/// threads as load comes and goes, and each new thread allocates from its own malloc arena, so
/// SQLite's page cache and every query's buffers were spread over ~10 arenas (28 threads) while
/// the heap in use stayed flat at 24 MB; now they live in one arena that holds its size over an
/// hour of selling (docs/benchmarks.md). The thread also checkpoints the WAL when the till has
/// been idle.
pub struct App {
    path: PathBuf,
    jobs: std::sync::mpsc::Sender<Job>,
}

/// How long the store thread waits without work before it checkpoints the WAL.
const IDLE_CHECKPOINT: std::time::Duration = std::time::Duration::from_secs(5);

impl App {
    pub fn new(path: PathBuf) -> App {
        let store = Store::open(&path)
            .map_err(|e| eprintln!("error: opening {}: {e}", path.display()))
            .ok();
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("store".into())
            .spawn(move || store_thread(store, queue));
        if let Err(e) = spawned {
            // Every command then answers "the store thread stopped" instead of hanging.
            eprintln!("error: cannot start the store thread: {e}");
        }
        App { path, jobs }
    }
}

/// Runs jobs until the app drops its sender. A job that panics is contained: its caller gets
/// an internal error (its transaction, if any, was rolled back when it unwound) and the thread
/// goes on serving.
fn store_thread(mut store: Option<Store>, queue: std::sync::mpsc::Receiver<Job>) {
    use std::sync::mpsc::RecvTimeoutError;
    let mut dirty = false;
    loop {
        match queue.recv_timeout(IDLE_CHECKPOINT) {
            Ok(job) => {
                let slot = &mut store;
                if std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || job(slot)))
                    .is_err()
                {
                    eprintln!("error: a store job panicked; its caller was told");
                }
                dirty = true;
            }
            Err(RecvTimeoutError::Timeout) => {
                if let (true, Some(s)) = (dirty, store.as_ref()) {
                    if let Err(e) = s.checkpoint() {
                        eprintln!("warning: idle checkpoint failed: {e}");
                    }
                    dirty = false;
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

pub fn database_path() -> PathBuf {
    if let Some(p) = std::env::var_os("BACKROOM_DB") {
        return PathBuf::from(p);
    }
    directories::ProjectDirs::from("app", "Backroom", "backroom")
        .map(|d| d.data_dir().join(backroom_store::default_db_file_name()))
        .unwrap_or_else(|| PathBuf::from(backroom_store::default_db_file_name()))
}

fn internal(message: impl Into<String>) -> ApiError {
    ApiError {
        code: "internal".into(),
        message: message.into(),
        field: None,
    }
}

fn thread_stopped() -> ApiError {
    internal("the store thread stopped; restart Backroom")
}

/// Runs `f` on the store thread, with the open store, and waits for its answer.
async fn with_store<T, F>(app: &App, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
{
    with_slot(app, move |slot| match slot.as_mut() {
        Some(s) => f(s).map_err(ApiError::from),
        None => Err(internal("the database could not be opened")),
    })
    .await
}

/// Runs `f` on the store thread with the store's slot itself (to close and reopen it).
async fn with_slot<T, F>(app: &App, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut Option<Store>) -> Result<T, ApiError> + Send + 'static,
{
    let (answer, answered) = tokio::sync::oneshot::channel();
    app.jobs
        .send(Box::new(move |slot| {
            // The caller may have gone away (window closed); nothing to tell then.
            let _ = answer.send(f(slot));
        }))
        .map_err(|_| thread_stopped())?;
    answered.await.map_err(|_| thread_stopped())?
}

#[derive(Serialize)]
pub struct AppStatus {
    pub initialised: bool,
    pub store_name: String,
    pub currency: String,
    pub database: String,
}

#[tauri::command]
pub async fn app_status(app: State<'_, App>) -> Result<AppStatus, ApiError> {
    let db = app.path.display().to_string();
    with_store(&app, move |s| {
        Ok(match s.settings() {
            Ok(st) => AppStatus {
                initialised: true,
                store_name: st.store_name.clone(),
                currency: st.currency.code().into(),
                database: db,
            },
            Err(_) => AppStatus {
                initialised: false,
                store_name: String::new(),
                currency: String::new(),
                database: db,
            },
        })
    })
    .await
}

#[tauri::command]
pub async fn setup_store(
    app: State<'_, App>,
    store_name: String,
    currency: String,
    owner_name: String,
    owner_pin: String,
) -> Result<(), ApiError> {
    with_store(&app, move |s| {
        s.init(InitStore {
            store_name,
            currency,
            tax_mode: "inclusive".into(),
            device_name: "desk-1".into(),
            location_code: "MAIN".into(),
            owner_name,
            owner_pin,
            // This machine's zone; Settings can change it.
            time_zone: String::new(),
        })
    })
    .await
}

/// Restores a backup file (the till died; yesterday's backup is on a USB stick): onto the empty
/// store of a new machine, or over this one after keeping it beside the database. The
/// restored store is checked before it is used; the report says what came back.
#[tauri::command]
pub async fn restore_backup(app: State<'_, App>, file: String) -> Result<RestoreReport, ApiError> {
    let db = app.path.clone();
    with_store(&app, move |s| {
        s.restore_keeping(std::path::Path::new(file.trim()), &db)
            .map(|(report, _)| report)
    })
    .await
}

/// Builds the demo store (deterministic clock and ids), then reopens it normally.
#[tauri::command]
pub async fn setup_demo(app: State<'_, App>) -> Result<(), ApiError> {
    let path = app.path.clone();
    with_slot(&app, move |slot| {
        *slot = None;
        let clock = Arc::new(ManualClock::new(demo::DEMO_START_MS));
        let mut s = Store::open_with(&path, clock.clone(), Arc::new(SeededIds::new(1)))
            .map_err(ApiError::from)?;
        let step = clock.clone();
        demo::generate(
            &mut s,
            &demo::DemoOptions {
                seed: 1,
                products: 200,
                days: 30,
            },
            &move |ms| step.advance(ms),
            &NoProgress,
        )
        .map_err(ApiError::from)?;
        drop(s);
        *slot = Some(Store::open(&path).map_err(ApiError::from)?);
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn staff_names(app: State<'_, App>) -> Result<Vec<StaffView>, ApiError> {
    with_store(&app, |s| {
        Ok(s.staff()?.into_iter().filter(|m| m.active).collect())
    })
    .await
}

#[tauri::command]
pub async fn sign_in(
    app: State<'_, App>,
    name: String,
    pin: String,
) -> Result<StaffView, ApiError> {
    with_store(&app, move |s| s.sign_in(&name, &pin)).await
}

#[tauri::command]
pub async fn lock(app: State<'_, App>) -> Result<(), ApiError> {
    with_store(&app, |s| {
        s.lock();
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn search(app: State<'_, App>, query: String) -> Result<Vec<VariantHit>, ApiError> {
    with_store(&app, move |s| s.search(&query, 12)).await
}

#[tauri::command]
pub async fn scan(app: State<'_, App>, code: String) -> Result<Option<ScanHit>, ApiError> {
    with_store(&app, move |s| s.lookup_barcode(&code)).await
}

#[tauri::command]
pub async fn search_customers(
    app: State<'_, App>,
    query: String,
) -> Result<Vec<CustomerView>, ApiError> {
    with_store(&app, move |s| s.search_customers(&query, 8)).await
}

#[tauri::command]
pub async fn quote(app: State<'_, App>, cart: SaleInput) -> Result<CartQuote, ApiError> {
    with_store(&app, move |s| s.quote(&cart)).await
}

#[tauri::command]
pub async fn complete_sale(app: State<'_, App>, cart: SaleInput) -> Result<OrderView, ApiError> {
    with_store(&app, move |s| s.complete_sale(cart)).await
}

#[tauri::command]
pub async fn receipt_html(
    app: State<'_, App>,
    receipt: String,
    duplicate: bool,
) -> Result<String, ApiError> {
    with_store(&app, move |s| {
        Ok(s.any_receipt(&receipt, duplicate)?.to_html())
    })
    .await
}

#[tauri::command]
pub async fn park_cart(
    app: State<'_, App>,
    label: String,
    cart: SaleInput,
) -> Result<String, ApiError> {
    with_store(&app, move |s| s.park_cart(&label, cart)).await
}

#[tauri::command]
pub async fn parked_carts(app: State<'_, App>) -> Result<Vec<(String, String, usize)>, ApiError> {
    with_store(&app, |s| s.parked_carts()).await
}

#[tauri::command]
pub async fn resume_cart(app: State<'_, App>, id: String) -> Result<SaleInput, ApiError> {
    with_store(&app, move |s| s.resume_cart(&id)).await
}

#[tauri::command]
pub async fn order(app: State<'_, App>, key: String) -> Result<OrderView, ApiError> {
    with_store(&app, move |s| s.order(&key)).await
}

#[tauri::command]
pub async fn process_return(
    app: State<'_, App>,
    input: ReturnInput,
) -> Result<ReturnView, ApiError> {
    with_store(&app, move |s| s.process_return(input)).await
}

#[tauri::command]
pub async fn preview_return(
    app: State<'_, App>,
    input: ReturnInput,
) -> Result<ReturnView, ApiError> {
    with_store(&app, move |s| s.preview_return(input)).await
}

#[tauri::command]
pub async fn return_reasons(app: State<'_, App>) -> Result<Vec<(String, String)>, ApiError> {
    with_store(&app, |s| s.return_reasons()).await
}

#[tauri::command]
pub async fn locations(app: State<'_, App>) -> Result<Vec<LocationView>, ApiError> {
    with_store(&app, |s| s.locations()).await
}

#[tauri::command]
pub async fn stock_levels(
    app: State<'_, App>,
    location: Option<String>,
    query: Option<String>,
) -> Result<Vec<StockLevelRow>, ApiError> {
    with_store(&app, move |s| {
        s.stock_levels_matching(location.as_deref(), query.as_deref().unwrap_or(""), 300)
    })
    .await
}

#[tauri::command]
pub async fn stock_alerts(
    app: State<'_, App>,
    location: Option<String>,
) -> Result<Vec<StockAlertRow>, ApiError> {
    with_store(&app, move |s| s.stock_alerts(location.as_deref())).await
}

#[tauri::command]
pub async fn import_shopify(
    app: State<'_, App>,
    csv: String,
    dry_run: bool,
    location: Option<String>,
    skip_invalid: Option<bool>,
) -> Result<ImportReport, ApiError> {
    with_store(&app, move |s| {
        s.import_shopify(
            csv.as_bytes(),
            &ImportOptions {
                dry_run,
                location,
                skip_invalid: skip_invalid.unwrap_or(false),
            },
            &NoProgress,
        )
    })
    .await
}

/// The header and the given rows of an import file as CSV text (the rows an import skipped,
/// to fix and import again).
#[tauri::command]
pub async fn shopify_rows(
    csv: Option<String>,
    file: Option<String>,
    rows: Vec<u64>,
) -> Result<String, ApiError> {
    let bytes = csv_bytes(csv, file)?;
    let mut out = Vec::new();
    backroom_store::shopify::write_rows(&bytes[..], &rows, &mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[tauri::command]
pub async fn open_shift(
    app: State<'_, App>,
    location: String,
    float: i64,
) -> Result<String, ApiError> {
    with_store(&app, move |s| s.open_shift(&location, float)).await
}

/// Closes the shift (counted cash or note by note, a reason, an approval when needed).
#[tauri::command]
pub async fn close_shift(app: State<'_, App>, input: CloseShiftInput) -> Result<ZReport, ApiError> {
    with_store(&app, move |s| s.close_shift_with(input)).await
}

/// What closing would give, before it is final.
#[tauri::command]
pub async fn review_close_shift(
    app: State<'_, App>,
    input: CloseShiftInput,
) -> Result<CloseShiftReview, ApiError> {
    with_store(&app, move |s| s.review_close_shift(input)).await
}

/// Past and open shifts, newest first.
#[tauri::command]
pub async fn shifts(app: State<'_, App>, location: String) -> Result<Vec<ShiftSummary>, ApiError> {
    with_store(&app, move |s| s.shifts(&location, 100)).await
}

/// The notes and coins of the store's currency, largest first (minor units).
#[tauri::command]
pub async fn denominations(app: State<'_, App>) -> Result<Vec<i64>, ApiError> {
    with_store(&app, move |s| {
        Ok(backroom_domain::cash::denominations(s.settings()?.currency))
    })
    .await
}

#[tauri::command]
pub async fn current_shift(
    app: State<'_, App>,
    location: String,
) -> Result<Option<String>, ApiError> {
    with_store(&app, move |s| s.current_shift(&location)).await
}

#[tauri::command]
pub async fn z_report(app: State<'_, App>, shift: String) -> Result<ZReport, ApiError> {
    with_store(&app, move |s| s.z_report(&shift)).await
}

#[tauri::command]
pub async fn orders(
    app: State<'_, App>,
    filter: OrderFilter,
) -> Result<Vec<OrderSummary>, ApiError> {
    with_store(&app, move |s| s.orders(&filter)).await
}

#[tauri::command]
pub async fn order_timeline(
    app: State<'_, App>,
    key: String,
) -> Result<Vec<AuditEntryView>, ApiError> {
    with_store(&app, move |s| s.order_timeline(&key)).await
}

#[tauri::command]
pub async fn customer(app: State<'_, App>, id: String) -> Result<CustomerView, ApiError> {
    with_store(&app, move |s| s.customer(&id)).await
}

#[tauri::command]
pub async fn customer_orders(app: State<'_, App>, id: String) -> Result<Vec<OrderView>, ApiError> {
    with_store(&app, move |s| s.customer_orders(&id)).await
}

#[tauri::command]
pub async fn gift_card(app: State<'_, App>, code: String) -> Result<GiftCardView, ApiError> {
    with_store(&app, move |s| s.gift_card(&code)).await
}

/// Creates a customer (at the till, the returns desk or on Customers); returns the new id.
#[tauri::command]
pub async fn create_customer(
    app: State<'_, App>,
    customer: CustomerInput,
) -> Result<CustomerView, ApiError> {
    with_store(&app, move |s| {
        let id = s.create_customer(customer)?;
        s.customer(&id)
    })
    .await
}

/// Saves a customer's details.
#[tauri::command]
pub async fn update_customer(
    app: State<'_, App>,
    id: String,
    customer: CustomerInput,
) -> Result<CustomerView, ApiError> {
    with_store(&app, move |s| {
        s.update_customer(&id, customer)?;
        s.customer(&id)
    })
    .await
}

/// Customers who already have this email or phone (the duplicate warning).
#[tauri::command]
pub async fn customers_sharing(
    app: State<'_, App>,
    customer: CustomerInput,
    except: Option<String>,
) -> Result<Vec<CustomerView>, ApiError> {
    with_store(&app, move |s| {
        s.customers_sharing(&customer, except.as_deref())
    })
    .await
}

/// The sales the returns desk may mean: receipt (scanned), short number, card reference or
/// customer.
#[tauri::command]
pub async fn find_sales(app: State<'_, App>, key: String) -> Result<Vec<OrderSummary>, ApiError> {
    with_store(&app, move |s| s.find_sales(&key)).await
}

/// Staff who can approve for the signed-in member (picked from a list at the till).
#[tauri::command]
pub async fn approvers(app: State<'_, App>) -> Result<Vec<StaffView>, ApiError> {
    with_store(&app, move |s| s.approvers()).await
}

/// A typed quantity of an item in its stock units (`0.5` of a kg item is 500).
#[tauri::command]
pub async fn parse_quantity(
    app: State<'_, App>,
    code: String,
    text: String,
    field: String,
    positive: bool,
) -> Result<i64, ApiError> {
    with_store(&app, move |s| {
        s.parse_quantity(&code, &text, &field, positive)
    })
    .await
}

#[tauri::command]
pub async fn adjust_stock(app: State<'_, App>, adjustment: Adjustment) -> Result<(), ApiError> {
    with_store(&app, move |s| s.adjust_stock(adjustment)).await
}

#[tauri::command]
pub async fn move_stock(app: State<'_, App>, change: StateMove) -> Result<(), ApiError> {
    with_store(&app, move |s| s.move_stock(change)).await
}

/// Drafts and sends a transfer in one step (what a store does when the box leaves).
#[tauri::command]
pub async fn send_transfer(
    app: State<'_, App>,
    from: String,
    to: String,
    lines: Vec<TransferLineInput>,
) -> Result<TransferView, ApiError> {
    with_store(&app, move |s| {
        let number = s.create_transfer(&from, &to, lines, "")?;
        s.send_transfer(&number)?;
        s.transfer(&number)
    })
    .await
}

#[tauri::command]
pub async fn transfers(app: State<'_, App>) -> Result<Vec<TransferView>, ApiError> {
    with_store(&app, |s| {
        s.transfer_numbers()?
            .iter()
            .take(50)
            .map(|n| s.transfer(n))
            .collect()
    })
    .await
}

#[tauri::command]
pub async fn receive_transfer(
    app: State<'_, App>,
    number: String,
    lines: Vec<ReceiveLine>,
    close: bool,
) -> Result<TransferView, ApiError> {
    with_store(&app, move |s| {
        s.receive_transfer(&number, lines, close)?;
        s.transfer(&number)
    })
    .await
}

#[tauri::command]
pub async fn start_count(app: State<'_, App>, location: String) -> Result<String, ApiError> {
    with_store(&app, move |s| s.start_count(&location, None)).await
}

#[tauri::command]
pub async fn record_count(
    app: State<'_, App>,
    count_id: String,
    code: String,
    quantity: Option<i64>,
) -> Result<CountView, ApiError> {
    with_store(&app, move |s| {
        s.record_count(&count_id, &code, quantity)?;
        s.count(&count_id)
    })
    .await
}

#[tauri::command]
pub async fn apply_count(app: State<'_, App>, count_id: String) -> Result<usize, ApiError> {
    with_store(&app, move |s| s.apply_count(&count_id, false)).await
}

// ---- Progress of long work -----------------------------------------------------------------

/// What the UI hears while long work runs: `done` of `total` units of `task`.
#[derive(Clone, Serialize)]
pub struct ProgressEvent {
    pub task: String,
    pub done: u64,
    pub total: u64,
}

/// Emits a `progress` event whenever the whole percentage changes (never floods the UI).
struct EmitProgress {
    app: AppHandle,
    task: &'static str,
    total: AtomicU64,
    done: AtomicU64,
    shown: AtomicU64,
}

impl EmitProgress {
    fn new(app: AppHandle, task: &'static str) -> Self {
        EmitProgress {
            app,
            task,
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            shown: AtomicU64::new(u64::MAX),
        }
    }

    fn emit(&self, done: u64, total: u64) {
        let _ = self.app.emit(
            "progress",
            ProgressEvent {
                task: self.task.to_string(),
                done,
                total,
            },
        );
    }
}

impl Progress for EmitProgress {
    fn set_total(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        self.emit(self.done.load(Ordering::Relaxed), total);
    }

    fn advance(&self, step: u64) {
        let done = self.done.fetch_add(step, Ordering::Relaxed) + step;
        let total = self.total.load(Ordering::Relaxed).max(1);
        let pct = (done.min(total) * 100) / total;
        if self.shown.swap(pct, Ordering::Relaxed) != pct {
            self.emit(done, total);
        }
    }
}

/// Exports the catalogue as a Shopify product CSV to the file named (a new file; an existing
/// one is never overwritten). Returns how many products were written.
#[tauri::command]
pub async fn export_shopify_file(app: State<'_, App>, file: String) -> Result<u64, ApiError> {
    with_store(&app, move |s| {
        let path = std::path::PathBuf::from(file.trim());
        if file.trim().is_empty() {
            return Err(StoreError::invalid(
                "file",
                "required",
                "say where to save the export",
            ));
        }
        let out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| {
                StoreError::invalid("file", "cannot_create", format!("{}: {e}", path.display()))
            })?;
        s.export_shopify(std::io::BufWriter::new(out))
    })
    .await
}

/// The CSV to import: the text pasted, or the file chosen or dropped (read here, so a 30 MB
/// export never crosses the bridge).
fn csv_bytes(csv: Option<String>, file: Option<String>) -> Result<Vec<u8>, ApiError> {
    match file.filter(|f| !f.trim().is_empty()) {
        Some(path) => std::fs::read(path.trim()).map_err(|e| ApiError {
            code: "unreadable".into(),
            message: format!("{} cannot be read: {e}", path.trim()),
            field: Some("file".into()),
        }),
        None => Ok(csv.unwrap_or_default().into_bytes()),
    }
}

#[tauri::command]
pub async fn import_shopify_with_progress(
    app: State<'_, App>,
    handle: AppHandle,
    csv: Option<String>,
    file: Option<String>,
    dry_run: bool,
    location: Option<String>,
    skip_invalid: Option<bool>,
) -> Result<ImportReport, ApiError> {
    let bytes = csv_bytes(csv, file)?;
    with_store(&app, move |s| {
        s.import_shopify(
            &bytes[..],
            &ImportOptions {
                dry_run,
                location,
                skip_invalid: skip_invalid.unwrap_or(false),
            },
            &EmitProgress::new(handle, "import"),
        )
    })
    .await
}

// ---- Catalog ---------------------------------------------------------------------------------

#[tauri::command]
pub async fn product_list(app: State<'_, App>, query: String) -> Result<Vec<ProductRow>, ApiError> {
    with_store(&app, move |s| s.product_list(&query, 100)).await
}

#[tauri::command]
pub async fn product(app: State<'_, App>, sku: String) -> Result<Option<ProductInput>, ApiError> {
    with_store(&app, move |s| s.product_by_sku(&sku)).await
}

#[tauri::command]
pub async fn product_by_handle(
    app: State<'_, App>,
    handle: String,
) -> Result<Option<ProductInput>, ApiError> {
    with_store(&app, move |s| s.product_by_handle(&handle)).await
}

#[tauri::command]
pub async fn create_product(
    app: State<'_, App>,
    product: ProductInput,
) -> Result<String, ApiError> {
    with_store(&app, move |s| s.create_product(product)).await
}

#[tauri::command]
pub async fn save_product(app: State<'_, App>, product: ProductInput) -> Result<String, ApiError> {
    with_store(&app, move |s| s.save_product(product)).await
}

#[tauri::command]
pub async fn tax_classes(app: State<'_, App>) -> Result<Vec<TaxClassView>, ApiError> {
    with_store(&app, |s| s.tax_classes()).await
}

#[tauri::command]
pub async fn create_tax_class(
    app: State<'_, App>,
    code: String,
    name: String,
    rate: String,
) -> Result<String, ApiError> {
    with_store(&app, move |s| s.create_tax_class(&code, &name, &rate)).await
}

#[tauri::command]
pub async fn price_lists(app: State<'_, App>) -> Result<Vec<PriceListView>, ApiError> {
    with_store(&app, |s| s.price_lists()).await
}

#[tauri::command]
pub async fn price_list_items(
    app: State<'_, App>,
    code: String,
) -> Result<Vec<PriceListItemView>, ApiError> {
    with_store(&app, move |s| s.price_list_items(&code)).await
}

#[tauri::command]
pub async fn create_price_list(
    app: State<'_, App>,
    list: PriceListInput,
) -> Result<String, ApiError> {
    with_store(&app, move |s| s.create_price_list(list)).await
}

#[tauri::command]
pub async fn set_list_price(
    app: State<'_, App>,
    list: String,
    sku: String,
    price: i64,
) -> Result<(), ApiError> {
    with_store(&app, move |s| s.set_list_price(&list, &sku, price)).await
}

// ---- Settings --------------------------------------------------------------------------------

#[tauri::command]
pub async fn store_settings(app: State<'_, App>) -> Result<StoreSettingsView, ApiError> {
    with_store(&app, |s| s.store_settings()).await
}

#[tauri::command]
pub async fn update_store_settings(
    app: State<'_, App>,
    settings: StoreSettingsView,
) -> Result<(), ApiError> {
    with_store(&app, move |s| s.update_store_settings(settings)).await
}

#[tauri::command]
pub async fn create_location(
    app: State<'_, App>,
    location: NewLocation,
) -> Result<String, ApiError> {
    with_store(&app, move |s| s.create_location(location)).await
}

#[tauri::command]
pub async fn roles(app: State<'_, App>) -> Result<Vec<RoleView>, ApiError> {
    with_store(&app, |s| s.roles()).await
}

#[tauri::command]
pub async fn all_staff(app: State<'_, App>) -> Result<Vec<StaffView>, ApiError> {
    with_store(&app, |s| s.staff()).await
}

#[tauri::command]
pub async fn set_role_grant(
    app: State<'_, App>,
    role: String,
    permission: String,
    grant: String,
) -> Result<(), ApiError> {
    with_store(&app, move |s| {
        let p = Permission::parse(&permission).map_err(StoreError::from)?;
        let g = Grant::parse(&grant).map_err(StoreError::from)?;
        s.set_role_grant(&role, p, g)
    })
    .await
}

#[tauri::command]
pub async fn add_staff(
    app: State<'_, App>,
    name: String,
    role: String,
    pin: String,
    locations: Vec<String>,
) -> Result<String, ApiError> {
    with_store(&app, move |s| s.add_staff(&name, &role, &pin, &locations)).await
}

#[tauri::command]
pub async fn set_staff_role(
    app: State<'_, App>,
    name: String,
    role: String,
) -> Result<(), ApiError> {
    with_store(&app, move |s| s.set_staff_role(&name, &role)).await
}

#[tauri::command]
pub async fn set_staff_pin(app: State<'_, App>, name: String, pin: String) -> Result<(), ApiError> {
    with_store(&app, move |s| s.set_staff_pin(&name, &pin)).await
}

/// Sends a rendered job on a worker thread, after the store lock is released: a printer that
/// is slow or unreachable never holds up the till.
async fn send_job(job: PrintJob) -> Result<PrintResult, ApiError> {
    tauri::async_runtime::spawn_blocking(move || job.send().map_err(ApiError::from))
        .await
        .map_err(|e| internal(e.to_string()))?
}

#[tauri::command]
pub async fn print_receipt(
    app: State<'_, App>,
    receipt: String,
    duplicate: bool,
) -> Result<PrintResult, ApiError> {
    send_job(with_store(&app, move |s| s.receipt_job(&receipt, duplicate)).await?).await
}

/// A test page on `printer` in the print format being edited (`columns`, `code_page`; the
/// saved one for what is not given), before it is saved.
#[tauri::command]
pub async fn print_test_page(
    app: State<'_, App>,
    printer: String,
    columns: Option<u32>,
    code_page: Option<String>,
) -> Result<PrintResult, ApiError> {
    send_job(
        with_store(&app, move |s| {
            let saved = s.settings()?.print_format;
            let format = PrintFormat::new(
                columns.map_or(saved.columns, |c| c as usize),
                match code_page.as_deref() {
                    Some(cp) => CodePage::parse(cp)?,
                    None => saved.code_page,
                },
            )?;
            s.test_page_job(&printer, &format)
        })
        .await?,
    )
    .await
}

#[tauri::command]
pub async fn print_z_report(app: State<'_, App>, shift: String) -> Result<PrintResult, ApiError> {
    send_job(with_store(&app, move |s| s.z_report_job(&shift)).await?).await
}

#[tauri::command]
pub async fn cash_movement(
    app: State<'_, App>,
    location: String,
    amount: i64,
    reason: String,
) -> Result<(), ApiError> {
    with_store(&app, move |s| s.cash_movement(&location, amount, &reason)).await
}

/// A backup file in the backups folder.
#[derive(Serialize)]
pub struct BackupFile {
    pub path: String,
    pub bytes: u64,
}

/// The backups folder: beside the database, `backups/`.
fn backups_dir(app: &App) -> PathBuf {
    app.path
        .parent()
        .map(|p| p.join("backups"))
        .unwrap_or_else(|| PathBuf::from("backups"))
}

#[tauri::command]
pub async fn backups(app: State<'_, App>) -> Result<Vec<BackupFile>, ApiError> {
    let dir = backups_dir(&app);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<BackupFile> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "sqlite"))
        .map(|e| BackupFile {
            path: e.path().display().to_string(),
            bytes: e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .collect();
    out.sort_by(|a, b| b.path.cmp(&a.path));
    Ok(out)
}

/// Backs up to `backups/backroom-<store's local date and time>.sqlite` beside the database
/// (`backroom-2026-11-30_14-05-09.sqlite`), with progress.
#[tauri::command]
pub async fn backup_now(app: State<'_, App>, handle: AppHandle) -> Result<BackupFile, ApiError> {
    let dir = backups_dir(&app);
    with_store(&app, move |s| {
        std::fs::create_dir_all(&dir).map_err(|e| {
            StoreError::invalid("file", "cannot_create", format!("{}: {e}", dir.display()))
        })?;
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let stamp = backroom_store::local::file_stamp(ms, &s.settings()?.tz);
        let dest = dir.join(format!("backroom-{stamp}.sqlite"));
        s.backup_with_progress(&dest, &EmitProgress::new(handle, "backup"))?;
        Ok(BackupFile {
            bytes: std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0),
            path: dest.display().to_string(),
        })
    })
    .await
}
