//! The Shift screen: open with a float, cash in and out, the live X-report; closing counts the
//! drawer (as a sum or note by note), shows expected, counted and the difference before it is
//! final, asks why for a difference above the store's threshold and a manager above the
//! second; past shifts and their Z-reports are listed to view and reprint.

use backroom_api::{CloseShiftInput, CloseShiftReview, ShiftSummary, ZReport};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::logic::{format_amount, parse_amount};
use crate::text::t;
use crate::widgets::{error_text, ApprovalPicker};
use backroom_api::cmd;

#[component]
pub(crate) fn Shift(currency: String) -> impl IntoView {
    let current = RwSignal::new(None::<String>);
    let amount = RwSignal::new(String::new());
    let z = RwSignal::new(None::<ZReport>);
    let error = RwSignal::new(String::new());
    let message = RwSignal::new(String::new());
    let past = RwSignal::new(Vec::<ShiftSummary>::new());
    let cur = StoredValue::new(currency);
    let money = move |v: i64| format_amount(v, &cur.get_value());
    let refresh = move || {
        spawn_local(async move {
            if let Ok(s) = api::send(&cmd::CurrentShift {
                location: String::new(),
            })
            .await
            {
                current.set(s.clone());
                if let Some(n) = s {
                    if let Ok(r) = api::send(&cmd::ZReportQuery { shift: n }).await {
                        z.set(Some(r));
                    }
                }
            }
            if let Ok(list) = api::send(&cmd::Shifts {
                location: String::new(),
            })
            .await
            {
                past.set(list);
            }
        })
    };
    refresh();

    // Cash in and out.
    let cash_amount = RwSignal::new(String::new());
    let cash_reason = RwSignal::new(String::new());
    let cash = move |direction: i64| {
        let value = match parse_amount(&cash_amount.get_untracked(), &cur.get_value(), "amount") {
            Ok(v) if v > 0 => v * direction,
            Ok(_) => return error.set(t().common_amount_positive.into()),
            Err(e) => return error.set((t().common_amount_error)(&e)),
        };
        let reason = cash_reason.get_untracked();
        spawn_local(async move {
            match api::send(&cmd::CashMovement {
                location: String::new(),
                amount: value,
                reason,
            })
            .await
            {
                Ok(()) => {
                    cash_amount.set(String::new());
                    cash_reason.set(String::new());
                    error.set(String::new());
                    message.set(
                        if value > 0 {
                            t().shift_cash_in_recorded
                        } else {
                            t().shift_cash_out_recorded
                        }
                        .into(),
                    );
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
            match api::send(&cmd::PrintZReport { shift: r.shift_id }).await {
                Ok(p) => {
                    message.set((t().common_printed_on)(&p.printer));
                    error.set(String::new());
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let open =
        move || crate::widgets::open_shift(amount, &cur.get_value(), error, move |_| refresh());

    // Closing: count, review, then confirm.
    let by_notes = RwSignal::new(false);
    let faces = RwSignal::new(Vec::<i64>::new());
    let counts = RwSignal::new(Vec::<String>::new());
    spawn_local(async move {
        if let Ok(f) = api::send(&cmd::Denominations {}).await {
            counts.set(vec![String::new(); f.len()]);
            faces.set(f);
        }
    });
    let review = RwSignal::new(None::<CloseShiftReview>);
    // Changes of this till not yet on the server (0 when standalone): said at the close, which
    // never waits for them (Odoo loses orders exactly here).
    let unsynced = RwSignal::new(0i64);
    let check_unsynced = move || {
        spawn_local(async move {
            if let Ok(s) = api::send(&cmd::SyncStatusQuery {}).await {
                unsynced.set(if s.mode == "connected" {
                    s.pending_ops
                } else {
                    0
                });
            }
        })
    };
    let reason = RwSignal::new(String::new());
    let manager = RwSignal::new(String::new());
    let manager_pin = RwSignal::new(String::new());
    let close_input = move || -> Result<CloseShiftInput, String> {
        let mut input = CloseShiftInput {
            reason: reason.get_untracked(),
            ..Default::default()
        };
        if by_notes.get_untracked() {
            for (face, typed) in faces
                .get_untracked()
                .into_iter()
                .zip(counts.get_untracked())
            {
                if typed.trim().is_empty() {
                    continue;
                }
                let n = typed
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| (t().shift_count_not_whole)(&money(face), &typed))?;
                input.denominations.push((face, n));
            }
            if input.denominations.is_empty() {
                return Err(t().shift_count_something.into());
            }
        } else {
            input.counted = parse_amount(&amount.get_untracked(), &cur.get_value(), "counted")
                .map_err(|e| (t().shift_counted_error)(&e))?;
        }
        if review.get_untracked().is_some_and(|r| r.approval_required) {
            input.approval = Some(backroom_api::Approval {
                manager: manager.get_untracked(),
                pin: manager_pin.get_untracked(),
            });
        }
        Ok(input)
    };
    let do_review = move || {
        let input = match close_input() {
            Ok(i) => i,
            Err(e) => return error.set(e),
        };
        check_unsynced();
        spawn_local(async move {
            match api::send(&cmd::ReviewCloseShift { input }).await {
                Ok(r) => {
                    error.set(String::new());
                    review.set(Some(r));
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let confirm = move || {
        let input = match close_input() {
            Ok(i) => i,
            Err(e) => return error.set(e),
        };
        spawn_local(async move {
            match api::send(&cmd::CloseShift { input }).await {
                Ok(r) => {
                    z.set(Some(r));
                    current.set(None);
                    review.set(None);
                    reason.set(String::new());
                    manager_pin.set(String::new());
                    amount.set(String::new());
                    counts.update(|c| c.iter_mut().for_each(|x| x.clear()));
                    error.set(String::new());
                    message.set(t().shift_closed.into());
                    check_unsynced();
                    refresh();
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let show = move |number: String| {
        spawn_local(async move {
            match api::send(&cmd::ZReportQuery { shift: number }).await {
                Ok(r) => z.set(Some(r)),
                Err(e) => error.set(error_text(&e)),
            }
        })
    };

    view! {
        <main class="shift">
            <p id="shift-status">{move || match current.get() { Some(n) => (t().shift_is_open)(&n), None => t().shift_none_open.to_string() }}</p>
            <Show when=move || current.get().is_none()>
                <div class="bar">
                    <input id="shift-amount" placeholder=t().shift_float_placeholder prop:value=move || amount.get()
                        on:input=move |ev| amount.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { open() }/>
                    <button id="shift-go" class="primary" on:click=move |_| open()>{t().common_open_shift}</button>
                </div>
            </Show>
            <Show when=move || current.get().is_some()>
                <div class="bar">
                    <input id="cash-amount" placeholder=t().shift_cash_amount_placeholder prop:value=move || cash_amount.get() on:input=move |ev| cash_amount.set(event_target_value(&ev))/>
                    <input id="cash-reason" placeholder=t().shift_cash_reason_placeholder prop:value=move || cash_reason.get() on:input=move |ev| cash_reason.set(event_target_value(&ev))/>
                    <button id="cash-in" on:click=move |_| cash(1)>{t().shift_cash_in}</button>
                    <button id="cash-out" on:click=move |_| cash(-1)>{t().shift_cash_out}</button>
                </div>
                <section class="card" id="close-shift">
                    <h3>{t().shift_close_heading}</h3>
                    <label class="check"><input id="count-by-notes" type="checkbox" prop:checked=move || by_notes.get()
                        on:change=move |ev| { by_notes.set(event_target_checked(&ev)); review.set(None) }/>{t().shift_by_notes}</label>
                    {move || if by_notes.get() {
                        view! {
                            <table class="grid denominations" id="denominations">
                                <tbody>
                                    {faces.get().into_iter().enumerate().map(|(i, face)| view! {
                                        <tr><td class="num">{money(face)}</td><td>" × "</td>
                                            <td><input class="denomination-count" size="5" prop:value=move || counts.get().get(i).cloned().unwrap_or_default()
                                                on:input=move |ev| { let v = event_target_value(&ev); counts.update(|c| if let Some(x) = c.get_mut(i) { *x = v }); review.set(None) }/></td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    } else {
                        view! {
                            <input id="shift-amount" placeholder=t().shift_counted_placeholder prop:value=move || amount.get()
                                on:input=move |ev| { amount.set(event_target_value(&ev)); review.set(None) }
                                on:keydown=move |ev| if ev.key() == "Enter" { do_review() }/>
                        }.into_any()
                    }}
                    <button id="shift-review" on:click=move |_| do_review()>{t().shift_review}</button>
                    {move || review.get().map(|r| {
                        let v = r.report.variance.unwrap_or(0);
                        let diff = if v == 0 { t().shift_no_difference.to_string() } else if v < 0 { (t().shift_short)(&money(-v)) } else { (t().shift_over)(&money(v)) };
                        view! {
                            <div class="review" id="close-review">
                                <p>{t().shift_review_expected}<b id="review-expected">{money(r.report.expected_cash)}</b>
                                   {t().shift_review_counted}<b id="review-counted">{money(r.report.counted_cash.unwrap_or(0))}</b>
                                   {t().shift_review_difference}<b id="review-difference" class:error=v != 0>{diff}</b></p>
                                {r.reason_required.then(|| view! {
                                    <label>{t().shift_reason_required}
                                        <input id="close-reason" prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))/></label>
                                })}
                                {r.approval_required.then(|| view! { <ApprovalPicker prefix="close-approve" manager=manager pin=manager_pin/> })}
                                {move || (unsynced.get() > 0).then(|| view! { <p class="warning" id="close-unsynced">{(t().shift_unsynced)(unsynced.get())}</p> })}
                                <button id="shift-go" class="primary" on:click=move |_| confirm()>{t().shift_close_final}</button>
                            </div>
                        }
                    })}
                </section>
            </Show>
            <p class="ok" id="shift-message">{move || message.get()}</p>
            {move || (current.get().is_none() && z.get().is_some() && unsynced.get() > 0).then(|| view! { <p class="warning" id="closed-unsynced">{(t().shift_unsynced)(unsynced.get())}</p> })}
            <p class="error" id="shift-error">{move || error.get()}</p>
            {move || z.get().map(|r| view! {
                <section class="card" id="z-report">
                    <h3>{if r.closed_at.is_some() { (t().shift_z_report)(&r.number) } else { (t().shift_x_report)(&r.number) }}</h3>
                    <p>{(t().shift_opening_float)(&money(r.float))}</p>
                    <p>{(t().shift_sales_line)(r.orders, &money(r.gross_sales), &money(r.discounts), &money(r.tax), &money(r.net_sales))}</p>
                    <p>{(t().shift_returns_line)(r.returns, &money(r.refunds))}</p>
                    <ul>{r.tenders.iter().map(|(tender, v)| view! { <li>{(t().shift_tender_line)(&backroom_domain::receipt::tender_label(tender), &money(v.sales), &money(v.refunds), &money(v.net))}</li> }).collect_view()}</ul>
                    <p>{(t().shift_cash_line)(&money(r.cash_in), &money(r.cash_out))}</p>
                    <p>{(t().shift_expected_line)(&money(r.expected_cash), &r.counted_cash.map(money).unwrap_or("-".into()), &r.variance.map(money).unwrap_or("-".into()))}</p>
                    {(!r.variance_reason.is_empty()).then(|| view! { <p>{t().shift_reason}{r.variance_reason.clone()}</p> })}
                    <button id="z-print" on:click=move |_| print()>{t().common_print}</button>
                </section>
            })}
            <section class="card">
                <h3>{t().shift_past}</h3>
                <table class="grid" id="past-shifts">
                    <thead><tr><th>{t().shift_col_shift}</th><th>{t().shift_col_opened}</th><th>{t().shift_col_closed}</th><th class="num">{t().common_expected}</th><th class="num">{t().common_counted}</th><th class="num">{t().common_difference}</th></tr></thead>
                    <tbody>
                        {move || past.get().into_iter().map(|s| {
                            let number = s.number.clone();
                            view! {
                                <tr class="past-shift" on:click=move |_| show(number.clone())>
                                    <td><button class="link">{s.number.clone()}</button></td><td>{s.opened_local.clone()}</td>
                                    <td>{if s.closed_local.is_empty() { t().shift_still_open.to_string() } else { s.closed_local.clone() }}</td>
                                    <td class="num">{s.expected_cash.map(money).unwrap_or_default()}</td>
                                    <td class="num">{s.counted_cash.map(money).unwrap_or_default()}</td>
                                    <td class="num">{s.variance.map(money).unwrap_or_default()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        </main>
    }
}
