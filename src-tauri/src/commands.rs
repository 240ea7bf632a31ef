//! The Tauri commands: decode, call one use-case, map the error. Nothing else lives here.

use backroom_domain::receipt::{CodePage, PrintFormat};
use std::path::PathBuf;
use std::sync::Arc;

use backroom_api::cmd::{self, Answer, AppStatus, ProgressEvent};
use backroom_api::{ApiError, ErrorCode, PrintResult};
use backroom_domain::staff::{Grant, Permission};
use backroom_store::shopify::ImportOptions;
use backroom_store::{
    demo, InitStore, ManualClock, NoProgress, PrintJob, Progress, SeededIds, Store, StoreError,
};
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
    /// The background sync task (its own thread and connection).
    sync: crate::syncer::Syncer,
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
        // When the sync task brought ops in, the store thread rereads its cached settings; when
        // the till must start over from the server's snapshot, the store thread does it (no
        // screen writes meanwhile).
        let refresh_jobs = jobs.clone();
        let start_over_jobs = jobs.clone();
        let sync = crate::syncer::Syncer::start(
            path.clone(),
            move || {
                let _ = refresh_jobs.send(Box::new(|slot: &mut Option<Store>| {
                    if let Some(s) = slot.as_mut() {
                        if let Err(e) = s.reload() {
                            eprintln!("warning: rereading settings after sync: {e}");
                        }
                    }
                }));
            },
            move || {
                let _ = start_over_jobs.send(Box::new(|slot: &mut Option<Store>| {
                    let Some(s) = slot.as_mut() else { return };
                    let Ok(Some(link)) = s.server_link() else {
                        return;
                    };
                    let Ok(http) = backroom_sync::http::HttpTransport::new(&link.url) else {
                        return;
                    };
                    if let Err(e) = s.start_over_with(&mut http.with_token(&link.token)) {
                        eprintln!("warning: starting over from the server's snapshot: {e}");
                    }
                }));
            },
        );
        App { path, jobs, sync }
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
    ApiError::new(ErrorCode::Internal, message)
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
    let (answer, wrote) = with_slot(app, move |slot| match slot.as_mut() {
        Some(s) => {
            // Whether the use-case wrote an op: then it goes to the server at once.
            let before = s.last_device_seq().ok();
            let answer = f(s).map_err(ApiError::from)?;
            Ok((answer, s.last_device_seq().ok() != before))
        }
        None => Err(internal("the database could not be opened")),
    })
    .await?;
    if wrote {
        app.sync.nudge();
    }
    Ok(answer)
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

#[tauri::command]
pub async fn app_status(app: State<'_, App>) -> Answer<cmd::AppStatusQuery> {
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
pub async fn setup_store(app: State<'_, App>, request: cmd::SetupStore) -> Answer<cmd::SetupStore> {
    let cmd::SetupStore {
        store_name,
        currency,
        owner_name,
        owner_pin,
    } = request;
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
pub async fn restore_backup(
    app: State<'_, App>,
    request: cmd::RestoreBackup,
) -> Answer<cmd::RestoreBackup> {
    let cmd::RestoreBackup { file } = request;
    let db = app.path.clone();
    with_store(&app, move |s| {
        s.restore_keeping(std::path::Path::new(file.trim()), &db)
            .map(|(report, _)| report)
    })
    .await
}

/// Builds the demo store (deterministic clock and ids), then reopens it normally.
#[tauri::command]
pub async fn setup_demo(app: State<'_, App>) -> Answer<cmd::SetupDemo> {
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
pub async fn staff_names(app: State<'_, App>) -> Answer<cmd::StaffNames> {
    with_store(&app, |s| {
        Ok(s.staff()?.into_iter().filter(|m| m.active).collect())
    })
    .await
}

#[tauri::command]
pub async fn sign_in(app: State<'_, App>, request: cmd::SignIn) -> Answer<cmd::SignIn> {
    let cmd::SignIn { name, pin } = request;
    with_store(&app, move |s| s.sign_in(&name, &pin)).await
}

#[tauri::command]
pub async fn lock(app: State<'_, App>) -> Answer<cmd::Lock> {
    with_store(&app, |s| {
        s.lock();
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn search(app: State<'_, App>, request: cmd::Search) -> Answer<cmd::Search> {
    let cmd::Search { query } = request;
    with_store(&app, move |s| s.search(&query, 12)).await
}

#[tauri::command]
pub async fn scan(app: State<'_, App>, request: cmd::Scan) -> Answer<cmd::Scan> {
    let cmd::Scan { code } = request;
    with_store(&app, move |s| s.lookup_barcode(&code)).await
}

#[tauri::command]
pub async fn search_customers(
    app: State<'_, App>,
    request: cmd::SearchCustomers,
) -> Answer<cmd::SearchCustomers> {
    let cmd::SearchCustomers { query } = request;
    with_store(&app, move |s| s.search_customers(&query, 8)).await
}

#[tauri::command]
pub async fn quote(app: State<'_, App>, request: cmd::Quote) -> Answer<cmd::Quote> {
    let cmd::Quote { cart } = request;
    with_store(&app, move |s| s.quote(&cart)).await
}

#[tauri::command]
pub async fn complete_sale(
    app: State<'_, App>,
    request: cmd::CompleteSale,
) -> Answer<cmd::CompleteSale> {
    let cmd::CompleteSale { cart } = request;
    with_store(&app, move |s| s.complete_sale(cart)).await
}

#[tauri::command]
pub async fn receipt_html(
    app: State<'_, App>,
    request: cmd::ReceiptHtml,
) -> Answer<cmd::ReceiptHtml> {
    let cmd::ReceiptHtml { receipt, duplicate } = request;
    with_store(&app, move |s| {
        Ok(s.any_receipt(&receipt, duplicate)?.to_html())
    })
    .await
}

#[tauri::command]
pub async fn park_cart(app: State<'_, App>, request: cmd::ParkCart) -> Answer<cmd::ParkCart> {
    let cmd::ParkCart { label, cart } = request;
    with_store(&app, move |s| s.park_cart(&label, cart)).await
}

#[tauri::command]
pub async fn parked_carts(app: State<'_, App>) -> Answer<cmd::ParkedCarts> {
    with_store(&app, |s| s.parked_carts()).await
}

#[tauri::command]
pub async fn resume_cart(app: State<'_, App>, request: cmd::ResumeCart) -> Answer<cmd::ResumeCart> {
    let cmd::ResumeCart { id } = request;
    with_store(&app, move |s| s.resume_cart(&id)).await
}

#[tauri::command]
pub async fn order(app: State<'_, App>, request: cmd::Order) -> Answer<cmd::Order> {
    let cmd::Order { key } = request;
    with_store(&app, move |s| s.order(&key)).await
}

#[tauri::command]
pub async fn process_return(
    app: State<'_, App>,
    request: cmd::ProcessReturn,
) -> Answer<cmd::ProcessReturn> {
    let cmd::ProcessReturn { input } = request;
    with_store(&app, move |s| s.process_return(input)).await
}

#[tauri::command]
pub async fn preview_return(
    app: State<'_, App>,
    request: cmd::PreviewReturn,
) -> Answer<cmd::PreviewReturn> {
    let cmd::PreviewReturn { input } = request;
    with_store(&app, move |s| s.preview_return(input)).await
}

#[tauri::command]
pub async fn return_reasons(app: State<'_, App>) -> Answer<cmd::ReturnReasons> {
    with_store(&app, |s| s.return_reasons()).await
}

#[tauri::command]
pub async fn locations(app: State<'_, App>) -> Answer<cmd::Locations> {
    with_store(&app, |s| s.locations()).await
}

#[tauri::command]
pub async fn stock_levels(
    app: State<'_, App>,
    request: cmd::StockLevels,
) -> Answer<cmd::StockLevels> {
    let cmd::StockLevels { location, query } = request;
    with_store(&app, move |s| {
        s.stock_levels_matching(location.as_deref(), query.as_deref().unwrap_or(""), 300)
    })
    .await
}

#[tauri::command]
pub async fn stock_alerts(
    app: State<'_, App>,
    request: cmd::StockAlerts,
) -> Answer<cmd::StockAlerts> {
    let cmd::StockAlerts { location } = request;
    with_store(&app, move |s| s.stock_alerts(location.as_deref())).await
}

#[tauri::command]
pub async fn shopify_rows(request: cmd::ShopifyRows) -> Answer<cmd::ShopifyRows> {
    let cmd::ShopifyRows { csv, file, rows } = request;
    let bytes = csv_bytes(csv, file)?;
    let mut out = Vec::new();
    backroom_store::shopify::write_rows(&bytes[..], &rows, &mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

#[tauri::command]
pub async fn open_shift(app: State<'_, App>, request: cmd::OpenShift) -> Answer<cmd::OpenShift> {
    let cmd::OpenShift { location, float } = request;
    with_store(&app, move |s| s.open_shift(&location, float)).await
}

/// Closes the shift (counted cash or note by note, a reason, an approval when needed).
#[tauri::command]
pub async fn close_shift(app: State<'_, App>, request: cmd::CloseShift) -> Answer<cmd::CloseShift> {
    let cmd::CloseShift { input } = request;
    with_store(&app, move |s| s.close_shift_with(input)).await
}

/// What closing would give, before it is final.
#[tauri::command]
pub async fn review_close_shift(
    app: State<'_, App>,
    request: cmd::ReviewCloseShift,
) -> Answer<cmd::ReviewCloseShift> {
    let cmd::ReviewCloseShift { input } = request;
    with_store(&app, move |s| s.review_close_shift(input)).await
}

/// Past and open shifts, newest first.
#[tauri::command]
pub async fn shifts(app: State<'_, App>, request: cmd::Shifts) -> Answer<cmd::Shifts> {
    let cmd::Shifts { location } = request;
    with_store(&app, move |s| s.shifts(&location, 100)).await
}

/// The notes and coins of the store's currency, largest first (minor units).
#[tauri::command]
pub async fn denominations(app: State<'_, App>) -> Answer<cmd::Denominations> {
    with_store(&app, move |s| {
        Ok(backroom_domain::cash::denominations(s.settings()?.currency))
    })
    .await
}

/// Where this till stands with its server.
#[tauri::command]
pub async fn sync_status(app: State<'_, App>) -> Answer<cmd::SyncStatusQuery> {
    with_store(&app, |s| s.sync_status()).await
}

/// A sync round now, on the sync thread.
#[tauri::command]
pub async fn sync_now(app: State<'_, App>) -> Answer<cmd::SyncNow> {
    app.sync.ask(crate::syncer::SyncJob::Now).await
}

/// Connects this till to a server (on the sync thread: the network never blocks the till).
#[tauri::command]
pub async fn connect_server(
    app: State<'_, App>,
    request: cmd::ConnectServer,
) -> Answer<cmd::ConnectServer> {
    app.sync
        .ask(|reply| crate::syncer::SyncJob::Connect {
            url: request.url,
            code: request.code,
            reply,
        })
        .await
}

#[tauri::command]
pub async fn sync_conflicts(app: State<'_, App>) -> Answer<cmd::SyncConflicts> {
    with_store(&app, |s| s.sync_conflicts()).await
}

#[tauri::command]
pub async fn resolve_conflict(
    app: State<'_, App>,
    request: cmd::ResolveConflict,
) -> Answer<cmd::ResolveConflict> {
    with_store(&app, move |s| s.resolve_conflict(&request.id)).await
}

#[tauri::command]
pub async fn current_shift(
    app: State<'_, App>,
    request: cmd::CurrentShift,
) -> Answer<cmd::CurrentShift> {
    let cmd::CurrentShift { location } = request;
    with_store(&app, move |s| s.current_shift(&location)).await
}

#[tauri::command]
pub async fn z_report(
    app: State<'_, App>,
    request: cmd::ZReportQuery,
) -> Answer<cmd::ZReportQuery> {
    let cmd::ZReportQuery { shift } = request;
    with_store(&app, move |s| s.z_report(&shift)).await
}

/// The stores this replica holds sales of (head office's store filter).
#[tauri::command]
pub async fn stores(app: State<'_, App>) -> Answer<cmd::Stores> {
    with_store(&app, |s| s.stores()).await
}

#[tauri::command]
pub async fn orders(app: State<'_, App>, request: cmd::Orders) -> Answer<cmd::Orders> {
    let cmd::Orders { filter } = request;
    with_store(&app, move |s| s.orders(&filter)).await
}

#[tauri::command]
pub async fn order_timeline(
    app: State<'_, App>,
    request: cmd::OrderTimeline,
) -> Answer<cmd::OrderTimeline> {
    let cmd::OrderTimeline { key } = request;
    with_store(&app, move |s| s.order_timeline(&key)).await
}

#[tauri::command]
pub async fn customer(app: State<'_, App>, request: cmd::Customer) -> Answer<cmd::Customer> {
    let cmd::Customer { id } = request;
    with_store(&app, move |s| s.customer(&id)).await
}

#[tauri::command]
pub async fn customer_orders(
    app: State<'_, App>,
    request: cmd::CustomerOrders,
) -> Answer<cmd::CustomerOrders> {
    let cmd::CustomerOrders { id } = request;
    with_store(&app, move |s| s.customer_orders(&id)).await
}

#[tauri::command]
pub async fn gift_card(app: State<'_, App>, request: cmd::GiftCard) -> Answer<cmd::GiftCard> {
    let cmd::GiftCard { code } = request;
    with_store(&app, move |s| s.gift_card(&code)).await
}

/// Creates a customer (at the till, the returns desk or on Customers); returns the new id.
#[tauri::command]
pub async fn create_customer(
    app: State<'_, App>,
    request: cmd::CreateCustomer,
) -> Answer<cmd::CreateCustomer> {
    let cmd::CreateCustomer { customer } = request;
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
    request: cmd::UpdateCustomer,
) -> Answer<cmd::UpdateCustomer> {
    let cmd::UpdateCustomer { id, customer } = request;
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
    request: cmd::CustomersSharing,
) -> Answer<cmd::CustomersSharing> {
    let cmd::CustomersSharing { customer, except } = request;
    with_store(&app, move |s| {
        s.customers_sharing(&customer, except.as_deref())
    })
    .await
}

/// The sales the returns desk may mean: receipt (scanned), short number, card reference or
/// customer.
#[tauri::command]
pub async fn find_sales(app: State<'_, App>, request: cmd::FindSales) -> Answer<cmd::FindSales> {
    let cmd::FindSales { key } = request;
    with_store(&app, move |s| s.find_sales(&key)).await
}

/// Staff who can approve for the signed-in member (picked from a list at the till).
#[tauri::command]
pub async fn approvers(app: State<'_, App>) -> Answer<cmd::Approvers> {
    with_store(&app, move |s| s.approvers()).await
}

/// A typed quantity of an item in its stock units (`0.5` of a kg item is 500).
#[tauri::command]
pub async fn parse_quantity(
    app: State<'_, App>,
    request: cmd::ParseQuantity,
) -> Answer<cmd::ParseQuantity> {
    let cmd::ParseQuantity {
        code,
        text,
        field,
        positive,
    } = request;
    with_store(&app, move |s| {
        s.parse_quantity(&code, &text, &field, positive)
    })
    .await
}

#[tauri::command]
pub async fn adjust_stock(
    app: State<'_, App>,
    request: cmd::AdjustStock,
) -> Answer<cmd::AdjustStock> {
    let cmd::AdjustStock { adjustment } = request;
    with_store(&app, move |s| s.adjust_stock(adjustment)).await
}

#[tauri::command]
pub async fn move_stock(app: State<'_, App>, request: cmd::MoveStock) -> Answer<cmd::MoveStock> {
    let cmd::MoveStock { change } = request;
    with_store(&app, move |s| s.move_stock(change)).await
}

/// Drafts and sends a transfer in one step (what a store does when the box leaves).
#[tauri::command]
pub async fn send_transfer(
    app: State<'_, App>,
    request: cmd::SendTransfer,
) -> Answer<cmd::SendTransfer> {
    let cmd::SendTransfer { from, to, lines } = request;
    with_store(&app, move |s| s.send_new_transfer(&from, &to, lines, "")).await
}

#[tauri::command]
pub async fn transfers(app: State<'_, App>) -> Answer<cmd::Transfers> {
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
    request: cmd::ReceiveTransfer,
) -> Answer<cmd::ReceiveTransfer> {
    let cmd::ReceiveTransfer {
        number,
        lines,
        close,
    } = request;
    with_store(&app, move |s| {
        s.receive_transfer(&number, lines, close)?;
        s.transfer(&number)
    })
    .await
}

#[tauri::command]
pub async fn start_count(app: State<'_, App>, request: cmd::StartCount) -> Answer<cmd::StartCount> {
    let cmd::StartCount { location } = request;
    with_store(&app, move |s| s.start_count(&location, None)).await
}

#[tauri::command]
pub async fn record_count(
    app: State<'_, App>,
    request: cmd::RecordCount,
) -> Answer<cmd::RecordCount> {
    let cmd::RecordCount {
        count_id,
        code,
        quantity,
    } = request;
    with_store(&app, move |s| {
        s.record_count(&count_id, &code, quantity)?;
        s.count(&count_id)
    })
    .await
}

#[tauri::command]
pub async fn apply_count(app: State<'_, App>, request: cmd::ApplyCount) -> Answer<cmd::ApplyCount> {
    let cmd::ApplyCount { count_id } = request;
    with_store(&app, move |s| s.apply_count(&count_id, false)).await
}

// ---- Progress of long work -----------------------------------------------------------------

/// What the UI hears while long work runs: `done` of `total` units of `task`.
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
pub async fn export_shopify_file(
    app: State<'_, App>,
    request: cmd::ExportShopifyFile,
) -> Answer<cmd::ExportShopifyFile> {
    let cmd::ExportShopifyFile { file } = request;
    with_store(&app, move |s| {
        s.export_shopify_file(std::path::Path::new(file.trim()))
    })
    .await
}

/// The CSV to import: the text pasted, or the file chosen or dropped (read here, so a 30 MB
/// export never crosses the bridge).
fn csv_bytes(csv: String, file: String) -> Result<Vec<u8>, ApiError> {
    match Some(file).filter(|f| !f.trim().is_empty()) {
        Some(path) => std::fs::read(path.trim()).map_err(|e| ApiError {
            code: ErrorCode::Other("unreadable".into()),
            message: format!("{} cannot be read: {e}", path.trim()),
            field: Some("file".into()),
        }),
        None => Ok(csv.into_bytes()),
    }
}

#[tauri::command]
pub async fn import_shopify_with_progress(
    app: State<'_, App>,
    handle: AppHandle,
    request: cmd::ImportShopify,
) -> Answer<cmd::ImportShopify> {
    let cmd::ImportShopify {
        csv,
        file,
        dry_run,
        location,
        skip_invalid,
    } = request;
    let bytes = csv_bytes(csv, file)?;
    with_store(&app, move |s| {
        s.import_shopify(
            &bytes[..],
            &ImportOptions {
                dry_run,
                location,
                skip_invalid,
            },
            &EmitProgress::new(handle, "import"),
        )
    })
    .await
}

// ---- Catalog ---------------------------------------------------------------------------------

#[tauri::command]
pub async fn product_list(
    app: State<'_, App>,
    request: cmd::ProductList,
) -> Answer<cmd::ProductList> {
    let cmd::ProductList { query } = request;
    with_store(&app, move |s| s.product_list(&query, 100)).await
}

#[tauri::command]
pub async fn product(app: State<'_, App>, request: cmd::Product) -> Answer<cmd::Product> {
    let cmd::Product { sku } = request;
    with_store(&app, move |s| s.product_by_sku(&sku)).await
}

#[tauri::command]
pub async fn product_by_handle(
    app: State<'_, App>,
    request: cmd::ProductByHandle,
) -> Answer<cmd::ProductByHandle> {
    let cmd::ProductByHandle { handle } = request;
    with_store(&app, move |s| s.product_by_handle(&handle)).await
}

#[tauri::command]
pub async fn create_product(
    app: State<'_, App>,
    request: cmd::CreateProduct,
) -> Answer<cmd::CreateProduct> {
    let cmd::CreateProduct { product } = request;
    with_store(&app, move |s| s.create_product(product)).await
}

#[tauri::command]
pub async fn save_product(
    app: State<'_, App>,
    request: cmd::SaveProduct,
) -> Answer<cmd::SaveProduct> {
    let cmd::SaveProduct { product } = request;
    with_store(&app, move |s| s.save_product(product)).await
}

#[tauri::command]
pub async fn tax_classes(app: State<'_, App>) -> Answer<cmd::TaxClasses> {
    with_store(&app, |s| s.tax_classes()).await
}

#[tauri::command]
pub async fn create_tax_class(
    app: State<'_, App>,
    request: cmd::CreateTaxClass,
) -> Answer<cmd::CreateTaxClass> {
    let cmd::CreateTaxClass { code, name, rate } = request;
    with_store(&app, move |s| s.create_tax_class(&code, &name, &rate)).await
}

#[tauri::command]
pub async fn price_lists(app: State<'_, App>) -> Answer<cmd::PriceLists> {
    with_store(&app, |s| s.price_lists()).await
}

#[tauri::command]
pub async fn price_list_items(
    app: State<'_, App>,
    request: cmd::PriceListItems,
) -> Answer<cmd::PriceListItems> {
    let cmd::PriceListItems { code } = request;
    with_store(&app, move |s| s.price_list_items(&code)).await
}

#[tauri::command]
pub async fn create_price_list(
    app: State<'_, App>,
    request: cmd::CreatePriceList,
) -> Answer<cmd::CreatePriceList> {
    let cmd::CreatePriceList { list } = request;
    with_store(&app, move |s| s.create_price_list(list)).await
}

#[tauri::command]
pub async fn set_list_price(
    app: State<'_, App>,
    request: cmd::SetListPrice,
) -> Answer<cmd::SetListPrice> {
    let cmd::SetListPrice { list, sku, price } = request;
    with_store(&app, move |s| s.set_list_price(&list, &sku, price)).await
}

// ---- Settings --------------------------------------------------------------------------------

#[tauri::command]
pub async fn store_settings(app: State<'_, App>) -> Answer<cmd::StoreSettings> {
    with_store(&app, |s| s.store_settings()).await
}

#[tauri::command]
pub async fn update_store_settings(
    app: State<'_, App>,
    request: cmd::UpdateStoreSettings,
) -> Answer<cmd::UpdateStoreSettings> {
    let cmd::UpdateStoreSettings { settings } = request;
    with_store(&app, move |s| s.update_store_settings(settings)).await
}

#[tauri::command]
pub async fn create_location(
    app: State<'_, App>,
    request: cmd::CreateLocation,
) -> Answer<cmd::CreateLocation> {
    let cmd::CreateLocation { location } = request;
    with_store(&app, move |s| s.create_location(location)).await
}

#[tauri::command]
pub async fn roles(app: State<'_, App>) -> Answer<cmd::Roles> {
    with_store(&app, |s| s.roles()).await
}

#[tauri::command]
pub async fn all_staff(app: State<'_, App>) -> Answer<cmd::AllStaff> {
    with_store(&app, |s| s.staff()).await
}

#[tauri::command]
pub async fn set_role_grant(
    app: State<'_, App>,
    request: cmd::SetRoleGrant,
) -> Answer<cmd::SetRoleGrant> {
    let cmd::SetRoleGrant {
        role,
        permission,
        grant,
    } = request;
    with_store(&app, move |s| {
        let p = Permission::parse(&permission).map_err(StoreError::from)?;
        let g = Grant::parse(&grant).map_err(StoreError::from)?;
        s.set_role_grant(&role, p, g)
    })
    .await
}

#[tauri::command]
pub async fn add_staff(app: State<'_, App>, request: cmd::AddStaff) -> Answer<cmd::AddStaff> {
    let cmd::AddStaff {
        name,
        role,
        pin,
        locations,
    } = request;
    with_store(&app, move |s| s.add_staff(&name, &role, &pin, &locations)).await
}

#[tauri::command]
pub async fn set_staff_role(
    app: State<'_, App>,
    request: cmd::SetStaffRole,
) -> Answer<cmd::SetStaffRole> {
    let cmd::SetStaffRole { name, role } = request;
    with_store(&app, move |s| s.set_staff_role(&name, &role)).await
}

#[tauri::command]
pub async fn set_staff_pin(
    app: State<'_, App>,
    request: cmd::SetStaffPin,
) -> Answer<cmd::SetStaffPin> {
    let cmd::SetStaffPin { name, pin } = request;
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
    request: cmd::PrintReceipt,
) -> Answer<cmd::PrintReceipt> {
    let cmd::PrintReceipt { receipt, duplicate } = request;
    send_job(with_store(&app, move |s| s.receipt_job(&receipt, duplicate)).await?).await
}

/// A test page on `printer` in the print format being edited (`columns`, `code_page`; the
/// saved one for what is not given), before it is saved.
#[tauri::command]
pub async fn print_test_page(
    app: State<'_, App>,
    request: cmd::PrintTestPage,
) -> Answer<cmd::PrintTestPage> {
    let cmd::PrintTestPage {
        printer,
        columns,
        code_page,
    } = request;
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
pub async fn print_z_report(
    app: State<'_, App>,
    request: cmd::PrintZReport,
) -> Answer<cmd::PrintZReport> {
    let cmd::PrintZReport { shift } = request;
    send_job(with_store(&app, move |s| s.z_report_job(&shift)).await?).await
}

#[tauri::command]
pub async fn cash_movement(
    app: State<'_, App>,
    request: cmd::CashMovement,
) -> Answer<cmd::CashMovement> {
    let cmd::CashMovement {
        location,
        amount,
        reason,
    } = request;
    with_store(&app, move |s| s.cash_movement(&location, amount, &reason)).await
}

/// A backup file in the backups folder.
/// The backups folder: beside the database, `backups/`.
fn backups_dir(app: &App) -> PathBuf {
    app.path
        .parent()
        .map(|p| p.join("backups"))
        .unwrap_or_else(|| PathBuf::from("backups"))
}

#[tauri::command]
pub async fn backups(app: State<'_, App>) -> Answer<cmd::Backups> {
    Ok(backroom_store::backups_in(&backups_dir(&app)))
}

/// Backs up to `backups/backroom-<store's local date and time>.sqlite` beside the database
/// (`backroom-2026-11-30_14-05-09.sqlite`), with progress.
#[tauri::command]
pub async fn backup_now(app: State<'_, App>, handle: AppHandle) -> Answer<cmd::BackupNow> {
    let dir = backups_dir(&app);
    with_store(&app, move |s| {
        s.backup_into(&dir, &EmitProgress::new(handle, "backup"))
    })
    .await
}

#[tauri::command]
pub async fn void_order(app: State<'_, App>, request: cmd::VoidOrder) -> Answer<cmd::VoidOrder> {
    let cmd::VoidOrder {
        key,
        reason,
        approval,
    } = request;
    with_store(&app, move |s| s.void_sale(&key, &reason, approval.as_ref())).await
}

/// The system's file dialog (GTK on Linux), run off the async runtime: it blocks until the
/// person picks a file or cancels. Only the path crosses the bridge; the file is read or
/// written by the use-case it is given to.
#[tauri::command]
pub async fn pick_file(handle: AppHandle, request: cmd::PickFile) -> Answer<cmd::PickFile> {
    use tauri_plugin_dialog::DialogExt;
    let cmd::PickFile {
        save,
        title,
        filter_name,
        extensions,
        file_name,
    } = request;
    tauri::async_runtime::spawn_blocking(move || {
        let mut dialog = handle.dialog().file().set_title(title);
        let extensions: Vec<&str> = extensions.iter().map(String::as_str).collect();
        if !extensions.is_empty() {
            dialog = dialog.add_filter(filter_name, &extensions);
        }
        if !file_name.trim().is_empty() {
            dialog = dialog.set_file_name(file_name.trim());
        }
        let picked = if save {
            dialog.blocking_save_file()
        } else {
            dialog.blocking_pick_file()
        };
        picked
            .map(|p| p.into_path().map(|p| p.display().to_string()))
            .transpose()
            .map_err(|e| {
                internal(format!(
                    "the file dialog answered something unreadable: {e}"
                ))
            })
    })
    .await
    .map_err(|e| internal(e.to_string()))?
}

// ---- Customer feedback (issue 16) ----

#[tauri::command]
pub async fn surveys(app: State<'_, App>) -> Answer<cmd::Surveys> {
    with_store(&app, |s| s.surveys()).await
}

#[tauri::command]
pub async fn define_survey_template(
    app: State<'_, App>,
    request: cmd::DefineSurveyTemplate,
) -> Answer<cmd::DefineSurveyTemplate> {
    let cmd::DefineSurveyTemplate { key } = request;
    with_store(&app, move |s| {
        if let Some(v) = s.survey(&key)? {
            return Ok(v);
        }
        let def = s
            .survey_templates()
            .into_iter()
            .find(|t| t.key == key)
            .ok_or_else(|| StoreError::not_found("key", "survey template", &key))?;
        s.define_survey(def, "active")
    })
    .await
}

#[tauri::command]
pub async fn record_survey_response(
    app: State<'_, App>,
    request: cmd::RecordSurveyResponse,
) -> Answer<cmd::RecordSurveyResponse> {
    let cmd::RecordSurveyResponse { input } = request;
    with_store(&app, move |s| s.record_response(input)).await
}

#[tauri::command]
pub async fn record_survey_display(
    app: State<'_, App>,
    request: cmd::RecordSurveyDisplay,
) -> Answer<cmd::RecordSurveyDisplay> {
    let cmd::RecordSurveyDisplay {
        survey,
        channel,
        order,
    } = request;
    with_store(&app, move |s| {
        s.record_display(&survey, &channel, order.as_deref())
    })
    .await
}

#[tauri::command]
pub async fn feedback_dashboard(
    app: State<'_, App>,
    request: cmd::FeedbackDashboardQuery,
) -> Answer<cmd::FeedbackDashboardQuery> {
    let cmd::FeedbackDashboardQuery { filter } = request;
    with_store(&app, move |s| s.feedback_dashboard(&filter)).await
}

#[tauri::command]
pub async fn feedback_themes(
    app: State<'_, App>,
    request: cmd::FeedbackThemesQuery,
) -> Answer<cmd::FeedbackThemesQuery> {
    let cmd::FeedbackThemesQuery { filter } = request;
    with_store(&app, move |s| s.themes_report(&filter)).await
}

#[tauri::command]
pub async fn alerts(app: State<'_, App>, request: cmd::Alerts) -> Answer<cmd::Alerts> {
    let cmd::Alerts {} = request;
    with_store(&app, move |s| s.evaluate_alerts()).await
}

/// The kiosk's full screen: the window the command came from, so nothing of the desktop shows
/// around the customer's buttons. No store access.
#[tauri::command]
pub async fn kiosk_window(
    window: tauri::WebviewWindow,
    request: cmd::KioskWindow,
) -> Answer<cmd::KioskWindow> {
    window
        .set_fullscreen(request.on)
        .map_err(|e| internal(format!("full screen: {e}")))
}

#[tauri::command]
pub async fn acknowledge_alert(
    app: State<'_, App>,
    request: cmd::AcknowledgeAlert,
) -> Answer<cmd::AcknowledgeAlert> {
    let cmd::AcknowledgeAlert { id } = request;
    with_store(&app, move |s| s.acknowledge_alert(&id)).await
}

#[tauri::command]
pub async fn sales_dashboard(
    app: State<'_, App>,
    request: cmd::SalesDashboardQuery,
) -> Answer<cmd::SalesDashboardQuery> {
    let cmd::SalesDashboardQuery { filter } = request;
    with_store(&app, move |s| s.sales_dashboard(&filter)).await
}

#[tauri::command]
pub async fn sales_feedback(
    app: State<'_, App>,
    request: cmd::SalesFeedbackQuery,
) -> Answer<cmd::SalesFeedbackQuery> {
    let cmd::SalesFeedbackQuery { filter } = request;
    with_store(&app, move |s| s.sales_feedback(&filter)).await
}

#[tauri::command]
pub async fn frequently_bought_together(
    app: State<'_, App>,
    request: cmd::FrequentlyBoughtTogetherQuery,
) -> Answer<cmd::FrequentlyBoughtTogetherQuery> {
    let cmd::FrequentlyBoughtTogetherQuery { product } = request;
    with_store(&app, move |s| s.frequently_bought_together(&product)).await
}

#[tauri::command]
pub async fn survey_responses(
    app: State<'_, App>,
    request: cmd::SurveyResponses,
) -> Answer<cmd::SurveyResponses> {
    let cmd::SurveyResponses { query } = request;
    with_store(&app, move |s| s.responses(&query)).await
}

#[tauri::command]
pub async fn export_survey_responses(
    app: State<'_, App>,
    request: cmd::ExportSurveyResponses,
) -> Answer<cmd::ExportSurveyResponses> {
    let cmd::ExportSurveyResponses { query, file } = request;
    with_store(&app, move |s| {
        let csv = s.export_responses_csv(&query)?;
        let rows = csv.lines().count().saturating_sub(1) as u64;
        std::fs::write(file.trim(), csv)
            .map_err(|e| StoreError::invalid("file", "write", format!("{}: {e}", file.trim())))?;
        Ok(rows)
    })
    .await
}

#[tauri::command]
pub async fn accept_theme(
    app: State<'_, App>,
    request: cmd::AcceptTheme,
) -> Answer<cmd::AcceptTheme> {
    let cmd::AcceptTheme { code, name, term } = request;
    with_store(&app, move |s| {
        s.set_theme(
            backroom_domain::themes::ThemeRule {
                code,
                name,
                terms: vec![term],
            },
            true,
            "suggested",
        )
    })
    .await
}
