//! The Dashboards screen's sales section (issue 16): the period's revenue, orders, average
//! order value, units per transaction, return rate, margin and discounts against the previous
//! period; revenue by day (a `leptos-chartistry` bar chart, values on hover); the hour ×
//! weekday heat map (an SVG grid, each cell's orders and revenue on hover); best sellers and
//! the most returned products with their reasons and NPS; categories, return reasons, tenders;
//! staff and stores with their NPS. A figure without a base says so instead of showing 0.
//!
//! [`BoughtWith`] is "frequently bought together" for one product, for the product page and
//! Sell.

use backroom_api::alerts::AlertView;
use backroom_api::cmd;
use backroom_api::sales::{FrequentlyBoughtTogether, GroupNps, GroupSales, SalesDashboard};
use backroom_domain::feedback::format_milli as milli;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_chartistry::*;

use crate::api;
use crate::charts::{by_week_if_long, stacked_bars, with_empty_days, Column, PALETTE};
use crate::text::t;

/// A bar of the revenue chart: the day (noon UTC, for the time axis) and the revenue in
/// currency units (the chart draws floats; the tooltip rounds to the currency's digits).
#[derive(Clone, PartialEq)]
struct DayBar {
    at: chrono::DateTime<chrono::Utc>,
    revenue: f64,
}

fn money(v: i64, exp: u32) -> String {
    backroom_domain::money::format_minor(v, exp)
}

fn pct(v: Option<i64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format!("{} %", milli(Some(v))))
}

fn nps(n: &GroupNps) -> String {
    match n.score_milli {
        Some(s) => format!("{} (n {})", milli(Some(s)), n.n),
        None => t().sales.no_answers.to_string(),
    }
}

/// `+12.5 %` against the previous period, or nothing to compare with.
fn change(now: i64, before: i64) -> String {
    if before == 0 {
        return t().sales.no_previous.to_string();
    }
    let milli = backroom_domain::money::div_round_half_away(
        i128::from(now - before) * 100_000,
        i128::from(before.abs()),
    ) as i64;
    let sign = if milli > 0 { "+" } else { "" };
    (t().sales.vs_previous)(&format!("{sign}{}", self::milli(Some(milli))))
}

/// One headline card.
fn kpi(id: &'static str, label: &'static str, value: String, note: String) -> impl IntoView {
    view! {
        <div class="kpi" id=id>
            <span class="kpi-label">{label}</span>
            <b class="kpi-value">{value}</b>
            <span class="muted">{note}</span>
        </div>
    }
}

/// Revenue by day (by week over a long range) stacked by store, in the order of `d.by_store`.
fn revenue_by_store(d: &SalesDashboard, days: Vec<Column>) -> impl IntoView {
    let exp = d.exponent;
    let stores: Vec<String> = d.by_store.iter().map(|g| g.name.clone()).collect();
    let (columns, weekly) = by_week_if_long(with_empty_days(days), 62);
    let heading = if weekly {
        t().sales.by_week_store
    } else {
        t().sales.by_day_store
    };
    let series = stores
        .iter()
        .enumerate()
        .map(|(i, name)| (name.clone(), PALETTE[i % PALETTE.len()]))
        .collect();
    let chart = stacked_bars(
        "sales-by-store-day",
        columns,
        series,
        move |v| money(v as i64, exp),
        move |c| {
            let parts: Vec<String> = stores
                .iter()
                .zip(&c.values)
                .map(|(s, v)| format!("{s} {}", money(*v as i64, exp)))
                .collect();
            (t().sales.store_day)(
                &c.label,
                weekly,
                &money(c.total() as i64, exp),
                &parts.join(", "),
            )
        },
    );
    view! { <h3>{heading}</h3>{chart} }
}

/// The hour × weekday heat map: 7 rows (Monday first) × the hours that had orders.
fn heat_map(d: &SalesDashboard) -> impl IntoView {
    let exp = d.exponent;
    let (lo, hi) = d
        .heat
        .iter()
        .fold((23u8, 0u8), |(lo, hi), c| (lo.min(c.hour), hi.max(c.hour)));
    let (lo, hi) = if d.heat.is_empty() { (9, 17) } else { (lo, hi) };
    let max = d.heat.iter().map(|c| c.orders).max().unwrap_or(1).max(1);
    let (cw, ch, left, top) = (30u32, 22u32, 40u32, 18u32);
    let hours = u32::from(hi - lo) + 1;
    let width = left + hours * cw;
    let height = top + 7 * ch;
    let days = t().sales.weekdays;
    let cells = d
        .heat
        .iter()
        .map(|c| {
            let x = left + u32::from(c.hour - lo) * cw;
            let y = top + u32::from(c.weekday) * ch;
            // Light to dark blue by orders.
            let a = 0.12 + 0.88 * (c.orders as f64 / max as f64);
            let fill = format!("rgba(32,76,110,{a:.2})");
            let title = (t().sales.heat_cell)(
                days[usize::from(c.weekday.min(6))],
                c.hour,
                c.orders,
                &money(c.total, exp),
            );
            view! {
                <rect x=x y=y width=cw - 2 height=ch - 2 rx="3" fill=fill class="heat-cell">
                    <title>{title}</title>
                </rect>
            }
        })
        .collect_view();
    let day_labels = (0..7u32)
        .map(|i| {
            view! { <text x="0" y=top + i * ch + 15 class="heat-label">{days[i as usize]}</text> }
        })
        .collect_view();
    let hour_labels = (0..hours)
        .map(|i| {
            view! { <text x=left + i * cw + 4 y="12" class="heat-label">{format!("{:02}", u32::from(lo) + i)}</text> }
        })
        .collect_view();
    view! {
        <svg id="sales-heat" width=width height=height viewBox=format!("0 0 {width} {height}") role="img">
            {day_labels}{hour_labels}{cells}
        </svg>
    }
}

/// Horizontal bars: each row's label, a bar as long as its value against the largest, and the
/// value as shown (also on hover).
pub(crate) fn bars(id: impl Into<String>, rows: Vec<(String, i64, String)>) -> impl IntoView {
    let id: String = id.into();
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1);
    view! {
        <div class="hbars" id=id>
            {rows.into_iter().map(|(label, n, shown)| {
                let width = format!("width: {}%", (n * 100 / max).max(1));
                let title = format!("{label}: {shown}");
                view! {
                    <div class="hbar" title=title>
                        <span class="hbar-label">{label}</span>
                        <span class="hbar-track"><span class="hbar-fill" style=width></span></span>
                        <span class="hbar-value">{shown}</span>
                    </div>
                }
            }).collect_view()}
        </div>
    }
}

fn group_table(id: &'static str, rows: Vec<GroupSales>, exp: u32) -> impl IntoView {
    view! {
        <table class="grid" id=id>
            <thead><tr>
                <th>{t().common_name}</th><th class="num">{t().sales.orders}</th>
                <th class="num">{t().sales.revenue}</th><th class="num">{t().sales.aov}</th><th>"NPS"</th>
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|g| view! {
                    <tr>
                        <td>{g.name.clone()}</td><td class="num">{g.orders}</td>
                        <td class="num">{money(g.total, exp)}</td>
                        <td class="num">{g.aov.map(|a| money(a, exp)).unwrap_or_default()}</td>
                        <td>{nps(&g.nps)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The sales section for the dashboard `d` (loaded by the Dashboards screen with its filter).
#[component]
pub(crate) fn SalesSection(d: SalesDashboard) -> impl IntoView {
    let exp = d.exponent;
    let k = d.kpis.clone();
    let p = d.previous.clone();
    let m = move |v: i64| money(v, exp);
    let bars_data: Vec<DayBar> = d
        .by_day
        .iter()
        .filter_map(|x| {
            let date = chrono::NaiveDate::parse_from_str(&x.day, "%Y-%m-%d").ok()?;
            Some(DayBar {
                at: date.and_hms_opt(12, 0, 0)?.and_utc(),
                revenue: x.total as f64 / 10f64.powi(exp as i32),
            })
        })
        .collect();
    let chart_data = Signal::derive(move || bars_data.clone());
    // All stores with more than one selling: each day's bar stacked by store.
    let by_store_days: Vec<Column> = if d.by_day.iter().any(|x| !x.by_store.is_empty()) {
        d.by_day
            .iter()
            .map(|x| Column {
                label: x.day.clone(),
                values: x.by_store.iter().map(|(_, v)| (*v).max(0) as u64).collect(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let empty = k.orders == 0;
    let headline = if empty {
        view! { <p class="muted" id="sales-empty">{t().sales.no_sales}</p> }.into_any()
    } else {
        view! {
            <section class="dash-row" id="sales-kpis">
                {kpi("sales-revenue", t().sales.revenue, m(k.total), change(k.total, p.total))}
                {kpi("sales-orders", t().sales.orders, k.orders.to_string(), change(k.orders, p.orders))}
                {kpi("sales-aov", t().sales.aov, k.aov.map(m).unwrap_or_default(),
                     p.aov.map(|a| (t().sales.previous)(&m(a))).unwrap_or_else(|| t().sales.no_previous.to_string()))}
                {kpi("sales-upt", t().sales.upt, milli(k.upt_milli), (t().sales.items)(k.items))}
                {kpi("sales-returns", t().sales.return_rate, pct(k.return_rate_milli),
                     (t().sales.returned)(k.returned_items, &m(k.refunded)))}
                {kpi("sales-margin", t().sales.margin, k.margin.map(m).unwrap_or_else(|| t().sales.no_cost.to_string()),
                     match k.margin_milli { Some(_) => (t().sales.margin_note)(&pct(k.margin_milli), &pct(k.costed_share_milli)), None => String::new() })}
                {kpi("sales-discounts", t().sales.discounts, m(k.discounts), (t().sales.gross)(&m(k.gross)))}
            </section>
        }
        .into_any()
    };
    let top = d.top_products.clone();
    let returned = d.most_returned.clone();
    let cats: Vec<(String, i64, String)> = d
        .categories
        .iter()
        .map(|c| {
            let name = if c.category.is_empty() {
                t().sales.uncategorised.to_string()
            } else {
                c.category.clone()
            };
            (
                name,
                c.net,
                format!("{} · {}", m(c.net), (t().sales.items)(c.items)),
            )
        })
        .collect();
    let reasons: Vec<(String, i64, String)> = d
        .return_reasons
        .iter()
        .map(|r| {
            (
                r.label.clone(),
                r.items,
                format!("{} ({})", r.items, pct(Some(r.share_milli))),
            )
        })
        .collect();
    let refunds: Vec<(String, i64, String)> = d
        .refunds_by_tender
        .iter()
        .map(|(tender, v)| (tender.clone(), *v, m(*v)))
        .collect();
    let tenders: Vec<(String, i64, String)> = d
        .sales_by_tender
        .iter()
        .map(|(tender, v)| (tender.clone(), *v, m(*v)))
        .collect();
    view! {
        <h3 class="section">{t().sales.title}</h3>
        {headline}
        {(!empty).then(|| view! {
            <section class="dash-row">
                <div class="card" id="sales-by-day">
                    {if by_store_days.is_empty() {
                        view! {
                            <h3>{t().sales.by_day}</h3>
                    <Chart
                        aspect_ratio=AspectRatio::from_env_width(220.0)
                        left=TickLabels::aligned_floats()
                        bottom=TickLabels::timestamps()
                        inner=[
                            AxisMarker::left_edge().into_inner(),
                            AxisMarker::bottom_edge().into_inner(),
                            YGridLine::default().into_inner(),
                            XGuideLine::over_data().into_inner(),
                        ]
                        tooltip=Tooltip::left_cursor()
                        series=Series::new(|b: &DayBar| b.at)
                            .with_min_y(0.0)
                            .bar(Bar::new(|b: &DayBar| b.revenue).with_name(t().sales.revenue))
                        data=chart_data
                    />
                        }.into_any()
                    } else {
                        revenue_by_store(&d, by_store_days.clone()).into_any()
                    }}
                </div>
                <div class="card" id="sales-heat-card"><h3>{t().sales.heat}</h3>
                    {heat_map(&d)}
                    <p class="muted">{t().sales.heat_note}</p>
                </div>
            </section>
            <section class="card" id="sales-top">
                <h3>{t().sales.best_sellers}</h3>
                <table class="grid" id="sales-top-rows">
                    <thead><tr>
                        <th>{t().common_product}</th><th>{t().sales.category}</th>
                        <th class="num">{t().sales.items_col}</th><th class="num">{t().sales.net}</th>
                        <th class="num">{t().sales.margin}</th><th class="num">{t().sales.returned_col}</th><th>"NPS"</th>
                    </tr></thead>
                    <tbody>
                        {top.into_iter().map(|p| view! {
                            <tr>
                                <td>{p.title.clone()}</td><td>{p.category.clone()}</td>
                                <td class="num">{p.items}</td><td class="num">{m(p.net)}</td>
                                <td class="num">{p.margin.map(m).unwrap_or_else(|| "—".into())}</td>
                                <td class="num">{p.returned_items}</td><td>{nps(&p.nps)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            <section class="dash-row">
                <div class="card" id="sales-categories"><h3>{t().sales.categories}</h3>{bars("sales-category-bars", cats)}</div>
                <div class="card" id="sales-tenders"><h3>{t().sales.tenders}</h3>{bars("sales-tender-bars", tenders)}</div>
            </section>
        })}
        <section class="dash-row">
            <div class="card" id="sales-return-reasons"><h3>{t().sales.return_reasons}</h3>
                {if reasons.is_empty() { Some(view! { <p class="muted">{t().sales.no_returns}</p> }) } else { None }}
                {bars("sales-reason-bars", reasons)}
                {(!returned.is_empty()).then(|| view! {
                    <table class="grid" id="sales-returned-rows">
                        <thead><tr><th>{t().common_product}</th><th class="num">{t().sales.returned_col}</th><th>{t().sales.why}</th><th>"NPS"</th></tr></thead>
                        <tbody>
                            {returned.into_iter().map(|p| view! {
                                <tr>
                                    <td>{p.title.clone()}</td>
                                    <td class="num">{(t().sales.of_sold)(p.returned_items, p.items)}</td>
                                    <td>{p.return_reasons.iter().map(|(_, l, n)| format!("{l} {n}")).collect::<Vec<_>>().join(", ")}</td>
                                    <td>{nps(&p.nps)}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                })}
            </div>
            <div class="card" id="sales-refunds"><h3>{t().sales.refunds_by_tender}</h3>
                {if refunds.is_empty() { Some(view! { <p class="muted">{t().sales.no_returns}</p> }) } else { None }}
                {bars("sales-refund-bars", refunds)}
            </div>
        </section>
        {(!empty).then(|| view! {
            <section class="dash-row">
                <div class="card" id="sales-staff"><h3>{t().sales.by_staff}</h3>{group_table("sales-staff-rows", d.by_staff.clone(), exp)}</div>
                {(!d.by_store.is_empty()).then(|| view! {
                    <div class="card" id="sales-stores"><h3>{t().sales.by_store}</h3>{group_table("sales-store-rows", d.by_store.clone(), exp)}</div>
                })}
            </section>
        })}
    }
}

/// "Frequently bought together" for `product` (an id, handle or SKU; empty shows nothing):
/// the products staff can suggest, with how often they were bought together and the lift.
#[component]
pub(crate) fn BoughtWith(#[prop(into)] product: Signal<String>) -> impl IntoView {
    let data = RwSignal::new(None::<FrequentlyBoughtTogether>);
    Effect::new(move |_| {
        let key = product.get();
        if key.trim().is_empty() {
            data.set(None);
            return;
        }
        spawn_local(async move {
            // A product that cannot be found (or a failed read) shows nothing: the hint is
            // never in the way of selling.
            data.set(
                api::send(&cmd::FrequentlyBoughtTogetherQuery { product: key })
                    .await
                    .ok(),
            );
        });
    });
    view! {
        {move || data.get().filter(|f| !f.items.is_empty()).map(|f| view! {
            <div class="bought-with" id="bought-with">
                <span class="muted">{(t().sales.bought_with)(&f.title)}</span>
                {f.items.into_iter().map(|i| {
                    let hint = (t().sales.fbt_hint)(i.together, &pct(Some(i.confidence_milli)), &milli(Some(i.lift_milli)));
                    let shown = hint.clone();
                    view! {
                        <span class="fbt" title=hint>
                            <b>{i.title.clone()}</b>" "<code>{i.sku.clone()}</code>" · "{shown}
                        </span>
                    }
                }).collect_view()}
            </div>
        })}
    }
}

/// How many open alerts show before "and N more".
const ALERTS_SHOWN: usize = 4;

/// The open alerts with their evidence, one line each, each acknowledged with one click
/// (audited); the first [`ALERTS_SHOWN`], then "and N more". The rules are evaluated whenever
/// the Dashboards screen loads.
#[component]
pub(crate) fn AlertsCard() -> impl IntoView {
    let list = RwSignal::new(Vec::<AlertView>::new());
    let error = RwSignal::new(String::new());
    let load = move || {
        spawn_local(async move {
            match api::send(&cmd::Alerts {}).await {
                Ok(a) => list.set(a),
                Err(e) => error.set(crate::widgets::error_text(&e)),
            }
        })
    };
    load();
    let all = RwSignal::new(false);
    view! {
        <section class="card alerts" id="alerts">
            <h3>{t().sales.alerts}</h3>
            {move || (!error.get().is_empty()).then(|| view! { <p class="error">{error.get()}</p> })}
            {move || {
                let open = list.get();
                if open.is_empty() {
                    return view! { <p class="muted" id="alerts-none">{t().sales.no_alerts}</p> }.into_any();
                }
                let total = open.len();
                let shown = if all.get() { total } else { total.min(ALERTS_SHOWN) };
                view! {
                    <ul class="alert-list">
                        {open.into_iter().take(shown).enumerate().map(|(i, a)| {
                            let id = a.id.clone();
                            view! {
                                <li class=format!("alert alert-{}", a.kind) title=a.fired_local.clone()>
                                    <b>{a.title.clone()}</b>
                                    <span class="alert-evidence">{a.evidence.clone()}</span>
                                    <button id=format!("alert-ack-{i}") on:click=move |_| {
                                        let id = id.clone();
                                        spawn_local(async move {
                                            match api::send(&cmd::AcknowledgeAlert { id }).await {
                                                Ok(()) => load(),
                                                Err(e) => error.set(crate::widgets::error_text(&e)),
                                            }
                                        });
                                    }>{t().sales.acknowledge}</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    {(total > ALERTS_SHOWN).then(|| view! {
                        <button class="link" id="alerts-more" on:click=move |_| all.update(|a| *a = !*a)>
                            {move || if all.get() { t().sales.fewer_alerts.to_string() } else { (t().sales.more_alerts)(total - ALERTS_SHOWN) }}
                        </button>
                    })}
                }.into_any()
            }}
        </section>
    }
}
