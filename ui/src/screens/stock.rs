//! The Stock screen: levels by state per location, alerts, adjustments, moves between states,
//! transfers and cycle counts.

use backroom_api::{ApiError, LocationView, StockLevelRow};
use backroom_domain::unit::SaleUnit;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::text::t;
use crate::widgets::{error_text, ApprovalPicker};
use backroom_api::cmd;

#[component]
pub(crate) fn Stock() -> impl IntoView {
    let locations = RwSignal::new(Vec::<LocationView>::new());
    let location = RwSignal::new("MAIN".to_string());
    let rows = RwSignal::new(Vec::<StockLevelRow>::new());
    let filter = RwSignal::new(String::new());
    // The engine filters (a store has 300k variants; the screen shows a page of 300).
    let load = move || {
        let loc = location.get_untracked();
        let q = filter.get_untracked();
        spawn_local(async move {
            if let Ok(r) = api::send(&cmd::StockLevels {
                location: Some(loc),
                query: Some(q.clone()),
            })
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
        if let Ok(l) = api::send(&cmd::Locations {}).await {
            locations.set(l);
        }
    });
    load();
    view! {
        <main class="stock">
            <div class="bar">
                <select id="stock-location" on:change=move |ev| { location.set(event_target_value(&ev)); load() }>
                    {move || locations.get().into_iter().map(|l| {
                        // Head office: every store's locations, each under its store.
                        let store = l.store.clone().map(|s| format!(" · {s}")).unwrap_or_default();
                        view! { <option value=l.code.clone() selected=l.code == location.get_untracked()>{l.code.clone()}" — "{l.name.clone()}{store}</option> }
                    }).collect_view()}
                </select>
                <input id="stock-filter" placeholder=t().stock_filter_placeholder prop:value=move || filter.get() on:input=move |ev| { filter.set(event_target_value(&ev)); load() }/>
            </div>
            <div class="split">
                <table class="grid" id="stock-table">
                    <thead><tr><th>{t().common_sku}</th><th>{t().common_item}</th><th class="num">{t().common_available}</th><th class="num">{t().stock_col_committed}</th><th class="num">{t().stock_col_damaged}</th><th class="num">{t().stock_col_qc}</th><th class="num">{t().stock_col_on_hand}</th><th class="num">{t().stock_col_incoming}</th><th class="num">{t().common_reorder_at}</th></tr></thead>
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
pub(crate) fn StockAlerts(location: RwSignal<String>) -> impl IntoView {
    let rows = RwSignal::new(Vec::<backroom_api::StockAlertRow>::new());
    Effect::new(move |_| {
        let loc = location.get();
        spawn_local(async move {
            if let Ok(r) = api::send(&cmd::StockAlerts {
                location: Some(loc),
            })
            .await
            {
                rows.set(r);
            }
        })
    });
    view! {
        <table class="grid" id="stock-alerts">
            <thead><tr><th>{t().common_sku}</th><th>{t().common_item}</th><th class="num">{t().common_available}</th><th class="num">{t().common_reorder_at}</th><th>{t().stock_col_alert}</th></tr></thead>
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
pub(crate) fn StockActions(
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
    // Writing stock off may need a manager: picked from those who can approve, with their PIN.
    let need_approval = RwSignal::new(false);
    let manager = RwSignal::new(String::new());
    let manager_pin = RwSignal::new(String::new());
    let report = move |r: Result<String, ApiError>| match r {
        Ok(m) => {
            message.set(m);
            error.set(String::new());
            need_approval.set(false);
            manager_pin.set(String::new());
            on_change();
        }
        Err(e) => {
            if crate::logic::needs_approval(&e) {
                need_approval.set(true);
            }
            error.set(error_text(&e));
            message.set(String::new());
        }
    };
    let load_transfers = move || {
        spawn_local(async move {
            if let Ok(t) = api::send(&cmd::Transfers {}).await {
                transfers.set(t);
            }
        })
    };
    load_transfers();
    // The engine reads the quantity in the item's unit (2.5 of a kg item, whole pieces).
    let parsed_qty = move |positive: bool| async move {
        api::send(&cmd::ParseQuantity {
            code: sku.get_untracked(),
            text: qty.get_untracked(),
            field: "quantity".into(),
            positive,
        })
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
                        approval: need_approval
                            .get_untracked()
                            .then(|| backroom_api::Approval {
                                manager: manager.get_untracked(),
                                pin: manager_pin.get_untracked(),
                            }),
                        ..Default::default()
                    };
                    api::send(&cmd::AdjustStock {
                        adjustment: a.clone(),
                    })
                    .await
                    .map(|_| (t().stock_adjusted)(&a.sku, delta))
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
                    api::send(&cmd::MoveStock { change: m })
                        .await
                        .map(|_| (t().stock_moved)(quantity))
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
                match api::send(&cmd::ParseQuantity {
                    code: sku.clone(),
                    text: q,
                    field,
                    positive: true,
                })
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
                Ok(ls) => api::send(&cmd::SendTransfer {
                    from: location.get_untracked(),
                    to: to_location.get_untracked(),
                    lines: ls,
                })
                .await
                .map(|sent| (t().stock_sent)(&sent.number, &sent.to_location)),
                Err(e) => Err(e),
            };
            if r.is_ok() {
                lines.set(String::new());
                load_transfers();
            }
            report(r);
        })
    };
    let receive_all = move |transfer: backroom_api::TransferView| {
        spawn_local(async move {
            let ls: Vec<backroom_api::ReceiveLine> = transfer
                .lines
                .iter()
                .filter(|l| l.quantity > l.received)
                .map(|l| backroom_api::ReceiveLine {
                    sku: l.sku.clone(),
                    quantity: l.quantity - l.received,
                })
                .collect();
            let r = api::send(&cmd::ReceiveTransfer {
                number: transfer.number,
                lines: ls,
                close: true,
            })
            .await
            .map(|received| (t().stock_received)(&received.number));
            load_transfers();
            report(r);
        })
    };
    let start_count = move || {
        spawn_local(async move {
            match api::send(&cmd::StartCount {
                location: location.get_untracked(),
            })
            .await
            {
                Ok(id) => {
                    count_id.set(Some(id));
                    count.set(None);
                    report(Ok(t().stock_count_started.into()));
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
            match api::send(&cmd::RecordCount {
                count_id: id,
                code,
                quantity: None,
            })
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
            let r = api::send(&cmd::ApplyCount { count_id: id })
                .await
                .map(t().stock_count_applied);
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
            <div class="bar">{tab_button("adjust", t().stock_tab_adjust)}{tab_button("move", t().stock_tab_move)}{tab_button("transfer", t().stock_tab_transfer)}{tab_button("count", t().stock_tab_count)}{tab_button("alerts", t().stock_tab_alerts)}</div>
            {move || match tab.get() {
                "alerts" => view! { <StockAlerts location=location/> }.into_any(),
                "adjust" => view! {
                    <div class="form">
                        <input id="adjust-sku" placeholder=t().common_sku_or_barcode prop:value=move || sku.get() on:input=move |ev| sku.set(event_target_value(&ev))/>
                        <input id="adjust-qty" placeholder=t().stock_qty_delta_placeholder prop:value=move || qty.get() on:input=move |ev| qty.set(event_target_value(&ev))/>
                        <select id="adjust-reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                            <option value="receipt">{t().stock_reason_receipt}</option><option value="correction">{t().stock_reason_correction}</option>
                            <option value="shrinkage">{t().stock_reason_shrinkage}</option><option value="damage">{t().stock_reason_damage}</option><option value="adjustment">{t().stock_reason_other}</option>
                        </select>
                        <Show when=move || need_approval.get()>
                            <ApprovalPicker prefix="adjust-approve" manager=manager pin=manager_pin/>
                        </Show>
                        <button id="adjust-go" class="primary" on:click=move |_| adjust()>{t().stock_adjust}</button>
                    </div>
                }.into_any(),
                "move" => view! {
                    <div class="form">
                        <input id="move-sku" placeholder=t().common_sku_or_barcode prop:value=move || sku.get() on:input=move |ev| sku.set(event_target_value(&ev))/>
                        <input id="move-qty" placeholder=t().stock_qty_placeholder prop:value=move || qty.get() on:input=move |ev| qty.set(event_target_value(&ev))/>
                        <select id="move-from" on:change=move |ev| from_state.set(event_target_value(&ev))>
                            <option value="available">{t().stock_from_available}</option><option value="damaged">{t().stock_from_damaged}</option><option value="quality_control">{t().stock_from_qc}</option><option value="safety_stock">{t().stock_from_safety}</option>
                        </select>
                        <select id="move-to" on:change=move |ev| to_state.set(event_target_value(&ev))>
                            <option value="damaged">{t().stock_to_damaged}</option><option value="quality_control">{t().stock_to_qc}</option><option value="available">{t().stock_to_available}</option><option value="safety_stock">{t().stock_to_safety}</option><option value="reserved">{t().stock_to_reserved}</option>
                        </select>
                        <button id="move-go" class="primary" on:click=move |_| move_units()>{t().stock_move}</button>
                    </div>
                }.into_any(),
                "transfer" => view! {
                    <div class="form">
                        <input id="transfer-to" placeholder=t().stock_transfer_to_placeholder prop:value=move || to_location.get() on:input=move |ev| to_location.set(event_target_value(&ev).to_uppercase())/>
                        <textarea id="transfer-lines" rows="4" placeholder=t().stock_transfer_lines_placeholder prop:value=move || lines.get() on:input=move |ev| lines.set(event_target_value(&ev))></textarea>
                        <button id="transfer-send" class="primary" on:click=move |_| send()>{t().stock_send}</button>
                        <h4>{t().stock_recent_transfers}</h4>
                        <ul class="list" id="transfer-list">
                            {move || transfers.get().into_iter().map(|tr| {
                                let incoming = tr.status == "in_transit" || tr.status == "partially_received";
                                let t2 = tr.clone();
                                view! { <li>{format!("{} {} → {} · {}", tr.number, tr.from_location, tr.to_location, crate::logic::status_label(&tr.status))}
                                    {incoming.then(|| view! { <button class="receive" on:click=move |_| receive_all(t2.clone())>{t().stock_receive_all}</button> })}</li> }
                            }).collect_view()}
                        </ul>
                    </div>
                }.into_any(),
                _ => view! {
                    <div class="form">
                        {move || if count_id.get().is_none() {
                            view! { <button id="count-start" class="primary" on:click=move |_| start_count()>{t().stock_start_count}</button> }.into_any()
                        } else {
                            view! {
                                <input id="count-scan" class="scan" placeholder=t().stock_count_placeholder prop:value=move || scan.get()
                                    on:input=move |ev| scan.set(event_target_value(&ev)) on:keydown=move |ev| if ev.key() == "Enter" { scan_count() }/>
                                <table class="grid" id="count-lines">
                                    <thead><tr><th>{t().common_sku}</th><th class="num">{t().common_counted}</th><th class="num">{t().stock_col_system}</th><th class="num">{t().stock_col_variance}</th></tr></thead>
                                    <tbody>{move || count.get().map(|c| c.lines.into_iter().map(|l| view! {
                                        <tr><td><code>{l.sku}</code></td><td class="num">{l.counted}</td><td class="num">{l.snapshot}</td><td class="num" class:neg=l.variance < 0>{l.variance}</td></tr>
                                    }).collect_view())}</tbody>
                                </table>
                                <button id="count-apply" class="primary" on:click=move |_| apply_count()>{t().stock_apply_count}</button>
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
