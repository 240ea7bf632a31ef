//! The desktop's commands, one request type each, naming its response.
//!
//! A request is a plain serde struct; [`Command::NAME`] is the name the shell registers it
//! under and [`Command::Response`] what it answers. The UI sends `{"request": <request>}`
//! through one function (`ui/src/api.rs`), so no call site spells a command name or an
//! argument key; the shell's handler for `C` takes `request: C` and returns [`Answer<C>`], so
//! a handler that answered another type does not compile. [`COMMANDS`] lists every name; the
//! shell's tests check it registers exactly these.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::*;

/// A request the desktop shell answers.
pub trait Command: Serialize + DeserializeOwned {
    /// The shell's command name (`snake_case`, the handler function's name).
    const NAME: &'static str;
    /// What the command answers on success.
    type Response: Serialize + DeserializeOwned;
}

/// What the handler of `C` returns: its response, or the one error shape.
pub type Answer<C> = Result<<C as Command>::Response, ApiError>;

macro_rules! commands {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident => $req:ident { $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)? } -> $resp:ty;
    )*) => {
        $(
            $(#[doc = $doc])*
            #[derive(Debug, Clone, Serialize, Deserialize)]
            pub struct $req { $( $(#[$fmeta])* pub $field: $ty ),* }

            impl Command for $req {
                const NAME: &'static str = stringify!($name);
                type Response = $resp;
            }
        )*

        /// Every command's name, in the order declared.
        pub const COMMANDS: &[&str] = &[$(stringify!($name)),*];
    };
}

commands! {
    /// Whether the database is set up, its store and currency, where it lives.
    app_status => AppStatusQuery {} -> AppStatus;
    /// Sets up a new store with its owner (first start).
    setup_store => SetupStore { store_name: String, currency: String, owner_name: String, owner_pin: String } -> ();
    /// Replaces the database with the demo store.
    setup_demo => SetupDemo {} -> ();
    /// Restores a backup file (onto an empty store, or keeping the current one beside it).
    restore_backup => RestoreBackup { file: String } -> RestoreReport;
    /// Active staff, to sign in.
    staff_names => StaffNames {} -> Vec<StaffView>;
    /// Signs in with a PIN.
    sign_in => SignIn { name: String, pin: String } -> StaffView;
    /// Locks the till (signs out).
    lock => Lock {} -> ();
    /// Puts the app's window in the system's full screen (`on`) for the customer-facing kiosk,
    /// or takes it back out (`false`) when a staff PIN leaves it.
    kiosk_window => KioskWindow { on: bool } -> ();
    /// Sellable variants matching the words typed (title, SKU, barcode).
    search => Search { query: String } -> Vec<VariantHit>;
    /// A scanned code resolved to a variant, or none.
    scan => Scan { code: String } -> Option<ScanHit>;
    /// Customers matching every word typed (name, email, phone).
    search_customers => SearchCustomers { query: String } -> Vec<CustomerView>;
    /// The cart priced by the engine: lines, discounts, taxes, tenders.
    quote => Quote { cart: SaleInput } -> CartQuote;
    /// Completes a sale.
    complete_sale => CompleteSale { cart: SaleInput } -> OrderView;
    /// A receipt (sale or refund slip) as HTML.
    receipt_html => ReceiptHtml { receipt: String, duplicate: bool } -> String;
    /// Parks a cart under a label; answers its id.
    park_cart => ParkCart { label: String, cart: SaleInput } -> String;
    /// Parked carts: (id, label, lines).
    parked_carts => ParkedCarts {} -> Vec<(String, String, usize)>;
    /// Takes a parked cart back.
    resume_cart => ResumeCart { id: String } -> SaleInput;
    /// One order by id or receipt number.
    order => Order { key: String } -> OrderView;
    /// Sales found by receipt, short number, payment reference or customer.
    find_sales => FindSales { key: String } -> Vec<OrderSummary>;
    /// Processes a return.
    process_return => ProcessReturn { input: ReturnInput } -> ReturnView;
    /// What a return would do, writing nothing.
    preview_return => PreviewReturn { input: ReturnInput } -> ReturnView;
    /// Return reasons: (code, label).
    return_reasons => ReturnReasons {} -> Vec<(String, String)>;
    /// Staff who may approve what needs a manager.
    approvers => Approvers {} -> Vec<StaffView>;
    /// Locations.
    locations => Locations {} -> Vec<LocationView>;
    /// Stock levels, optionally at one location and matching words.
    stock_levels => StockLevels { location: Option<String>, query: Option<String> } -> Vec<StockLevelRow>;
    /// Variants at or below their reorder point.
    stock_alerts => StockAlerts { location: Option<String> } -> Vec<StockAlertRow>;
    /// A typed quantity read in the variant's unit (pieces, or thousandths of a measure).
    parse_quantity => ParseQuantity { code: String, text: String, field: String, positive: bool } -> i64;
    /// Adjusts stock (receive, write off, correct).
    adjust_stock => AdjustStock { adjustment: Adjustment } -> ();
    /// Moves stock between states at one location.
    move_stock => MoveStock { change: StateMove } -> ();
    /// Creates and sends a transfer in one step.
    send_transfer => SendTransfer { from: String, to: String, lines: Vec<TransferLineInput> } -> TransferView;
    /// The latest transfers.
    transfers => Transfers {} -> Vec<TransferView>;
    /// Receives (part of) a transfer.
    receive_transfer => ReceiveTransfer { number: String, lines: Vec<ReceiveLine>, close: bool } -> TransferView;
    /// Starts a count at a location; answers its id.
    start_count => StartCount { location: String } -> String;
    /// Records a counted code (quantity, or one scan).
    record_count => RecordCount { count_id: String, code: String, quantity: Option<i64> } -> CountView;
    /// Applies a count; answers the corrections made.
    apply_count => ApplyCount { count_id: String } -> usize;
    /// Imports a Shopify product or inventory CSV (typed text or a file path), with progress events.
    import_shopify_with_progress => ImportShopify {
        /// The CSV text, when it was typed or pasted (ignored when `file` is given).
        csv: String,
        /// The path of the file chosen or dropped ("" for none).
        file: String,
        dry_run: bool,
        location: Option<String>,
        /// Import the valid products and skip the ones with problems.
        skip_invalid: bool,
    } -> ImportReport;
    /// The given rows (1-based, header kept) of a CSV, to save the ones that were skipped.
    shopify_rows => ShopifyRows { csv: String, file: String, rows: Vec<u64> } -> String;
    /// Exports the catalogue as a Shopify product CSV to a new file; answers the rows written.
    export_shopify_file => ExportShopifyFile { file: String } -> u64;
    /// Opens a shift with a float (minor units); answers its number.
    open_shift => OpenShift { location: String, float: i64 } -> String;
    /// What closing would record (expected, counted, difference, what it needs).
    review_close_shift => ReviewCloseShift { input: CloseShiftInput } -> CloseShiftReview;
    /// Closes the shift; answers its Z-report.
    close_shift => CloseShift { input: CloseShiftInput } -> ZReport;
    /// The open shift's number, if any.
    current_shift => CurrentShift { location: String } -> Option<String>;
    /// Past shifts, newest first.
    shifts => Shifts { location: String } -> Vec<ShiftSummary>;
    /// A shift's Z-report.
    z_report => ZReportQuery { shift: String } -> ZReport;
    /// The currency's notes and coins (minor units), largest first.
    denominations => Denominations {} -> Vec<i64>;
    /// Where this till stands with its server: mode, ops not yet pushed, last sync, conflicts.
    sync_status => SyncStatusQuery {} -> SyncStatus;
    /// Runs a sync round now (the background task's next round, at once); answers the status
    /// after it.
    sync_now => SyncNow {} -> SyncStatus;
    /// Connects this till to a server with a one-time enrolment code, then syncs: a store that
    /// ran standalone joins with its history; an empty database becomes a new till of the store.
    connect_server => ConnectServer { url: String, code: String } -> SyncStatus;
    /// Sync conflicts not yet resolved, newest first.
    sync_conflicts => SyncConflicts {} -> Vec<SyncConflictView>;
    /// Marks a sync conflict resolved (a manager looked at it); audited.
    resolve_conflict => ResolveConflict { id: String } -> ();
    /// Every survey (key, version, status, public key, definition).
    surveys => Surveys {} -> Vec<crate::feedback::SurveyView>;
    /// Defines a ready-made survey by its template key (or leaves it as it is).
    define_survey_template => DefineSurveyTemplate { key: String } -> crate::feedback::SurveyView;
    /// Records a response (staff entered at the returns desk, or the customer's at the kiosk).
    record_survey_response => RecordSurveyResponse { input: crate::feedback::ResponseInput } -> String;
    /// Records that a survey was shown (the kiosk asked).
    record_survey_display => RecordSurveyDisplay { survey: String, channel: String, order: Option<String> } -> String;
    /// The Dashboards screen's feedback section for one scope.
    feedback_dashboard => FeedbackDashboardQuery { filter: crate::feedback::FeedbackFilter } -> crate::feedback::FeedbackDashboard;
    /// Evaluates the alert rules now (firing what is new) and returns the open alerts.
    alerts => Alerts {} -> Vec<crate::alerts::AlertView>;
    /// Acknowledges an open alert as the signed-in staff member (audited).
    acknowledge_alert => AcknowledgeAlert { id: String } -> ();
    /// The Dashboards screen's themes for one scope (read after its figures).
    feedback_themes => FeedbackThemesQuery { filter: crate::feedback::FeedbackFilter } -> crate::feedback::ThemesView;
    /// The NPS of the answers tied to orders, per product and staff member (read after the sales).
    sales_feedback => SalesFeedbackQuery { filter: crate::sales::SalesFilter } -> crate::sales::SalesFeedback;
    /// The Dashboards screen's sales section for one scope.
    sales_dashboard => SalesDashboardQuery { filter: crate::sales::SalesFilter } -> crate::sales::SalesDashboard;
    /// The products most often bought with one product (its id, handle or a variant's SKU)
    /// this month and the twelve before, for staff to suggest.
    frequently_bought_together => FrequentlyBoughtTogetherQuery { product: String } -> crate::sales::FrequentlyBoughtTogether;
    /// The drill-down: responses in scope with the filters.
    survey_responses => SurveyResponses { query: crate::feedback::ResponseQuery } -> Vec<crate::feedback::ResponseView>;
    /// Writes the drill-down's responses as CSV to `file`; how many rows.
    export_survey_responses => ExportSurveyResponses { query: crate::feedback::ResponseQuery, file: String } -> u64;
    /// Accepts a suggested term as a theme (tags every comment again).
    accept_theme => AcceptTheme { code: String, name: String, term: String } -> ();
    /// Cash put in (positive) or taken out of the drawer.
    cash_movement => CashMovement { location: String, amount: i64, reason: String } -> ();
    /// The codes of the stores whose sales this replica holds (head office: every store; a
    /// connected till: its own; standalone: none), for the store filter.
    stores => Stores {} -> Vec<String>;
    /// Orders matching a filter.
    orders => Orders { filter: OrderFilter } -> Vec<OrderSummary>;
    /// What happened to an order, in order.
    order_timeline => OrderTimeline { key: String } -> Vec<AuditEntryView>;
    /// Voids a sale of the open shift (restocks, reverses its payments).
    void_order => VoidOrder { key: String, reason: String, approval: Option<Approval> } -> OrderView;
    /// One customer.
    customer => Customer { id: String } -> CustomerView;
    /// A customer's orders, newest first.
    customer_orders => CustomerOrders { id: String } -> Vec<OrderView>;
    /// Adds a customer.
    create_customer => CreateCustomer { customer: CustomerInput } -> CustomerView;
    /// Changes a customer's details.
    update_customer => UpdateCustomer { id: String, customer: CustomerInput } -> CustomerView;
    /// Customers who already have this email or phone (the duplicate warning).
    customers_sharing => CustomersSharing { customer: CustomerInput, except: Option<String> } -> Vec<CustomerView>;
    /// A gift card's balance.
    gift_card => GiftCard { code: String } -> GiftCardView;
    /// Products matching words, for the catalogue list.
    product_list => ProductList { query: String } -> Vec<ProductRow>;
    /// A product by one of its SKUs.
    product => Product { sku: String } -> Option<ProductInput>;
    /// A product by its handle.
    product_by_handle => ProductByHandle { handle: String } -> Option<ProductInput>;
    /// Adds a product; answers its handle.
    create_product => CreateProduct { product: ProductInput } -> String;
    /// Saves an edited product; answers its handle.
    save_product => SaveProduct { product: ProductInput } -> String;
    /// Tax classes.
    tax_classes => TaxClasses {} -> Vec<TaxClassView>;
    /// Adds a tax class (rate typed as a percentage); answers its code.
    create_tax_class => CreateTaxClass { code: String, name: String, rate: String } -> String;
    /// Price lists.
    price_lists => PriceLists {} -> Vec<PriceListView>;
    /// A price list's prices.
    price_list_items => PriceListItems { code: String } -> Vec<PriceListItemView>;
    /// Adds a price list; answers its code.
    create_price_list => CreatePriceList { list: PriceListInput } -> String;
    /// Sets a variant's price on a list (minor units).
    set_list_price => SetListPrice { list: String, sku: String, price: i64 } -> ();
    /// The store's settings.
    store_settings => StoreSettings {} -> StoreSettingsView;
    /// Saves the store's settings.
    update_store_settings => UpdateStoreSettings { settings: StoreSettingsView } -> ();
    /// Adds a location; answers its code.
    create_location => CreateLocation { location: NewLocation } -> String;
    /// Roles and their grants.
    roles => Roles {} -> Vec<RoleView>;
    /// All staff, active or not.
    all_staff => AllStaff {} -> Vec<StaffView>;
    /// Sets one permission of a role (`grant`: allow, approve, deny).
    set_role_grant => SetRoleGrant { role: String, permission: String, grant: String } -> ();
    /// Adds a staff member; answers their id.
    add_staff => AddStaff { name: String, role: String, pin: String, locations: Vec<String> } -> String;
    /// Changes a staff member's role.
    set_staff_role => SetStaffRole { name: String, role: String } -> ();
    /// Changes a staff member's PIN.
    set_staff_pin => SetStaffPin { name: String, pin: String } -> ();
    /// Prints a receipt on the receipt printer.
    print_receipt => PrintReceipt { receipt: String, duplicate: bool } -> PrintResult;
    /// Prints a shift's Z-report.
    print_z_report => PrintZReport { shift: String } -> PrintResult;
    /// Prints a test page on a printer, with a paper width and code page to try.
    print_test_page => PrintTestPage { printer: String, columns: Option<u32>, code_page: Option<String> } -> PrintResult;
    /// Asks the person for a file with the system's file dialog: one to open (`save: false`)
    /// or where to save (`save: true`, starting at `file_name`), offering the files whose
    /// extension is in `extensions` (no dot) under `filter_name`. Answers the path, or none
    /// when the dialog was cancelled.
    pick_file => PickFile {
        save: bool,
        title: String,
        filter_name: String,
        extensions: Vec<String>,
        file_name: String,
    } -> Option<String>;
    /// Backups kept beside the database, newest first.
    backups => Backups {} -> Vec<BackupFile>;
    /// Takes a backup now, with progress events.
    backup_now => BackupNow {} -> BackupFile;
}

/// The state of the open database, for the first screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppStatus {
    pub initialised: bool,
    pub store_name: String,
    pub currency: String,
    /// Where the database file lives.
    pub database: String,
}

/// A backup file and its size in bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupFile {
    pub path: String,
    pub bytes: u64,
}

/// Where this till stands with its server (`backroom sync status --json`, the header's
/// indicator). Times are ms since the Unix epoch (UTC).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// `standalone`, `connected` (one store) or `head_office`.
    pub mode: String,
    pub server: Option<String>,
    /// The store's code (`*` for head office).
    pub store: Option<String>,
    pub device_code: Option<String>,
    /// This till's ops the server has not acknowledged yet.
    pub pending_ops: i64,
    /// When the last sync round finished without error.
    pub last_sync_at: Option<i64>,
    /// When the last round failed, and why (cleared by a good one).
    pub last_error_at: Option<i64>,
    pub last_error: Option<String>,
    /// Unresolved sync conflicts (keys kept under another name, ops the server refused).
    pub conflicts: i64,
}

/// A sync conflict for a manager to look at: `key` is what clashed (`location.code`,
/// `variant.sku`, `op.rejected`, …), `value` the value as it arrived, `kept_as` what the
/// arriving row is called here until someone renames it. `at` in ms since the Unix epoch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncConflictView {
    pub id: String,
    pub key: String,
    pub value: String,
    pub kept_as: String,
    pub at: i64,
}

/// The `progress` event a long task emits: `done` of `total` steps of `task`
/// (`import`, `backup`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProgressEvent {
    pub task: String,
    pub done: u64,
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for n in COMMANDS {
            assert!(seen.insert(*n), "{n} declared twice");
            assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{n}");
        }
        assert_eq!(Search::NAME, "search");
        assert_eq!(ImportShopify::NAME, "import_shopify_with_progress");
    }
}
