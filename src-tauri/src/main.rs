//! Backroom's desktop shell.
//!
//! Tauri 2 hosts the Leptos UI (`ui/`, built to `ui/dist`) and exposes the local engine as
//! commands. Every command is thin: decode its arguments, run one store use-case or read on
//! the store thread (never on the UI thread), and map the error to `ApiError`. The
//! database is the platform data directory's `backroom/store.sqlite`, or `BACKROOM_DB`.

// Hide the console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod syncer;
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

/// Every command the shell registers, once: the handler and the list the tests compare with
/// the contract's [`backroom_api::cmd::COMMANDS`] are both made from it.
macro_rules! registered {
    ($then:ident) => {
        $then!(
            app_status,
            setup_store,
            setup_demo,
            staff_names,
            sign_in,
            lock,
            kiosk_window,
            search,
            scan,
            search_customers,
            quote,
            complete_sale,
            receipt_html,
            park_cart,
            parked_carts,
            resume_cart,
            order,
            process_return,
            preview_return,
            return_reasons,
            locations,
            stock_levels,
            stock_alerts,
            open_shift,
            close_shift,
            current_shift,
            z_report,
            orders,
            order_timeline,
            customer,
            customer_orders,
            gift_card,
            parse_quantity,
            approvers,
            restore_backup,
            export_shopify_file,
            review_close_shift,
            shifts,
            denominations,
            find_sales,
            create_customer,
            update_customer,
            customers_sharing,
            adjust_stock,
            move_stock,
            send_transfer,
            transfers,
            receive_transfer,
            start_count,
            record_count,
            apply_count,
            import_shopify_with_progress,
            product_list,
            product,
            product_by_handle,
            save_product,
            create_product,
            tax_classes,
            create_tax_class,
            price_lists,
            price_list_items,
            create_price_list,
            set_list_price,
            store_settings,
            update_store_settings,
            shopify_rows,
            create_location,
            roles,
            all_staff,
            set_role_grant,
            add_staff,
            set_staff_role,
            set_staff_pin,
            print_receipt,
            print_z_report,
            print_test_page,
            cash_movement,
            backups,
            backup_now,
            pick_file,
            void_order,
            sync_status,
            stores,
            sync_now,
            connect_server,
            sync_conflicts,
            resolve_conflict,
            surveys,
            define_survey_template,
            record_survey_response,
            record_survey_display,
            feedback_dashboard,
            sales_dashboard,
            sales_feedback,
            feedback_themes,
            alerts,
            acknowledge_alert,
            frequently_bought_together,
            survey_responses,
            export_survey_responses,
            accept_theme,
        )
    };
}

macro_rules! handler {
    ($($name:ident),* $(,)?) => {
        tauri::generate_handler![$(commands::$name),*]
    };
}

#[cfg(test)]
macro_rules! names {
    ($($name:ident),* $(,)?) => {
        &[$(stringify!($name)),*]
    };
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
        // The system's file dialogs (Rust side only: the UI asks through `pick_file`).
        .plugin(tauri_plugin_dialog::init())
        .manage(commands::App::new(db))
        .invoke_handler(registered!(handler))
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("error: Backroom could not start: {e}");
            std::process::exit(1);
        });
}

#[cfg(test)]
mod tests {
    /// The shell registers exactly the contract's commands: a request the UI can send always
    /// has a handler, and no handler is left without a request type.
    #[test]
    fn registers_every_command_of_the_contract() {
        let registered: &[&str] = registered!(names);
        let mut registered = registered.to_vec();
        let mut contract = backroom_api::cmd::COMMANDS.to_vec();
        registered.sort_unstable();
        contract.sort_unstable();
        assert_eq!(registered, contract);
    }
}
