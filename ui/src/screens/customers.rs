//! The Customers screen: search, details with balances (store credit, loyalty, gift cards) and
//! orders, duplicates.

use backroom_api::{CustomerView, GiftCardView, OrderView};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::logic::format_amount;
use crate::text::t;
use crate::widgets::{error_text, CustomerForm};
use backroom_api::cmd;

#[component]
pub(crate) fn Customers(currency: String) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<CustomerView>::new());
    let profile = RwSignal::new(None::<(CustomerView, Vec<OrderView>)>);
    let card_code = RwSignal::new(String::new());
    let card = RwSignal::new(None::<GiftCardView>);
    let error = RwSignal::new(String::new());
    // Adding a customer, or editing the one shown.
    let adding = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let cur = StoredValue::new(currency);
    let money = move |v: i64| format_amount(v, &cur.get_value());
    let search = move |q: String| {
        query.set(q.clone());
        if q.trim().len() < 2 {
            found.set(Vec::new());
            return;
        }
        spawn_local(async move {
            if let Ok(list) = api::send(&cmd::SearchCustomers { query: q.clone() }).await {
                if query.get_untracked() == q {
                    found.set(list);
                }
            }
        })
    };
    let open = move |id: String| {
        spawn_local(async move {
            let c = api::send(&cmd::Customer { id: id.clone() }).await;
            let h = api::send(&cmd::CustomerOrders { id }).await;
            match (c, h) {
                (Ok(c), Ok(h)) => {
                    editing.set(false);
                    profile.set(Some((c, h)))
                }
                (Err(e), _) | (_, Err(e)) => error.set(error_text(&e)),
            }
        })
    };
    let look_up_card = move || {
        let code = card_code.get_untracked();
        spawn_local(async move {
            match api::send(&cmd::GiftCard { code }).await {
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
                <input id="customer-query" class="scan" placeholder=t().customers_search_placeholder on:input=move |ev| search(event_target_value(&ev))/>
                <button id="customers-new" on:click=move |_| adding.update(|a| *a = !*a)>{t().common_new_customer}</button>
                <input id="gift-card-code" placeholder=t().customers_gift_card_placeholder prop:value=move || card_code.get()
                    on:input=move |ev| card_code.set(event_target_value(&ev)) on:keydown=move |ev| if ev.key() == "Enter" { look_up_card() }/>
            </div>
            <p class="error">{move || error.get()}</p>
            <Show when=move || adding.get()>
                <section class="card">
                    <h3>{t().common_new_customer}</h3>
                    <CustomerForm prefix="customers" on_saved=Callback::new(move |c: CustomerView| { adding.set(false); open(c.id) })/>
                </section>
            </Show>
            {move || card.get().map(|g| view! { <p class="card" id="gift-card">{(t().customers_gift_card)(&g.code, &money(g.balance), &money(g.initial_amount), if g.active { t().common_active } else { t().common_inactive })}</p> })}
            <div class="split">
                <ul class="list" id="customer-results">
                    {move || found.get().into_iter().map(|c| {
                        let id = c.id.clone();
                        view! { <li><button on:click=move |_| open(id.clone())><b>{c.name.clone()}</b>" "<span class="muted">{c.email.clone()}" "{c.phone.clone()}</span></button></li> }
                    }).collect_view()}
                </ul>
                {move || profile.get().map(|(c, orders)| view! {
                    <section class="card" id="customer-profile">
                        <h3>{c.name.clone()}" "<button id="customer-edit" on:click=move |_| editing.update(|e| *e = !*e)>{t().customers_edit}</button></h3>
                        {let existing = c.clone(); move || editing.get().then(|| view! {
                            <CustomerForm prefix="customer-edit" existing=existing.clone() on_saved=Callback::new(move |v: CustomerView| open(v.id))/>
                        })}
                        <p>{c.email.clone()}" "{c.phone.clone()}" "{c.group.as_deref().map(t().customers_group).unwrap_or_default()}</p>
                        <p>{(t().customers_balances)(&money(c.store_credit), c.loyalty_points, c.orders, &money(c.total_spent))}</p>
                        <p class="muted">{if c.marketing_consent { t().customers_consent } else { t().customers_no_consent }}{if c.note.is_empty() { String::new() } else { format!(" · {}", c.note) }}</p>
                        <h4>{t().customers_history}</h4>
                        <ul>{orders.iter().map(|o| view! { <li>{format!("{} · {} · {} · {}", o.created_local, o.receipt_number, money(o.total), crate::logic::status_label(&o.return_status))}</li> }).collect_view()}</ul>
                    </section>
                })}
            </div>
        </main>
    }
}
