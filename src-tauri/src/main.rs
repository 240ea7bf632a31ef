//! Backroom's desktop shell.
//!
//! Tauri 2 hosts the Leptos UI (`ui/`, built to `ui/dist`) and exposes the local engine as
//! commands. Every command is thin: decode its arguments, run one store use-case or read on
//! the store thread (never on the UI thread), and map the error to `ApiError`. The
//! database is the platform data directory's `backroom/store.sqlite`, or `BACKROOM_DB`.

// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod webkit;

/// WebKit's own allocator (bmalloc/libpas) kept about 0.9 MB more per minute of selling in
/// this process, and grew the web process faster, than the system malloc does for the same
/// work (10-minute runs, docs/benchmarks.md). WebKit picks its allocator once, from the
/// environment (`Malloc` set means the system malloc), and its libraries allocate while they
/// load, before `main`: so when `Malloc` is not set the app re-executes itself with it set,
/// the first thing it does (same process id, same arguments; cold start to Sell stayed at
/// 1.09–1.17 s with the extra exec). The helper processes inherit it. What the system malloc
/// gives up is bmalloc's hardening (Gigacage) against hostile web content; this webview only
/// ever loads the app's own UI.
/// `WebKitMallocForceEnabled=1` keeps bmalloc; if the exec fails the app starts as it is.
#[cfg(target_os = "linux")]
fn use_system_malloc_in_webkit() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("Malloc").is_some()
        || std::env::var_os("WebKitMallocForceEnabled").is_some()
    {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let mut command = std::process::Command::new(exe);
    if let Some(arg0) = args.next() {
        command.arg0(arg0);
    }
    // `exec` only returns on failure.
    let error = command.args(args).env("Malloc", "1").exec();
    eprintln!("warning: could not restart with the system allocator for WebKit: {error}");
}

fn main() {
    #[cfg(target_os = "linux")]
    use_system_malloc_in_webkit();
    // WebKitGTK's accelerated compositing costs about 100 MB in the web process under software
    // rendering (measured: docs/benchmarks.md) and is a known cause of blank windows on some GPU
    // drivers; a back-office app gains nothing from it. A user can still set it to 0.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    let db = commands::database_path();
    let builder = tauri::Builder::default();
    #[cfg(target_os = "linux")]
    let builder = builder.plugin(webkit::plugin());
    builder
        .manage(commands::App::new(db))
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::setup_store,
            commands::setup_demo,
            commands::staff_names,
            commands::sign_in,
            commands::lock,
            commands::search,
            commands::scan,
            commands::search_customers,
            commands::quote,
            commands::complete_sale,
            commands::receipt_html,
            commands::park_cart,
            commands::parked_carts,
            commands::resume_cart,
            commands::order,
            commands::process_return,
            commands::preview_return,
            commands::return_reasons,
            commands::locations,
            commands::stock_levels,
            commands::stock_alerts,
            commands::import_shopify,
            commands::open_shift,
            commands::close_shift,
            commands::current_shift,
            commands::z_report,
            commands::orders,
            commands::order_timeline,
            commands::customer,
            commands::customer_orders,
            commands::gift_card,
            commands::parse_quantity,
            commands::approvers,
            commands::restore_backup,
            commands::export_shopify_file,
            commands::review_close_shift,
            commands::shifts,
            commands::denominations,
            commands::find_sales,
            commands::create_customer,
            commands::update_customer,
            commands::customers_sharing,
            commands::adjust_stock,
            commands::move_stock,
            commands::send_transfer,
            commands::transfers,
            commands::receive_transfer,
            commands::start_count,
            commands::record_count,
            commands::apply_count,
            commands::import_shopify_with_progress,
            commands::product_list,
            commands::product,
            commands::product_by_handle,
            commands::save_product,
            commands::create_product,
            commands::tax_classes,
            commands::create_tax_class,
            commands::price_lists,
            commands::price_list_items,
            commands::create_price_list,
            commands::set_list_price,
            commands::store_settings,
            commands::update_store_settings,
            commands::shopify_rows,
            commands::create_location,
            commands::roles,
            commands::all_staff,
            commands::set_role_grant,
            commands::add_staff,
            commands::set_staff_role,
            commands::set_staff_pin,
            commands::print_receipt,
            commands::print_z_report,
            commands::print_test_page,
            commands::cash_movement,
            commands::backups,
            commands::backup_now,
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("error: Backroom could not start: {e}");
            std::process::exit(1);
        });
}
