//! Small pieces every screen shares: tabs, text inputs bound to a signal, error text, receipt
//! printing, cart ids.

use backroom_api::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;

use crate::api;

pub(crate) fn new_cart_id() -> String {
    format!(
        "ui-{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e12) as u64
    )
}

/// A row of tabs; each button's id is `<prefix>-tab-<key>`.
pub(crate) fn tabs(
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
pub(crate) fn print_receipt(
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
            // No receipt printer set: the system print dialog prints the receipt shown on
            // screen (style.css prints only `.paper`).
            Err(e) if e.code == "not_configured" => match window().print() {
                Ok(()) => {
                    printed.set("Sent to the system print dialog".into());
                    error.set(String::new());
                }
                Err(_) => error.set(error_text(&e)),
            },
            Err(e) => error.set(error_text(&e)),
        }
    })
}

/// A text input bound to a signal (forms in Catalog and Settings).
pub(crate) fn text_input(id: &'static str, value: RwSignal<String>) -> impl IntoView {
    view! { <input id=id prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/> }
}

/// Shows an error next to what it concerns.
pub(crate) fn error_text(e: &ApiError) -> String {
    match e.field.as_deref().map(crate::logic::field_label) {
        Some(label) if !label.is_empty() => format!("{label}: {}", e.message),
        _ => e.message.clone(),
    }
}

/// Manager approval: the staff who can approve for the signed-in member, picked from a list,
/// and their PIN. Ids are `<prefix>-by` (the list) and `<prefix>-pin`.
#[component]
pub(crate) fn ApprovalPicker(
    prefix: &'static str,
    manager: RwSignal<String>,
    pin: RwSignal<String>,
) -> impl IntoView {
    let approvers = RwSignal::new(Vec::<backroom_api::StaffView>::new());
    spawn_local(async move {
        if let Ok(list) = api::call0::<Vec<backroom_api::StaffView>>("approvers").await {
            if manager.get_untracked().is_empty() {
                if let Some(first) = list.first() {
                    manager.set(first.name.clone());
                }
            }
            approvers.set(list);
        }
    });
    view! {
        <div class="approval" id=prefix>
            <b>"Manager approval"</b>
            <select id=format!("{prefix}-by") on:change=move |ev| manager.set(event_target_value(&ev))>
                {move || approvers.get().into_iter().map(|a| {
                    let name = a.name.clone();
                    view! { <option value=name.clone() selected=move || manager.get() == name>{format!("{} ({})", a.name, a.role)}</option> }
                }).collect_view()}
            </select>
            <input id=format!("{prefix}-pin") type="password" inputmode="numeric" placeholder="Their PIN" prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
        </div>
    }
}

/// Finding or adding the customer: type a name, email or phone and press Enter to see who
/// matches, then pick one (nobody is attached silently); or add a new customer right here,
/// warned first when their email or phone is already someone's. Ids: `<prefix>-search`,
/// `<prefix>-matches` (buttons `.customer-match`), `<prefix>-new` and the new-customer form
/// (`<prefix>-new-name`, `-email`, `-phone`, `-consent`, `-save`).
#[component]
pub(crate) fn CustomerPicker(
    prefix: &'static str,
    on_pick: Callback<backroom_api::CustomerView>,
    /// Only find (a filter), no "New customer".
    #[prop(optional)]
    find_only: bool,
) -> impl IntoView {
    use backroom_api::{CustomerInput, CustomerView};
    let query = RwSignal::new(String::new());
    let matches = RwSignal::new(None::<Vec<CustomerView>>);
    let adding = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let phone = RwSignal::new(String::new());
    let consent = RwSignal::new(false);
    let sharing = RwSignal::new(Vec::<CustomerView>::new());
    let error = RwSignal::new(String::new());
    let pick = move |c: CustomerView| {
        matches.set(None);
        query.set(String::new());
        adding.set(false);
        sharing.set(Vec::new());
        error.set(String::new());
        on_pick.run(c);
    };
    let find = move || {
        let q = query.get_untracked();
        if q.trim().is_empty() {
            return;
        }
        spawn_local(async move {
            match api::call::<_, Vec<CustomerView>>("search_customers", &json!({"query": q})).await
            {
                Ok(found) => {
                    error.set(String::new());
                    matches.set(Some(found));
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let input = move || CustomerInput {
        name: name.get_untracked(),
        email: email.get_untracked(),
        phone: phone.get_untracked(),
        marketing_consent: consent.get_untracked(),
        ..Default::default()
    };
    // Create, unless the email or phone is already someone's: then say who, once.
    let save = move |anyway: bool| {
        let c = input();
        spawn_local(async move {
            if !anyway {
                match api::call::<_, Vec<CustomerView>>(
                    "customers_sharing",
                    &json!({"customer": c.clone(), "except": None::<String>}),
                )
                .await
                {
                    Ok(found) if !found.is_empty() => return sharing.set(found),
                    Ok(_) => {}
                    Err(e) => return error.set(error_text(&e)),
                }
            }
            match api::call::<_, CustomerView>("create_customer", &json!({"customer": c})).await {
                Ok(v) => {
                    name.set(String::new());
                    email.set(String::new());
                    phone.set(String::new());
                    consent.set(false);
                    pick(v)
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    view! {
        <div class="customer-picker">
            <div class="bar">
                <input id=format!("{prefix}-search") placeholder="Customer: name, email or phone ⏎"
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { find() }/>
                <button id=format!("{prefix}-new") style:display=if find_only { "none" } else { "" } on:click=move |_| { adding.update(|a| *a = !*a); if name.get_untracked().is_empty() { name.set(query.get_untracked()); } }>"New customer"</button>
            </div>
            <ul class="list" id=format!("{prefix}-matches")>
                {move || match matches.get() {
                    Some(list) if list.is_empty() => view! { <li class="muted">"Nobody matches. Check the spelling, or add them as a new customer."</li> }.into_any(),
                    Some(list) => list.into_iter().map(|c| {
                        let chosen = c.clone();
                        let contact = [c.email.clone(), c.phone.clone()].into_iter().filter(|x| !x.is_empty()).collect::<Vec<_>>().join(" · ");
                        view! { <li><button class="customer-match" on:click=move |_| pick(chosen.clone())><b>{c.name.clone()}</b>" "<small class="muted">{contact}</small></button></li> }
                    }).collect_view().into_any(),
                    None => ().into_any(),
                }}
            </ul>
            <Show when=move || adding.get()>
                <div class="form-grid new-customer">
                    <label>"Name"<input id=format!("{prefix}-new-name") prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/></label>
                    <label>"Email"<input id=format!("{prefix}-new-email") type="email" prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/></label>
                    <label>"Phone"<input id=format!("{prefix}-new-phone") type="tel" prop:value=move || phone.get() on:input=move |ev| phone.set(event_target_value(&ev))/></label>
                    <label class="check"><input id=format!("{prefix}-new-consent") type="checkbox" prop:checked=move || consent.get() on:change=move |ev| consent.set(event_target_checked(&ev))/>" Agrees to marketing"</label>
                    <button id=format!("{prefix}-new-save") class="primary" on:click=move |_| save(false)>"Add customer"</button>
                </div>
            </Show>
            {move || (!sharing.get().is_empty()).then(|| view! {
                <div class="notice" id=format!("{prefix}-duplicate")>
                    <span>"Already a customer with this email or phone:"</span>
                    {sharing.get().into_iter().map(|c| { let chosen = c.clone(); view! {
                        <button class="customer-match" on:click=move |_| pick(chosen.clone())>{format!("Use {}", c.name)}</button>
                    }}).collect_view()}
                    <button id=format!("{prefix}-new-anyway") on:click=move |_| { sharing.set(Vec::new()); save(true) }>"Add anyway"</button>
                </div>
            })}
            <p class="error">{move || error.get()}</p>
        </div>
    }
}
