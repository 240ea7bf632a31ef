//! Backroom's desktop shell.
//!
//! Tauri 2 hosts the Leptos UI (`ui/`, built to `ui/dist`) and exposes the local engine as
//! commands. Every command is thin: decode its arguments, run one store use-case or read on a
//! blocking worker thread (never on the UI thread), and map the error to `ApiError`. The
//! database is the platform data directory's `backroom/store.sqlite`, or `BACKROOM_DB`.

// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

fn main() {
    let db = commands::database_path();
    tauri::Builder::default()
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
            commands::adjust_stock,
            commands::move_stock,
            commands::send_transfer,
            commands::transfers,
            commands::receive_transfer,
            commands::start_count,
            commands::record_count,
            commands::apply_count,
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("error: Backroom could not start: {e}");
            std::process::exit(1);
        });
}
