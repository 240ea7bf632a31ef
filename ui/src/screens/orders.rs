//! The Orders screen: orders by local day, status and customer, one order with its payments,
//! returns and history, reprints.

use backroom_api::{AuditEntryView, CustomerView, OrderFilter, OrderSummary, OrderView};
use backroom_domain::unit::SaleUnit;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::logic::{action_label, format_amount, needs_approval, status_label};
use crate::text::t;
use crate::widgets::{error_text, print_receipt, ApprovalPicker, CustomerPicker};
use backroom_api::cmd;

#[component]
pub(crate) fn Orders(currency: String) -> impl IntoView {
    let filter = RwSignal::new(OrderFilter::default());
    let rows = RwSignal::new(Vec::<OrderSummary>::new());
    let detail = RwSignal::new(None::<(OrderView, Vec<AuditEntryView>)>);
    let error = RwSignal::new(String::new());
    let cur = StoredValue::new(currency);
    let money = move |v: i64| format_amount(v, &cur.get_value());
    let load = move || {
        let f = filter.get_untracked();
        spawn_local(async move {
            match api::send(&cmd::Orders { filter: f }).await {
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
            let o = api::send(&cmd::Order { key: key.clone() }).await;
            let timeline = api::send(&cmd::OrderTimeline { key }).await;
            match (o, timeline) {
                (Ok(o), Ok(timeline)) => detail.set(Some((o, timeline))),
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
    // The customer filter uses the same search as the till: matches are picked, never guessed.
    let customer = RwSignal::new(None::<CustomerView>);
    let printed = RwSignal::new(String::new());
    let reprint = move |receipt: String| print_receipt(receipt, true, printed, error);
    // Voiding a sale of the open shift: a reason, and a manager's approval when the role
    // asks for one (the picker appears when the engine says so, keeping the reason typed).
    let voiding = RwSignal::new(false);
    let void_reason = RwSignal::new(String::new());
    let need_approval = RwSignal::new(false);
    let manager = RwSignal::new(String::new());
    let manager_pin = RwSignal::new(String::new());
    let void = move |key: String| {
        let request = cmd::VoidOrder {
            key: key.clone(),
            reason: void_reason.get_untracked(),
            approval: need_approval
                .get_untracked()
                .then(|| backroom_api::Approval {
                    manager: manager.get_untracked(),
                    pin: manager_pin.get_untracked(),
                }),
        };
        spawn_local(async move {
            match api::send(&request).await {
                Ok(o) => {
                    voiding.set(false);
                    need_approval.set(false);
                    void_reason.set(String::new());
                    manager_pin.set(String::new());
                    error.set(String::new());
                    printed.set((t().orders_voided)(&o.receipt_number));
                    load();
                    open(key);
                }
                Err(e) => {
                    if needs_approval(&e) {
                        need_approval.set(true);
                    }
                    error.set(error_text(&e));
                }
            }
        })
    };
    load();
    // Head office holds every store: a store filter (a till holding one store has none).
    let stores = RwSignal::new(Vec::<String>::new());
    spawn_local(async move {
        if let Ok(s) = api::send(&cmd::Stores {}).await {
            stores.set(s);
        }
    });
    view! {
        <main class="orders">
            <div class="bar">
                <input id="orders-receipt" placeholder=t().orders_receipt_placeholder on:input=move |ev| set_opt(|f, v| f.receipt = v, event_target_value(&ev))/>
                <label>{t().orders_from}<input id="orders-from" type="date" on:change=move |ev| set_from(event_target_value(&ev))/></label>
                <label>{t().orders_to}<input id="orders-to" type="date" on:change=move |ev| set_to(event_target_value(&ev))/></label>
                {move || match customer.get() {
                    Some(c) => view! { <span class="chip" id="orders-customer-chosen">{c.name.clone()}<button on:click=move |_| { customer.set(None); filter.update(|f| f.customer_id = None); load() }>"✕"</button></span> }.into_any(),
                    None => view! { <CustomerPicker prefix="orders-customer" find_only=true on_pick=Callback::new(move |c: CustomerView| {
                        filter.update(|f| f.customer_id = Some(c.id.clone()));
                        customer.set(Some(c));
                        load();
                    })/> }.into_any(),
                }}
                <select id="orders-payment" on:change=move |ev| set_opt(|f, v| f.payment_status = v, event_target_value(&ev))>
                    <option value="">{t().orders_any_payment}</option><option value="paid">{t().orders_paid}</option><option value="partially_refunded">{t().orders_partially_refunded}</option>
                    <option value="refunded">{t().orders_refunded}</option><option value="voided">{t().orders_voided_option}</option>
                </select>
                <select id="orders-return" on:change=move |ev| set_opt(|f, v| f.return_status = v, event_target_value(&ev))>
                    <option value="">{t().orders_any_returns}</option><option value="none">{t().orders_no_returns}</option><option value="partially_returned">{t().orders_partially_returned}</option><option value="returned">{t().orders_returned}</option>
                </select>
                <select id="orders-fulfilment" on:change=move |ev| set_opt(|f, v| f.fulfilment_status = v, event_target_value(&ev))>
                    <option value="">{t().orders_any_fulfilment}</option><option value="fulfilled">{t().orders_fulfilled}</option><option value="unfulfilled">{t().orders_unfulfilled}</option>
                    <option value="ready_for_pickup">{t().orders_ready_for_pickup}</option><option value="picked_up">{t().orders_picked_up}</option><option value="shipped">{t().orders_shipped}</option>
                </select>
                <input id="orders-staff" placeholder=t().common_staff on:change=move |ev| set_opt(|f, v| f.staff = v, event_target_value(&ev))/>
                {move || (stores.get().len() > 1).then(|| view! {
                    <select id="orders-store" on:change=move |ev| set_opt(|f, v| f.store = v, event_target_value(&ev))>
                        <option value="">{t().orders_any_store}</option>
                        {stores.get().into_iter().map(|s| view! { <option value=s.clone()>{s.clone()}</option> }).collect_view()}
                    </select>
                })}
                <input id="orders-location" placeholder=t().orders_store_placeholder on:change=move |ev| set_opt(|f, v| f.location = v.map(|s| s.to_uppercase()), event_target_value(&ev))/>
            </div>
            <p class="error">{move || error.get()}</p>
            <div class="split">
                <table class="grid" id="orders-table">
                    <thead><tr><th>{t().orders_col_receipt}</th><th>{t().orders_col_when}</th><th>{t().common_store}</th><th>{t().common_staff}</th><th>{t().common_customer}</th><th class="num">{t().common_total}</th><th>{t().orders_col_payment}</th><th>{t().orders_col_returns}</th></tr></thead>
                    <tbody>
                        {move || rows.get().into_iter().map(|o| {
                            let key = o.id.clone();
                            view! {
                                <tr class="order-row" tabindex="0" on:click={let key = key.clone(); move |_| open(key.clone())} on:keydown=move |ev| if ev.key() == "Enter" { open(key.clone()) }>
                                    <td><code>{o.receipt_number.clone()}</code></td><td>{o.created_local.clone()}</td><td>{o.location.clone()}</td>
                                    <td>{o.staff.clone()}</td><td>{o.customer.clone().unwrap_or_default()}</td><td class="num">{money(o.total)}</td>
                                    <td>{status_label(&o.payment_status)}</td><td>{status_label(&o.return_status)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                {move || detail.get().map(|(o, timeline)| view! {
                    <section class="card" id="order-detail">
                        <h3>{o.receipt_number.clone()}" · "{money(o.total)}</h3>
                        <div class="bar">
                            <button id="order-reprint" on:click={let r = o.receipt_number.clone(); move |_| reprint(r.clone())}>{t().orders_reprint}</button>
                            {(o.payment_status != "voided" && o.return_status == "none").then(|| view! {
                                <button id="order-void" on:click=move |_| voiding.set(true)>{t().orders_void}</button>
                            })}
                            <span class="ok">{move || printed.get()}</span>
                        </div>
                        <Show when=move || voiding.get()>
                            <div class="form" id="void-form">
                                <p class="muted">{t().orders_void_explained}</p>
                                <input id="void-reason" placeholder=t().orders_void_reason_placeholder prop:value=move || void_reason.get() on:input=move |ev| void_reason.set(event_target_value(&ev))/>
                                <Show when=move || need_approval.get()>
                                    <ApprovalPicker prefix="void-approve" manager=manager pin=manager_pin/>
                                </Show>
                                <button id="void-confirm" class="danger" on:click={let k = o.id.clone(); move |_| void(k.clone())}>{t().orders_void_confirm}</button>
                                <button id="void-cancel" on:click=move |_| { voiding.set(false); need_approval.set(false) }>{t().orders_void_cancel}</button>
                            </div>
                        </Show>
                        <p class="muted">{(t().orders_statuses)(&status_label(&o.payment_status), &status_label(&o.fulfilment_status), &status_label(&o.return_status))}</p>
                        <table class="grid">
                            {o.lines.iter().map(|l| view! { <tr><td>{l.title.clone()}</td><td>{SaleUnit::parse(&l.sale_unit, "sale_unit").unwrap_or_default().label(l.quantity)}" × "{money(l.unit_price)}</td><td class="num">{money(l.total)}</td><td>{if l.returned_qty > 0 { (t().orders_returned_qty)(l.returned_qty) } else { String::new() }}</td></tr> }).collect_view()}
                        </table>
                        <h4>{t().orders_payments}</h4>
                        <ul>{o.payments.iter().map(|p| view! { <li>{format!("{} · {} {}", status_label(&p.kind), backroom_domain::receipt::tender_label(&p.tender), money(p.amount))}</li> }).collect_view()}</ul>
                        <h4>{t().orders_timeline}</h4>
                        <ul id="order-timeline">{timeline.iter().map(|a| view! { <li>{format!("{} · {} · {}{}", a.at_local, action_label(&a.action), a.actor, a.approver.as_deref().map(t().orders_approved_by).unwrap_or_default())}</li> }).collect_view()}</ul>
                    </section>
                })}
            </div>
        </main>
    }
}
