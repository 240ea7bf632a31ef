//! `backroom survey …` and the feedback reports (`report nps|csat|ces|reasons|themes|funnel`):
//! every number a dashboard shows, reproduced headless (issue 16). Each command decodes its
//! arguments, calls one use-case of the store and prints the answer (text, or `--json`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context};
use backroom_domain::feedback::format_milli as milli;
use backroom_domain::feedback::NpsBucket;
use backroom_domain::survey::{Answer, SurveyDefinition};
use backroom_domain::themes::ThemeRule;
use backroom_store::{FeedbackFilter, ResponseInput, ResponseQuery, Store};
use clap::{Args, Subcommand};

use crate::output::Out;

/// The period and scope of a feedback report.
#[derive(Args, Clone)]
pub struct Scope {
    /// First store day (`2026-11-01`).
    #[arg(long)]
    pub from: String,
    /// Last store day, included.
    #[arg(long)]
    pub to: String,
    /// One store's responses (its code), at head office.
    #[arg(long)]
    pub store: Option<String>,
    /// One survey (its key).
    #[arg(long)]
    pub survey: Option<String>,
}

impl Scope {
    fn filter(&self) -> FeedbackFilter {
        FeedbackFilter {
            from: self.from.clone(),
            to: self.to.clone(),
            store: self.store.clone(),
            survey: self.survey.clone(),
        }
    }
}

#[derive(Subcommand)]
pub enum SurveyCmd {
    /// The ready-made surveys (`--json` prints their definitions to start from).
    Templates,
    /// Define a survey (or its next version) from a template key or a JSON definition file.
    Define {
        /// A template's key (`survey templates` lists them).
        #[arg(long, conflicts_with = "file")]
        template: Option<String>,
        /// A JSON definition (the shape `survey templates --json` prints).
        #[arg(long)]
        file: Option<PathBuf>,
        /// `active` (takes responses) or `paused`.
        #[arg(long, default_value = "active")]
        status: String,
    },
    /// Every survey with its version, status and public key.
    List,
    /// Record a response: `survey answer in-store-nps nps=9 comment="Quick and friendly"`.
    /// A score is a number, a choice its code, several choices `a,b`, `-` skips.
    Answer {
        survey: String,
        /// QUESTION=VALUE pairs.
        answers: Vec<String>,
        #[arg(long, default_value = "pos")]
        channel: String,
        /// The order it is about (receipt number or id).
        #[arg(long)]
        order: Option<String>,
        /// The return it is about (its id).
        #[arg(long = "return")]
        return_id: Option<String>,
        /// Continue a partial response (its id).
        #[arg(long)]
        id: Option<String>,
        /// The sender's idempotency key.
        #[arg(long, default_value = "")]
        external_id: String,
        /// Leave the response open for more answers.
        #[arg(long)]
        partial: bool,
    },
    /// Record that a survey was shown (the response rate's denominator).
    Display {
        survey: String,
        #[arg(long, default_value = "pos")]
        channel: String,
        #[arg(long)]
        order: Option<String>,
    },
    /// The responses in scope as CSV (or `--json`), with the drill-down's filters.
    Export {
        #[command(flatten)]
        scope: Scope,
        /// promoter, passive or detractor.
        #[arg(long)]
        bucket: Option<String>,
        /// A theme code.
        #[arg(long)]
        theme: Option<String>,
        /// A staff member's name.
        #[arg(long)]
        staff: Option<String>,
        /// Words in a comment.
        #[arg(long)]
        text: Option<String>,
    },
    /// The theme rules in force.
    Themes,
    /// Add or change a theme rule: CODE NAME TERM… (`--retire` to switch it off).
    Theme {
        code: String,
        name: String,
        terms: Vec<String>,
        #[arg(long)]
        retire: bool,
        /// Accepting a suggested theme.
        #[arg(long)]
        suggested: bool,
    },
}

fn parse_answer(text: &str) -> anyhow::Result<(String, Answer)> {
    let Some((k, v)) = text.split_once('=') else {
        bail!("answers: '{text}' is not QUESTION=VALUE");
    };
    let v = v.trim();
    let a = if v == "-" {
        Answer::Skipped
    } else if let Ok(n) = v.parse::<u8>() {
        Answer::Score(n)
    } else if v.contains(',') && !v.contains(' ') {
        Answer::Choices(v.split(',').map(|c| c.trim().to_string()).collect())
    } else if !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        Answer::Choice(v.to_string())
    } else {
        Answer::Text(v.to_string())
    };
    Ok((k.trim().to_string(), a))
}

/// Reads a free-text answer given to a choice question back as text: the store checks it
/// against the question, so `comment=great` (one word) is sent as text when the question is
/// open text.
fn fit(store: &Store, survey: &str, key: &str, a: Answer) -> anyhow::Result<Answer> {
    let def = store.survey(survey)?.map(|s| s.definition);
    let open_text = def
        .as_ref()
        .and_then(|d| d.question(key))
        .is_some_and(|q| q.type_name() == "open_text");
    Ok(match a {
        Answer::Choice(c) if open_text => Answer::Text(c),
        Answer::Score(n) if open_text => Answer::Text(n.to_string()),
        other => other,
    })
}

pub fn survey(store: &mut Store, out: &Out, cmd: SurveyCmd) -> anyhow::Result<()> {
    match cmd {
        SurveyCmd::Templates => {
            let t = store.survey_templates();
            let text = t
                .iter()
                .map(|s| {
                    format!(
                        "{:<22} {:<14} {} ({} questions)",
                        s.key,
                        serde_json::to_value(s.kind)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        s.title,
                        s.questions.len()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.value(&t, &text)
        }
        SurveyCmd::Define {
            template,
            file,
            status,
        } => {
            let def: SurveyDefinition = match (template, file) {
                (Some(key), _) => store
                    .survey_templates()
                    .into_iter()
                    .find(|t| t.key == key)
                    .with_context(|| format!("template: no template '{key}'"))?,
                (None, Some(path)) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    serde_json::from_str(&text).with_context(|| {
                        format!("file: {} is not a survey definition", path.display())
                    })?
                }
                (None, None) => bail!("template: give --template KEY or --file DEFINITION.json"),
            };
            let v = store.define_survey(def, &status)?;
            out.value(
                &v,
                &format!(
                    "{} version {} ({}), public key {}",
                    v.key, v.version, v.status, v.public_key
                ),
            )
        }
        SurveyCmd::List => {
            let all = store.surveys()?;
            let text = if all.is_empty() {
                "no surveys (survey define --template in-store-nps)".to_string()
            } else {
                all.iter()
                    .map(|s| {
                        format!(
                            "{:<22} v{:<3} {:<7} {:<14} {}  {}",
                            s.key, s.version, s.status, s.kind, s.public_key, s.title
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            out.value(&all, &text)
        }
        SurveyCmd::Answer {
            survey,
            answers,
            channel,
            order,
            return_id,
            id,
            external_id,
            partial,
        } => {
            let mut map = BTreeMap::new();
            for a in &answers {
                let (k, v) = parse_answer(a)?;
                let v = fit(store, &survey, &k, v)?;
                map.insert(k, v);
            }
            let id = store.record_response(ResponseInput {
                id,
                survey,
                external_id,
                channel,
                order,
                return_id,
                answers: map,
                finished: !partial,
                meta: BTreeMap::new(),
            })?;
            out.value(&serde_json::json!({ "id": id }), &format!("response {id}"))
        }
        SurveyCmd::Display {
            survey,
            channel,
            order,
        } => {
            let id = store.record_display(&survey, &channel, order.as_deref())?;
            out.value(&serde_json::json!({ "id": id }), &format!("display {id}"))
        }
        SurveyCmd::Export {
            scope,
            bucket,
            theme,
            staff,
            text,
        } => {
            let bucket = match bucket.as_deref() {
                None => None,
                Some("promoter") => Some(NpsBucket::Promoter),
                Some("passive") => Some(NpsBucket::Passive),
                Some("detractor") => Some(NpsBucket::Detractor),
                Some(other) => bail!("bucket: '{other}' is not promoter, passive or detractor"),
            };
            let q = ResponseQuery {
                filter: scope.filter(),
                bucket,
                theme,
                staff,
                text,
                limit: usize::MAX / 2,
            };
            if out.json {
                out.value(&store.responses(&q)?, "")
            } else {
                print!("{}", store.export_responses_csv(&q)?);
                Ok(())
            }
        }
        SurveyCmd::Themes => {
            let rules = store.theme_rules()?;
            let text = rules
                .iter()
                .map(|t| {
                    format!(
                        "{:<16} {:<22} {:<9} {}{}",
                        t.rule.code,
                        t.rule.name,
                        t.origin,
                        t.rule.terms.join(", "),
                        if t.active { "" } else { "  (retired)" }
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.value(&rules, &text)
        }
        SurveyCmd::Theme {
            code,
            name,
            terms,
            retire,
            suggested,
        } => {
            store.set_theme(
                ThemeRule { code, name, terms },
                !retire,
                if suggested { "suggested" } else { "manual" },
            )?;
            out.done("theme set; every comment tagged again")
        }
    }
}

pub fn nps(store: &Store, out: &Out, scope: &Scope) -> anyhow::Result<()> {
    let v = store.nps_report(&scope.filter())?;
    let mut text = if v.nps.n() == 0 {
        format!("NPS: no answers ({} skipped)", v.nps.skipped)
    } else {
        format!(
            "NPS {} ±{}  n {} (promoters {}, passives {}, detractors {}; skipped {})",
            milli(v.score_milli),
            milli(v.margin_milli),
            v.nps.n(),
            v.nps.promoters,
            v.nps.passives,
            v.nps.detractors,
            v.nps.skipped
        )
    };
    text.push_str(&format!(
        "\nprevious period: {} (n {}){}",
        milli(v.previous_score_milli),
        v.previous.n(),
        match v.differs {
            Some(true) => ", a real change at 95 %",
            Some(false) => ", within noise at 95 %",
            None => "",
        }
    ));
    for (day, n) in &v.by_day {
        text.push_str(&format!(
            "\n  {day}  {:>6}  n {}",
            milli(n.score_milli()),
            n.n()
        ));
    }
    out.value(&v, &text)
}

pub fn scores(store: &Store, out: &Out, scope: &Scope, kind: &str) -> anyhow::Result<()> {
    let rows: Vec<_> = store
        .score_report(&scope.filter())?
        .into_iter()
        .filter(|r| r.question_type == kind)
        .collect();
    let what = if kind == "ces" { "easy" } else { "satisfied" };
    let text = if rows.is_empty() {
        format!(
            "no {} questions answered in this period",
            kind.to_uppercase()
        )
    } else {
        rows.iter()
            .map(|r| {
                format!(
                    "{}/{}  {} % {what}  mean {}{}  n {} (skipped {})",
                    r.survey,
                    r.question,
                    milli(r.score_milli),
                    milli(r.mean_milli),
                    r.nes_milli
                        .map(|n| format!("  NES {}", milli(Some(n))))
                        .unwrap_or_default(),
                    r.answered,
                    r.skipped
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    out.value(&rows, &text)
}

pub fn reasons(store: &Store, out: &Out, scope: &Scope) -> anyhow::Result<()> {
    let rows = store.reasons_report(&scope.filter())?;
    let text = if rows.is_empty() {
        "no reasons given in this period".to_string()
    } else {
        rows.iter()
            .map(|r| {
                format!(
                    "{}/{}  {:<18} {:>5}  {:>6} %  {}",
                    r.survey,
                    r.question,
                    r.code,
                    r.n,
                    milli(Some(r.share_milli)),
                    r.label
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    out.value(&rows, &text)
}

pub fn funnel(store: &Store, out: &Out, scope: &Scope) -> anyhow::Result<()> {
    let rows = store.funnel_report(&scope.filter())?;
    let text = rows
        .iter()
        .map(|(k, f)| {
            format!(
                "{k:<22} displays {}  started {}  finished {}  completion {} %  drop-off {} %",
                f.displays,
                f.started,
                f.finished,
                milli(f.completion_rate_milli()),
                milli(f.drop_off_milli())
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    out.value(&rows, &text)
}

pub fn themes(store: &Store, out: &Out, scope: &Scope) -> anyhow::Result<()> {
    let v = store.themes_report(&scope.filter())?;
    let mut text = format!("{} comments", v.commented);
    text.push_str("\nthemes:");
    for t in &v.themes {
        text.push_str(&format!(
            "\n  {:<22} {:>5}  {:>6} %  NPS {:>6}  impact {}",
            t.name,
            t.n,
            milli(Some(t.share_milli)),
            milli(t.nps_milli),
            milli(t.impact_milli)
        ));
    }
    text.push_str("\ntop terms:");
    for t in &v.top_terms {
        text.push_str(&format!("\n  {:<22} {:>5}", t.label, t.df));
    }
    text.push_str("\ndetractors vs promoters (z > 0: detractors'):");
    for c in &v.detractors_vs_promoters {
        text.push_str(&format!(
            "\n  {:<22} {:>6.1}  ({} vs {})",
            c.label, c.z, c.df_a, c.df_b
        ));
    }
    text.push_str("\nsuggested themes:");
    for t in &v.suggestions {
        text.push_str(&format!("\n  {:<22} {:>5}", t.label, t.df));
    }
    out.value(&v, &text)
}

/// `12.5 %` from thousandths of a percent, `-` without a base.
fn pct(v: Option<i64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{} %", milli(Some(v))))
}

/// NPS and its n, or `no answers`.
fn nps_text(n: &backroom_api::sales::GroupNps) -> String {
    match n.score_milli {
        Some(s) => format!("NPS {} (n {})", milli(Some(s)), n.n),
        None => "no answers".to_string(),
    }
}

/// The dashboard's sales figures as `report sales` prints them after its own.
pub fn sales_text(d: &backroom_api::sales::SalesDashboard) -> String {
    let m = |v: i64| backroom_domain::money::format_minor(v, d.exponent);
    let mo = |v: Option<i64>| v.map_or_else(|| "-".to_string(), m);
    let k = &d.kpis;
    let p = &d.previous;
    let mut t = format!(
        "\n\ndashboard {} .. {}{}\n  revenue {} (previous {})  orders {} (previous {})\n  AOV {} (previous {})  units per transaction {}  discounts {}\n  returned items {}  refunded {}  return rate {}\n  margin {}  ({} of costed revenue; cost known for {} of revenue)",
        d.filter.from,
        d.filter.to,
        d.filter.store.as_deref().map(|s| format!(" store {s}")).unwrap_or_default(),
        m(k.total),
        m(p.total),
        k.orders,
        p.orders,
        mo(k.aov),
        mo(p.aov),
        k.upt_milli.map_or_else(|| "-".into(), |u| milli(Some(u))),
        m(k.discounts),
        k.returned_items,
        m(k.refunded),
        pct(k.return_rate_milli),
        mo(k.margin),
        pct(k.margin_milli),
        pct(k.costed_share_milli),
    );
    t.push_str("\nbest sellers (net revenue):");
    for p in &d.top_products {
        t.push_str(&format!(
            "\n  {:<30} {:>5} items {:>12}  margin {:>10}  returned {:>3}  {}",
            p.title,
            p.items,
            m(p.net),
            mo(p.margin),
            p.returned_items,
            nps_text(&p.nps)
        ));
    }
    t.push_str("\nmost returned:");
    for p in &d.most_returned {
        let why: Vec<String> = p
            .return_reasons
            .iter()
            .map(|(_, label, n)| format!("{label} {n}"))
            .collect();
        t.push_str(&format!(
            "\n  {:<30} {:>3} of {:>4} items  {}  ({})",
            p.title,
            p.returned_items,
            p.items,
            nps_text(&p.nps),
            why.join(", ")
        ));
    }
    t.push_str("\ncategories:");
    for c in &d.categories {
        let name = if c.category.is_empty() {
            "Uncategorised"
        } else {
            &c.category
        };
        t.push_str(&format!(
            "\n  {name:<30} {:>5} items {:>12}",
            c.items,
            m(c.net)
        ));
    }
    t.push_str("\nreturn reasons:");
    for r in &d.return_reasons {
        t.push_str(&format!(
            "\n  {:<20} {:>4} items ({})  refunded {}",
            r.label,
            r.items,
            pct(Some(r.share_milli)),
            m(r.refunded)
        ));
    }
    t.push_str("\nrefunds by tender:");
    for (tender, v) in &d.refunds_by_tender {
        t.push_str(&format!("\n  {tender:<20} {:>12}", m(*v)));
    }
    for (title, rows) in [("by staff", &d.by_staff), ("by store", &d.by_store)] {
        if rows.is_empty() {
            continue;
        }
        t.push_str(&format!("\n{title}:"));
        for g in rows {
            t.push_str(&format!(
                "\n  {:<20} {:>5} orders {:>12}  AOV {}  {}",
                g.name,
                g.orders,
                m(g.total),
                mo(g.aov),
                nps_text(&g.nps)
            ));
        }
    }
    if let Some(peak) = d.heat.iter().max_by_key(|c| (c.orders, c.total)) {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        t.push_str(&format!(
            "\nbusiest hour: {} {:02}:00 ({} orders)",
            DAYS[usize::from(peak.weekday.min(6))],
            peak.hour,
            peak.orders
        ));
    }
    t
}

/// `report fbt`'s table.
pub fn fbt_text(f: &backroom_api::sales::FrequentlyBoughtTogether) -> String {
    let mut t = format!(
        "bought with {} ({} of {} orders since {}):",
        f.title, f.orders, f.all_orders, f.since
    );
    if f.items.is_empty() {
        t.push_str(
            "\n  nothing yet (no product in two or more of its orders more often than chance)",
        );
    }
    for i in &f.items {
        t.push_str(&format!(
            "\n  {:<30} {:<14} together {:>4}  support {}  confidence {}  lift {}",
            i.title,
            i.sku,
            i.together,
            pct(Some(i.support_milli)),
            pct(Some(i.confidence_milli)),
            milli(Some(i.lift_milli)),
        ));
    }
    t
}

#[derive(Subcommand)]
pub enum AlertCmd {
    /// Evaluate every rule now (fires what is new, once per cooldown) and list the open alerts.
    Check,
    /// The alerts fired here: the open ones, or `--all` (the last 200).
    List {
        #[arg(long)]
        all: bool,
    },
    /// Acknowledge an open alert (audited under the signed-in staff member).
    Ack { id: String },
    /// Every rule with its settings.
    Rules,
    /// Change a rule: KIND with any of the settings (the others are kept).
    Rule {
        kind: String,
        /// NPS points, a % or a ratio (e.g. `-10`, `70`, `2`), as the rule reads it.
        #[arg(long, allow_hyphen_values = true)]
        threshold: Option<String>,
        #[arg(long)]
        min_n: Option<u64>,
        #[arg(long)]
        window_days: Option<u32>,
        #[arg(long)]
        cooldown_hours: Option<u32>,
        /// `on` or `off`.
        #[arg(long)]
        active: Option<String>,
    },
}

fn alerts_text(list: &[backroom_api::alerts::AlertView]) -> String {
    if list.is_empty() {
        return "no open alerts".to_string();
    }
    list.iter()
        .map(|a| {
            let state = match (&a.acknowledged_by, a.acknowledged_at) {
                (Some(who), Some(_)) => format!("  (acknowledged by {who})"),
                _ => String::new(),
            };
            format!(
                "{}  {}  {}{}\n    {}",
                a.id, a.fired_local, a.title, state, a.evidence
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn alert(store: &mut Store, out: &Out, cmd: AlertCmd) -> anyhow::Result<()> {
    match cmd {
        AlertCmd::Check => {
            let open = store.evaluate_alerts()?;
            out.value(&open, &alerts_text(&open))
        }
        AlertCmd::List { all } => {
            let list = store.alerts(all)?;
            out.value(&list, &alerts_text(&list))
        }
        AlertCmd::Ack { id } => {
            store.acknowledge_alert(&id)?;
            out.done("acknowledged")
        }
        AlertCmd::Rules => {
            let rules = store.alert_rules()?;
            let text = rules
                .iter()
                .map(|r| {
                    format!(
                        "{:<20} {:<3} threshold {:>8}  min n {:>3}  window {:>3} days  cooldown {:>4} h",
                        r.kind,
                        if r.active { "on" } else { "off" },
                        milli(Some(r.threshold_milli)),
                        r.min_n,
                        r.window_days,
                        r.cooldown_hours
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            out.value(&rules, &text)
        }
        AlertCmd::Rule {
            kind,
            threshold,
            min_n,
            window_days,
            cooldown_hours,
            active,
        } => {
            let mut rule = store
                .alert_rules()?
                .into_iter()
                .find(|r| r.kind == kind)
                .with_context(|| format!("kind: no alert rule '{kind}'"))?;
            if let Some(t) = threshold {
                rule.threshold_milli = backroom_domain::money::parse_minor(&t, 3, "threshold")
                    .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?;
            }
            if let Some(n) = min_n {
                rule.min_n = n;
            }
            if let Some(d) = window_days {
                rule.window_days = d;
            }
            if let Some(h) = cooldown_hours {
                rule.cooldown_hours = h;
            }
            if let Some(a) = active {
                rule.active = match a.as_str() {
                    "on" => true,
                    "off" => false,
                    other => bail!("active: '{other}' is not on or off"),
                };
            }
            store.set_alert_rule(rule)?;
            out.done("rule set")
        }
    }
}
