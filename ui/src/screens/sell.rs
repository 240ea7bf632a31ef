//! The Sell screen: scan or search, the cart, discounts and promo codes, the customer, split
//! tenders with what is paid, due and change from the engine, park and resume, the receipt.

use backroom_api::DiscountValue;
use backroom_api::{CartQuote, CustomerView, OrderView, SaleInput, VariantHit};
use backroom_domain::unit::SaleUnit;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::logic::{
    add_item, format_amount, format_discount, line_code, parse_amount, parse_discount, quick_cash,
    sale_input, scan_unit, CartItem,
};
use crate::text::t;
use crate::widgets::{error_text, new_cart_id, print_receipt, ApprovalPicker, CustomerPicker};
use backroom_api::cmd;

/// What the counter holds between screens: the cart and everything on it. The shell makes it
/// once per signed-in session, so looking at Stock (Alt+6) and coming back keeps the cart,
/// discounts, tenders and customer; locking the till parks a cart that is left.
#[derive(Clone, Copy)]
pub(crate) struct Till {
    pub cart: RwSignal<Vec<CartItem>>,
    pub quote: RwSignal<Option<CartQuote>>,
    pub tenders: RwSignal<Vec<(String, i64, String)>>,
    pub cart_id: RwSignal<String>,
    pub customer: RwSignal<Option<CustomerView>>,
    pub order_discount: RwSignal<Option<DiscountValue>>,
    pub order_discount_text: RwSignal<String>,
    pub promo_codes: RwSignal<Vec<String>>,
    /// The last sale and its HTML receipt.
    pub receipt: RwSignal<Option<(OrderView, String)>>,
}

impl Till {
    pub(crate) fn new() -> Self {
        Till {
            cart: RwSignal::new(Vec::new()),
            quote: RwSignal::new(None),
            tenders: RwSignal::new(Vec::new()),
            cart_id: RwSignal::new(new_cart_id()),
            customer: RwSignal::new(None),
            order_discount: RwSignal::new(None),
            order_discount_text: RwSignal::new(String::new()),
            promo_codes: RwSignal::new(Vec::new()),
            receipt: RwSignal::new(None),
        }
    }

    /// The whole cart as the engine sees it (lines, discounts, codes, customer, tenders).
    pub(crate) fn input(&self, id: &str) -> SaleInput {
        let mut input = sale_input(
            id,
            &self.cart.get_untracked(),
            &self.tenders.get_untracked(),
        );
        input.customer_id = self.customer.get_untracked().map(|c| c.id);
        input.order_discount = self.order_discount.get_untracked();
        input.promo_codes = self.promo_codes.get_untracked();
        input
    }

    /// Empties the cart for the next customer (a new cart id).
    pub(crate) fn clear(&self) {
        self.cart.set(Vec::new());
        self.tenders.set(Vec::new());
        self.quote.set(None);
        self.customer.set(None);
        self.order_discount.set(None);
        self.order_discount_text.set(String::new());
        self.promo_codes.set(Vec::new());
        self.cart_id.set(new_cart_id());
    }

    /// Parks a cart that is left when the till locks, so nothing scanned is lost; `label`
    /// says whose it was. Returns an error text when it could not be parked (the till then
    /// stays unlocked).
    pub(crate) async fn park_left_cart(&self, label: String) -> Result<(), String> {
        if self.cart.with_untracked(|c| c.is_empty()) {
            return Ok(());
        }
        let input = self.input(&self.cart_id.get_untracked());
        match api::send(&cmd::ParkCart { label, cart: input }).await {
            Ok(_) => {
                self.clear();
                Ok(())
            }
            Err(e) => Err(error_text(&e)),
        }
    }
}

#[component]
pub(crate) fn Sell(currency: String, till: Till) -> impl IntoView {
    let Till {
        cart,
        quote,
        tenders,
        cart_id,
        customer,
        order_discount,
        order_discount_text,
        promo_codes,
        receipt,
    } = till;
    let scan = RwSignal::new(String::new());
    let scan_ref = NodeRef::<leptos::html::Input>::new();
    // The scan field has focus whenever Sell is shown, so a scan is never lost.
    let focus_scan = move || {
        if let Some(el) = scan_ref.get_untracked() {
            let _ = el.focus();
        }
    };
    Effect::new(move |_| {
        if let Some(el) = scan_ref.get() {
            let _ = el.focus();
        }
    });
    let highlight = RwSignal::new(None::<usize>);
    let tender_ref_el = NodeRef::<leptos::html::Input>::new();
    let hits = RwSignal::new(Vec::<VariantHit>::new());
    let tender_kind = RwSignal::new("cash".to_string());
    let tender_amount = RwSignal::new(String::new());
    let tender_ref = RwSignal::new(String::new());
    let error = RwSignal::new(String::new());
    let printed = RwSignal::new(String::new());
    let need_approval = RwSignal::new(false);
    let manager = RwSignal::new(String::new());
    let manager_pin = RwSignal::new(String::new());
    let cur = StoredValue::new(currency);
    let selected = RwSignal::new(None::<usize>);
    let line_discount = RwSignal::new(String::new());
    let promo_text = RwSignal::new(String::new());
    let park_label = RwSignal::new(String::new());
    // Selling with no shift open is allowed (the next shift claims the sale), but the cashier
    // is told and can open one right here.
    let shift = RwSignal::new(Some(String::new()));
    let float_text = RwSignal::new(String::new());
    let load_shift = move || {
        spawn_local(async move {
            if let Ok(s) = api::send(&cmd::CurrentShift {
                location: String::new(),
            })
            .await
            {
                shift.set(s);
            }
        })
    };
    load_shift();
    let open_shift = move || {
        crate::widgets::open_shift(float_text, &cur.get_value(), error, move |n| {
            shift.set(Some(n))
        })
    };
    let parked = RwSignal::new(None::<Vec<(String, String, usize)>>);

    let current_input = move |id: &str| till.input(id);
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
            let answer = api::send(&cmd::Quote { cart: input }).await;
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
    let add_hit = move |h: VariantHit| {
        let title = format!("{} {}", h.title, h.variant_title);
        let unit = SaleUnit::parse(&h.sale_unit, "sale_unit").unwrap_or_default();
        cart.update(|c| add_item(c, &h.sku, title.trim(), unit));
        hits.set(Vec::new());
        highlight.set(None);
        scan.set(String::new());
        requote();
        focus_scan();
    };
    let add_code = move |code: String| {
        spawn_local(async move {
            match api::send(&cmd::Scan { code: code.clone() }).await {
                Ok(Some(hit)) => {
                    let title = if hit.variant.variant_title.is_empty() {
                        hit.variant.title.clone()
                    } else {
                        format!("{} — {}", hit.variant.title, hit.variant.variant_title)
                    };
                    // A price label's own code reaches the engine, so its price is charged.
                    let key = line_code(&hit, &code);
                    cart.update(|c| add_item(c, &key, &title, scan_unit(&hit)));
                    scan.set(String::new());
                    hits.set(Vec::new());
                    highlight.set(None);
                    error.set(String::new());
                    requote();
                }
                // Not a code: a word typed to search. The only match is added; several are
                // offered to pick with ↓ and Enter.
                Ok(None) => {
                    let found = hits.get_untracked();
                    match found.len() {
                        0 => error.set((t().sell_nothing_matches)(&code)),
                        1 => {
                            if let Some(h) = found.into_iter().next() {
                                add_hit(h);
                            }
                        }
                        n => {
                            highlight.set(Some(0));
                            error.set((t().sell_several_match)(n, &code));
                        }
                    }
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    // ↓/↑ move through the search results; Enter adds the highlighted one, or the only one,
    // or reads what was typed as a code (a scanner types digits and Enter).
    let on_scan_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = hits.with_untracked(|h| h.len());
        match ev.key().as_str() {
            "ArrowDown" if n > 0 => {
                ev.prevent_default();
                highlight.update(|h| *h = Some(h.map_or(0, |i| (i + 1).min(n - 1))));
            }
            "ArrowUp" if n > 0 => {
                ev.prevent_default();
                highlight.update(|h| *h = h.and_then(|i| i.checked_sub(1)));
            }
            "Escape" => {
                hits.set(Vec::new());
                highlight.set(None);
            }
            "Enter" => {
                let code = scan.get_untracked().trim().to_string();
                let highlighted = highlight
                    .get_untracked()
                    .and_then(|i| hits.with_untracked(|h| h.get(i).cloned()));
                if let Some(h) = highlighted {
                    return add_hit(h);
                }
                if !code.is_empty() {
                    // Cleared at once: a scanner may already be typing the next code.
                    scan.set(String::new());
                    add_code(code);
                }
            }
            _ => {}
        }
    };
    let on_scan_input = move |ev| {
        let text = event_target_value(&ev);
        scan.set(text.clone());
        if text.trim().chars().count() >= 2 && !text.trim().chars().all(|c| c.is_ascii_digit()) {
            spawn_local(async move {
                if let Ok(found) = api::send(&cmd::Search {
                    query: text.clone(),
                })
                .await
                {
                    // Ignore answers to older keystrokes.
                    if scan.get_untracked() == text {
                        hits.set(found);
                        highlight.set(None);
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
            return error.set(t().sell_discount_no_item.into());
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
                    error.set(t().sell_line_discount_no_line.into());
                }
            }
            Err(e) => error.set((t().sell_line_discount_error)(&e)),
        }
    };
    let apply_order_discount =
        move || match parse_discount(&order_discount_text.get_untracked(), &cur.get_value()) {
            Ok(d) => {
                order_discount.set(d);
                requote();
            }
            Err(e) => error.set((t().sell_order_discount_error)(&e)),
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
            Ok(_) => error.set(t().common_amount_positive.into()),
            Err(e) => error.set((t().common_amount_error)(&e)),
        }
    };
    let clear_cart = move || {
        till.clear();
        need_approval.set(false);
        manager_pin.set(String::new());
        selected.set(None);
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
            match api::send(&cmd::CompleteSale { cart: input }).await {
                Ok(order) => {
                    let html = api::send(&cmd::ReceiptHtml {
                        receipt: order.receipt_number.clone(),
                        duplicate: false,
                    })
                    .await
                    .unwrap_or_default();
                    receipt.set(Some((order, html)));
                    printed.set(String::new());
                    clear_cart();
                    error.set(String::new());
                    focus_scan();
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
            match api::send(&cmd::ParkCart { label, cart: input }).await {
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
            match api::send(&cmd::ParkedCarts {}).await {
                Ok(p) => parked.set(Some(p)),
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let resume = move |id: String| {
        if !cart.with_untracked(|c| c.is_empty()) {
            return error.set(t().sell_resume_busy.into());
        }
        clear_cart();
        spawn_local(async move {
            match api::send(&cmd::ResumeCart { id }).await {
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
                        if let Ok(v) = api::send(&cmd::Customer { id: c }).await {
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
    // Enter on the emptied amount (or F4) completes once something is tendered; the engine
    // settles it and says what is still due when it is not enough. (Waiting for the screen's
    // quote to catch up would lose a fast Enter.)
    let can_complete =
        move || !cart.get_untracked().is_empty() && !tenders.get_untracked().is_empty();
    let money = move |v: i64| format_amount(v, &cur.get_value());
    let exponent = backroom_domain::Currency::parse(&cur.get_value()).map_or(2, |c| c.exponent());
    // F2 goes to the amount, F4 completes a paid sale: paying never needs the mouse.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| match ev.key().as_str() {
        "F2" => {
            ev.prevent_default();
            if let Some(el) = tender_ref_el.get_untracked() {
                let _ = el.focus();
            }
        }
        "F4" => {
            ev.prevent_default();
            if can_complete() {
                complete();
            }
        }
        // F8 turns the screen to the customer for the last sale's feedback (the kiosk).
        "F8" => {
            if let (Some((o, _)), Some(k)) =
                (receipt.get_untracked(), use_context::<crate::KioskOrder>())
            {
                ev.prevent_default();
                k.0.set(Some(o.id));
            }
        }
        _ => {}
    });
    on_cleanup(move || keys.remove());

    view! {
        <main class="sell">
            <section class="left">
                <input id="scan" class="scan" node_ref=scan_ref autofocus placeholder=t().sell_scan_placeholder
                    prop:value=move || scan.get() on:input=on_scan_input on:keydown=on_scan_key/>
                <ul class="hits" id="hits">
                    {move || hits.get().into_iter().enumerate().map(|(i, h)| {
                        let picked = h.clone();
                        view! {
                            <li class:highlighted=move || highlight.get() == Some(i)><button on:click=move |_| add_hit(picked.clone())>
                                <span>{h.title.clone()}" "{h.variant_title.clone()}</span><code>{h.sku.clone()}</code><b>{money(h.price_minor)}</b>
                            </button></li>
                        }
                    }).collect_view()}
                </ul>
                // What the last item scanned is often bought with, for staff to suggest.
                <crate::screens::sales::BoughtWith product=Signal::derive(move || cart.with(|c| c.last().map(|l| l.sku.clone()).unwrap_or_default()))/>
                <table class="cart" id="cart">
                    <thead><tr><th>{t().common_item}</th><th>{t().sell_col_qty}</th><th class="num">{t().sell_col_discount}</th><th class="num">{t().common_total}</th><th></th></tr></thead>
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
                                                        Ok(_) => error.set(t().sell_quantity_positive.into()),
                                                        Err(e) => error.set((t().sell_quantity_error)(&e.message)),
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
                    <input id="line-discount" placeholder=t().sell_line_discount_placeholder prop:value=move || line_discount.get()
                        on:input=move |ev| line_discount.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { apply_line_discount() }/>
                    <input id="order-discount" placeholder=t().sell_order_discount_placeholder prop:value=move || order_discount_text.get()
                        on:input=move |ev| order_discount_text.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { apply_order_discount() }/>
                    <input id="promo-code" placeholder=t().sell_promo_placeholder prop:value=move || promo_text.get()
                        on:input=move |ev| promo_text.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" { add_promo() }/>
                </div>
                <p class="chips" id="promotions">
                    {move || promo_codes.get().into_iter().enumerate().map(|(i, c)| view! {
                        <span class="chip">{c}<button on:click=move |_| { promo_codes.update(|p| { p.remove(i); }); requote(); }>"✕"</button></span>
                    }).collect_view()}
                    {move || quote.get().map(|q| q.promotions.iter().map(|p| view! { <span class="chip applied">"✓ "{p.clone()}</span> }).collect_view())}
                    {move || quote.get().map(|q| q.unknown_codes.iter().map(|c| view! { <span class="chip invalid" title=t().sell_invalid_code_title>{(t().sell_invalid_code)(c)}</span> }).collect_view())}
                </p>
                <div class="bar park">
                    <input id="park-label" placeholder=t().sell_park_label_placeholder prop:value=move || park_label.get() on:input=move |ev| park_label.set(event_target_value(&ev))/>
                    <button id="park" disabled=move || cart.get().is_empty() on:click=move |_| park()>{t().sell_park}</button>
                    <button id="parked-show" on:click=move |_| show_parked()>{t().sell_parked_show}</button>
                </div>
                {move || parked.get().map(|list| view! {
                    <ul class="list" id="parked-list">
                        {if list.is_empty() { Some(view! { <li class="muted">{t().sell_no_parked}</li> }) } else { None }}
                        {list.into_iter().map(|(id, label, n)| view! {
                            <li><button class="resume" on:click=move |_| resume(id.clone())>{(t().sell_parked_resume)(&label, n)}</button></li>
                        }).collect_view()}
                    </ul>
                })}
            </section>
            <section class="right">
                {move || shift.get().is_none().then(|| view! {
                    <div class="notice" id="no-shift">
                        <b>{t().sell_no_shift}</b>{t().sell_no_shift_hint}
                        <input id="no-shift-float" size="8" placeholder=t().sell_float_placeholder prop:value=move || float_text.get()
                            on:input=move |ev| float_text.set(event_target_value(&ev))
                            on:keydown=move |ev| if ev.key() == "Enter" { open_shift() }/>
                        <button id="no-shift-open" on:click=move |_| open_shift()>{t().common_open_shift}</button>
                    </div>
                })}
                <div class="customer">
                    {move || match customer.get() {
                        Some(c) => view! { <p id="customer-name">{t().sell_customer}<b>{c.name.clone()}</b>" "<button on:click=move |_| { customer.set(None); requote(); }>"✕"</button></p> }.into_any(),
                        None => view! {
                            <CustomerPicker prefix="customer" on_pick=Callback::new(move |c| {
                                customer.set(Some(c));
                                requote();
                                focus_scan();
                            })/>
                        }.into_any(),
                    }}
                </div>
                <div class="totals">
                    <div>{t().sell_subtotal}<span>{move || money(quote.get().map(|q| q.subtotal).unwrap_or(0))}</span></div>
                    <div>{t().sell_discounts}<span id="discount-total">{move || money(quote.get().map(|q| q.discount_total).unwrap_or(0))}</span></div>
                    <div>{t().sell_tax}<span>{move || money(quote.get().map(|q| q.tax_total).unwrap_or(0))}</span></div>
                    <div class="total">{t().common_total}<span id="total">{move || money(total())}</span></div>
                    {move || (standing().coin > 1 && standing().cash_due != total()).then(|| view! {
                        <div class="muted">{t().sell_in_cash}<span id="cash-due">{money(standing().cash_due)}</span></div>
                    })}
                    <div>{t().sell_paid}<span id="paid">{move || money(standing().paid)}</span></div>
                    {move || (standing().rounding != 0).then(|| view! {
                        <div class="muted">{t().sell_cash_rounding}<span id="cash-rounding">{let r = -standing().rounding; format!("{}{}", if r > 0 { "+" } else { "−" }, money(r.abs()))}</span></div>
                    })}
                    <div>{move || if standing().due == 0 && standing().paid > 0 { t().sell_change } else { t().sell_due }}<span id="due">{move || money(if standing().due == 0 && standing().paid > 0 { standing().change_due } else { standing().due })}</span></div>
                </div>
                <div class="tender">
                    <select id="tender-kind" on:change=move |ev| tender_kind.set(event_target_value(&ev))>
                        <option value="cash">{t().common_cash}</option>
                        <option value="card">{t().common_card}</option>
                        <option value="gift_card">{t().sell_gift_card}</option>
                        <option value="store_credit">{t().common_store_credit}</option>
                        <option value="loyalty">{t().sell_loyalty}</option>
                    </select>
                    <input id="tender-amount" node_ref=tender_ref_el placeholder=t().sell_amount_placeholder prop:value=move || tender_amount.get()
                        on:input=move |ev| tender_amount.set(event_target_value(&ev))
                        on:keydown=move |ev| if ev.key() == "Enter" {
                            // Enter on an empty amount once the tenders cover the total completes
                            // the sale: the cashier never leaves the keyboard.
                            if tender_amount.get_untracked().trim().is_empty() {
                                if can_complete() {
                                    complete()
                                }
                            } else {
                                add_tender()
                            }
                        }/>
                    <input id="tender-ref" placeholder=t().sell_reference_placeholder prop:value=move || tender_ref.get()
                        on:input=move |ev| tender_ref.set(event_target_value(&ev))/>
                    <button id="tender-add" on:click=move |_| add_tender()>{t().sell_add_tender}</button>
                </div>
                // Quick cash: the exact amount due in cash and the next round notes.
                <div class="bar quick-cash" id="quick-cash">
                    {move || {
                        let st = standing();
                        let has_cash = tenders.get().iter().any(|t| t.0 == "cash");
                        let owed = if st.due == 0 { 0 } else if has_cash { st.due } else { st.cash_due };
                        quick_cash(owed, exponent).into_iter().enumerate().map(|(i, a)| view! {
                            <button class="quick" id=format!("quick-cash-{i}") on:click=move |_| {
                                tenders.update(|t| t.push(("cash".into(), a, String::new())));
                                requote();
                            }>{if i == 0 { (t().sell_exact)(&money(a)) } else { money(a) }}</button>
                        }).collect_view()
                    }}
                </div>
                // Complete stays where it is while tenders are added below it.
                <button id="complete" class="primary" disabled=move || cart.get().is_empty() on:click=move |_| complete()>{t().sell_complete}</button>
                <ul class="tenders" id="tenders">
                    {move || tenders.get().into_iter().enumerate().map(|(i, (k, a, _))| view! {
                        <li>{backroom_domain::receipt::tender_label(&k)}" "{money(a)}<button on:click=move |_| { tenders.update(|t| { t.remove(i); }); requote(); }>"✕"</button></li>
                    }).collect_view()}
                </ul>
                <Show when=move || need_approval.get()>
                    <ApprovalPicker prefix="approve" manager=manager pin=manager_pin/>
                </Show>
                <p class="error" id="sell-error">{move || error.get()}</p>
                {move || receipt.get().map(|(o, html)| view! {
                    <div class="receipt" id="receipt">
                        <p>{t().sell_receipt_sale}<b id="receipt-number">{o.receipt_number.clone()}</b>{t().sell_receipt_change}<b id="change-due">{money(o.change_due)}</b></p>
                        <div class="bar">
                            <button id="receipt-print" on:click=move |_| print(false)>{t().common_print}</button>
                            <button id="receipt-reprint" on:click=move |_| print(true)>{t().sell_reprint}</button>
                            {
                                let id = o.id.clone();
                                view! { <button id="kiosk-start" on:click=move |_| {
                                    if let Some(k) = use_context::<crate::KioskOrder>() { k.0.set(Some(id.clone())) }
                                }>{t().fb.kiosk_start}</button> }
                            }
                            <span class="ok" id="receipt-printed">{move || printed.get()}</span>
                        </div>
                        <div class="paper" inner_html=html></div>
                    </div>
                })}
            </section>
        </main>
    }
}
