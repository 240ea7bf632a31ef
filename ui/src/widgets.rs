//! Small pieces every screen shares: tabs, text inputs bound to a signal, error text, receipt
//! printing, cart ids.

use backroom_api::ApiError;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::text::t;
use backroom_api::cmd;

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

/// What a file dialog is for: its title, the files it offers and, when saving, the name it
/// suggests.
pub(crate) struct FileChoice {
    pub save: bool,
    pub title: &'static str,
    pub filter_name: &'static str,
    pub extensions: &'static [&'static str],
    pub file_name: String,
}

/// Opens the system's file dialog (through the backend) and puts the chosen path into
/// `target`, then calls `then`; a cancelled dialog changes nothing. Errors go to `error`.
pub(crate) fn choose_file(
    choice: FileChoice,
    target: RwSignal<String>,
    error: RwSignal<String>,
    then: impl FnOnce() + 'static,
) {
    let request = cmd::PickFile {
        save: choice.save,
        title: choice.title.into(),
        filter_name: choice.filter_name.into(),
        extensions: choice.extensions.iter().map(|e| e.to_string()).collect(),
        file_name: choice.file_name,
    };
    spawn_local(async move {
        match api::send(&request).await {
            Ok(Some(path)) => {
                target.set(path);
                then();
            }
            Ok(None) => {}
            Err(e) => error.set(error_text(&e)),
        }
    });
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
        match api::send(&cmd::PrintReceipt { receipt, duplicate }).await {
            Ok(p) => {
                printed.set(if duplicate {
                    (t().print_reprinted_on)(&p.printer)
                } else {
                    (t().common_printed_on)(&p.printer)
                });
                error.set(String::new());
            }
            // No receipt printer set: the system print dialog prints the receipt shown on
            // screen (style.css prints only `.paper`).
            Err(e) if e.code == backroom_api::ErrorCode::NotConfigured => match window().print() {
                Ok(()) => {
                    printed.set(t().print_system_dialog.into());
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
        Some(label) if !label.is_empty() => (t().common_field_error)(&label, &e.message),
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
        if let Ok(list) = api::send(&cmd::Approvers {}).await {
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
            <b>{t().approval_heading}</b>
            <select id=format!("{prefix}-by") on:change=move |ev| manager.set(event_target_value(&ev))>
                {move || approvers.get().into_iter().map(|a| {
                    let name = a.name.clone();
                    view! { <option value=name.clone() selected=move || manager.get() == name>{format!("{} ({})", a.name, a.role)}</option> }
                }).collect_view()}
            </select>
            <input id=format!("{prefix}-pin") type="password" inputmode="numeric" placeholder=t().approval_pin_placeholder prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))/>
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
    use backroom_api::CustomerView;
    let query = RwSignal::new(String::new());
    let matches = RwSignal::new(None::<Vec<CustomerView>>);
    let adding = RwSignal::new(false);
    let error = RwSignal::new(String::new());
    let pick = move |c: CustomerView| {
        matches.set(None);
        query.set(String::new());
        adding.set(false);
        error.set(String::new());
        on_pick.run(c);
    };
    let find = move || {
        let q = query.get_untracked();
        if q.trim().is_empty() {
            return;
        }
        spawn_local(async move {
            match api::send(&cmd::SearchCustomers { query: q }).await {
                Ok(found) => {
                    error.set(String::new());
                    matches.set(Some(found));
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    view! {
        <div class="customer-picker">
            <div class="bar">
                <input id=format!("{prefix}-search") placeholder=t().customer_search_placeholder
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { find() }/>
                <button id=format!("{prefix}-new") style:display=if find_only { "none" } else { "" } on:click=move |_| adding.update(|a| *a = !*a)>{t().common_new_customer}</button>
            </div>
            <ul class="list" id=format!("{prefix}-matches")>
                {move || match matches.get() {
                    Some(list) if list.is_empty() => view! { <li class="muted">{t().customer_no_match}</li> }.into_any(),
                    Some(list) => list.into_iter().map(|c| {
                        let chosen = c.clone();
                        let contact = [c.email.clone(), c.phone.clone()].into_iter().filter(|x| !x.is_empty()).collect::<Vec<_>>().join(" · ");
                        view! { <li><button class="customer-match" on:click=move |_| pick(chosen.clone())><b>{c.name.clone()}</b>" "<small class="muted">{contact}</small></button></li> }
                    }).collect_view().into_any(),
                    None => ().into_any(),
                }}
            </ul>
            <Show when=move || adding.get()>
                <CustomerForm prefix=prefix name_hint=query.get_untracked() on_saved=Callback::new(pick)/>
            </Show>
            <p class="error">{move || error.get()}</p>
        </div>
    }
}

/// Adding or editing a customer: name, email, phone, group, marketing consent, note. Warned
/// once when the email or phone is already someone else's (with a button to use them
/// instead). Ids: `<prefix>-new-name`, `-email`, `-phone`, `-group`, `-consent`, `-note`,
/// `-save`, `-anyway`; `<prefix>-duplicate` for the warning.
#[component]
pub(crate) fn CustomerForm(
    prefix: &'static str,
    /// The customer being edited; `None` adds a new one.
    #[prop(optional)]
    existing: Option<backroom_api::CustomerView>,
    /// A name to start a new customer with (what was typed in the search).
    #[prop(optional, into)]
    name_hint: String,
    on_saved: Callback<backroom_api::CustomerView>,
) -> impl IntoView {
    use backroom_api::{CustomerInput, CustomerView};
    let id = existing.as_ref().map(|c| c.id.clone());
    let start = existing.clone().unwrap_or(CustomerView {
        id: String::new(),
        name: name_hint,
        email: String::new(),
        phone: String::new(),
        group: None,
        marketing_consent: false,
        note: String::new(),
        store_credit: 0,
        loyalty_points: 0,
        orders: 0,
        total_spent: 0,
    });
    let name = RwSignal::new(start.name);
    let email = RwSignal::new(start.email);
    let phone = RwSignal::new(start.phone);
    let group = RwSignal::new(start.group.unwrap_or_default());
    let consent = RwSignal::new(start.marketing_consent);
    let note = RwSignal::new(start.note);
    let sharing = RwSignal::new(Vec::<CustomerView>::new());
    let error = RwSignal::new(String::new());
    let id = StoredValue::new(id);
    let input = move || CustomerInput {
        name: name.get_untracked(),
        email: email.get_untracked(),
        phone: phone.get_untracked(),
        group: Some(group.get_untracked()).filter(|g| !g.trim().is_empty()),
        marketing_consent: consent.get_untracked(),
        note: note.get_untracked(),
    };
    let save = move |anyway: bool| {
        let c = input();
        let except = id.get_value();
        spawn_local(async move {
            if !anyway {
                match api::send(&cmd::CustomersSharing {
                    customer: c.clone(),
                    except: except.clone(),
                })
                .await
                {
                    Ok(found) if !found.is_empty() => return sharing.set(found),
                    Ok(_) => {}
                    Err(e) => return error.set(error_text(&e)),
                }
            }
            let saved = match &except {
                Some(id) => {
                    api::send(&cmd::UpdateCustomer {
                        id: id.clone(),
                        customer: c,
                    })
                    .await
                }
                None => api::send(&cmd::CreateCustomer { customer: c }).await,
            };
            match saved {
                Ok(v) => {
                    sharing.set(Vec::new());
                    error.set(String::new());
                    on_saved.run(v)
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let text = |label: &'static str,
                suffix: &'static str,
                kind: &'static str,
                value: RwSignal<String>| {
        view! {
            <label>{label}<input id=format!("{prefix}-new-{suffix}") type=kind prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/></label>
        }
    };
    view! {
        <div class="form-grid customer-form">
            {text(t().common_name, "name", "text", name)}
            {text(t().customer_email, "email", "email", email)}
            {text(t().customer_phone, "phone", "tel", phone)}
            {text(t().customer_group, "group", "text", group)}
            {text(t().customer_note, "note", "text", note)}
            <label class="check"><input id=format!("{prefix}-new-consent") type="checkbox" prop:checked=move || consent.get() on:change=move |ev| consent.set(event_target_checked(&ev))/>{t().customer_consent}</label>
            <button id=format!("{prefix}-new-save") class="primary" on:click=move |_| save(false)>{if id.get_value().is_some() { t().customer_save } else { t().customer_add }}</button>
            {move || (!sharing.get().is_empty()).then(|| view! {
                <div class="notice" id=format!("{prefix}-duplicate")>
                    <span>{t().customer_duplicate}</span>
                    {sharing.get().into_iter().map(|c| { let chosen = c.clone(); view! {
                        <button class="customer-match" on:click=move |_| { sharing.set(Vec::new()); on_saved.run(chosen.clone()) }>{(t().customer_use)(&c.name)}</button>
                    }}).collect_view()}
                    <button id=format!("{prefix}-new-anyway") on:click=move |_| { sharing.set(Vec::new()); save(true) }>{t().customer_save_anyway}</button>
                </div>
            })}
            <p class="error">{move || error.get()}</p>
        </div>
    }
}

/// Opens a shift at the till's store with the float typed (blank: none); `done` gets the
/// shift's number and the typed text is cleared, or the error is shown. Sell and Shift both
/// open shifts this way.
pub(crate) fn open_shift(
    float_text: RwSignal<String>,
    currency: &str,
    error: RwSignal<String>,
    done: impl Fn(String) + 'static,
) {
    let typed = float_text.get_untracked();
    let float = match crate::logic::parse_amount(
        if typed.trim().is_empty() { "0" } else { &typed },
        currency,
        "float",
    ) {
        Ok(v) => v,
        Err(e) => return error.set((t().shift_float_error)(&e)),
    };
    spawn_local(async move {
        match api::send(&cmd::OpenShift {
            location: String::new(),
            float,
        })
        .await
        {
            Ok(n) => {
                float_text.set(String::new());
                error.set(String::new());
                done(n);
            }
            Err(e) => error.set(error_text(&e)),
        }
    })
}
