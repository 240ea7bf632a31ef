//! The Returns screen: find the sale, pick lines with reason and disposition, preview the
//! refund, refund to the original tenders or another, exchange, print the slip.

use backroom_api::{
    ApiError, CustomerView, OrderSummary, OrderView, ReturnInput, ReturnLineInput, ReturnView,
};
use backroom_domain::unit::SaleUnit;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::logic::{
    add_item, format_amount, line_code, parse_amount, sale_input, scan_unit, CartItem,
};
use crate::text::t;
use crate::widgets::{error_text, print_receipt, ApprovalPicker, CustomerPicker};
use backroom_api::cmd;

#[component]
pub(crate) fn Returns(currency: String) -> impl IntoView {
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
    // Store credit needs a customer: a walk-in's return asks for (or creates) one right here.
    let return_customer = RwSignal::new(None::<CustomerView>);
    let candidates = RwSignal::new(Vec::<OrderSummary>::new());
    let cur = StoredValue::new(currency);
    let money = move |v: i64| format_amount(v, &cur.get_value());
    let print = move |key: String| print_receipt(key, false, printed, error);
    spawn_local(async move {
        if let Ok(r) = api::send(&cmd::ReturnReasons {}).await {
            reasons.set(r);
        }
    });
    let load = move |k: String| {
        spawn_local(async move {
            match api::send(&cmd::Order { key: k }).await {
                Ok(o) => {
                    qty.set(vec![0; o.lines.len()]);
                    reason.set(vec!["unknown".into(); o.lines.len()]);
                    disposition.set(vec!["restock".into(); o.lines.len()]);
                    // A new receipt starts from the defaults the re-rendered controls show.
                    method.set("original".into());
                    exchange_tender_kind.set("card".into());
                    need_approval.set(false);
                    manager_pin.set(String::new());
                    return_customer.set(None);
                    order.set(Some(o));
                    exchange.set(Vec::new());
                    exchange_tenders.set(Vec::new());
                    preview.set(None);
                    error.set(String::new());
                    done.set(None);
                    candidates.set(Vec::new());
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    // A scanned receipt, the short number on it, a card reference or the customer: one match
    // opens, several are listed to pick from.
    let find = move || {
        let k = key.get_untracked().trim().to_string();
        if k.is_empty() {
            return;
        }
        spawn_local(async move {
            match api::send(&cmd::FindSales { key: k.clone() }).await {
                Ok(found) if found.len() == 1 => load(found[0].id.clone()),
                Ok(found) if found.is_empty() => {
                    candidates.set(Vec::new());
                    error.set((t().returns_no_sale)(&k));
                }
                Ok(found) => {
                    error.set(String::new());
                    candidates.set(found);
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
            customer_id: return_customer.get_untracked().map(|c| c.id),
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
            let r = api::send(&cmd::PreviewReturn { input: i }).await;
            if r.as_ref().is_err_and(crate::logic::needs_approval) {
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
            match api::send(&cmd::Scan { code: code.clone() }).await {
                Ok(Some(hit)) => {
                    let title = format!("{} {}", hit.variant.title, hit.variant.variant_title);
                    let key = line_code(&hit, &code);
                    exchange.update(|c| add_item(c, &key, title.trim(), scan_unit(&hit)));
                    exchange_scan.set(String::new());
                    refresh_preview();
                }
                Ok(None) => error.set((t().returns_exchange_not_found)(&code)),
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
        Ok(_) => error.set(t().common_amount_positive.into()),
        Err(e) => error.set((t().common_amount_error)(&e)),
    };
    let process = move || {
        let Some(i) = input() else {
            return error.set(t().returns_no_lines.into());
        };
        spawn_local(async move {
            match api::send(&cmd::ProcessReturn { input: i }).await {
                Ok(r) => {
                    slip.set(
                        api::send(&cmd::ReceiptHtml {
                            receipt: r.number.clone(),
                            duplicate: false,
                        })
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
                    if crate::logic::needs_approval(&e) {
                        need_approval.set(true);
                    }
                    error.set(error_text(&e));
                }
            }
        });
    };
    view! {
        <main class="returns">
            <input id="return-receipt" class="scan" placeholder=t().returns_find_placeholder autofocus
                prop:value=move || key.get() on:input=move |ev| key.set(event_target_value(&ev))
                on:keydown=move |ev| if ev.key() == "Enter" { find() }/>
            <ul class="list" id="return-candidates">
                {move || candidates.get().into_iter().map(|o| {
                    let id = o.id.clone();
                    view! { <li><button class="return-candidate" on:click=move |_| load(id.clone())>
                        <b>{o.receipt_number.clone()}</b>" · "{o.created_local.clone()}" · "{o.customer.clone().unwrap_or_default()}" · "{money(o.total)}
                    </button></li> }
                }).collect_view()}
            </ul>
            {move || order.get().map(|o| view! {
                <table class="cart" id="return-lines">
                    <thead><tr><th>{t().common_item}</th><th>{t().returns_col_sold}</th><th>{t().returns_col_return}</th><th>{t().returns_col_reason}</th><th>{t().returns_col_disposition}</th></tr></thead>
                    <tbody>
                        {o.lines.iter().enumerate().map(|(i, l)| { let unit = SaleUnit::parse(&l.sale_unit, "sale_unit").unwrap_or_default(); view! {
                            <tr>
                                <td>{l.title.clone()}<br/><code>{l.sku.clone()}</code></td>
                                <td>{(t().returns_sold_of)(&unit.label(l.quantity - l.returned_qty), &unit.label(l.quantity))}</td>
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
                                    <option value="restock">{t().returns_restock}</option>
                                    <option value="damaged">{t().returns_damaged}</option>
                                    <option value="quality_control">{t().returns_quality_control}</option>
                                    <option value="write_off">{t().returns_write_off}</option>
                                </select></td>
                            </tr>
                        }}).collect_view()}
                    </tbody>
                </table>
                <div class="bar">
                    <label>{t().returns_refund_to}
                        <select id="refund-method" on:change=move |ev| { method.set(event_target_value(&ev)); refresh_preview() }>
                            <option value="original">{t().returns_original}</option>
                            <option value="store_credit">{t().common_store_credit}</option>
                            <option value="cash">{t().common_cash}</option>
                            <option value="card">{t().common_card}</option>
                        </select>
                    </label>
                </div>
                {move || (method.get() == "store_credit" && order.get().is_some_and(|o| o.customer_id.is_none())).then(|| match return_customer.get() {
                    Some(c) => view! {
                        <p id="return-customer">{t().returns_credit_for}<b>{c.name.clone()}</b>" "
                            <button on:click=move |_| { return_customer.set(None); refresh_preview() }>"✕"</button></p>
                    }.into_any(),
                    None => view! {
                        <div class="card">
                            <p class="muted">{t().returns_credit_needs_customer}</p>
                            <CustomerPicker prefix="return-customer" on_pick=Callback::new(move |c| { return_customer.set(Some(c)); refresh_preview() })/>
                        </div>
                    }.into_any(),
                })}
                <section class="card exchange">
                    <h4>{t().returns_exchange_heading}</h4>
                    <input id="exchange-scan" placeholder=t().returns_exchange_placeholder prop:value=move || exchange_scan.get()
                        on:input=move |ev| exchange_scan.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { add_exchange_item() }/>
                    <ul id="exchange-items">
                        {move || exchange.get().into_iter().enumerate().map(|(i, c)| view! {
                            <li>{c.title.clone()}" × "{c.unit.label(c.quantity)}<button on:click=move |_| { exchange.update(|e| { e.remove(i); }); refresh_preview() }>"✕"</button></li>
                        }).collect_view()}
                    </ul>
                    <div class="bar">
                        <select id="exchange-tender-kind" on:change=move |ev| exchange_tender_kind.set(event_target_value(&ev))>
                            <option value="card">{t().common_card}</option><option value="cash">{t().common_cash}</option>
                        </select>
                        <input id="exchange-tender-amount" placeholder=t().returns_customer_pays_placeholder prop:value=move || exchange_tender_amount.get()
                            on:input=move |ev| exchange_tender_amount.set(event_target_value(&ev))
                            on:keydown=move |ev| if ev.key() == "Enter" { add_exchange_tender() }/>
                        <span>{move || exchange_tenders.get().iter().map(|(k, a, _)| format!("{k} {}", money(*a))).collect::<Vec<_>>().join(", ")}</span>
                    </div>
                </section>
                <div class="card" id="return-preview">
                    {move || match preview.get() {
                        None => view! { <p class="muted">{t().returns_preview_empty}</p> }.into_any(),
                        Some(Ok(r)) => view! {
                            <p>{t().returns_refund}<b id="preview-total">{money(r.refund_total)}</b>" → "
                                {r.refunds.iter().map(|(t, a)| format!("{} {}", backroom_domain::receipt::tender_label(t), money(*a))).collect::<Vec<_>>().join(", ")}
                                {r.exchange_order.as_ref().map(|x| (t().returns_preview_exchange)(x.lines.len(), &money(x.total)))}</p>
                        }.into_any(),
                        Some(Err(e)) => view! { <p class="error" id="preview-error">{error_text(&e)}</p> }.into_any(),
                    }}
                </div>
                <Show when=move || need_approval.get()>
                    <ApprovalPicker prefix="return-approve" manager=manager pin=manager_pin/>
                </Show>
                <button id="process-return" class="primary" on:click=move |_| process()>{t().returns_process}</button>
            })}
            <p class="error" id="return-error">{move || error.get()}</p>
            {move || done.get().map(|r| {
                let number = r.number.clone();
                let exchange = r.exchange_order.as_ref().map(|x| x.receipt_number.clone());
                view! {
                    <div class="receipt">
                        <p class="ok" id="return-done">{t().returns_done}<b>{r.number.clone()}</b>{t().returns_refunded}<b id="return-total">{money(r.refund_total)}</b>
                            " ("{r.refunds.iter().map(|(t, a)| format!("{} {}", backroom_domain::receipt::tender_label(t), money(*a))).collect::<Vec<_>>().join(", ")}")"
                            {exchange.as_deref().map(t().returns_exchange_sale)}</p>
                        <div class="bar">
                            <button id="return-print" on:click=move |_| print(number.clone())>{t().returns_print_slip}</button>
                            {exchange.map(|x| view! { <button id="exchange-print" on:click=move |_| print(x.clone())>{t().returns_print_exchange}</button> })}
                            <span class="ok">{move || printed.get()}</span>
                        </div>
                        <div class="paper" id="return-slip" inner_html=move || slip.get()></div>
                        <h3>{t().fb.desk_heading}</h3>
                        <crate::screens::feedback::DeskSurvey return_id=r.id.clone()/>
                    </div>
                }
            })}
        </main>
    }
}
