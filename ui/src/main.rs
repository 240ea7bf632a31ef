//! Backroom's desktop UI (Leptos 0.8, client-side rendered).
//!
//! This file holds the app (set-up or sign-in, then the shell) and the shell: the top bar,
//! Alt+1…8 between screens, and the till's cart ([`screens::sell::Till`]), which lives here so
//! switching screens keeps it and locking parks it. Each screen is a module of [`screens`];
//! shared pieces are in [`widgets`], DOM-free logic in [`logic`]. Every screen works from the
//! keyboard; a scanner is a keyboard that types fast and presses Enter. All backend calls go
//! through [`api::send`], one typed request per command.

mod api;
mod charts;
mod logic;
mod progress;
mod screens;
mod text;
mod widgets;

use backroom_api::cmd::{self, AppStatus};
use backroom_api::StaffView;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::text::t;
use screens::{
    catalog,
    customers::Customers,
    orders::Orders,
    returns::Returns,
    sell::{Sell, Till},
    settings,
    shift::Shift,
    start::{Setup, SignIn},
    stock::Stock,
};

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
    Dashboards,
}

/// The order the customer-facing kiosk asks about, when it is showing (set by the Sell
/// screen's "Customer feedback"; only a staff PIN clears it).
#[derive(Clone, Copy)]
pub(crate) struct KioskOrder(pub RwSignal<Option<String>>);

#[component]
fn App() -> impl IntoView {
    let status = RwSignal::new(None::<AppStatus>);
    let staff = RwSignal::new(None::<StaffView>);
    provide_context(progress::listen());
    let load = move || {
        spawn_local(async move {
            if let Ok(s) = api::send(&cmd::AppStatusQuery {}).await {
                status.set(Some(s));
            }
        })
    };
    load();
    view! {
        {move || match status.get() {
            None => view! { <p class="muted">{t().app_opening}</p> }.into_any(),
            Some(s) if !s.initialised => view! { <Setup on_done=load/> }.into_any(),
            Some(s) => match staff.get() {
                None => view! { <SignIn store=s.store_name.clone() on_signed_in=move |m| staff.set(Some(m))/> }.into_any(),
                Some(me) => view! { <Shell status=s me=me on_lock=move || staff.set(None)/> }.into_any(),
            },
        }}
    }
}

#[component]
fn Shell(status: AppStatus, me: StaffView, on_lock: impl Fn() + Copy + 'static) -> impl IntoView {
    let screen = RwSignal::new(Screen::Sell);
    let kiosk = RwSignal::new(None::<String>);
    provide_context(KioskOrder(kiosk));
    // The kiosk takes the whole screen while it shows, and gives it back when it is left. A
    // window the system will not make full screen still shows the kiosk over the whole window.
    Effect::new(move |was: Option<bool>| {
        let on = kiosk.get().is_some();
        if was.unwrap_or(false) != on {
            spawn_local(async move {
                let _ = api::send(&cmd::KioskWindow { on }).await;
            });
        }
        on
    });
    let currency = status.currency.clone();
    // The cart lives here, above the screens: switching screens keeps it.
    let till = Till::new();
    let lock_error = RwSignal::new(String::new());
    let who = me.name.clone();
    let lock = move |_| {
        let label = (t().shell_left_cart)(&who);
        spawn_local(async move {
            // A cart left on the counter is parked, never dropped.
            if let Err(e) = till.park_left_cart(label).await {
                screen.set(Screen::Sell);
                return lock_error.set((t().shell_park_failed)(&e));
            }
            let _ = api::send(&cmd::Lock {}).await;
            on_lock();
        })
    };
    // Alt+1 … Alt+9 switch screens, so a cashier never needs the mouse.
    const ORDER: [Screen; 9] = [
        Screen::Sell,
        Screen::Returns,
        Screen::Orders,
        Screen::Customers,
        Screen::Catalog,
        Screen::Stock,
        Screen::Shift,
        Screen::Settings,
        Screen::Dashboards,
    ];
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        // The kiosk is the customer's: no key reaches the till's screens under it.
        if ev.alt_key() && kiosk.get_untracked().is_none() {
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
    let staff_name = me.name.clone();
    view! {
        {move || kiosk.get().map(|order| {
            let staff = staff_name.clone();
            view! { <screens::feedback::Kiosk order=order staff=staff on_exit=move || kiosk.set(None)/> }
        })}
        <div class="shell" class:hidden=move || kiosk.get().is_some()>
        <header>
            <strong>{status.store_name.clone()}</strong>
            <nav>
                {tab(Screen::Sell, "nav-sell", t().nav_sell)}
                {tab(Screen::Returns, "nav-returns", t().nav_returns)}
                {tab(Screen::Orders, "nav-orders", t().nav_orders)}
                {tab(Screen::Customers, "nav-customers", t().nav_customers)}
                {tab(Screen::Catalog, "nav-catalog", t().nav_catalog)}
                {tab(Screen::Stock, "nav-stock", t().nav_stock)}
                {tab(Screen::Shift, "nav-shift", t().nav_shift)}
                {tab(Screen::Settings, "nav-settings", t().nav_settings)}
                {tab(Screen::Dashboards, "nav-dashboards", t().fb.nav)}
            </nav>
            <screens::server::SyncBadge/>
            <span class="me" id="signed-in">{me.name.clone()}" · "{me.role.clone()}</span>
            <button id="lock" on:click=lock>{t().shell_lock}</button>
        </header>
        {move || (!lock_error.get().is_empty()).then(|| view! { <p class="error" id="lock-error">{lock_error.get()}</p> })}
        {move || {
            let c = currency.clone();
            match screen.get() {
                Screen::Sell => view! { <Sell currency=c till=till/> }.into_any(),
                Screen::Returns => view! { <Returns currency=c/> }.into_any(),
                Screen::Orders => view! { <Orders currency=c/> }.into_any(),
                Screen::Customers => view! { <Customers currency=c/> }.into_any(),
                Screen::Catalog => view! { <catalog::Catalog currency=c/> }.into_any(),
                Screen::Stock => view! { <Stock/> }.into_any(),
                Screen::Shift => view! { <Shift currency=c/> }.into_any(),
                Screen::Settings => view! { <settings::Settings currency=c/> }.into_any(),
                Screen::Dashboards => view! { <screens::feedback::Dashboards/> }.into_any(),
            }
        }}
        </div>
    }
}

fn main() {
    leptos::mount::mount_to_body(App);
}
