//! Backroom's desktop UI (Leptos 0.8, client-side rendered).
//!
//! Screens: set-up, sign in (PIN pad, quick switch, lock), Sell (scan or search, cart, split
//! tender, manager approval, receipt), Returns, Stock, Import (dry-run preview) and Shift. Every
//! screen works from the keyboard; a scanner is a keyboard that types fast and presses Enter.
//! All backend calls go through [`api::call`].

mod api;
mod catalog;
mod logic;
mod progress;
mod settings;

use backroom_api::DiscountValue;
use backroom_api::{
    ApiError, AuditEntryView, CartQuote, CustomerView, GiftCardView, LocationView, OrderFilter,
    OrderSummary, OrderView, ReturnInput, ReturnLineInput, ReturnView, SaleInput, ScanHit,
    StaffView, StockLevelRow, VariantHit, ZReport,
};
use backroom_domain::unit::SaleUnit;
use leptos::prelude::*;
use leptos::task::spawn_local;
use logic::{
    add_item, format_amount, format_discount, line_code, parse_amount, parse_discount, sale_input,
    scan_unit, CartItem,
};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
struct AppStatus {
    initialised: bool,
    store_name: String,
    currency: String,
    database: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screen {
    Sell,
    Returns,
    Orders,
    Customers,
    Catalog,
    Stock,
    Shift,
    Settings,
}

fn new_cart_id() -> String {
    format!(
        "ui-{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e12) as u64
    )
}

/// A row of tabs; each button's id is `<prefix>-tab-<key>`.
fn tabs(
    tab: RwSignal<&'static str>,
    prefix: &'static str,
    items: &[(&'static str, &'static str)],
) -> impl IntoView {
    let buttons = items
        .iter()
        .map(|&(key, label)| {
            view! { <button id=format!("{prefix}-tab-{key}") class:active=move || tab.get() == key on:click=move |_| tab.set(key)>{label}</button> }
        })
        .collect_view();
    view! { <div class="tabs">{buttons}</div> }
}

/// Prints a sale's receipt or a return's slip (`duplicate` for a reprint); says where in
/// `printed`, or why not in `error`. Used by Sell, Returns and Orders.
fn print_receipt(
    receipt: String,
    duplicate: bool,
    printed: RwSignal<String>,
    error: RwSignal<String>,
) {
    spawn_local(async move {
        match api::call::<_, backroom_api::PrintResult>(
            "print_receipt",
            &json!({"receipt": receipt, "duplicate": duplicate}),
        )
        .await
        {
            Ok(p) => {
                let verb = if duplicate { "Reprinted" } else { "Printed" };
                printed.set(format!("{verb} on {}", p.printer));
                error.set(String::new());
            }
            Err(e) => error.set(error_text(&e)),
        }
    })
}

/// A text input bound to a signal (forms in Catalog and Settings).
fn text_input(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! { <input id=id prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/> }
}

/// Shows an error next to what it concerns.
fn error_text(e: &ApiError) -> String {
    match &e.field {
        Some(f) => format!("{f}: {}", e.message),
        None => e.message.clone(),
    }
}

#[component]
fn App() -> impl IntoView {
    let status = RwSignal::new(None::<AppStatus>);
    let staff = RwSignal::new(None::<StaffView>);
    provide_context(progress::listen());
    let load = move || {
        spawn_local(async move {
            if let Ok(s) = api::call0::<AppStatus>("app_status").await {
                status.set(Some(s));
            }
        })
    };
    load();
    view! {
        {move || match status.get() {
            None => view! { <p class="muted">"Opening the store…"</p> }.into_any(),
            Some(s) if !s.initialised => view! { <Setup on_done=load/> }.into_any(),
            Some(s) => match staff.get() {
                None => view! { <SignIn store=s.store_name.clone() on_signed_in=move |m| staff.set(Some(m))/> }.into_any(),
                Some(me) => view! { <Shell status=s me=me on_lock=move || staff.set(None)/> }.into_any(),
            },
        }}
    }
}

#[component]
fn Setup(on_done: impl Fn() + Copy + 'static) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let currency = RwSignal::new("EUR".to_string());
    let owner = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let set_up = move |_| {
        busy.set(true);
        spawn_local(async move {
            let args = json!({"storeName": name.get_untracked(), "currency": currency.get_untracked(),
                              "ownerName": owner.get_untracked(), "ownerPin": pin.get_untracked()});
            match api::call::<_, ()>("setup_store", &args).await {
                Ok(()) => on_done(),
                Err(e) => error.set(error_text(&e)),
            }
            busy.set(false);
        });
    };
    let demo = move |_| {
        busy.set(true);
        spawn_local(async move {
            match api::call0::<()>("setup_demo").await {
                Ok(()) => on_done(),
                Err(e) => error.set(error_text(&e)),
            }
            busy.set(false);
        });
    };
    view! {
        <main class="setup">
            <h1>"Welcome to Backroom"</h1>
            <section class="card">
                <h2>"Set up my store"</h2>
                <label>"Store name"<input id="setup-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
                <label>"Currency"<input id="setup-currency" prop:value=move || currency.get() on:input=move |ev| currency.set(event_target_value(&ev))/></label>
                <label>"Owner name"<input id="setup-owner" prop:value=move || owner.get() on:input=move |ev| owner.set(event_target_value(&ev))/></label>
                <label>"Owner PIN"<input id="setup-pin" type="password" inputmode="numeric" prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/></label>
                <p class="error">{move || error.get()}</p>
                <button id="setup-go" disabled=move || busy.get() on:click=set_up>"Set up my store"</button>
            </section>
            <section class="card">
                <h2>"Explore with demo data"</h2>
                <p>"Three locations, 200 products, a month of sales, returns and shifts."</p>
                <button id="setup-demo" disabled=move || busy.get() on:click=demo>
                    {move || if busy.get() { "Building…" } else { "Explore with demo data" }}
                </button>
            </section>
        </main>
    }
}

#[component]
fn SignIn(store: String, on_signed_in: impl Fn(StaffView) + Copy + 'static) -> impl IntoView {
    let names = RwSignal::new(Vec::<StaffView>::new());
    let who = RwSignal::new(String::new());
    let pin = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    spawn_local(async move {
        if let Ok(list) = api::call0::<Vec<StaffView>>("staff_names").await {
            if let Some(first) = list.first() {
                who.set(first.name.clone());
            }
            names.set(list);
        }
    });
    let submit = move || {
        spawn_local(async move {
            let args = json!({"name": who.get_untracked(), "pin": pin.get_untracked()});
            match api::call::<_, StaffView>("sign_in", &args).await {
                Ok(me) => on_signed_in(me),
                Err(e) => {
                    error.set(error_text(&e));
                    pin.set(String::new());
                }
            }
        })
    };
    let digit = move |d: &'static str| move |_| pin.update(|p| p.push_str(d));
    view! {
        <main class="signin">
            <h1>{store}</h1>
            <div class="staff-list">
                {move || names.get().into_iter().map(|m| {
                    let n = m.name.clone();
                    let n2 = m.name.clone();
                    view! {
                        <button class="staff" class:selected=move || who.get() == n on:click=move |_| { who.set(n2.clone()); pin.set(String::new()); }>
                            {m.name.clone()}<small>{m.role.clone()}</small>
                        </button>
                    }
                }).collect_view()}
            </div>
            <input id="pin" type="password" inputmode="numeric" autofocus placeholder="PIN"
                prop:value=move || pin.get()
                on:input=move |ev| pin.set(event_target_value(&ev))
                on:keydown=move |ev| if ev.key() == "Enter" { submit() }/>
            <div class="pinpad">
                <button on:click=digit("1")>"1"</button><button on:click=digit("2")>"2"</button><button on:click=digit("3")>"3"</button>
                <button on:click=digit("4")>"4"</button><button on:click=digit("5")>"5"</button><button on:click=digit("6")>"6"</button>
                <button on:click=digit("7")>"7"</button><button on:click=digit("8")>"8"</button><button on:click=digit("9")>"9"</button>
                <button on:click=move |_| pin.set(String::new())>"C"</button><button on:click=digit("0")>"0"</button>
                <button id="pin-go" on:click=move |_| submit()>"OK"</button>
            </div>
            <p class="error" id="signin-error">{move || error.get()}</p>
        </main>
    }
}

#[component]
fn Shell(status: AppStatus, me: StaffView, on_lock: impl Fn() + Copy + 'static) -> impl IntoView {
    let screen = RwSignal::new(Screen::Sell);
    let currency = status.currency.clone();
    let lock = move |_| {
        spawn_local(async move {
            let _ = api::call0::<()>("lock").await;
            on_lock();
        })
    };
    // Alt+1 … Alt+8 switch screens, so a cashier never needs the mouse.
    const ORDER: [Screen; 8] = [
        Screen::Sell,
        Screen::Returns,
        Screen::Orders,
        Screen::Customers,
        Screen::Catalog,
        Screen::Stock,
        Screen::Shift,
        Screen::Settings,
    ];
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.alt_key() {
            if let Some(s) = ev
                .key()
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|n| ORDER.get(n))
            {
                ev.prevent_default();
                screen.set(*s);
            }
        }
    });
    on_cleanup(move || keys.remove());
    let tab = move |s: Screen, id: &'static str, label: &'static str| {
        let n = ORDER
            .iter()
            .position(|o| *o == s)
            .map(|i| i + 1)
            .unwrap_or(0);
        view! { <button id=id title=format!("Alt+{n}") class:active=move || screen.get() == s on:click=move |_| screen.set(s)>{label}</button> }
    };
    view! {
        <header>
            <strong>{status.store_name.clone()}</strong>
            <nav>
                {tab(Screen::Sell, "nav-sell", "Sell")}
                {tab(Screen::Returns, "nav-returns", "Returns")}
                {tab(Screen::Orders, "nav-orders", "Orders")}
                {tab(Screen::Customers, "nav-customers", "Customers")}
                {tab(Screen::Catalog, "nav-catalog", "Catalog")}
                {tab(Screen::Stock, "nav-stock", "Stock")}
                {tab(Screen::Shift, "nav-shift", "Shift")}
                {tab(Screen::Settings, "nav-settings", "Settings")}
            </nav>
            <span class="me" id="signed-in">{me.name.clone()}" · "{me.role.clone()}</span>
            <button id="lock" on:click=lock>"Lock"</button>
        </header>
        {move || {
            let c = currency.clone();
            match screen.get() {
                Screen::Sell => view! { <Sell currency=c/> }.into_any(),
                Screen::Returns => view! { <Returns currency=c/> }.into_any(),
                Screen::Orders => view! { <Orders currency=c/> }.into_any(),
                Screen::Customers => view! { <Customers currency=c/> }.into_any(),
                Screen::Catalog => view! { <catalog::Catalog currency=c/> }.into_any(),
                Screen::Stock => view! { <Stock/> }.into_any(),
                Screen::Shift => view! { <Shift currency=c/> }.into_any(),
                Screen::Settings => view! { <settings::Settings currency=c/> }.into_any(),
            }
        }}
    }
}

#[component]
fn Sell(currency: String) -> impl IntoView {
    let cart = RwSignal::new(Vec::<CartItem>::new());
    let quote = RwSignal::new(None::<CartQuote>);
    let scan = RwSignal::new(String::new());
    let hits = RwSignal::new(Vec::<VariantHit>::new());
    let tenders = RwSignal::new(Vec::<(String, i64, String)>::new());
    let tender_kind = RwSignal::new("cash".to_string());
    let tender_amount = RwSignal::new(String::new());
    let tender_ref = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let receipt = RwSignal::new(None::<(OrderView, String)>);
    let printed = RwSignal::new(String::new());
    let cart_id = RwSignal::new(new_cart_id());
    let need_approval = RwSignal::new(false);
    let manager = RwSignal::new(String::new());
    let manager_pin = RwSignal::new(String::new());
    let cur = StoredValue::new(currency);
    let customer = RwSignal::new(None::<CustomerView>);
    let customer_query = RwSignal::new(String::new());
    let selected = RwSignal::new(None::<usize>);
    let line_discount = RwSignal::new(String::new());
    let order_discount = RwSignal::new(None::<DiscountValue>);
    let order_discount_text = RwSignal::new(String::new());
    let promo_codes = RwSignal::new(Vec::<String>::new());
    let promo_text = RwSignal::new(String::new());
    let park_label = RwSignal::new(String::new());
    let parked = RwSignal::new(None::<Vec<(String, String, usize)>>);

    // The whole cart as the engine sees it (lines, discounts, codes, customer, tenders).
    let current_input = move |id: &str| {
        let mut input = sale_input(id, &cart.get_untracked(), &tenders.get_untracked());
        input.customer_id = customer.get_untracked().map(|c| c.id);
        input.order_discount = order_discount.get_untracked();
        input.promo_codes = promo_codes.get_untracked();
        input
    };
    // Every quote carries a number; an answer to an older quote is dropped.
    let quote_seq = StoredValue::new(0u64);
    let requote = move || {
        quote_seq.update_value(|n| *n += 1);
        let seq = quote_seq.get_value();
        if cart.with_untracked(|c| c.is_empty()) {
            quote.set(None);
            return;
        }
        let input = current_input("quote");
        spawn_local(async move {
            let answer = api::call::<_, CartQuote>("quote", &json!({"cart": input})).await;
            if quote_seq.get_value() != seq {
                return;
            }
            match answer {
                Ok(q) => {
                    // Resumed carts arrive with SKUs only: take the titles and units the engine
                    // knows (a weight label's line weighs more than the one label typed).
                    cart.update(|c| {
                        for (item, line) in c.iter_mut().zip(&q.lines) {
                            if item.title == item.sku {
                                item.title = line.title.clone();
                                if line.quantity == item.quantity {
                                    item.unit = SaleUnit::parse(&line.sale_unit, "sale_unit")
                                        .unwrap_or_default();
                                }
                            }
                        }
                    });
                    quote.set(Some(q));
                    error.set(String::new());
                }
                Err(e) => {
                    // A code the engine refuses is dropped, so later quotes still work.
                    if e.field
                        .as_deref()
                        .is_some_and(|f| f.starts_with("promo_codes"))
                    {
                        promo_codes.update(|p| {
                            p.pop();
                        });
                    }
                    error.set(error_text(&e));
                }
            }
        });
    };
    let find_customer = move || {
        let q = customer_query.get_untracked();
        spawn_local(async move {
            match api::call::<_, Vec<CustomerView>>("search_customers", &json!({"query": q})).await
            {
                Ok(found) => match found.into_iter().next() {
                    Some(c) => {
                        customer.set(Some(c));
                        customer_query.set(String::new());
                        error.set(String::new());
                        requote();
                    }
                    None => error.set("customer: nobody matches".into()),
                },
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let add_code = move |code: String| {
        spawn_local(async move {
            match api::call::<_, Option<ScanHit>>("scan", &json!({"code": code.clone()})).await {
                Ok(Some(hit)) => {
                    let title = if hit.variant.variant_title.is_empty() {
                        hit.variant.title.clone()
                    } else {
                        format!("{} — {}", hit.variant.title, hit.variant.variant_title)
                    };
                    // A price label's own code reaches the engine, so its price is charged.
                    let key = line_code(&hit, &code);
                    cart.update(|c| add_item(c, &key, &title, scan_unit(&hit)));
                    requote();
                }
                Ok(None) => error.set(format!("scan: nothing has the code {code}")),
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let on_scan_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" {
            let code = scan.get_untracked().trim().to_string();
            scan.set(String::new());
            hits.set(Vec::new());
            if !code.is_empty() {
                add_code(code);
            }
        }
    };
    let on_scan_input = move |ev| {
        let text = event_target_value(&ev);
        scan.set(text.clone());
        if text.trim().chars().count() >= 2 && !text.trim().chars().all(|c| c.is_ascii_digit()) {
            spawn_local(async move {
                if let Ok(found) =
                    api::call::<_, Vec<VariantHit>>("search", &json!({"query": text})).await
                {
                    // Ignore answers to older keystrokes.
                    if scan.get_untracked() == text {
                        hits.set(found);
                    }
                }
            });
        } else {
            hits.set(Vec::new());
        }
    };
    let apply_line_discount = move || {
        let Some(i) = selected
            .get_untracked()
            .or_else(|| cart.with_untracked(|c| c.len().checked_sub(1)))
        else {
            return error.set("discount: add an item first".into());
        };
        match parse_discount(&line_discount.get_untracked(), &cur.get_value()) {
            Ok(d) => {
                let mut applied = false;
                cart.update(|c| {
                    if let Some(item) = c.get_mut(i) {
                        item.discount = d;
                        applied = true;
                    }
                });
                if applied {
                    line_discount.set(String::new());
                    requote();
                } else {
                    selected.set(None);
                    error.set("line discount: choose a line first".into());
                }
            }
            Err(e) => error.set(format!("line discount: {e}")),
        }
    };
    let apply_order_discount =
        move || match parse_discount(&order_discount_text.get_untracked(), &cur.get_value()) {
            Ok(d) => {
                order_discount.set(d);
                requote();
            }
            Err(e) => error.set(format!("order discount: {e}")),
        };
    let add_promo = move || {
        let code = promo_text.get_untracked().trim().to_uppercase();
        if !code.is_empty() {
            promo_codes.update(|p| {
                if !p.contains(&code) {
                    p.push(code)
                }
            });
            promo_text.set(String::new());
            requote();
        }
    };
    let add_tender = move || {
        let c = cur.get_value();
        match parse_amount(&tender_amount.get_untracked(), &c, "amount") {
            Ok(a) if a > 0 => {
                tenders.update(|t| {
                    t.push((tender_kind.get_untracked(), a, tender_ref.get_untracked()))
                });
                tender_amount.set(String::new());
                tender_ref.set(String::new());
                error.set(String::new());
                requote();
            }
            Ok(_) => error.set("amount: must be more than zero".into()),
            Err(e) => error.set(format!("amount: {e}")),
        }
    };
    let clear_cart = move || {
        cart.set(Vec::new());
        tenders.set(Vec::new());
        quote.set(None);
        need_approval.set(false);
        customer.set(None);
        manager_pin.set(String::new());
        order_discount.set(None);
        order_discount_text.set(String::new());
        promo_codes.set(Vec::new());
        selected.set(None);
        cart_id.set(new_cart_id());
    };
    let complete = move || {
        let mut input = current_input(&cart_id.get_untracked());
        if need_approval.get_untracked() {
            input.approval = Some(backroom_api::Approval {
                manager: manager.get_untracked(),
                pin: manager_pin.get_untracked(),
            });
        }
        spawn_local(async move {
            match api::call::<_, OrderView>("complete_sale", &json!({"cart": input})).await {
                Ok(order) => {
                    let html = api::call::<_, String>(
                        "receipt_html",
                        &json!({"receipt": order.receipt_number, "duplicate": false}),
                    )
                    .await
                    .unwrap_or_default();
                    receipt.set(Some((order, html)));
                    printed.set(String::new());
                    clear_cart();
                    error.set(String::new());
                }
                Err(e) => {
                    if logic::needs_approval(&e) {
                        need_approval.set(true);
                    }
                    error.set(error_text(&e));
                }
            }
        });
    };
    let print = move |duplicate: bool| {
        let Some((o, _)) = receipt.get_untracked() else {
            return;
        };
        print_receipt(o.receipt_number, duplicate, printed, error);
    };
    let park = move || {
        let input = current_input(&cart_id.get_untracked());
        let label = park_label.get_untracked();
        spawn_local(async move {
            match api::call::<_, String>("park_cart", &json!({"label": label, "cart": input})).await
            {
                Ok(_) => {
                    clear_cart();
                    park_label.set(String::new());
                    parked.set(None);
                    error.set(String::new());
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let show_parked = move || {
        spawn_local(async move {
            match api::call0::<Vec<(String, String, usize)>>("parked_carts").await {
                Ok(p) => parked.set(Some(p)),
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let resume = move |id: String| {
        if !cart.with_untracked(|c| c.is_empty()) {
            return error
                .set("cart: park or finish the current cart before resuming another".into());
        }
        clear_cart();
        spawn_local(async move {
            match api::call::<_, SaleInput>("resume_cart", &json!({"id": id})).await {
                Ok(input) => {
                    cart.set(
                        input
                            .lines
                            .iter()
                            .map(|l| CartItem {
                                sku: l.sku.clone(),
                                title: l.sku.clone(),
                                quantity: l.quantity,
                                discount: l.discount,
                                // Learnt from the first quote (below).
                                unit: SaleUnit::Piece,
                            })
                            .collect(),
                    );
                    order_discount.set(input.order_discount);
                    order_discount_text.set(
                        input
                            .order_discount
                            .map(|d| format_discount(&d, &cur.get_value()))
                            .unwrap_or_default(),
                    );
                    promo_codes.set(input.promo_codes.clone());
                    cart_id.set(input.cart_id.clone());
                    parked.set(None);
                    if let Some(c) = input.customer_id {
                        if let Ok(v) =
                            api::call::<_, CustomerView>("customer", &json!({"id": c})).await
                        {
                            customer.set(Some(v));
                        }
                    }
                    requote();
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    // Paid, due, change and the cash rounding come from the engine's quote, never the screen.
    let standing = move || quote.get().map(|q| q.tenders).unwrap_or_default();
    let total = move || quote.get().map(|q| q.total).unwrap_or(0);
    let settled = move || {
        !tenders.get_untracked().is_empty()
            && quote.get_untracked().is_some_and(|q| q.tenders.due == 0)
    };
    let money = move |v: i64| format_amount(v, &cur.get_value());

    view! {
        <main class="sell">
            <section class="left">
                <input id="scan" class="scan" autofocus placeholder="Scan or type to search"
                    prop:value=move || scan.get() on:input=on_scan_input on:keydown=on_scan_key/>
                <ul class="hits" id="hits">
                    {move || hits.get().into_iter().map(|h| {
                        let sku = h.sku.clone();
                        let title = format!("{} {}", h.title, h.variant_title);
                        let unit = SaleUnit::parse(&h.sale_unit, "sale_unit").unwrap_or_default();
                        view! {
                            <li><button on:click=move |_| { cart.update(|c| add_item(c, &sku, &title, unit)); hits.set(Vec::new()); scan.set(String::new()); requote(); }>
                                <span>{h.title.clone()}" "{h.variant_title.clone()}</span><code>{h.sku.clone()}</code><b>{money(h.price_minor)}</b>
                            </button></li>
                        }
                    }).collect_view()}
                </ul>
                <table class="cart" id="cart">
                    <thead><tr><th>"Item"</th><th>"Qty"</th><th class="num">"Discount"</th><th class="num">"Total"</th><th></th></tr></thead>
                    <tbody>
                        {move || {
                            let q = quote.get();
                            cart.get().into_iter().enumerate().map(|(i, item)| {
                                let line = q.as_ref().and_then(|q| q.lines.get(i)).cloned();
                                let line_total = line.as_ref().map(|l| money(l.total)).unwrap_or_default();
                                let line_discount = line.as_ref().filter(|l| l.discount_total > 0).map(|l| format!("−{}", money(l.discount_total))).unwrap_or_default();
                                let typed = item.discount.map(|d| format_discount(&d, &cur.get_value())).unwrap_or_default();
                                view! {
                                    <tr class="cart-line" tabindex="0" class:selected=move || selected.get() == Some(i) on:click=move |_| selected.set(Some(i)) on:focus=move |_| selected.set(Some(i))>
                                        <td>{item.title.clone()}<br/><code>{item.sku.clone()}</code></td>
                                        <td>{if item.unit.is_measure() {
                                            // Weighed or measured: the weight is typed (0.5 kg).
                                            let unit = item.unit;
                                            view! {
                                                <input class="qty-measure" size="6" prop:value=unit.format_quantity(item.quantity)
                                                    on:click=move |ev| ev.stop_propagation()
                                                    on:change=move |ev| match unit.parse_quantity(&event_target_value(&ev), "quantity") {
                                                        Ok(q) if q > 0 => { cart.update(|c| if let Some(l) = c.get_mut(i) { l.quantity = q }); requote(); }
                                                        Ok(_) => error.set("quantity: must be more than zero".into()),
                                                        Err(e) => error.set(format!("quantity: {}", e.message)),
                                                    }/>
                                                " "{unit.as_str()}
                                            }.into_any()
                                        } else {
                                            let weighed = line.as_ref().and_then(|l| SaleUnit::parse(&l.sale_unit, "sale_unit").ok().filter(|u| u.is_measure()).map(|u| u.label(l.quantity)));
                                            view! {
                                                <button on:click=move |ev| { ev.stop_propagation(); cart.update(|c| if let Some(l) = c.get_mut(i).filter(|l| l.quantity > 1) { l.quantity -= 1 }); requote(); }>"−"</button>
                                                <span class="qty">{item.quantity}</span>
                                                <button on:click=move |ev| { ev.stop_propagation(); cart.update(|c| if let Some(l) = c.get_mut(i) { l.quantity += 1 }); requote(); }>"+"</button>
                                                {weighed.map(|w| view! { <br/><small class="muted">{w}</small> })}
                                            }.into_any()
                                        }}</td>
                                        <td class="num line-discount">{line_discount}<br/><small class="muted">{typed}</small></td>
                                        <td class="num">{line_total}</td>
                                        <td><button on:click=move |ev| { ev.stop_propagation(); cart.update(|c| if i < c.len() { c.remove(i); }); selected.set(None); requote(); }>"✕"</button></td>
                                    </tr>
                                }
                            }).collect_view()
                        }}
                    </tbody>
                </table>
                <div class="bar discounts">
                    <input id="line-discount" placeholder="Line discount (10% or 2.00) ⏎" prop:value=move || line_discount.get()
                        on:input=move |ev| line_discount.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { apply_line_discount() }/>
                    <input id="order-discount" placeholder="Order discount ⏎" prop:value=move || order_discount_text.get()
                        on:input=move |ev| order_discount_text.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { apply_order_discount() }/>
                    <input id="promo-code" placeholder="Promo code ⏎" prop:value=move || promo_text.get()
                        on:input=move |ev| promo_text.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { add_promo() }/>
                </div>
                <p class="chips" id="promotions">
                    {move || promo_codes.get().into_iter().enumerate().map(|(i, c)| view! {
                        <span class="chip">{c}<button on:click=move |_| { promo_codes.update(|p| { p.remove(i); }); requote(); }>"✕"</button></span>
                    }).collect_view()}
                    {move || quote.get().map(|q| q.promotions.iter().map(|p| view! { <span class="chip applied">"✓ "{p.clone()}</span> }).collect_view())}
                    {move || quote.get().map(|q| q.unknown_codes.iter().map(|c| view! { <span class="chip invalid" title="no active promotion has this code">{c.clone()}" — not a valid code"</span> }).collect_view())}
                </p>
                <div class="bar park">
                    <input id="park-label" placeholder="Label for a parked cart" prop:value=move || park_label.get() on:input=move |ev| park_label.set(event_target_value(&ev))/>
                    <button id="park" disabled=move || cart.get().is_empty() on:click=move |_| park()>"Park"</button>
                    <button id="parked-show" on:click=move |_| show_parked()>"Parked carts"</button>
                </div>
                {move || parked.get().map(|list| view! {
                    <ul class="list" id="parked-list">
                        {if list.is_empty() { Some(view! { <li class="muted">"No parked carts"</li> }) } else { None }}
                        {list.into_iter().map(|(id, label, n)| view! {
                            <li><button class="resume" on:click=move |_| resume(id.clone())>{label}" · "{n}" lines — resume"</button></li>
                        }).collect_view()}
                    </ul>
                })}
            </section>
            <section class="right">
                <div class="customer">
                    {move || match customer.get() {
                        Some(c) => view! { <p id="customer-name">"Customer: "<b>{c.name.clone()}</b>" "<button on:click=move |_| { customer.set(None); requote(); }>"✕"</button></p> }.into_any(),
                        None => view! {
                            <input id="customer-search" placeholder="Customer: name, email or phone"
                                prop:value=move || customer_query.get() on:input=move |ev| customer_query.set(event_target_value(&ev))
                                on:keydown=move |ev| if ev.key() == "Enter" { find_customer() }/>
                        }.into_any(),
                    }}
                </div>
                <div class="totals">
                    <div>"Subtotal"<span>{move || money(quote.get().map(|q| q.subtotal).unwrap_or(0))}</span></div>
                    <div>"Discounts"<span id="discount-total">{move || money(quote.get().map(|q| q.discount_total).unwrap_or(0))}</span></div>
                    <div>"Tax"<span>{move || money(quote.get().map(|q| q.tax_total).unwrap_or(0))}</span></div>
                    <div class="total">"Total"<span id="total">{move || money(total())}</span></div>
                    {move || (standing().coin > 1 && standing().cash_due != total()).then(|| view! {
                        <div class="muted">"In cash"<span id="cash-due">{money(standing().cash_due)}</span></div>
                    })}
                    <div>"Paid"<span id="paid">{move || money(standing().paid)}</span></div>
                    {move || (standing().rounding != 0).then(|| view! {
                        <div class="muted">"Cash rounding"<span id="cash-rounding">{let r = -standing().rounding; format!("{}{}", if r > 0 { "+" } else { "−" }, money(r.abs()))}</span></div>
                    })}
                    <div>{move || if standing().due == 0 && standing().paid > 0 { "Change" } else { "Due" }}<span id="due">{move || money(if standing().due == 0 && standing().paid > 0 { standing().change_due } else { standing().due })}</span></div>
                </div>
                <div class="tender">
                    <select id="tender-kind" on:change=move |ev| tender_kind.set(event_target_value(&ev))>
                        <option value="cash">"Cash"</option>
                        <option value="card">"Card"</option>
                        <option value="gift_card">"Gift card"</option>
                        <option value="store_credit">"Store credit"</option>
                        <option value="loyalty">"Loyalty points"</option>
                    </select>
                    <input id="tender-amount" placeholder="Amount" prop:value=move || tender_amount.get()
                        on:input=move |ev| tender_amount.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" {
                            // Enter on an empty amount once the tenders cover the total completes
                            // the sale: the cashier never leaves the keyboard.
                            if tender_amount.get_untracked().trim().is_empty() {
                                if !cart.get_untracked().is_empty() && settled() {
                                    complete()
                                }
                            } else {
                                add_tender()
                            }
                        }/>
                    <input id="tender-ref" placeholder="Reference / card code" prop:value=move || tender_ref.get()
                        on:input=move |ev| tender_ref.set(event_target_value(&ev))/>
                    <button id="tender-add" on:click=move |_| add_tender()>"Add"</button>
                </div>
                <ul class="tenders" id="tenders">
                    {move || tenders.get().into_iter().enumerate().map(|(i, (k, a, _))| view! {
                        <li>{k}" "{money(a)}<button on:click=move |_| { tenders.update(|t| { t.remove(i); }); requote(); }>"✕"</button></li>
                    }).collect_view()}
                </ul>
                <Show when=move || need_approval.get()>
                    <div class="approval" id="approval">
                        <b>"Manager approval"</b>
                        <input id="approve-by" placeholder="Manager name" prop:value=move || manager.get() on:input=move |ev| manager.set(event_target_value(&ev))/>
                        <input id="approve-pin" type="password" placeholder="Manager PIN" prop:value=move || manager_pin.get() on:input=move |ev| manager_pin.set(event_target_value(&ev))/>
                    </div>
                </Show>
                <p class="error" id="sell-error">{move || error.get()}</p>
                <button id="complete" class="primary" disabled=move || cart.get().is_empty() on:click=move |_| complete()>"Complete sale"</button>
                {move || receipt.get().map(|(o, html)| view! {
                    <div class="receipt" id="receipt">
                        <p>"Sale "<b id="receipt-number">{o.receipt_number.clone()}</b>" · change "<b id="change-due">{money(o.change_due)}</b></p>
                        <div class="bar">
                            <button id="receipt-print" on:click=move |_| print(false)>"Print"</button>
                            <button id="receipt-reprint" on:click=move |_| print(true)>"Reprint (duplicate)"</button>
                            <span class="ok" id="receipt-printed">{move || printed.get()}</span>
                        </div>
                        <div class="paper" inner_html=html></div>
                    </div>
                })}
            </section>
        </main>
    }
}

#[component]
fn Returns(currency: String) -> impl IntoView {
    let key = RwSignal::new(String::new());
    let order = RwSignal::new(None::<OrderView>);
    let qty = RwSignal::new(Vec::<i64>::new());
    let reason = RwSignal::new(Vec::<String>::new());
    let disposition = RwSignal::new(Vec::<String>::new());
    let reasons = RwSignal::new(Vec::<(String, String)>::new());
    let method = RwSignal::new("original".to_string());
    let exchange = RwSignal::new(Vec::<CartItem>::new());
    let exchange_scan = RwSignal::new(String::new());
    let exchange_tenders = RwSignal::new(Vec::<(String, i64, String)>::new());
    let exchange_tender_kind = RwSignal::new("card".to_string());
    let exchange_tender_amount = RwSignal::new(String::new());
    let preview = RwSignal::new(None::<Result<ReturnView, ApiError>>);
    let error = RwSignal::new(String::new());
    let done = RwSignal::new(None::<ReturnView>);
    let slip = RwSignal::new(String::new());
    let printed = RwSignal::new(String::new());
    let need_approval = RwSignal::new(false);
    let manager = RwSignal::new(String::new());
    let manager_pin = RwSignal::new(String::new());
    let cur = StoredValue::new(currency);
    let money = move |v: i64| format_amount(v, &cur.get_value());
    let print = move |key: String| print_receipt(key, false, printed, error);
    spawn_local(async move {
        if let Ok(r) = api::call0::<Vec<(String, String)>>("return_reasons").await {
            reasons.set(r);
        }
    });
    let find = move || {
        let k = key.get_untracked().trim().to_string();
        spawn_local(async move {
            match api::call::<_, OrderView>("order", &json!({"key": k})).await {
                Ok(o) => {
                    qty.set(vec![0; o.lines.len()]);
                    reason.set(vec!["unknown".into(); o.lines.len()]);
                    disposition.set(vec!["restock".into(); o.lines.len()]);
                    // A new receipt starts from the defaults the re-rendered controls show.
                    method.set("original".into());
                    exchange_tender_kind.set("card".into());
                    need_approval.set(false);
                    manager_pin.set(String::new());
                    order.set(Some(o));
                    exchange.set(Vec::new());
                    exchange_tenders.set(Vec::new());
                    preview.set(None);
                    error.set(String::new());
                    done.set(None);
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    // The return as the engine will see it; the engine does all the money math.
    let input = move || -> Option<ReturnInput> {
        let o = order.get_untracked()?;
        let q = qty.get_untracked();
        let lines: Vec<ReturnLineInput> = o
            .lines
            .iter()
            .enumerate()
            .filter(|(i, _)| q[*i] > 0)
            .map(|(i, l)| ReturnLineInput {
                line_id: Some(l.id.clone()),
                sku: l.sku.clone(),
                quantity: q[i],
                reason: reason.get_untracked()[i].clone(),
                disposition: disposition.get_untracked()[i].clone(),
            })
            .collect();
        if lines.is_empty() {
            return None;
        }
        let refund = match method.get_untracked().as_str() {
            "original" => Vec::new(),
            // 0 = "the rest of what is due" to this tender.
            kind => vec![backroom_api::RefundTender {
                kind: kind.to_string(),
                amount: 0,
                reference: String::new(),
            }],
        };
        let items = exchange.get_untracked();
        let exchange = (!items.is_empty()).then(|| {
            let mut s = sale_input("", &items, &exchange_tenders.get_untracked());
            s.location = o.location.clone();
            s
        });
        let approval = need_approval
            .get_untracked()
            .then(|| backroom_api::Approval {
                manager: manager.get_untracked(),
                pin: manager_pin.get_untracked(),
            });
        Some(ReturnInput {
            order: Some(o.id.clone()),
            lines,
            refund,
            exchange,
            approval,
            ..Default::default()
        })
    };
    let refresh_preview = move || {
        let Some(i) = input() else {
            return preview.set(None);
        };
        spawn_local(async move {
            let r = api::call::<_, ReturnView>("preview_return", &json!({"input": i})).await;
            if r.as_ref().is_err_and(logic::needs_approval) {
                need_approval.set(true);
            }
            preview.set(Some(r));
        })
    };
    let add_exchange_item = move || {
        let code = exchange_scan.get_untracked().trim().to_string();
        if code.is_empty() {
            return;
        }
        spawn_local(async move {
            match api::call::<_, Option<ScanHit>>("scan", &json!({"code": code.clone()})).await {
                Ok(Some(hit)) => {
                    let title = format!("{} {}", hit.variant.title, hit.variant.variant_title);
                    let key = line_code(&hit, &code);
                    exchange.update(|c| add_item(c, &key, title.trim(), scan_unit(&hit)));
                    exchange_scan.set(String::new());
                    refresh_preview();
                }
                Ok(None) => error.set(format!("exchange: nothing has the code {code}")),
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let add_exchange_tender = move || match parse_amount(
        &exchange_tender_amount.get_untracked(),
        &cur.get_value(),
        "amount",
    ) {
        Ok(a) if a > 0 => {
            exchange_tenders
                .update(|t| t.push((exchange_tender_kind.get_untracked(), a, String::new())));
            exchange_tender_amount.set(String::new());
            refresh_preview();
        }
        Ok(_) => error.set("amount: must be more than zero".into()),
        Err(e) => error.set(format!("amount: {e}")),
    };
    let process = move || {
        let Some(i) = input() else {
            return error.set("lines: choose at least one item to return".into());
        };
        spawn_local(async move {
            match api::call::<_, ReturnView>("process_return", &json!({"input": i})).await {
                Ok(r) => {
                    slip.set(
                        api::call::<_, String>(
                            "receipt_html",
                            &json!({"receipt": r.number, "duplicate": false}),
                        )
                        .await
                        .unwrap_or_default(),
                    );
                    printed.set(String::new());
                    done.set(Some(r));
                    order.set(None);
                    preview.set(None);
                    method.set("original".into());
                    exchange.set(Vec::new());
                    exchange_tenders.set(Vec::new());
                    need_approval.set(false);
                    manager_pin.set(String::new());
                    error.set(String::new());
                }
                Err(e) => {
                    if logic::needs_approval(&e) {
                        need_approval.set(true);
                    }
                    error.set(error_text(&e));
                }
            }
        });
    };
    view! {
        <main class="returns">
            <input id="return-receipt" class="scan" placeholder="Scan the receipt or type its number" autofocus
                prop:value=move || key.get() on:input=move |ev| key.set(event_target_value(&ev))
                on:keydown=move |ev| if ev.key() == "Enter" { find() }/>
            {move || order.get().map(|o| view! {
                <table class="cart" id="return-lines">
                    <thead><tr><th>"Item"</th><th>"Sold"</th><th>"Return"</th><th>"Reason"</th><th>"Disposition"</th></tr></thead>
                    <tbody>
                        {o.lines.iter().enumerate().map(|(i, l)| { let unit = SaleUnit::parse(&l.sale_unit, "sale_unit").unwrap_or_default(); view! {
                            <tr>
                                <td>{l.title.clone()}<br/><code>{l.sku.clone()}</code></td>
                                <td>{unit.label(l.quantity - l.returned_qty)}" of "{unit.label(l.quantity)}</td>
                                <td>{if unit.is_measure() {
                                    // Weighed goods: the returned weight in the line's unit (0.2 kg).
                                    view! { <input class="return-qty" size="6" prop:value=move || unit.format_quantity(qty.get().get(i).copied().unwrap_or(0))
                                        on:change=move |ev| match unit.parse_quantity(&event_target_value(&ev), "quantity") {
                                            Ok(v) => { qty.update(|q| if let Some(x) = q.get_mut(i) { *x = v }); refresh_preview() }
                                            Err(e) => error.set(format!("lines[{i}].quantity: {}", e.message)),
                                        }/>" "{unit.as_str()} }.into_any()
                                } else {
                                    view! { <input class="return-qty" type="number" min="0" prop:value=move || qty.get().get(i).copied().unwrap_or(0).to_string()
                                        on:input=move |ev| { let v = event_target_value(&ev).parse().unwrap_or(0); qty.update(|q| if let Some(x) = q.get_mut(i) { *x = v }); refresh_preview() }/> }.into_any()
                                }}</td>
                                <td><select class="return-reason" on:change=move |ev| { let v = event_target_value(&ev); reason.update(|r| if let Some(x) = r.get_mut(i) { *x = v }); refresh_preview() }>
                                    {reasons.get().into_iter().map(|(code, label)| view! { <option value=code.clone() selected=code == "unknown">{label}</option> }).collect_view()}
                                </select></td>
                                <td><select class="return-disposition" on:change=move |ev| { let v = event_target_value(&ev); disposition.update(|d| if let Some(x) = d.get_mut(i) { *x = v }); refresh_preview() }>
                                    <option value="restock">"Restock"</option>
                                    <option value="damaged">"Damaged"</option>
                                    <option value="quality_control">"Quality control"</option>
                                    <option value="write_off">"Write off"</option>
                                </select></td>
                            </tr>
                        }}).collect_view()}
                    </tbody>
                </table>
                <div class="bar">
                    <label>"Refund to "
                        <select id="refund-method" on:change=move |ev| { method.set(event_target_value(&ev)); refresh_preview() }>
                            <option value="original">"Original payment(s)"</option>
                            <option value="store_credit">"Store credit"</option>
                            <option value="cash">"Cash"</option>
                            <option value="card">"Card"</option>
                        </select>
                    </label>
                </div>
                <section class="card exchange">
                    <h4>"Exchange (optional)"</h4>
                    <input id="exchange-scan" placeholder="Scan the new item ⏎" prop:value=move || exchange_scan.get()
                        on:input=move |ev| exchange_scan.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { add_exchange_item() }/>
                    <ul id="exchange-items">
                        {move || exchange.get().into_iter().enumerate().map(|(i, c)| view! {
                            <li>{c.title.clone()}" × "{c.unit.label(c.quantity)}<button on:click=move |_| { exchange.update(|e| { e.remove(i); }); refresh_preview() }>"✕"</button></li>
                        }).collect_view()}
                    </ul>
                    <div class="bar">
                        <select id="exchange-tender-kind" on:change=move |ev| exchange_tender_kind.set(event_target_value(&ev))>
                            <option value="card">"Card"</option><option value="cash">"Cash"</option>
                        </select>
                        <input id="exchange-tender-amount" placeholder="Customer pays" prop:value=move || exchange_tender_amount.get()
                            on:input=move |ev| exchange_tender_amount.set(event_target_value(&ev))
                            on:keydown=move |ev| if ev.key() == "Enter" { add_exchange_tender() }/>
                        <span>{move || exchange_tenders.get().iter().map(|(k, a, _)| format!("{k} {}", money(*a))).collect::<Vec<_>>().join(", ")}</span>
                    </div>
                </section>
                <div class="card" id="return-preview">
                    {move || match preview.get() {
                        None => view! { <p class="muted">"Choose what comes back to see the refund."</p> }.into_any(),
                        Some(Ok(r)) => view! {
                            <p>"Refund "<b id="preview-total">{money(r.refund_total)}</b>" → "
                                {r.refunds.iter().map(|(t, a)| format!("{t} {}", money(*a))).collect::<Vec<_>>().join(", ")}
                                {r.exchange_order.as_ref().map(|x| format!(" · exchange {} for {}", x.lines.len(), money(x.total)))}</p>
                        }.into_any(),
                        Some(Err(e)) => view! { <p class="error" id="preview-error">{error_text(&e)}</p> }.into_any(),
                    }}
                </div>
                <Show when=move || need_approval.get()>
                    <div class="approval" id="return-approval">
                        <b>"Manager approval"</b>
                        <input id="return-approve-by" placeholder="Manager name" prop:value=move || manager.get() on:input=move |ev| manager.set(event_target_value(&ev))/>
                        <input id="return-approve-pin" type="password" placeholder="Manager PIN" prop:value=move || manager_pin.get() on:input=move |ev| manager_pin.set(event_target_value(&ev))/>
                    </div>
                </Show>
                <button id="process-return" class="primary" on:click=move |_| process()>"Process return"</button>
            })}
            <p class="error" id="return-error">{move || error.get()}</p>
            {move || done.get().map(|r| {
                let number = r.number.clone();
                let exchange = r.exchange_order.as_ref().map(|x| x.receipt_number.clone());
                view! {
                    <div class="receipt">
                        <p class="ok" id="return-done">"Return "<b>{r.number.clone()}</b>" refunded "<b id="return-total">{money(r.refund_total)}</b>
                            " ("{r.refunds.iter().map(|(t, a)| format!("{t} {}", money(*a))).collect::<Vec<_>>().join(", ")}")"
                            {exchange.clone().map(|x| format!(" · exchange sale {x}"))}</p>
                        <div class="bar">
                            <button id="return-print" on:click=move |_| print(number.clone())>"Print refund slip"</button>
                            {exchange.map(|x| view! { <button id="exchange-print" on:click=move |_| print(x.clone())>"Print exchange receipt"</button> })}
                            <span class="ok">{move || printed.get()}</span>
                        </div>
                        <div class="paper" id="return-slip" inner_html=move || slip.get()></div>
                    </div>
                }
            })}
        </main>
    }
}

#[component]
fn Stock() -> impl IntoView {
    let locations = RwSignal::new(Vec::<LocationView>::new());
    let location = RwSignal::new("MAIN".to_string());
    let rows = RwSignal::new(Vec::<StockLevelRow>::new());
    let filter = RwSignal::new(String::new());
    // The engine filters (a store has 300k variants; the screen shows a page of 300).
    let load = move || {
        let loc = location.get_untracked();
        let q = filter.get_untracked();
        spawn_local(async move {
            if let Ok(r) = api::call::<_, Vec<StockLevelRow>>(
                "stock_levels",
                &json!({"location": loc, "query": q.clone()}),
            )
            .await
            {
                // Ignore answers to older keystrokes.
                if filter.get_untracked() == q {
                    rows.set(r);
                }
            }
        })
    };
    spawn_local(async move {
        if let Ok(l) = api::call0::<Vec<LocationView>>("locations").await {
            locations.set(l);
        }
    });
    load();
    view! {
        <main class="stock">
            <div class="bar">
                <select id="stock-location" on:change=move |ev| { location.set(event_target_value(&ev)); load() }>
                    {move || locations.get().into_iter().map(|l| view! { <option value=l.code.clone() selected=l.code == location.get_untracked()>{l.code.clone()}" — "{l.name.clone()}</option> }).collect_view()}
                </select>
                <input id="stock-filter" placeholder="Search by SKU, barcode or title" prop:value=move || filter.get() on:input=move |ev| { filter.set(event_target_value(&ev)); load() }/>
            </div>
            <div class="split">
                <table class="grid" id="stock-table">
                    <thead><tr><th>"SKU"</th><th>"Item"</th><th class="num">"Available"</th><th class="num">"Committed"</th><th class="num">"Damaged"</th><th class="num">"QC"</th><th class="num">"On hand"</th><th class="num">"Incoming"</th><th class="num">"Reorder at"</th></tr></thead>
                    <tbody>
                        {move || {
                            rows.get().into_iter().map(|r| {
                                // Goods sold by weight or length show in their unit (4.75 kg).
                                let unit = SaleUnit::parse(&r.sale_unit, "sale_unit").unwrap_or_default();
                                let q = move |v: i64| unit.format_quantity(v);
                                let suffix = if unit.is_measure() { format!(" ({})", unit.as_str()) } else { String::new() };
                                view! {
                                <tr class="stock-row" data-sku=r.sku.clone()>
                                    <td><code>{r.sku.clone()}</code></td><td>{r.title.clone()}{suffix}</td>
                                    <td class="num available" class:neg=r.available < 0>{q(r.available)}</td>
                                    <td class="num">{q(r.committed)}</td>
                                    <td class="num damaged">{q(r.damaged)}</td>
                                    <td class="num">{q(r.quality_control)}</td>
                                    <td class="num">{q(r.on_hand)}</td>
                                    <td class="num">{q(r.incoming)}</td>
                                    <td class="num">{r.reorder_point.map(q).unwrap_or_default()}</td>
                                </tr>
                            }}).collect_view()
                        }}
                    </tbody>
                </table>
                <StockActions location=location on_change=load/>
            </div>
        </main>
    }
}

/// Negative, out-of-stock and below-reorder-point items at a location, worst first.
#[component]
fn StockAlerts(location: RwSignal<String>) -> impl IntoView {
    let rows = RwSignal::new(Vec::<backroom_api::StockAlertRow>::new());
    Effect::new(move |_| {
        let loc = location.get();
        spawn_local(async move {
            if let Ok(r) = api::call::<_, Vec<backroom_api::StockAlertRow>>(
                "stock_alerts",
                &json!({"location": loc}),
            )
            .await
            {
                rows.set(r);
            }
        })
    });
    view! {
        <table class="grid" id="stock-alerts">
            <thead><tr><th>"SKU"</th><th>"Item"</th><th class="num">"Available"</th><th class="num">"Reorder at"</th><th>"Alert"</th></tr></thead>
            <tbody>
                {move || rows.get().into_iter().map(|r| view! {
                    <tr class=format!("alert-{}", r.alert)>
                        <td><code>{r.sku.clone()}</code></td><td>{r.title.clone()}</td>
                        <td class="num" class:neg=r.available < 0>{r.available}</td>
                        <td class="num">{r.reorder_point.map(|p| p.to_string()).unwrap_or_default()}</td>
                        <td>{r.alert.replace('_', " ")}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// Adjust, move between states, transfer (send / receive) and count by scanning.
#[component]
fn StockActions(
    location: RwSignal<String>,
    on_change: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let tab = RwSignal::new("adjust");
    let sku = RwSignal::new(String::new());
    let qty = RwSignal::new(String::new());
    let reason = RwSignal::new("receipt".to_string());
    let from_state = RwSignal::new("available".to_string());
    let to_state = RwSignal::new("damaged".to_string());
    let to_location = RwSignal::new(String::new());
    let lines = RwSignal::new(String::new());
    let transfers = RwSignal::new(Vec::<backroom_api::TransferView>::new());
    let count_id = RwSignal::new(None::<String>);
    let count = RwSignal::new(None::<backroom_api::CountView>);
    let scan = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let report = move |r: Result<String, ApiError>| match r {
        Ok(m) => {
            message.set(m);
            error.set(String::new());
            on_change();
        }
        Err(e) => {
            error.set(error_text(&e));
            message.set(String::new());
        }
    };
    let load_transfers = move || {
        spawn_local(async move {
            if let Ok(t) = api::call0::<Vec<backroom_api::TransferView>>("transfers").await {
                transfers.set(t);
            }
        })
    };
    load_transfers();
    // The engine reads the quantity in the item's unit (2.5 of a kg item, whole pieces).
    let parsed_qty = move |positive: bool| async move {
        api::call::<_, i64>(
            "parse_quantity",
            &json!({"code": sku.get_untracked(), "text": qty.get_untracked(), "field": "quantity", "positive": positive}),
        )
        .await
    };
    let adjust = move || {
        spawn_local(async move {
            let r = match parsed_qty(false).await {
                Ok(delta) => {
                    let a = backroom_api::Adjustment {
                        sku: sku.get_untracked(),
                        location: location.get_untracked(),
                        delta,
                        reason: reason.get_untracked(),
                        ..Default::default()
                    };
                    api::call::<_, ()>("adjust_stock", &json!({"adjustment": a}))
                        .await
                        .map(|_| format!("{} adjusted by {delta}", a.sku))
                }
                Err(e) => Err(e),
            };
            report(r);
        })
    };
    let move_units = move || {
        spawn_local(async move {
            let r = match parsed_qty(true).await {
                Ok(quantity) => {
                    let m = backroom_api::StateMove {
                        sku: sku.get_untracked(),
                        location: location.get_untracked(),
                        from: from_state.get_untracked(),
                        to: to_state.get_untracked(),
                        quantity,
                        note: String::new(),
                    };
                    api::call::<_, ()>("move_stock", &json!({"change": m}))
                        .await
                        .map(|_| format!("{quantity} moved"))
                }
                Err(e) => Err(e),
            };
            report(r);
        })
    };
    let send = move || {
        let typed: Vec<(String, String)> = lines
            .get_untracked()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let (s, q) = l.trim().rsplit_once(['=', ' ']).unwrap_or((l.trim(), "1"));
                (s.trim().to_string(), q.trim().to_string())
            })
            .collect();
        spawn_local(async move {
            // Each quantity in its item's unit (CHEESE=2.5 is 2.5 kg), read by the engine.
            let mut parsed: Result<Vec<backroom_api::TransferLineInput>, ApiError> = Ok(Vec::new());
            for (i, (sku, q)) in typed.into_iter().enumerate() {
                let field = format!("lines[{i}].quantity");
                match api::call::<_, i64>(
                    "parse_quantity",
                    &json!({"code": sku, "text": q, "field": field, "positive": true}),
                )
                .await
                {
                    Ok(quantity) => {
                        if let Ok(v) = parsed.as_mut() {
                            v.push(backroom_api::TransferLineInput { sku, quantity });
                        }
                    }
                    Err(e) => {
                        parsed = Err(e);
                        break;
                    }
                }
            }
            let r = match parsed {
                Ok(ls) => api::call::<_, backroom_api::TransferView>("send_transfer", &json!({"from": location.get_untracked(), "to": to_location.get_untracked(), "lines": ls}))
                    .await
                    .map(|t| format!("{} sent to {}", t.number, t.to_location)),
                Err(e) => Err(e),
            };
            if r.is_ok() {
                lines.set(String::new());
                load_transfers();
            }
            report(r);
        })
    };
    let receive_all = move |t: backroom_api::TransferView| {
        spawn_local(async move {
            let ls: Vec<backroom_api::ReceiveLine> = t
                .lines
                .iter()
                .filter(|l| l.quantity > l.received)
                .map(|l| backroom_api::ReceiveLine {
                    sku: l.sku.clone(),
                    quantity: l.quantity - l.received,
                })
                .collect();
            let r = api::call::<_, backroom_api::TransferView>(
                "receive_transfer",
                &json!({"number": t.number, "lines": ls, "close": true}),
            )
            .await
            .map(|t| format!("{} received", t.number));
            load_transfers();
            report(r);
        })
    };
    let start_count = move || {
        spawn_local(async move {
            match api::call::<_, String>(
                "start_count",
                &json!({"location": location.get_untracked()}),
            )
            .await
            {
                Ok(id) => {
                    count_id.set(Some(id));
                    count.set(None);
                    report(Ok("Count started: scan each item".into()));
                }
                Err(e) => report(Err(e)),
            }
        })
    };
    let scan_count = move || {
        let code = scan.get_untracked().trim().to_string();
        scan.set(String::new());
        let Some(id) = count_id.get_untracked() else {
            return;
        };
        if code.is_empty() {
            return;
        }
        spawn_local(async move {
            match api::call::<_, backroom_api::CountView>(
                "record_count",
                &json!({"countId": id, "code": code, "quantity": null}),
            )
            .await
            {
                Ok(c) => {
                    count.set(Some(c));
                    error.set(String::new());
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let apply_count = move || {
        let Some(id) = count_id.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let r = api::call::<_, usize>("apply_count", &json!({"countId": id}))
                .await
                .map(|n| format!("Count applied: {n} correction(s)"));
            if r.is_ok() {
                count_id.set(None);
            }
            report(r);
        })
    };
    let tab_button = move |id: &'static str, label: &'static str| {
        view! {
            <button id=format!("stock-tab-{id}") class:active=move || tab.get() == id on:click=move |_| { tab.set(id); message.set(String::new()); error.set(String::new()); }>{label}</button>
        }
    };
    view! {
        <section class="card actions">
            <div class="bar">{tab_button("adjust", "Adjust")}{tab_button("move", "Move")}{tab_button("transfer", "Transfer")}{tab_button("count", "Count")}{tab_button("alerts", "Low stock")}</div>
            {move || match tab.get() {
                "alerts" => view! { <StockAlerts location=location/> }.into_any(),
                "adjust" => view! {
                    <div class="form">
                        <input id="adjust-sku" placeholder="SKU or barcode" prop:value=move || sku.get() on:input=move |ev| sku.set(event_target_value(&ev))/>
                        <input id="adjust-qty" placeholder="+/− quantity" prop:value=move || qty.get() on:input=move |ev| qty.set(event_target_value(&ev))/>
                        <select id="adjust-reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                            <option value="receipt">"Receipt"</option><option value="correction">"Correction"</option>
                            <option value="shrinkage">"Shrinkage"</option><option value="damage">"Damage"</option><option value="adjustment">"Other adjustment"</option>
                        </select>
                        <button id="adjust-go" class="primary" on:click=move |_| adjust()>"Adjust"</button>
                    </div>
                }.into_any(),
                "move" => view! {
                    <div class="form">
                        <input id="move-sku" placeholder="SKU or barcode" prop:value=move || sku.get() on:input=move |ev| sku.set(event_target_value(&ev))/>
                        <input id="move-qty" placeholder="Quantity" prop:value=move || qty.get() on:input=move |ev| qty.set(event_target_value(&ev))/>
                        <select id="move-from" on:change=move |ev| from_state.set(event_target_value(&ev))>
                            <option value="available">"From available"</option><option value="damaged">"From damaged"</option><option value="quality_control">"From QC"</option><option value="safety_stock">"From safety stock"</option>
                        </select>
                        <select id="move-to" on:change=move |ev| to_state.set(event_target_value(&ev))>
                            <option value="damaged">"To damaged"</option><option value="quality_control">"To QC"</option><option value="available">"To available"</option><option value="safety_stock">"To safety stock"</option><option value="reserved">"To reserved"</option>
                        </select>
                        <button id="move-go" class="primary" on:click=move |_| move_units()>"Move"</button>
                    </div>
                }.into_any(),
                "transfer" => view! {
                    <div class="form">
                        <input id="transfer-to" placeholder="To location code" prop:value=move || to_location.get() on:input=move |ev| to_location.set(event_target_value(&ev).to_uppercase())/>
                        <textarea id="transfer-lines" rows="4" placeholder="SKU=QUANTITY, one per line" prop:value=move || lines.get() on:input=move |ev| lines.set(event_target_value(&ev))></textarea>
                        <button id="transfer-send" class="primary" on:click=move |_| send()>"Send"</button>
                        <h4>"Recent transfers"</h4>
                        <ul class="list" id="transfer-list">
                            {move || transfers.get().into_iter().map(|t| {
                                let incoming = t.status == "in_transit" || t.status == "partially_received";
                                let t2 = t.clone();
                                view! { <li>{format!("{} {} → {} [{}]", t.number, t.from_location, t.to_location, t.status)}
                                    {incoming.then(|| view! { <button class="receive" on:click=move |_| receive_all(t2.clone())>"Receive all"</button> })}</li> }
                            }).collect_view()}
                        </ul>
                    </div>
                }.into_any(),
                _ => view! {
                    <div class="form">
                        {move || if count_id.get().is_none() {
                            view! { <button id="count-start" class="primary" on:click=move |_| start_count()>"Start a count here"</button> }.into_any()
                        } else {
                            view! {
                                <input id="count-scan" class="scan" placeholder="Scan items: one scan = one unit" prop:value=move || scan.get()
                                    on:input=move |ev| scan.set(event_target_value(&ev)) on:keydown=move |ev| if ev.key() == "Enter" { scan_count() }/>
                                <table class="grid" id="count-lines">
                                    <thead><tr><th>"SKU"</th><th class="num">"Counted"</th><th class="num">"System"</th><th class="num">"Variance"</th></tr></thead>
                                    <tbody>{move || count.get().map(|c| c.lines.into_iter().map(|l| view! {
                                        <tr><td><code>{l.sku}</code></td><td class="num">{l.counted}</td><td class="num">{l.snapshot}</td><td class="num" class:neg=l.variance < 0>{l.variance}</td></tr>
                                    }).collect_view())}</tbody>
                                </table>
                                <button id="count-apply" class="primary" on:click=move |_| apply_count()>"Apply count"</button>
                            }.into_any()
                        }}
                    </div>
                }.into_any(),
            }}
            <p class="ok" id="stock-message">{move || message.get()}</p>
            <p class="error" id="stock-error">{move || error.get()}</p>
        </section>
    }
}

#[component]
fn Shift(currency: String) -> impl IntoView {
    let current = RwSignal::new(None::<String>);
    let amount = RwSignal::new(String::new());
    let z = RwSignal::new(None::<ZReport>);
    let error = RwSignal::new(String::new());
    let cur = StoredValue::new(currency);
    let money = move |v: i64| format_amount(v, &cur.get_value());
    let refresh = move || {
        spawn_local(async move {
            if let Ok(s) =
                api::call::<_, Option<String>>("current_shift", &json!({"location": "MAIN"})).await
            {
                current.set(s.clone());
                if let Some(n) = s {
                    if let Ok(r) = api::call::<_, ZReport>("z_report", &json!({"shift": n})).await {
                        z.set(Some(r));
                    }
                }
            }
        })
    };
    refresh();
    let cash_amount = RwSignal::new(String::new());
    let cash_reason = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let cash = move |direction: i64| {
        let value = match parse_amount(&cash_amount.get_untracked(), &cur.get_value(), "amount") {
            Ok(v) if v > 0 => v * direction,
            Ok(_) => return error.set("amount: must be more than zero".into()),
            Err(e) => return error.set(format!("amount: {e}")),
        };
        let reason = cash_reason.get_untracked();
        spawn_local(async move {
            match api::call::<_, ()>(
                "cash_movement",
                &json!({"location": "MAIN", "amount": value, "reason": reason}),
            )
            .await
            {
                Ok(()) => {
                    cash_amount.set(String::new());
                    cash_reason.set(String::new());
                    error.set(String::new());
                    message.set(format!(
                        "Cash {} recorded",
                        if value > 0 { "in" } else { "out" }
                    ));
                    refresh();
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let print = move || {
        let Some(r) = z.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match api::call::<_, backroom_api::PrintResult>(
                "print_z_report",
                &json!({"shift": r.shift_id}),
            )
            .await
            {
                Ok(p) => {
                    message.set(format!("Printed on {}", p.printer));
                    error.set(String::new());
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let act = move || {
        let c = cur.get_value();
        let value = match parse_amount(&amount.get_untracked(), &c, "amount") {
            Ok(v) => v,
            Err(e) => return error.set(format!("amount: {e}")),
        };
        spawn_local(async move {
            let result = if current.get_untracked().is_some() {
                api::call::<_, ZReport>(
                    "close_shift",
                    &json!({"location": "MAIN", "counted": value}),
                )
                .await
                .map(|r| {
                    z.set(Some(r));
                    current.set(None);
                })
            } else {
                api::call::<_, String>("open_shift", &json!({"location": "MAIN", "float": value}))
                    .await
                    .map(|_| refresh())
            };
            match result {
                Ok(()) => {
                    amount.set(String::new());
                    error.set(String::new());
                }
                Err(e) => error.set(error_text(&e)),
            }
        });
    };
    view! {
        <main class="shift">
            <p>{move || match current.get() { Some(n) => format!("Shift {n} is open."), None => "No shift is open on this till.".to_string() }}</p>
            <input id="shift-amount" placeholder=move || if current.get().is_some() { "Counted cash" } else { "Opening float" }
                prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))
                on:keydown=move |ev| if ev.key() == "Enter" { act() }/>
            <button id="shift-go" class="primary" on:click=move |_| act()>{move || if current.get().is_some() { "Close shift" } else { "Open shift" }}</button>
            <Show when=move || current.get().is_some()>
                <div class="bar">
                    <input id="cash-amount" placeholder="Cash amount" prop:value=move || cash_amount.get() on:input=move |ev| cash_amount.set(event_target_value(&ev))/>
                    <input id="cash-reason" placeholder="Reason (float top-up, bank drop…)" prop:value=move || cash_reason.get() on:input=move |ev| cash_reason.set(event_target_value(&ev))/>
                    <button id="cash-in" on:click=move |_| cash(1)>"Cash in"</button>
                    <button id="cash-out" on:click=move |_| cash(-1)>"Cash out"</button>
                </div>
            </Show>
            <p class="ok" id="shift-message">{move || message.get()}</p>
            <p class="error" id="shift-error">{move || error.get()}</p>
            {move || z.get().map(|r| view! {
                <section class="card" id="z-report">
                    <h3>{format!("{} {}", if r.closed_at.is_some() { "Z-report" } else { "X-report (shift open)" }, r.number)}</h3>
                    <p>{format!("{} orders · gross {} · discounts {} · tax {} · net {}", r.orders, money(r.gross_sales), money(r.discounts), money(r.tax), money(r.net_sales))}</p>
                    <p>{format!("{} returns · refunds {}", r.returns, money(r.refunds))}</p>
                    <ul>{r.tenders.iter().map(|(t, v)| view! { <li>{format!("{t}: sales {} refunds {} net {}", money(v.sales), money(v.refunds), money(v.net))}</li> }).collect_view()}</ul>
                    <p>{format!("Cash in {} · cash out {}", money(r.cash_in), money(r.cash_out))}</p>
                    <p>{format!("Expected cash {} · counted {} · variance {}", money(r.expected_cash), r.counted_cash.map(money).unwrap_or("-".into()), r.variance.map(money).unwrap_or("-".into()))}</p>
                    <button id="z-print" on:click=move |_| print()>"Print"</button>
                </section>
            })}
        </main>
    }
}

#[component]
fn Orders(currency: String) -> impl IntoView {
    let filter = RwSignal::new(OrderFilter::default());
    let rows = RwSignal::new(Vec::<OrderSummary>::new());
    let detail = RwSignal::new(None::<(OrderView, Vec<AuditEntryView>)>);
    let error = RwSignal::new(String::new());
    let cur = StoredValue::new(currency);
    let money = move |v: i64| format_amount(v, &cur.get_value());
    let load = move || {
        let f = filter.get_untracked();
        spawn_local(async move {
            match api::call::<_, Vec<OrderSummary>>("orders", &json!({"filter": f})).await {
                Ok(r) => {
                    rows.set(r);
                    error.set(String::new());
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let open = move |key: String| {
        spawn_local(async move {
            let o = api::call::<_, OrderView>("order", &json!({"key": key.clone()})).await;
            let t =
                api::call::<_, Vec<AuditEntryView>>("order_timeline", &json!({"key": key})).await;
            match (o, t) {
                (Ok(o), Ok(t)) => detail.set(Some((o, t))),
                (Err(e), _) | (_, Err(e)) => error.set(error_text(&e)),
            }
        })
    };
    let set_opt = move |apply: fn(&mut OrderFilter, Option<String>), v: String| {
        filter.update(|f| apply(f, (!v.is_empty()).then_some(v)));
        load();
    };
    // Date inputs give the store's local days; the engine turns them into its day's instants
    // (a `to` day is included).
    let set_from = move |v: String| {
        filter.update(|f| f.from_day = (!v.is_empty()).then_some(v));
        load();
    };
    let set_to = move |v: String| {
        filter.update(|f| f.to_day = (!v.is_empty()).then_some(v));
        load();
    };
    let set_customer = move |q: String| {
        if q.trim().is_empty() {
            filter.update(|f| f.customer_id = None);
            return load();
        }
        spawn_local(async move {
            match api::call::<_, Vec<CustomerView>>("search_customers", &json!({"query": q})).await
            {
                Ok(found) => match found.into_iter().next() {
                    Some(c) => {
                        filter.update(|f| f.customer_id = Some(c.id));
                        load();
                    }
                    None => error.set("customer: nobody matches".into()),
                },
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let printed = RwSignal::new(String::new());
    let reprint = move |receipt: String| print_receipt(receipt, true, printed, error);
    load();
    view! {
        <main class="orders">
            <div class="bar">
                <input id="orders-receipt" placeholder="Receipt number" on:input=move |ev| set_opt(|f, v| f.receipt = v, event_target_value(&ev))/>
                <label>"From "<input id="orders-from" type="date" on:change=move |ev| set_from(event_target_value(&ev))/></label>
                <label>"To "<input id="orders-to" type="date" on:change=move |ev| set_to(event_target_value(&ev))/></label>
                <input id="orders-customer" placeholder="Customer" on:change=move |ev| set_customer(event_target_value(&ev))/>
                <select id="orders-payment" on:change=move |ev| set_opt(|f, v| f.payment_status = v, event_target_value(&ev))>
                    <option value="">"Any payment"</option><option value="paid">"Paid"</option><option value="partially_refunded">"Partially refunded"</option>
                    <option value="refunded">"Refunded"</option><option value="voided">"Voided"</option>
                </select>
                <select id="orders-return" on:change=move |ev| set_opt(|f, v| f.return_status = v, event_target_value(&ev))>
                    <option value="">"Any returns"</option><option value="none">"No returns"</option><option value="partially_returned">"Partially returned"</option><option value="returned">"Returned"</option>
                </select>
                <select id="orders-fulfilment" on:change=move |ev| set_opt(|f, v| f.fulfilment_status = v, event_target_value(&ev))>
                    <option value="">"Any fulfilment"</option><option value="fulfilled">"Fulfilled"</option><option value="unfulfilled">"Unfulfilled"</option>
                    <option value="ready_for_pickup">"Ready for pickup"</option><option value="picked_up">"Picked up"</option><option value="shipped">"Shipped"</option>
                </select>
                <input id="orders-staff" placeholder="Staff" on:change=move |ev| set_opt(|f, v| f.staff = v, event_target_value(&ev))/>
                <input id="orders-location" placeholder="Store (code)" on:change=move |ev| set_opt(|f, v| f.location = v.map(|s| s.to_uppercase()), event_target_value(&ev))/>
            </div>
            <p class="error">{move || error.get()}</p>
            <div class="split">
                <table class="grid" id="orders-table">
                    <thead><tr><th>"Receipt"</th><th>"When"</th><th>"Store"</th><th>"Staff"</th><th>"Customer"</th><th class="num">"Total"</th><th>"Payment"</th><th>"Returns"</th></tr></thead>
                    <tbody>
                        {move || rows.get().into_iter().map(|o| {
                            let key = o.id.clone();
                            view! {
                                <tr class="order-row" tabindex="0" on:click={let key = key.clone(); move |_| open(key.clone())} on:keydown=move |ev| if ev.key() == "Enter" { open(key.clone()) }>
                                    <td><code>{o.receipt_number.clone()}</code></td><td>{o.created_local.clone()}</td><td>{o.location.clone()}</td>
                                    <td>{o.staff.clone()}</td><td>{o.customer.clone().unwrap_or_default()}</td><td class="num">{money(o.total)}</td>
                                    <td>{o.payment_status.clone()}</td><td>{o.return_status.clone()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {move || detail.get().map(|(o, t)| view! {
                    <section class="card" id="order-detail">
                        <h3>{o.receipt_number.clone()}" · "{money(o.total)}</h3>
                        <div class="bar">
                            <button id="order-reprint" on:click={let r = o.receipt_number.clone(); move |_| reprint(r.clone())}>"Reprint receipt"</button>
                            <span class="ok">{move || printed.get()}</span>
                        </div>
                        <p class="muted">{format!("{} / {} / {}", o.payment_status, o.fulfilment_status, o.return_status)}</p>
                        <table class="grid">
                            {o.lines.iter().map(|l| view! { <tr><td>{l.title.clone()}</td><td>{SaleUnit::parse(&l.sale_unit, "sale_unit").unwrap_or_default().label(l.quantity)}" × "{money(l.unit_price)}</td><td class="num">{money(l.total)}</td><td>{if l.returned_qty > 0 { format!("{} returned", l.returned_qty) } else { String::new() }}</td></tr> }).collect_view()}
                        </table>
                        <h4>"Payments"</h4>
                        <ul>{o.payments.iter().map(|p| view! { <li>{format!("{} {} {}", p.kind, p.tender, money(p.amount))}</li> }).collect_view()}</ul>
                        <h4>"Timeline"</h4>
                        <ul id="order-timeline">{t.iter().map(|a| view! { <li>{format!("{} · {} · {}{}", a.at_local, a.action, a.actor, a.approver.as_ref().map(|m| format!(" (approved by {m})")).unwrap_or_default())}</li> }).collect_view()}</ul>
                    </section>
                })}
            </div>
        </main>
    }
}

#[component]
fn Customers(currency: String) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<CustomerView>::new());
    let profile = RwSignal::new(None::<(CustomerView, Vec<OrderView>)>);
    let card_code = RwSignal::new(String::new());
    let card = RwSignal::new(None::<GiftCardView>);
    let error = RwSignal::new(String::new());
    let cur = StoredValue::new(currency);
    let money = move |v: i64| format_amount(v, &cur.get_value());
    let search = move |q: String| {
        query.set(q.clone());
        if q.trim().len() < 2 {
            found.set(Vec::new());
            return;
        }
        spawn_local(async move {
            if let Ok(list) =
                api::call::<_, Vec<CustomerView>>("search_customers", &json!({"query": q.clone()}))
                    .await
            {
                if query.get_untracked() == q {
                    found.set(list);
                }
            }
        })
    };
    let open = move |id: String| {
        spawn_local(async move {
            let c = api::call::<_, CustomerView>("customer", &json!({"id": id.clone()})).await;
            let h = api::call::<_, Vec<OrderView>>("customer_orders", &json!({"id": id})).await;
            match (c, h) {
                (Ok(c), Ok(h)) => profile.set(Some((c, h))),
                (Err(e), _) | (_, Err(e)) => error.set(error_text(&e)),
            }
        })
    };
    let look_up_card = move || {
        let code = card_code.get_untracked();
        spawn_local(async move {
            match api::call::<_, GiftCardView>("gift_card", &json!({"code": code})).await {
                Ok(g) => {
                    card.set(Some(g));
                    error.set(String::new());
                }
                Err(e) => {
                    card.set(None);
                    error.set(error_text(&e));
                }
            }
        })
    };
    view! {
        <main class="customers">
            <div class="bar">
                <input id="customer-query" class="scan" placeholder="Search customers by name, email or phone" on:input=move |ev| search(event_target_value(&ev))/>
                <input id="gift-card-code" placeholder="Gift card code" prop:value=move || card_code.get()
                    on:input=move |ev| card_code.set(event_target_value(&ev)) on:keydown=move |ev| if ev.key() == "Enter" { look_up_card() }/>
            </div>
            <p class="error">{move || error.get()}</p>
            {move || card.get().map(|g| view! { <p class="card" id="gift-card">{format!("Gift card {}: balance {} of {} · {}", g.code, money(g.balance), money(g.initial_amount), if g.active { "active" } else { "inactive" })}</p> })}
            <div class="split">
                <ul class="list" id="customer-results">
                    {move || found.get().into_iter().map(|c| {
                        let id = c.id.clone();
                        view! { <li><button on:click=move |_| open(id.clone())><b>{c.name.clone()}</b>" "<span class="muted">{c.email.clone()}" "{c.phone.clone()}</span></button></li> }
                    }).collect_view()}
                </ul>
                {move || profile.get().map(|(c, orders)| view! {
                    <section class="card" id="customer-profile">
                        <h3>{c.name.clone()}</h3>
                        <p>{c.email.clone()}" "{c.phone.clone()}" "{c.group.clone().map(|g| format!("· group {g}")).unwrap_or_default()}</p>
                        <p>{format!("Store credit {} · loyalty {} points · {} orders · spent {}", money(c.store_credit), c.loyalty_points, c.orders, money(c.total_spent))}</p>
                        <p class="muted">{if c.marketing_consent { "Agreed to marketing" } else { "No marketing consent" }}{if c.note.is_empty() { String::new() } else { format!(" · {}", c.note) }}</p>
                        <h4>"History"</h4>
                        <ul>{orders.iter().map(|o| view! { <li>{format!("{} · {} · {} · {}", o.created_local, o.receipt_number, money(o.total), o.return_status)}</li> }).collect_view()}</ul>
                    </section>
                })}
            </div>
        </main>
    }
}

fn main() {
    leptos::mount::mount_to_body(App);
}
