//! Customer feedback in the desktop (issue 16): the Dashboards screen (NPS over time with its
//! confidence band, CSAT and CES, the response funnel, reasons, themes with their impact and
//! suggestions, the drill-down with its filters and CSV export), the returns desk's survey (one
//! keystroke per answer) and the customer-facing kiosk (large targets, no staff data, left only
//! with a staff PIN).
//!
//! Charts: `leptos-chartistry`, a chart library made for Leptos (SVG, axis labels, values on
//! hover, reactive data), for the NPS line and its band; the answers under it are stacked bars
//! ([`crate::charts`]); reasons and the funnel are labelled bars whose value shows on hover. A figure with no answers says so instead of drawing 0, and
//! one from fewer than [`LOW_N`] answers says it is few.

use std::collections::BTreeMap;

use backroom_api::cmd;
use backroom_api::feedback::{
    FeedbackDashboard, FeedbackFilter, ResponseInput, ResponseQuery, ResponseView, ThemesView,
};
use backroom_api::sales::{SalesDashboard, SalesFilter};
use backroom_domain::feedback::format_milli as milli;
use backroom_domain::feedback::{Nps, NpsBucket, Z95};
use backroom_domain::survey::{Answer, QuestionKind};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_chartistry::*;

use crate::api;
use crate::charts::{by_week_if_long, stacked_bars, with_empty_days, Column};
use crate::screens::sales::SalesSection;
use crate::text::t;
use crate::widgets::{choose_file, error_text, FileChoice};

/// Under this many answers a score is shown with a warning that it is few.
pub const LOW_N: u64 = 30;

/// A point of the NPS chart: the day, its score and the 95 % band around it.
#[derive(Clone, PartialEq)]
struct Point {
    at: chrono::DateTime<chrono::Utc>,
    nps: f64,
    low: f64,
    high: f64,
}

fn points(by_day: &[(String, Nps)]) -> Vec<Point> {
    by_day
        .iter()
        .filter_map(|(day, n)| {
            let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
            let at = date.and_hms_opt(12, 0, 0)?.and_utc();
            let score = n.score_milli()? as f64 / 1000.0;
            let margin = n.margin().unwrap_or(0.0);
            Some(Point {
                at,
                nps: score,
                low: (score - margin).max(-100.0),
                high: (score + margin).min(100.0),
            })
        })
        .collect()
}

/// Counts as [`crate::screens::sales::bars`]: the count and its note beside each bar.
fn bars(id: String, rows: Vec<(String, u64, String)>) -> impl IntoView {
    crate::screens::sales::bars(
        id,
        rows.into_iter()
            .map(|(label, n, note)| {
                (
                    label,
                    n as i64,
                    format!("{n} {note}").trim_end().to_string(),
                )
            })
            .collect(),
    )
}

/// The answers behind the NPS line, stacked by bucket (detractors at the bottom): by day, or
/// by week over a long range.
fn answers_by_day(by_day: &[(String, Nps)]) -> impl IntoView {
    let days = by_day
        .iter()
        .map(|(day, n)| Column {
            label: day.clone(),
            values: vec![n.detractors, n.passives, n.promoters],
        })
        .collect();
    let (columns, weekly) = by_week_if_long(with_empty_days(days), 62);
    (!columns.is_empty()).then(|| {
        view! {
            <h4>{if weekly { t().fb.answers_by_week } else { t().fb.answers_by_day }}</h4>
            {stacked_bars(
                "dash-nps-answers",
                columns,
                vec![
                    (t().fb.detractors.to_string(), "fill-detractor"),
                    (t().fb.passives.to_string(), "fill-passive"),
                    (t().fb.promoters.to_string(), "fill-promoter"),
                ],
                |v| v.to_string(),
                move |c| {
                    let v = |i: usize| c.values.get(i).copied().unwrap_or(0);
                    (t().fb.answers_column)(&c.label, weekly, v(2), v(1), v(0))
                },
            )}
        }
    })
}

#[component]
pub(crate) fn Dashboards() -> impl IntoView {
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let store = RwSignal::new(String::new());
    let survey = RwSignal::new(String::new());
    let data = RwSignal::new(None::<FeedbackDashboard>);
    let sales = RwSignal::new(None::<SalesDashboard>);
    let themes = RwSignal::new(None::<ThemesView>);
    let error = RwSignal::new(String::new());
    let load = move || {
        // Sales first: the figures over the rollups answer at once; the feedback (with its
        // themes) follows.
        let scope = SalesFilter {
            from: from.get_untracked(),
            to: to.get_untracked(),
            store: Some(store.get_untracked()).filter(|s| !s.is_empty()),
        };
        spawn_local(async move {
            match api::send(&cmd::SalesDashboardQuery { filter: scope }).await {
                Ok(d) => {
                    // The NPS next to products and staff reads the answers: after the figures.
                    let filter = d.filter.clone();
                    sales.set(Some(d));
                    match api::send(&cmd::SalesFeedbackQuery { filter }).await {
                        Ok(fb) => sales.update(|slot| {
                            if let Some(d) = slot.take() {
                                *slot = Some(d.with_feedback(&fb));
                            }
                        }),
                        Err(e) => error.set(error_text(&e)),
                    }
                }
                Err(e) => error.set(error_text(&e)),
            }
        });
        let filter = FeedbackFilter {
            from: from.get_untracked(),
            to: to.get_untracked(),
            store: Some(store.get_untracked()).filter(|s| !s.is_empty()),
            survey: Some(survey.get_untracked()).filter(|s| !s.is_empty()),
        };
        spawn_local(async move {
            match api::send(&cmd::FeedbackDashboardQuery { filter }).await {
                Ok(d) => {
                    // The range read fills empty fields only: a date typed while the first
                    // load was on its way is kept.
                    if from.get_untracked().is_empty() {
                        from.set(d.filter.from.clone());
                    }
                    if to.get_untracked().is_empty() {
                        to.set(d.filter.to.clone());
                    }
                    error.set(String::new());
                    // The themes count the period's comments: read after the figures.
                    let filter = d.filter.clone();
                    data.set(Some(d));
                    match api::send(&cmd::FeedbackThemesQuery { filter }).await {
                        Ok(t) => themes.set(Some(t)),
                        Err(e) => error.set(error_text(&e)),
                    }
                }
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    load();
    let chart_data = Signal::derive(move || {
        data.get()
            .map(|d| points(&d.nps.by_day))
            .unwrap_or_default()
    });
    view! {
        <main class="dashboards" id="dashboards">
            <h2>{t().sales.dashboards}</h2>
            <div class="bar" id="dash-filters">
                <label>{t().fb.from}<input type="date" id="dash-from" prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev))/></label>
                <label>{t().fb.to}<input type="date" id="dash-to" prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev))/></label>
                <label>{t().fb.store}<select id="dash-store" on:change=move |ev| { store.set(event_target_value(&ev)); load() }>
                    <option value="">{t().fb.all_stores}</option>
                    {move || data.get().map(|d| d.stores.into_iter().map(|s| view! { <option value=s.clone() selected=store.get_untracked() == s>{s.clone()}</option> }).collect_view())}
                </select></label>
                <label>{t().fb.survey}<select id="dash-survey" on:change=move |ev| { survey.set(event_target_value(&ev)); load() }>
                    <option value="">{t().fb.all_surveys}</option>
                    {move || data.get().map(|d| d.surveys.into_iter().map(|s| view! { <option value=s.key.clone() selected=survey.get_untracked() == s.key>{s.title.clone()}</option> }).collect_view())}
                </select></label>
                <button id="dash-apply" class="primary" on:click=move |_| load()>{t().fb.show}</button>
            </div>
            <p class="error" id="dash-error">{move || error.get()}</p>
            <crate::screens::sales::AlertsCard/>
            {move || sales.get().map(|d| view! { <SalesSection d=d/> })}
            <h3 class="section">{t().fb.title}</h3>
            {move || data.get().map(|d| {
                let nps = d.nps.clone();
                let n = nps.nps.n();
                let headline = if n == 0 {
                    view! { <p class="muted" id="dash-nps-empty">{t().fb.no_answers}</p> }.into_any()
                } else {
                    let low = (n < LOW_N).then(|| view! { <p class="warn" id="dash-nps-low">{(t().fb.few_answers)(n)}</p> });
                    let change = match (nps.previous_score_milli, nps.differs) {
                        (None, _) => t().fb.no_previous.to_string(),
                        (Some(p), Some(true)) => (t().fb.previous_real)(&milli(Some(p)), nps.previous.n()),
                        (Some(p), _) => (t().fb.previous_noise)(&milli(Some(p)), nps.previous.n()),
                    };
                    view! {
                        <div class="kpi" id="dash-nps">
                            <span class="kpi-label">"NPS"</span>
                            <b class="kpi-value" id="dash-nps-value">{milli(nps.score_milli)}</b>
                            <span class="muted">" ±"{milli(nps.margin_milli)}" · n "{n}" ("{nps.nps.promoters}" / "{nps.nps.passives}" / "{nps.nps.detractors}")"</span>
                            <span class="muted" id="dash-nps-previous">{change}</span>
                        </div>
                        {low}
                    }.into_any()
                };
                let scores = d.scores.iter().map(|s| {
                    let few = (s.answered > 0 && s.answered < LOW_N).then(|| t().fb.few_short);
                    view! {
                        <div class="kpi score">
                            <span class="kpi-label">{s.question_type.to_uppercase()}" · "{s.label.clone()}</span>
                            <b class="kpi-value">{if s.answered == 0 { t().fb.no_answers_short.to_string() } else { format!("{} %", milli(s.score_milli)) }}</b>
                            <span class="muted">{(t().fb.mean_n)(&milli(s.mean_milli), s.answered, s.skipped)}{s.nes_milli.map(|n| format!(" · NES {}", milli(Some(n))))}{few}</span>
                        </div>
                    }
                }).collect_view();
                let funnel = d.funnel.iter().map(|(key, f)| {
                    [view! { <h4>{key.clone()}</h4> }.into_any(), bars(format!("dash-funnel-{key}"), vec![
                        (t().fb.displays.to_string(), f.displays, String::new()),
                        (t().fb.started.to_string(), f.started, String::new()),
                        (t().fb.finished.to_string(), f.finished, f.completion_rate_milli().map(|c| format!("({} %)", milli(Some(c)))).unwrap_or_default()),
                    ]).into_any()].into_iter().collect_view()
                }).collect_view();
                let mut by_question: BTreeMap<String, Vec<(String, u64, String)>> = BTreeMap::new();
                for r in &d.reasons {
                    by_question.entry(format!("{} · {}", r.survey, r.question)).or_default()
                        .push((r.label.clone(), r.n, format!("({} %)", milli(Some(r.share_milli)))));
                }
                let reasons = by_question.into_iter().enumerate().map(|(i, (title, rows))| view! {
                    <h4>{title}</h4>{bars(format!("dash-reasons-{i}"), rows)}
                }).collect_view();
                view! {
                    <section class="dash-row">{headline}{scores}</section>
                    <section class="card" id="dash-nps-chart">
                        <h3>{t().fb.nps_over_time}</h3>
                        {if chart_data.get_untracked().is_empty() {
                            view! { <p class="muted">{t().fb.no_answers}</p> }.into_any()
                        } else {
                            view! {
                                <Chart
                                    aspect_ratio=AspectRatio::from_env_width(260.0)
                                    left=TickLabels::aligned_floats()
                                    bottom=TickLabels::timestamps()
                                    inner=[
                                        AxisMarker::left_edge().into_inner(),
                                        AxisMarker::bottom_edge().into_inner(),
                                        YGridLine::default().into_inner(),
                                        XGuideLine::over_data().into_inner(),
                                    ]
                                    tooltip=Tooltip::left_cursor()
                                    series=Series::new(|p: &Point| p.at)
                                        .with_y_range(-100.0, 100.0)
                                        .line(Line::new(|p: &Point| p.nps).with_name("NPS"))
                                        .line(Line::new(|p: &Point| p.high).with_name(t().fb.band_high))
                                        .line(Line::new(|p: &Point| p.low).with_name(t().fb.band_low))
                                    data=chart_data
                                />
                            }.into_any()
                        }}
                        <p class="muted">{(t().fb.band_note)(Z95)}</p>
                        {answers_by_day(&d.nps.by_day)}
                    </section>
                    <section class="dash-row">
                        <div class="card" id="dash-funnel"><h3>{t().fb.funnel}</h3>
                            {funnel}
                        </div>
                        <div class="card" id="dash-reasons"><h3>{t().fb.reasons}</h3>
                            {if d.reasons.is_empty() { Some(view! { <p class="muted">{t().fb.no_answers}</p> }) } else { None }}
                            {reasons}
                        </div>
                    </section>
                }
            })}
            {move || themes.get().map(|th| view! { <Themes themes=th reload=load/> })}
            {move || data.get().map(|d| view! {
                <Drill filter=d.filter.clone() themes=d.theme_rules.iter().filter(|t| t.active).map(|t| (t.rule.code.clone(), t.rule.name.clone())).collect()/>
            })}
        </main>
    }
}

#[component]
fn Themes(
    themes: backroom_api::feedback::ThemesView,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let error = RwSignal::new(String::new());
    let accept = move |label: String| {
        let code: String = label
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let name = {
            let mut c = label.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        };
        spawn_local(async move {
            match api::send(&cmd::AcceptTheme {
                code: format!("t_{code}"),
                name,
                term: label,
            })
            .await
            {
                Ok(()) => reload(),
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    view! {
        <section class="card" id="dash-themes">
            <h3>{t().fb.themes}" · "{(t().fb.commented)(themes.commented)}</h3>
            {(themes.commented == 0).then(|| view! { <p class="muted">{t().fb.no_comments}</p> })}
            <table>
                <thead><tr><th>{t().fb.theme}</th><th>"n"</th><th>"%"</th><th>"NPS"</th><th>{t().fb.impact}</th></tr></thead>
                <tbody>
                    {themes.themes.iter().map(|th| view! {
                        <tr class="theme-row" title=(t().fb.impact_hint)(&th.name)>
                            <td>{th.name.clone()}</td><td>{th.n}</td><td>{milli(Some(th.share_milli))}</td>
                            <td>{milli(th.nps_milli)}</td><td>{milli(th.impact_milli)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <h4>{t().fb.detractors_vs_promoters}</h4>
            <p class="terms" id="dash-contrast">
                {themes.detractors_vs_promoters.iter().map(|c| view! {
                    <span class={if c.z > 0.0 { "neg" } else { "pos" }} title=format!("z {:.1} · {} / {}", c.z, c.df_a, c.df_b)>{c.label.clone()}</span>
                }).collect_view()}
            </p>
            <h4>{t().fb.suggested}</h4>
            <div id="dash-suggestions">
                {themes.suggestions.iter().map(|s| {
                    let label = s.label.clone();
                    view! {
                        <span class="suggestion">{s.label.clone()}" ("{s.df}") "
                            <button class="accept-theme" on:click=move |_| accept(label.clone())>{t().fb.accept}</button></span>
                    }
                }).collect_view()}
            </div>
            <p class="error">{move || error.get()}</p>
        </section>
    }
}

#[component]
fn Drill(filter: FeedbackFilter, themes: Vec<(String, String)>) -> impl IntoView {
    let filter = StoredValue::new(filter);
    let bucket = RwSignal::new(String::new());
    let theme = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<ResponseView>::new());
    let path = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let query = move || ResponseQuery {
        filter: filter.get_value(),
        bucket: match bucket.get_untracked().as_str() {
            "promoter" => Some(NpsBucket::Promoter),
            "passive" => Some(NpsBucket::Passive),
            "detractor" => Some(NpsBucket::Detractor),
            _ => None,
        },
        theme: Some(theme.get_untracked()).filter(|t| !t.is_empty()),
        staff: None,
        text: Some(text.get_untracked()).filter(|t| !t.trim().is_empty()),
        limit: 200,
    };
    let search = move || {
        let q = query();
        spawn_local(async move {
            match api::send(&cmd::SurveyResponses { query: q }).await {
                Ok(r) => rows.set(r),
                Err(e) => note.set(error_text(&e)),
            }
        })
    };
    search();
    let export = move || {
        let mut q = query();
        q.limit = 1_000_000;
        let file = path.get_untracked();
        spawn_local(async move {
            match api::send(&cmd::ExportSurveyResponses {
                query: q,
                file: file.clone(),
            })
            .await
            {
                Ok(n) => note.set((t().fb.exported)(n, &file)),
                Err(e) => note.set(error_text(&e)),
            }
        })
    };
    view! {
        <section class="card" id="dash-drill">
            <h3>{t().fb.responses}</h3>
            <div class="bar">
                <select id="drill-bucket" on:change=move |ev| { bucket.set(event_target_value(&ev)); search() }>
                    <option value="">{t().fb.every_score}</option>
                    <option value="promoter">{t().fb.promoters}</option>
                    <option value="passive">{t().fb.passives}</option>
                    <option value="detractor">{t().fb.detractors}</option>
                </select>
                <select id="drill-theme" on:change=move |ev| { theme.set(event_target_value(&ev)); search() }>
                    <option value="">{t().fb.every_theme}</option>
                    {themes.into_iter().map(|(c, n)| view! { <option value=c>{n}</option> }).collect_view()}
                </select>
                <input id="drill-text" placeholder=t().fb.words prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                    on:keydown=move |ev| if ev.key() == "Enter" { search() }/>
                <button id="drill-export-choose" on:click=move |_| choose_file(FileChoice {
                    save: true,
                    title: t().dialog_save_csv,
                    filter_name: t().dialog_csv_files,
                    extensions: &["csv"],
                    file_name: "responses.csv".into(),
                }, path, note, export)>{t().fb.export}</button>
                <span class="muted" id="drill-note">{move || note.get()}</span>
            </div>
            <table id="drill-rows">
                <thead><tr><th>{t().fb.day}</th><th>{t().fb.survey}</th><th>{t().fb.store}</th><th>{t().fb.staff}</th><th>{t().fb.receipt}</th><th>{t().fb.answers}</th><th>{t().fb.themes}</th></tr></thead>
                <tbody>
                    {move || rows.get().into_iter().map(|r| view! {
                        <tr class="drill-row">
                            <td>{r.local_day.clone()}</td><td>{r.survey.clone()}</td><td>{r.store.clone().unwrap_or_default()}</td>
                            <td>{r.staff.clone().unwrap_or_default()}</td><td>{r.receipt_number.clone().unwrap_or_default()}</td>
                            <td>{r.answers.iter().map(|(k, a)| format!("{k}: {}", answer_text(a))).collect::<Vec<_>>().join(" · ")}</td>
                            <td>{r.themes.join(", ")}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            {move || rows.get().is_empty().then(|| view! { <p class="muted" id="drill-empty">{t().fb.no_answers}</p> })}
        </section>
    }
}

fn answer_text(a: &Answer) -> String {
    match a {
        Answer::Score(v) => v.to_string(),
        Answer::Choice(c) => c.clone(),
        Answer::Choices(c) => c.join(", "),
        Answer::Text(x) => format!("“{x}”"),
        Answer::Skipped => t().fb.skipped.to_string(),
    }
}

/// The returns desk's survey for return `return_id`: each question answered with one key
/// (the option's number), `0` or Esc skips it; the answers are saved after the last one.
#[component]
pub(crate) fn DeskSurvey(return_id: String) -> impl IntoView {
    let def = RwSignal::new(None::<backroom_domain::survey::SurveyDefinition>);
    let step = RwSignal::new(0usize);
    let answers = RwSignal::new(BTreeMap::<String, Answer>::new());
    let state = RwSignal::new(String::new());
    spawn_local(async move {
        match api::send(&cmd::DefineSurveyTemplate {
            key: "returns-desk".into(),
        })
        .await
        {
            Ok(s) => def.set(Some(s.definition)),
            Err(e) => state.set(error_text(&e)),
        }
    });
    let save = move |return_id: String| {
        let input = ResponseInput {
            survey: "returns-desk".into(),
            channel: "pos".into(),
            return_id: Some(return_id),
            answers: answers.get_untracked(),
            finished: true,
            ..Default::default()
        };
        spawn_local(async move {
            match api::send(&cmd::RecordSurveyResponse { input }).await {
                Ok(_) => state.set(t().fb.desk_saved.to_string()),
                Err(e) => state.set(error_text(&e)),
            }
        })
    };
    let rid = return_id.clone();
    let key = move |ev: leptos::ev::KeyboardEvent| {
        let Some(d) = def.get_untracked() else { return };
        let i = step.get_untracked();
        let Some(q) = d.questions.get(i) else { return };
        let k = ev.key();
        let answer = if k == "Escape" || k == "0" {
            Some(Answer::Skipped)
        } else if let Ok(n) = k.parse::<usize>() {
            match &q.kind {
                QuestionKind::SingleChoice { options } => options
                    .get(n.wrapping_sub(1))
                    .map(|o| Answer::Choice(o.code.clone())),
                QuestionKind::Csat { scale_max } if (1..=*scale_max as usize).contains(&n) => {
                    Some(Answer::Score(n as u8))
                }
                _ => None,
            }
        } else {
            None
        };
        if let Some(a) = answer {
            ev.prevent_default();
            answers.update(|m| {
                m.insert(q.key.clone(), a);
            });
            step.set(i + 1);
            if i + 1 == d.questions.len() {
                save(rid.clone());
            }
        }
    };
    view! {
        <div class="card desk-survey" id="desk-survey" tabindex="0" autofocus=true on:keydown=key>
            {move || def.get().map(|d| {
                let i = step.get();
                match d.questions.get(i) {
                    None => view! { <p class="ok" id="desk-done">{move || state.get()}</p> }.into_any(),
                    Some(q) => {
                        let options: Vec<String> = match &q.kind {
                            QuestionKind::SingleChoice { options } => options.iter().map(|o| o.label.clone()).collect(),
                            QuestionKind::Csat { scale_max } => (1..=*scale_max).map(|n| n.to_string()).collect(),
                            _ => Vec::new(),
                        };
                        view! {
                            <p><b id="desk-question">{q.label.clone()}</b>" "<span class="muted">{t().fb.desk_keys}</span></p>
                            <ol class="desk-options">{options.into_iter().map(|o| view! { <li>{o}</li> }).collect_view()}</ol>
                        }.into_any()
                    }
                }
            })}
            <p class="error" id="desk-error">{move || (!state.get().is_empty() && def.get().is_none()).then(|| state.get())}</p>
        </div>
    }
}

/// The customer-facing kiosk for order `order`: the in-store NPS with large buttons, the
/// follow-up for those the survey asks, thanks; nothing of the staff or the till shows, and
/// only `staff`'s PIN leaves it.
#[component]
pub(crate) fn Kiosk(
    order: String,
    staff: String,
    on_exit: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let def = RwSignal::new(None::<backroom_domain::survey::SurveyDefinition>);
    let score = RwSignal::new(None::<u8>);
    let comment = RwSignal::new(String::new());
    let done = RwSignal::new(false);
    let error = RwSignal::new(String::new());
    let asking_pin = RwSignal::new(false);
    let pin = RwSignal::new(String::new());
    let pin_error = RwSignal::new(String::new());
    let o = order.clone();
    spawn_local(async move {
        match api::send(&cmd::DefineSurveyTemplate {
            key: "in-store-nps".into(),
        })
        .await
        {
            Ok(s) => {
                def.set(Some(s.definition));
                let _ = api::send(&cmd::RecordSurveyDisplay {
                    survey: "in-store-nps".into(),
                    channel: "kiosk".into(),
                    order: Some(o),
                })
                .await;
            }
            Err(e) => error.set(error_text(&e)),
        }
    });
    let send = move |with_comment: bool| {
        let Some(s) = score.get_untracked() else {
            return;
        };
        let mut answers = BTreeMap::new();
        answers.insert("nps".to_string(), Answer::Score(s));
        let c = comment.get_untracked();
        if with_comment && !c.trim().is_empty() {
            answers.insert("comment".to_string(), Answer::Text(c.trim().to_string()));
        } else if s <= 8 {
            answers.insert("comment".to_string(), Answer::Skipped);
        }
        let input = ResponseInput {
            survey: "in-store-nps".into(),
            channel: "kiosk".into(),
            order: Some(order.clone()),
            answers,
            finished: true,
            ..Default::default()
        };
        spawn_local(async move {
            match api::send(&cmd::RecordSurveyResponse { input }).await {
                Ok(_) => done.set(true),
                Err(e) => error.set(error_text(&e)),
            }
        })
    };
    let send_c = send.clone();
    let unlock = move || {
        let request = cmd::SignIn {
            name: staff.clone(),
            pin: pin.get_untracked(),
        };
        spawn_local(async move {
            match api::send(&request).await {
                Ok(_) => on_exit(),
                Err(e) => {
                    pin.set(String::new());
                    pin_error.set(error_text(&e));
                }
            }
        })
    };
    let unlock_k = unlock.clone();
    view! {
        <div class="kiosk" id="kiosk">
            {move || {
                let question = def.get().and_then(|d| d.questions.first().map(|q| q.label.clone())).unwrap_or_default();
                let follow = def.get().and_then(|d| d.questions.get(1).map(|q| q.label.clone())).unwrap_or_default();
                if done.get() {
                    view! { <h1 id="kiosk-thanks">{t().fb.kiosk_thanks}</h1> }.into_any()
                } else if let Some(s) = score.get().filter(|s| *s <= 8) {
                    let send = send_c.clone();
                    let send2 = send_c.clone();
                    view! {
                        <h1>{follow}</h1>
                        <p class="kiosk-chosen">{(t().fb.kiosk_you_chose)(s)}</p>
                        <textarea id="kiosk-comment" rows="4" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                        <div class="kiosk-actions">
                            <button id="kiosk-send" class="primary" on:click=move |_| send(true)>{t().fb.kiosk_send}</button>
                            <button id="kiosk-skip" on:click=move |_| send2(false)>{t().fb.kiosk_skip}</button>
                        </div>
                    }.into_any()
                } else {
                    let send = send_c.clone();
                    view! {
                        <h1 id="kiosk-question">{question}</h1>
                        <div class="kiosk-scores">
                            {(0..=10u8).map(|n| {
                                let send = send.clone();
                                view! { <button class="kiosk-score" id=format!("kiosk-score-{n}") on:click=move |_| {
                                    score.set(Some(n));
                                    if n > 8 { send(false) }
                                }>{n}</button> }
                            }).collect_view()}
                        </div>
                        <div class="kiosk-ends"><span>{t().fb.kiosk_unlikely}</span><span>{t().fb.kiosk_likely}</span></div>
                    }.into_any()
                }
            }}
            <p class="error" id="kiosk-error">{move || error.get()}</p>
            <div class="kiosk-staff">
                {move || if asking_pin.get() {
                    let unlock = unlock_k.clone();
                    let unlock2 = unlock_k.clone();
                    view! {
                        <input id="kiosk-pin" type="password" inputmode="numeric" autofocus=true placeholder=t().fb.kiosk_pin
                            prop:value=move || pin.get() on:input=move |ev| pin.set(event_target_value(&ev))
                            on:keydown=move |ev| if ev.key() == "Enter" { unlock() }/>
                        <button id="kiosk-unlock" on:click=move |_| unlock2()>{t().fb.kiosk_unlock}</button>
                        <span class="error" id="kiosk-pin-error">{move || pin_error.get()}</span>
                    }.into_any()
                } else {
                    view! { <button id="kiosk-staff" on:click=move |_| asking_pin.set(true)>{t().fb.kiosk_staff}</button> }.into_any()
                }}
            </div>
        </div>
    }
}
