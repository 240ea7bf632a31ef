//! Every piece of text the UI shows, in one place per language.
//!
//! [`Text`] has one field per piece of text, grouped by screen; a plain text is a
//! `&'static str`, a text with values in it (a number, a name, an amount already formatted) is
//! a function that puts them in their place, so a language can order them as it needs.
//! Screens read it through [`t`] (`t().sell_complete`, `(t().stock_adjusted)(sku, delta)`)
//! and never spell a word themselves. English (`en::EN`) is the only language today.

mod en;

/// All the UI's text in one language. A second language is a second value of this type; the
/// compiler refuses one that is missing any text.
pub struct Text {
    /// The feedback screens' text.
    pub fb: &'static FeedbackText,
    /// The sales dashboards' text.
    pub sales: &'static SalesText,
    // Common: words several screens share
    /// Column or label: a variant's SKU.
    pub common_sku: &'static str,
    /// Column: the item (product and variant) on a line.
    pub common_item: &'static str,
    /// Column or total: the amount of a line, order or cart.
    pub common_total: &'static str,
    /// Column, label or placeholder: a price.
    pub common_price: &'static str,
    /// Column or label: a short code (location, tax class, price list).
    pub common_code: &'static str,
    /// Column or label: a name (customer, staff, location, list).
    pub common_name: &'static str,
    /// Column or label: the store (location) something belongs to.
    pub common_store: &'static str,
    /// Column or label: a product's status.
    pub common_status: &'static str,
    /// Button: open the system's file dialog to choose a file to read.
    pub common_choose_file: &'static str,
    /// Button: open the system's file dialog to choose where to save.
    pub common_save_as: &'static str,
    /// Title of the file dialog for a Shopify CSV to import.
    pub dialog_open_csv: &'static str,
    /// Title of the file dialog for where to save the catalogue export.
    pub dialog_save_csv: &'static str,
    /// Title of the file dialog for a backup to restore.
    pub dialog_open_backup: &'static str,
    /// Name of the CSV file filter in file dialogs.
    pub dialog_csv_files: &'static str,
    /// Name of the backup file filter in file dialogs.
    pub dialog_backup_files: &'static str,
    /// Column or label: a product's vendor.
    pub common_vendor: &'static str,
    /// Column: the product.
    pub common_product: &'static str,
    /// Column: the customer of an order.
    pub common_customer: &'static str,
    /// Column, heading or placeholder: staff.
    pub common_staff: &'static str,
    /// Column: units available to sell.
    pub common_available: &'static str,
    /// Column: the reorder point.
    pub common_reorder_at: &'static str,
    /// Column: what was counted (cash, stock).
    pub common_counted: &'static str,
    /// Column: the expected cash.
    pub common_expected: &'static str,
    /// Column: counted minus expected cash.
    pub common_difference: &'static str,
    /// Tender option: cash.
    pub common_cash: &'static str,
    /// Tender option: card.
    pub common_card: &'static str,
    /// Tender or refund option: the customer's store credit.
    pub common_store_credit: &'static str,
    /// Column or label: a customer group.
    pub common_customer_group: &'static str,
    /// Option: not limited to one store.
    pub common_every_store: &'static str,
    /// Placeholder: where a SKU or barcode is typed or scanned.
    pub common_sku_or_barcode: &'static str,
    /// Button: print (a receipt, a Z-report).
    pub common_print: &'static str,
    /// Button: open a shift.
    pub common_open_shift: &'static str,
    /// Button or heading: add a new customer.
    pub common_new_customer: &'static str,
    /// Placeholder or label: a staff PIN.
    pub common_pin: &'static str,
    /// Column or label: a staff member's role.
    pub common_role: &'static str,
    /// Label: the store currency.
    pub common_currency: &'static str,
    /// Label: the store's name.
    pub common_store_name: &'static str,
    /// State: a gift card or staff member that is active.
    pub common_active: &'static str,
    /// State: a gift card or staff member that is not active.
    pub common_inactive: &'static str,
    /// Message: printed on the named printer.
    pub common_printed_on: fn(&str) -> String,
    /// An error next to the field it concerns: the field's label, then the message.
    pub common_field_error: fn(&str, &str) -> String,
    /// Error: an amount of zero or less.
    pub common_amount_positive: &'static str,
    /// Error: an amount that does not read as money, with why.
    pub common_amount_error: fn(&str) -> String,

    // App and shell (top bar, screens, lock)
    /// While the app asks the backend how the store stands.
    pub app_opening: &'static str,
    /// Screen tab: Sell (Alt+1).
    pub nav_sell: &'static str,
    /// Screen tab: Returns (Alt+2).
    pub nav_returns: &'static str,
    /// Screen tab: Orders (Alt+3).
    pub nav_orders: &'static str,
    /// Screen tab: Customers (Alt+4).
    pub nav_customers: &'static str,
    /// Screen tab: Catalog (Alt+5).
    pub nav_catalog: &'static str,
    /// Screen tab: Stock (Alt+6).
    pub nav_stock: &'static str,
    /// Screen tab: Shift (Alt+7).
    pub nav_shift: &'static str,
    /// Screen tab: Settings (Alt+8).
    pub nav_settings: &'static str,
    /// Button: lock the till (sign out).
    pub shell_lock: &'static str,
    /// The label of a cart parked because the named staff member locked the till.
    pub shell_left_cart: fn(&str) -> String,
    /// Error: the cart left on the counter could not be parked, with why.
    pub shell_park_failed: fn(&str) -> String,

    // Progress bars
    /// A progress bar before the first progress arrives.
    pub progress_starting: &'static str,

    // Printing receipts
    /// Message: a duplicate printed on the named printer.
    pub print_reprinted_on: fn(&str) -> String,
    /// Message: no receipt printer, the system print dialog was opened.
    pub print_system_dialog: &'static str,

    // Manager approval
    /// Heading of the manager approval prompt.
    pub approval_heading: &'static str,
    /// Placeholder: the approving manager's PIN.
    pub approval_pin_placeholder: &'static str,

    // Customer picker and form
    /// Placeholder: find a customer.
    pub customer_search_placeholder: &'static str,
    /// Nobody matches the customer search.
    pub customer_no_match: &'static str,
    /// Label: a customer's email.
    pub customer_email: &'static str,
    /// Label: a customer's phone.
    pub customer_phone: &'static str,
    /// Label: a customer's group.
    pub customer_group: &'static str,
    /// Label: a note on a customer.
    pub customer_note: &'static str,
    /// Checkbox: the customer agrees to marketing (after the box).
    pub customer_consent: &'static str,
    /// Button: save an edited customer.
    pub customer_save: &'static str,
    /// Button: add the new customer.
    pub customer_add: &'static str,
    /// Warning: the email or phone is already a customer's (the matches follow).
    pub customer_duplicate: &'static str,
    /// Button: use the named existing customer instead.
    pub customer_use: fn(&str) -> String,
    /// Button: save the customer despite the duplicate warning.
    pub customer_save_anyway: &'static str,

    // Statuses and fields (logic)
    /// A status that is empty or `none`.
    pub status_none: &'static str,
    /// Status `partially_refunded`.
    pub status_partly_refunded: &'static str,
    /// Status `partially_returned`.
    pub status_partly_returned: &'static str,
    /// Status `partially_received`.
    pub status_partly_received: &'static str,
    /// Status `ready_for_pickup`.
    pub status_ready_for_pickup: &'static str,
    /// Field path word: `variants`.
    pub field_variant: &'static str,
    /// Field path word: `lines`.
    pub field_line: &'static str,
    /// Field path word: `tenders`.
    pub field_payment: &'static str,
    /// Field path word: `refund`.
    pub field_refund: &'static str,
    /// Field path word: `denominations`.
    pub field_count: &'static str,
    /// Field path word: `barcodes`.
    pub field_barcode: &'static str,
    /// Field path word: `approval`.
    pub field_manager_approval: &'static str,
    /// Field path word: `pin`.
    pub field_pin: &'static str,
    /// Field path word: `kind`.
    pub field_type: &'static str,
    /// Field path word: `sku`.
    pub field_item: &'static str,
    /// Field path word: `price_minor`.
    pub field_price: &'static str,
    /// Field path word: `customer_id`.
    pub field_customer: &'static str,
    /// Field path word: `counted_cash`.
    pub field_counted_cash: &'static str,
    /// Field path word: `promo_codes`.
    pub field_promo_code: &'static str,
    /// A numbered field path part: the word, then its number counted from 1.
    pub field_numbered: fn(&str, usize) -> String,
    /// Error: a percentage discount outside 0–100%.
    pub discount_percentage_range: &'static str,
    /// Error: a negative discount.
    pub discount_negative: &'static str,
    /// Error: a variant needs one value per option (how many, and the options).
    pub product_option_values: fn(usize, &str) -> String,
    /// Error: a variant without a price.
    pub product_price_required: &'static str,
    /// Error: the opening float does not read as money, with why.
    pub shift_float_error: fn(&str) -> String,

    // Set-up (first start)
    /// Error: restore asked for without a backup file.
    pub setup_backup_missing: &'static str,
    /// Heading of the first-start screen.
    pub setup_welcome: &'static str,
    /// Heading: set up a new store.
    pub setup_heading: &'static str,
    /// Label: the owner's name.
    pub setup_owner_name: &'static str,
    /// Label: the owner's PIN.
    pub setup_owner_pin: &'static str,
    /// Button: set up the new store.
    pub setup_go: &'static str,
    /// Heading: restore a backup.
    pub setup_restore_heading: &'static str,
    /// Restore explanation, before the `.sqlite` file extension.
    pub setup_restore_intro_start: &'static str,
    /// Restore explanation, after the `.sqlite` file extension.
    pub setup_restore_intro_end: &'static str,
    /// Label: the backup file.
    pub setup_backup_file: &'static str,
    /// Placeholder: an example backup file path.
    pub setup_backup_placeholder: &'static str,
    /// Button: restore the backup.
    pub setup_restore: &'static str,
    /// After the store's name: what a restore brought back (products, sales, the last sale, when the backup was taken).
    pub setup_restored: fn(u64, u64, &str, &str) -> String,
    /// The last sale of a restored backup that has none.
    pub setup_no_sale: &'static str,
    /// The restored store's check found nothing.
    pub setup_check_ok: &'static str,
    /// The restored store's check found problems (how many, and what).
    pub setup_check_problems: fn(usize, &str) -> String,
    /// Button: open the restored store.
    pub setup_open_store: &'static str,
    /// Heading: explore the demo store.
    pub setup_demo_heading: &'static str,
    /// What the demo store holds.
    pub setup_demo_intro: &'static str,
    /// Button while the demo store is built.
    pub setup_demo_building: &'static str,
    /// Button: build the demo store.
    pub setup_demo_go: &'static str,

    // Sign-in
    /// PIN pad key: clear the PIN.
    pub signin_clear: &'static str,
    /// PIN pad key: sign in.
    pub signin_ok: &'static str,

    // Sell
    /// Error: nothing has the typed code or name.
    pub sell_nothing_matches: fn(&str) -> String,
    /// Several items match what was typed: pick one.
    pub sell_several_match: fn(usize, &str) -> String,
    /// Error: a line discount before any item.
    pub sell_discount_no_item: &'static str,
    /// Error: a line discount with no line chosen.
    pub sell_line_discount_no_line: &'static str,
    /// Error: a line discount that does not read, with why.
    pub sell_line_discount_error: fn(&str) -> String,
    /// Error: an order discount that does not read, with why.
    pub sell_order_discount_error: fn(&str) -> String,
    /// Error: resuming a parked cart while the cart holds items.
    pub sell_resume_busy: &'static str,
    /// Placeholder of the scan field.
    pub sell_scan_placeholder: &'static str,
    /// Cart column: quantity.
    pub sell_col_qty: &'static str,
    /// Cart column: discount.
    pub sell_col_discount: &'static str,
    /// Error: a weighed quantity of zero or less.
    pub sell_quantity_positive: &'static str,
    /// Error: a weighed quantity that does not read, with why.
    pub sell_quantity_error: fn(&str) -> String,
    /// Placeholder: a line discount.
    pub sell_line_discount_placeholder: &'static str,
    /// Placeholder: an order discount.
    pub sell_order_discount_placeholder: &'static str,
    /// Placeholder: a promo code.
    pub sell_promo_placeholder: &'static str,
    /// Tooltip of a promo code no promotion has.
    pub sell_invalid_code_title: &'static str,
    /// A promo code no promotion has.
    pub sell_invalid_code: fn(&str) -> String,
    /// Placeholder: the label of a parked cart.
    pub sell_park_label_placeholder: &'static str,
    /// Button: park the cart.
    pub sell_park: &'static str,
    /// Button: list the parked carts.
    pub sell_parked_show: &'static str,
    /// No parked carts.
    pub sell_no_parked: &'static str,
    /// Button: resume a parked cart (its label and number of lines).
    pub sell_parked_resume: fn(&str, usize) -> String,
    /// Notice: no shift is open.
    pub sell_no_shift: &'static str,
    /// Notice: sales without a shift are kept for the next.
    pub sell_no_shift_hint: &'static str,
    /// Placeholder: the float of a shift opened from Sell.
    pub sell_float_placeholder: &'static str,
    /// Before the name of the customer on the sale.
    pub sell_customer: &'static str,
    /// Total line: subtotal.
    pub sell_subtotal: &'static str,
    /// Total line: discounts.
    pub sell_discounts: &'static str,
    /// Total line: tax.
    pub sell_tax: &'static str,
    /// Total line: the total when paid in cash (rounded).
    pub sell_in_cash: &'static str,
    /// Total line: paid so far.
    pub sell_paid: &'static str,
    /// Total line: the cash rounding.
    pub sell_cash_rounding: &'static str,
    /// Total line: change to give.
    pub sell_change: &'static str,
    /// Total line: still due.
    pub sell_due: &'static str,
    /// Tender option: gift card.
    pub sell_gift_card: &'static str,
    /// Tender option: loyalty points.
    pub sell_loyalty: &'static str,
    /// Placeholder: the tendered amount.
    pub sell_amount_placeholder: &'static str,
    /// Placeholder: a tender's reference or gift card code.
    pub sell_reference_placeholder: &'static str,
    /// Button: add the tender.
    pub sell_add_tender: &'static str,
    /// Quick cash button: the exact amount.
    pub sell_exact: fn(&str) -> String,
    /// Button: complete the sale.
    pub sell_complete: &'static str,
    /// Before the receipt number of the last sale.
    pub sell_receipt_sale: &'static str,
    /// Before the change of the last sale.
    pub sell_receipt_change: &'static str,
    /// Button: reprint the receipt as a duplicate.
    pub sell_reprint: &'static str,

    // Returns
    /// Error: no sale matches what was typed.
    pub returns_no_sale: fn(&str) -> String,
    /// Error: nothing has the scanned exchange code.
    pub returns_exchange_not_found: fn(&str) -> String,
    /// Error: processing a return with nothing chosen.
    pub returns_no_lines: &'static str,
    /// Placeholder: find the sale.
    pub returns_find_placeholder: &'static str,
    /// Column: what can still come back of what was sold.
    pub returns_col_sold: &'static str,
    /// Column: how much comes back.
    pub returns_col_return: &'static str,
    /// Column: why it comes back.
    pub returns_col_reason: &'static str,
    /// Column: where it goes.
    pub returns_col_disposition: &'static str,
    /// What can still come back of what was sold.
    pub returns_sold_of: fn(&str, &str) -> String,
    /// Disposition option: back to stock.
    pub returns_restock: &'static str,
    /// Disposition option: damaged.
    pub returns_damaged: &'static str,
    /// Disposition option: quality control.
    pub returns_quality_control: &'static str,
    /// Disposition option: written off.
    pub returns_write_off: &'static str,
    /// Label: where the refund goes.
    pub returns_refund_to: &'static str,
    /// Refund option: the original payments.
    pub returns_original: &'static str,
    /// Before the customer who gets the store credit.
    pub returns_credit_for: &'static str,
    /// Store credit needs a customer.
    pub returns_credit_needs_customer: &'static str,
    /// Heading: exchange.
    pub returns_exchange_heading: &'static str,
    /// Placeholder: scan the new item.
    pub returns_exchange_placeholder: &'static str,
    /// Placeholder: what the customer pays on an exchange.
    pub returns_customer_pays_placeholder: &'static str,
    /// Nothing chosen to come back yet.
    pub returns_preview_empty: &'static str,
    /// Before the refund total.
    pub returns_refund: &'static str,
    /// The exchange in the preview (lines and total).
    pub returns_preview_exchange: fn(usize, &str) -> String,
    /// Button: process the return.
    pub returns_process: &'static str,
    /// Before the number of the return done.
    pub returns_done: &'static str,
    /// Before the amount refunded.
    pub returns_refunded: &'static str,
    /// The exchange sale of a return done.
    pub returns_exchange_sale: fn(&str) -> String,
    /// Button: print the refund slip.
    pub returns_print_slip: &'static str,
    /// Button: print the exchange receipt.
    pub returns_print_exchange: &'static str,

    // Orders
    /// Message: the sale was voided.
    pub orders_voided: fn(&str) -> String,
    /// Placeholder: filter by receipt number.
    pub orders_receipt_placeholder: &'static str,
    /// Label: from day.
    pub orders_from: &'static str,
    /// Label: to day.
    pub orders_to: &'static str,
    /// Filter option: any payment status.
    pub orders_any_payment: &'static str,
    /// Filter option: paid.
    pub orders_paid: &'static str,
    /// Filter option: partially refunded.
    pub orders_partially_refunded: &'static str,
    /// Filter option: refunded.
    pub orders_refunded: &'static str,
    /// Filter option: voided.
    pub orders_voided_option: &'static str,
    /// Filter option: any return status.
    pub orders_any_returns: &'static str,
    /// Filter option: no returns.
    pub orders_no_returns: &'static str,
    /// Filter option: partially returned.
    pub orders_partially_returned: &'static str,
    /// Filter option: returned.
    pub orders_returned: &'static str,
    /// Filter option: any fulfilment status.
    pub orders_any_fulfilment: &'static str,
    /// Filter option: fulfilled.
    pub orders_fulfilled: &'static str,
    /// Filter option: unfulfilled.
    pub orders_unfulfilled: &'static str,
    /// Filter option: ready for pickup.
    pub orders_ready_for_pickup: &'static str,
    /// Filter option: picked up.
    pub orders_picked_up: &'static str,
    /// Filter option: shipped.
    pub orders_shipped: &'static str,
    /// Placeholder: filter by store code.
    pub orders_store_placeholder: &'static str,
    /// Head office's store filter: every store.
    pub orders_any_store: &'static str,
    /// Column: receipt number.
    pub orders_col_receipt: &'static str,
    /// Column: when.
    pub orders_col_when: &'static str,
    /// Column: payment status.
    pub orders_col_payment: &'static str,
    /// Column: return status.
    pub orders_col_returns: &'static str,
    /// Button: reprint the receipt.
    pub orders_reprint: &'static str,
    /// Button: start voiding the sale.
    pub orders_void: &'static str,
    /// What voiding does.
    pub orders_void_explained: &'static str,
    /// Placeholder: why the sale is voided.
    pub orders_void_reason_placeholder: &'static str,
    /// Button: void the sale.
    pub orders_void_confirm: &'static str,
    /// Button: do not void.
    pub orders_void_cancel: &'static str,
    /// An order's payment, fulfilment and return statuses.
    pub orders_statuses: fn(&str, &str, &str) -> String,
    /// How much of a line was returned.
    pub orders_returned_qty: fn(i64) -> String,
    /// Heading: payments.
    pub orders_payments: &'static str,
    /// Heading: timeline.
    pub orders_timeline: &'static str,
    /// After a timeline entry: who approved it.
    pub orders_approved_by: fn(&str) -> String,

    // Customers
    /// Placeholder: search customers.
    pub customers_search_placeholder: &'static str,
    /// Placeholder: look up a gift card.
    pub customers_gift_card_placeholder: &'static str,
    /// A gift card: code, balance, initial amount and state.
    pub customers_gift_card: fn(&str, &str, &str, &str) -> String,
    /// Button: edit the customer.
    pub customers_edit: &'static str,
    /// The customer's group.
    pub customers_group: fn(&str) -> String,
    /// Store credit, loyalty points, orders and amount spent.
    pub customers_balances: fn(&str, i64, i64, &str) -> String,
    /// The customer agreed to marketing.
    pub customers_consent: &'static str,
    /// The customer did not agree to marketing.
    pub customers_no_consent: &'static str,
    /// Heading: the customer's orders.
    pub customers_history: &'static str,

    // Catalog
    /// Tab: products.
    pub catalog_tab_products: &'static str,
    /// Tab: price lists.
    pub catalog_tab_prices: &'static str,
    /// Tab: import a CSV.
    pub catalog_tab_import: &'static str,
    /// Placeholder: search products.
    pub catalog_search_placeholder: &'static str,
    /// Button or heading: a new product.
    pub catalog_new_product: &'static str,
    /// Column: number of variants.
    pub catalog_col_variants: &'static str,
    /// Message: the product was saved.
    pub catalog_saved: fn(&str) -> String,
    /// Label: product title.
    pub catalog_title: &'static str,
    /// Label: product type.
    pub catalog_type: &'static str,
    /// Label: product category.
    pub catalog_category: &'static str,
    /// Hint: an example category.
    pub catalog_category_hint: &'static str,
    /// Label: tags.
    pub catalog_tags: &'static str,
    /// Hint: how tags are typed.
    pub catalog_tags_hint: &'static str,
    /// Label: option names.
    pub catalog_options: &'static str,
    /// Hint: how options are typed.
    pub catalog_options_hint: &'static str,
    /// Product status option `active`.
    pub catalog_status_active: &'static str,
    /// Product status option `draft`.
    pub catalog_status_draft: &'static str,
    /// Product status option `archived`.
    pub catalog_status_archived: &'static str,
    /// Product status option `unlisted`.
    pub catalog_status_unlisted: &'static str,
    /// Variant column: option values.
    pub catalog_col_option_values: &'static str,
    /// Variant column: barcodes.
    pub catalog_col_barcodes: &'static str,
    /// Variant column: the sale unit.
    pub catalog_col_sold_in: &'static str,
    /// Variant column: compare-at price.
    pub catalog_col_compare_at: &'static str,
    /// Variant column: cost.
    pub catalog_col_cost: &'static str,
    /// Variant column: tax class.
    pub catalog_col_tax_class: &'static str,
    /// Tooltip of the sale unit.
    pub catalog_unit_title: &'static str,
    /// Sale unit option `pcs`.
    pub catalog_unit_pieces: &'static str,
    /// Sale unit option `kg`.
    pub catalog_unit_kg: &'static str,
    /// Sale unit option `g`.
    pub catalog_unit_g: &'static str,
    /// Sale unit option `m`.
    pub catalog_unit_m: &'static str,
    /// Sale unit option `l`.
    pub catalog_unit_l: &'static str,
    /// Tax class option: the store's default.
    pub catalog_store_default: &'static str,
    /// Tooltip: remove this variant.
    pub catalog_remove_variant: &'static str,
    /// Button: add a variant.
    pub catalog_add_variant: &'static str,
    /// Button: save the product.
    pub catalog_save_product: &'static str,
    /// Error: a priority that is not a whole number.
    pub catalog_priority_error: &'static str,
    /// Error: a price that does not read, with why.
    pub catalog_price_error: fn(&str) -> String,
    /// Column or label: a price list's priority.
    pub catalog_priority: &'static str,
    /// Column: number of prices in a list.
    pub catalog_col_prices: &'static str,
    /// Heading: a new price list.
    pub catalog_new_price_list: &'static str,
    /// Hint: how priority works.
    pub catalog_priority_hint: &'static str,
    /// Hint: a blank customer group.
    pub catalog_group_hint: &'static str,
    /// Button: create the price list.
    pub catalog_create_price_list: &'static str,
    /// Column: base price.
    pub catalog_base_price: &'static str,
    /// Column: the list's price.
    pub catalog_list_price: &'static str,
    /// Button: set the list price.
    pub catalog_set_price: &'static str,
    /// Message: products exported to a file.
    pub catalog_exported: fn(u64, &str) -> String,
    /// Placeholder: the export file.
    pub catalog_export_placeholder: &'static str,
    /// Button: export the catalogue.
    pub catalog_export: &'static str,
    /// How to import.
    pub catalog_import_intro: &'static str,
    /// Placeholder: an example CSV file path.
    pub catalog_import_placeholder: &'static str,
    /// Button: preview the import.
    pub catalog_preview: &'static str,
    /// Button: import.
    pub catalog_import: &'static str,
    /// Button: import the valid products and skip the others.
    pub catalog_import_skip: fn(u64) -> String,
    /// Heading: a dry run.
    pub catalog_preview_heading: &'static str,
    /// Heading: an import done.
    pub catalog_imported: &'static str,
    /// What an import does: rows, export kind, products created, updated, unchanged, new variants, stock movements.
    pub catalog_import_summary: fn(u64, &str, u64, u64, u64, u64, u64) -> String,
    /// Export kind: the older Shopify format.
    pub catalog_dialect_legacy: &'static str,
    /// Export kind: the current Shopify format.
    pub catalog_dialect_current: &'static str,
    /// Products (and rows) skipped with problems.
    pub catalog_skipped: fn(u64, usize) -> String,
    /// Button: fix the skipped rows.
    pub catalog_fix_skipped: &'static str,
    /// A problem or note at a row and column.
    pub catalog_row_problem: fn(u64, &str, &str) -> String,
    /// Heading: changes to existing products.
    pub catalog_changes: &'static str,
    /// Summary of the notes.
    pub catalog_notes: fn(usize) -> String,
    /// Before the columns not imported.
    pub catalog_ignored_columns: &'static str,
    /// The new products' handles.
    pub catalog_new_handles: fn(&str) -> String,

    // Stock
    /// Placeholder: filter stock.
    pub stock_filter_placeholder: &'static str,
    /// Column: committed units.
    pub stock_col_committed: &'static str,
    /// Column: damaged units.
    pub stock_col_damaged: &'static str,
    /// Column: units in quality control.
    pub stock_col_qc: &'static str,
    /// Column: units on hand.
    pub stock_col_on_hand: &'static str,
    /// Column: incoming units.
    pub stock_col_incoming: &'static str,
    /// Column: the alert.
    pub stock_col_alert: &'static str,
    /// Message: a SKU adjusted by a quantity.
    pub stock_adjusted: fn(&str, i64) -> String,
    /// Message: units moved.
    pub stock_moved: fn(i64) -> String,
    /// Message: a transfer sent to a location.
    pub stock_sent: fn(&str, &str) -> String,
    /// Message: a transfer received.
    pub stock_received: fn(&str) -> String,
    /// Message: a count started.
    pub stock_count_started: &'static str,
    /// Message: a count applied.
    pub stock_count_applied: fn(usize) -> String,
    /// Tab: adjust.
    pub stock_tab_adjust: &'static str,
    /// Tab: move between states.
    pub stock_tab_move: &'static str,
    /// Tab: transfer.
    pub stock_tab_transfer: &'static str,
    /// Tab: count.
    pub stock_tab_count: &'static str,
    /// Tab: low stock.
    pub stock_tab_alerts: &'static str,
    /// Placeholder: a quantity to add or remove.
    pub stock_qty_delta_placeholder: &'static str,
    /// Adjustment reason option: receipt.
    pub stock_reason_receipt: &'static str,
    /// Adjustment reason option: correction.
    pub stock_reason_correction: &'static str,
    /// Adjustment reason option: shrinkage.
    pub stock_reason_shrinkage: &'static str,
    /// Adjustment reason option: damage.
    pub stock_reason_damage: &'static str,
    /// Adjustment reason option: other.
    pub stock_reason_other: &'static str,
    /// Button: adjust.
    pub stock_adjust: &'static str,
    /// Placeholder: a quantity.
    pub stock_qty_placeholder: &'static str,
    /// Move option: from available.
    pub stock_from_available: &'static str,
    /// Move option: from damaged.
    pub stock_from_damaged: &'static str,
    /// Move option: from quality control.
    pub stock_from_qc: &'static str,
    /// Move option: from safety stock.
    pub stock_from_safety: &'static str,
    /// Move option: to damaged.
    pub stock_to_damaged: &'static str,
    /// Move option: to quality control.
    pub stock_to_qc: &'static str,
    /// Move option: to available.
    pub stock_to_available: &'static str,
    /// Move option: to safety stock.
    pub stock_to_safety: &'static str,
    /// Move option: to reserved.
    pub stock_to_reserved: &'static str,
    /// Button: move.
    pub stock_move: &'static str,
    /// Placeholder: the destination location.
    pub stock_transfer_to_placeholder: &'static str,
    /// Placeholder: the lines of a transfer.
    pub stock_transfer_lines_placeholder: &'static str,
    /// Button: send the transfer.
    pub stock_send: &'static str,
    /// Heading: recent transfers.
    pub stock_recent_transfers: &'static str,
    /// Button: receive all of a transfer.
    pub stock_receive_all: &'static str,
    /// Button: start a count.
    pub stock_start_count: &'static str,
    /// Placeholder: scan counted items.
    pub stock_count_placeholder: &'static str,
    /// Count column: what the system had.
    pub stock_col_system: &'static str,
    /// Count column: the variance.
    pub stock_col_variance: &'static str,
    /// Button: apply the count.
    pub stock_apply_count: &'static str,

    // Shift
    /// Message: cash in recorded.
    pub shift_cash_in_recorded: &'static str,
    /// Message: cash out recorded.
    pub shift_cash_out_recorded: &'static str,
    /// Error: a note count that is not a whole number (the face value, what was typed).
    pub shift_count_not_whole: fn(&str, &str) -> String,
    /// Error: no note or coin counted.
    pub shift_count_something: &'static str,
    /// Error: counted cash that does not read, with why.
    pub shift_counted_error: fn(&str) -> String,
    /// Message: the shift closed.
    pub shift_closed: &'static str,
    /// The numbered shift is open.
    pub shift_is_open: fn(&str) -> String,
    /// No shift is open.
    pub shift_none_open: &'static str,
    /// Placeholder: the opening float.
    pub shift_float_placeholder: &'static str,
    /// Placeholder: a cash amount.
    pub shift_cash_amount_placeholder: &'static str,
    /// Placeholder: why cash goes in or out.
    pub shift_cash_reason_placeholder: &'static str,
    /// Button: cash in.
    pub shift_cash_in: &'static str,
    /// Button: cash out.
    pub shift_cash_out: &'static str,
    /// Heading: close the shift.
    pub shift_close_heading: &'static str,
    /// Checkbox: count note by note (after the box).
    pub shift_by_notes: &'static str,
    /// Placeholder: the counted cash.
    pub shift_counted_placeholder: &'static str,
    /// Button: review the close.
    pub shift_review: &'static str,
    /// Difference: none.
    pub shift_no_difference: &'static str,
    /// Difference: the drawer is short.
    pub shift_short: fn(&str) -> String,
    /// Difference: the drawer is over.
    pub shift_over: fn(&str) -> String,
    /// Before the expected cash.
    pub shift_review_expected: &'static str,
    /// Before the counted cash.
    pub shift_review_counted: &'static str,
    /// Before the difference.
    pub shift_review_difference: &'static str,
    /// Label: why the drawer differs.
    pub shift_reason_required: &'static str,
    /// Button: close the shift.
    pub shift_close_final: &'static str,
    /// Heading: the Z-report of a closed shift.
    pub shift_z_report: fn(&str) -> String,
    /// Heading: the X-report of an open shift.
    pub shift_x_report: fn(&str) -> String,
    /// Report: the opening float.
    pub shift_opening_float: fn(&str) -> String,
    /// Report: orders, gross, discounts, tax and net.
    pub shift_sales_line: fn(i64, &str, &str, &str, &str) -> String,
    /// Report: returns and refunds.
    pub shift_returns_line: fn(i64, &str) -> String,
    /// Report: a tender's sales, refunds and net.
    pub shift_tender_line: fn(&str, &str, &str, &str) -> String,
    /// Report: cash in and out.
    pub shift_cash_line: fn(&str, &str) -> String,
    /// Report: expected cash, counted and the difference.
    pub shift_expected_line: fn(&str, &str, &str) -> String,
    /// Report: before the reason for a difference.
    pub shift_reason: &'static str,
    /// Heading: past shifts.
    pub shift_past: &'static str,
    /// Column: the shift.
    pub shift_col_shift: &'static str,
    /// Column: opened.
    pub shift_col_opened: &'static str,
    /// Column: closed.
    pub shift_col_closed: &'static str,
    /// A past shift not closed yet.
    pub shift_still_open: &'static str,

    // Settings
    /// Tab: store and printer.
    pub settings_tab_store: &'static str,
    /// Tab: locations and tax.
    pub settings_tab_places: &'static str,
    /// Tab: staff and roles.
    pub settings_tab_staff: &'static str,
    /// Tab: backups.
    pub settings_tab_backups: &'static str,
    /// Error: points per unit that is not a whole number.
    pub settings_points_error: &'static str,
    /// Error: a point value that does not read, with why.
    pub settings_point_value_error: fn(&str) -> String,
    /// Error: characters per line that is not a whole number.
    pub settings_columns_error: &'static str,
    /// Error: a smallest coin of zero or less.
    pub settings_coin_positive: &'static str,
    /// Error: a smallest coin that does not read, with why.
    pub settings_coin_error: fn(&str) -> String,
    /// Error: the ask-why threshold does not read, with why.
    pub settings_reason_above_error: fn(&str) -> String,
    /// Error: the ask-a-manager threshold does not read, with why.
    pub settings_approval_above_error: fn(&str) -> String,
    /// Message: the settings were saved.
    pub settings_saved: &'static str,
    /// Message: the test page was sent (printer, bytes).
    pub settings_test_sent: fn(&str, u64) -> String,
    /// Heading: the store.
    pub settings_store_heading: &'static str,
    /// Label: the receipt footer.
    pub settings_footer: &'static str,
    /// Hint: set at set-up and fixed.
    pub settings_fixed: &'static str,
    /// Label: how prices hold tax.
    pub settings_prices: &'static str,
    /// How prices hold tax (the store's tax mode).
    pub settings_tax_mode: fn(&str) -> String,
    /// Label: loyalty points per unit.
    pub settings_points: &'static str,
    /// Label: value of one point.
    pub settings_point_value: &'static str,
    /// Label: the time zone.
    pub settings_time_zone: &'static str,
    /// Label: the smallest coin.
    pub settings_coin: &'static str,
    /// Label: cash rounding.
    pub settings_rounding: &'static str,
    /// Rounding option `nearest`.
    pub settings_rounding_nearest: &'static str,
    /// Rounding option `down`.
    pub settings_rounding_down: &'static str,
    /// Rounding option `up`.
    pub settings_rounding_up: &'static str,
    /// Hint: what is rounded.
    pub settings_rounding_hint: &'static str,
    /// Label: ask why above this difference.
    pub settings_reason_above: &'static str,
    /// Label: ask a manager above this difference.
    pub settings_approval_above: &'static str,
    /// Label: the default tax class.
    pub settings_default_tax: &'static str,
    /// Default tax option: none.
    pub settings_no_default_tax: &'static str,
    /// Hint: what the default tax class is for.
    pub settings_default_tax_hint: &'static str,
    /// Heading: the receipt printer.
    pub settings_printer_heading: &'static str,
    /// Label: the printer.
    pub settings_printer: &'static str,
    /// Placeholder: example printers.
    pub settings_printer_placeholder: &'static str,
    /// Hint: what the printer is.
    pub settings_printer_hint: &'static str,
    /// Label: characters per line.
    pub settings_columns: &'static str,
    /// Label: the printer's code page.
    pub settings_code_page: &'static str,
    /// Code page option PC437.
    pub settings_pc437: &'static str,
    /// Code page option PC850.
    pub settings_pc850: &'static str,
    /// Code page option PC852.
    pub settings_pc852: &'static str,
    /// Code page option PC858.
    pub settings_pc858: &'static str,
    /// Hint: the test page shows the code page.
    pub settings_code_page_hint: &'static str,
    /// Button: print a test page.
    pub settings_test_print: &'static str,
    /// Button: save the settings.
    pub settings_save: &'static str,
    /// Message: a location added.
    pub settings_location_added: fn(&str) -> String,
    /// Message: a tax class added.
    pub settings_tax_added: &'static str,
    /// Heading: locations.
    pub settings_locations: &'static str,
    /// Column or label: a location's kind.
    pub settings_kind: &'static str,
    /// Location kind option: store.
    pub settings_kind_store: &'static str,
    /// Location kind option: warehouse.
    pub settings_kind_warehouse: &'static str,
    /// Button: add the location.
    pub settings_add_location: &'static str,
    /// Heading: tax classes.
    pub settings_tax_classes: &'static str,
    /// Column: a tax rate.
    pub settings_rate: &'static str,
    /// Label: a tax rate in percent.
    pub settings_rate_label: &'static str,
    /// Placeholder: example rates.
    pub settings_rate_placeholder: &'static str,
    /// Button: add the tax class.
    pub settings_add_tax: &'static str,
    /// Message: a staff member added.
    pub settings_staff_added: &'static str,
    /// Message: a staff member's new role.
    pub settings_role_set: fn(&str, &str) -> String,
    /// Message: a PIN changed.
    pub settings_pin_changed: &'static str,
    /// Column: a staff member's stores.
    pub settings_col_stores: &'static str,
    /// Column: a staff member's state.
    pub settings_col_state: &'static str,
    /// A staff member at every store.
    pub settings_all_stores: &'static str,
    /// State: locked out.
    pub settings_locked_out: &'static str,
    /// Heading: add staff.
    pub settings_add_staff_heading: &'static str,
    /// Button: add the staff member.
    pub settings_add_staff: &'static str,
    /// Heading: change a PIN.
    pub settings_change_pin: &'static str,
    /// Option: pick a staff member.
    pub settings_staff_member: &'static str,
    /// Placeholder: the new PIN.
    pub settings_new_pin_placeholder: &'static str,
    /// Button: set the PIN.
    pub settings_set_pin: &'static str,
    /// Heading: roles.
    pub settings_roles: &'static str,
    /// Column: a permission.
    pub settings_permission: &'static str,
    /// Grant option `allow`.
    pub settings_grant_allow: &'static str,
    /// Grant option `approval`.
    pub settings_grant_approval: &'static str,
    /// Grant option `deny`.
    pub settings_grant_deny: &'static str,
    /// Message: backed up to a file (its size in KiB).
    pub settings_backed_up: fn(&str, u64) -> String,
    /// Heading: backups.
    pub settings_backups: &'static str,
    /// What a backup is.
    pub settings_backups_intro: &'static str,
    /// Button: back up now.
    pub settings_back_up_now: &'static str,
    /// Column: the backup file.
    pub settings_col_file: &'static str,
    /// Column: the backup's size.
    pub settings_col_size: &'static str,
    /// A size in KiB.
    pub settings_kib: fn(u64) -> String,

    // Sync with the server: the header's light, Settings → Server, closing a shift
    /// Header: everything is on the server; when the last sync was (already formatted "2 min").
    pub sync_synced: fn(&str) -> String,
    /// Header: ops waiting to go to the server.
    pub sync_waiting: fn(i64) -> String,
    /// Header: the server could not be reached; ops waiting.
    pub sync_offline: fn(i64) -> String,
    /// Header: unresolved conflicts.
    pub sync_conflicts: fn(i64) -> String,
    /// Header tooltip: click to sync now.
    pub sync_click_now: &'static str,
    /// Header: a sync round is running.
    pub sync_running: &'static str,
    /// A duration: a number and its unit ("5", "min").
    pub sync_ago: fn(i64, &str) -> String,
    /// Never synced.
    pub sync_never: &'static str,
    /// Settings tab: the server.
    pub settings_tab_server: &'static str,
    /// Settings → Server: heading.
    pub server_heading: &'static str,
    /// Settings → Server: a standalone till, what connecting means.
    pub server_standalone_intro: &'static str,
    /// Label: the server's address.
    pub server_url: &'static str,
    /// Label: the one-time enrolment code.
    pub server_code: &'static str,
    /// Button: connect.
    pub server_connect: &'static str,
    /// Connecting is running.
    pub server_connecting: &'static str,
    /// Connected: to which server, as which till, of which store.
    pub server_connected_to: fn(&str, &str, &str) -> String,
    /// Label and value: ops waiting.
    pub server_pending: fn(i64) -> String,
    /// Label and value: when the last sync was.
    pub server_last_sync: fn(&str) -> String,
    /// The last error, as the sync task saw it.
    pub server_last_error: fn(&str) -> String,
    /// Button: sync now.
    pub server_sync_now: &'static str,
    /// Heading: conflicts.
    pub server_conflicts: &'static str,
    /// No conflicts.
    pub server_no_conflicts: &'static str,
    /// Column: what clashed.
    pub server_col_key: &'static str,
    /// Column: the value as it arrived.
    pub server_col_value: &'static str,
    /// Column: what it is called here.
    pub server_col_kept_as: &'static str,
    /// Button: mark a conflict resolved.
    pub server_resolve: &'static str,
    /// First start: heading of joining a chain's server as a new till.
    pub setup_join_heading: &'static str,
    /// First start: what joining does.
    pub setup_join_intro: &'static str,
    /// Shift close: ops not yet on the server; the close goes ahead.
    pub shift_unsynced: fn(i64) -> String,
}

/// The text of the language the UI shows: English, the only one so far.
///
/// A second language is a second `Text` value (say `de::DE` in `text/de.rs`) listing every
/// field; the compiler then refuses it while any text is missing. The choice would be made
/// here: read once from the store's settings (or the system locale) at start-up, kept in a
/// static, and returned by this function, so no call site changes.
pub fn t() -> &'static Text {
    &en::EN
}

/// The sales dashboards' text (issue 16).
pub struct SalesText {
    pub title: &'static str,
    pub no_sales: &'static str,
    pub no_answers: &'static str,
    pub no_previous: &'static str,
    pub vs_previous: fn(&str) -> String,
    pub previous: fn(&str) -> String,
    pub weekdays: [&'static str; 7],
    pub heat_cell: fn(&str, u8, i64, &str) -> String,
    pub orders: &'static str,
    pub revenue: &'static str,
    pub aov: &'static str,
    pub upt: &'static str,
    pub items: fn(i64) -> String,
    pub return_rate: &'static str,
    pub returned: fn(i64, &str) -> String,
    pub margin: &'static str,
    pub no_cost: &'static str,
    pub margin_note: fn(&str, &str) -> String,
    pub discounts: &'static str,
    pub gross: fn(&str) -> String,
    pub uncategorised: &'static str,
    pub by_day: &'static str,
    pub by_day_store: &'static str,
    pub by_week_store: &'static str,
    /// A stacked column's hover text: its day (or week's first day), the total and each
    /// store's part.
    pub store_day: fn(&str, bool, &str, &str) -> String,
    pub heat: &'static str,
    pub heat_note: &'static str,
    pub best_sellers: &'static str,
    pub category: &'static str,
    pub items_col: &'static str,
    pub net: &'static str,
    pub returned_col: &'static str,
    pub categories: &'static str,
    pub tenders: &'static str,
    pub return_reasons: &'static str,
    pub no_returns: &'static str,
    pub why: &'static str,
    pub of_sold: fn(i64, i64) -> String,
    pub refunds_by_tender: &'static str,
    pub by_staff: &'static str,
    pub by_store: &'static str,
    pub bought_with: fn(&str) -> String,
    pub fbt_hint: fn(i64, &str, &str) -> String,
    pub dashboards: &'static str,
    pub alerts: &'static str,
    pub no_alerts: &'static str,
    pub acknowledge: &'static str,
    pub more_alerts: fn(usize) -> String,
    pub fewer_alerts: &'static str,
}

/// The feedback screens' text (issue 16): Dashboards, the returns desk's survey, the kiosk.
pub struct FeedbackText {
    pub title: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub store: &'static str,
    pub all_stores: &'static str,
    pub survey: &'static str,
    pub all_surveys: &'static str,
    pub show: &'static str,
    pub no_answers: &'static str,
    pub few_answers: fn(u64) -> String,
    pub no_previous: &'static str,
    pub previous_real: fn(&str, u64) -> String,
    pub previous_noise: fn(&str, u64) -> String,
    pub few_short: &'static str,
    pub no_answers_short: &'static str,
    pub mean_n: fn(&str, u64, u64) -> String,
    pub displays: &'static str,
    pub started: &'static str,
    pub finished: &'static str,
    pub nps_over_time: &'static str,
    pub band_high: &'static str,
    pub band_low: &'static str,
    pub band_note: fn(f64) -> String,
    pub answers_by_day: &'static str,
    pub answers_by_week: &'static str,
    /// A column's hover text: its day (or week's first day, `week`), the answers in each
    /// bucket and the NPS they make.
    pub answers_column: fn(&str, bool, u64, u64, u64) -> String,
    pub funnel: &'static str,
    pub reasons: &'static str,
    pub themes: &'static str,
    pub commented: fn(u64) -> String,
    pub no_comments: &'static str,
    pub theme: &'static str,
    pub impact: &'static str,
    pub impact_hint: fn(&str) -> String,
    pub detractors_vs_promoters: &'static str,
    pub suggested: &'static str,
    pub accept: &'static str,
    pub responses: &'static str,
    pub every_score: &'static str,
    pub promoters: &'static str,
    pub passives: &'static str,
    pub detractors: &'static str,
    pub every_theme: &'static str,
    pub words: &'static str,
    pub export: &'static str,
    pub exported: fn(u64, &str) -> String,
    pub day: &'static str,
    pub staff: &'static str,
    pub receipt: &'static str,
    pub answers: &'static str,
    pub skipped: &'static str,
    pub desk_saved: &'static str,
    pub desk_keys: &'static str,
    pub desk_heading: &'static str,
    pub kiosk_thanks: &'static str,
    pub kiosk_you_chose: fn(u8) -> String,
    pub kiosk_send: &'static str,
    pub kiosk_skip: &'static str,
    pub kiosk_unlikely: &'static str,
    pub kiosk_likely: &'static str,
    pub kiosk_pin: &'static str,
    pub kiosk_unlock: &'static str,
    pub kiosk_staff: &'static str,
    pub kiosk_start: &'static str,
    pub nav: &'static str,
}
