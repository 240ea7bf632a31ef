//! Customer feedback (issue 16): surveys, displays, responses, theme rules, their daily
//! rollups and the reports read from them.
//!
//! Every fact is an op (`survey.defined`, `survey.displayed`, `survey.responded`,
//! `theme.set`), written here by the use-cases and applied by [`crate::apply`] from other
//! tills and the server through the same functions ([`apply_defined`], [`apply_displayed`],
//! [`apply_response`], [`apply_theme`]), so a till, head office and the server count alike.
//!
//! - **Answers** are the typed source of truth (`survey_answer`, one row per response ×
//!   question). Each is a last-writer-wins register `("survey_answer", "{response}/{question}")`,
//!   so the parts of a partial response, retried or out of order, settle on one row.
//! - **Rollups** (`feedback_daily`, `feedback_choice_daily`, `feedback_funnel_daily`) change in
//!   the same transaction as the answer they count: an answer replaced is subtracted, its
//!   successor added. [`rollup_mismatches`] recomputes them from the answers for `check`.
//! - **Themes**: the built-in [`seed_rules`] overlaid by the chain's own `theme` rows; each
//!   open-text answer is tagged on ingest, and every answer is tagged again when a rule changes.
//! - **Days** are the store's own (`local_day`, in the store's time zone, fixed when a response
//!   is first written: research/surveys.md §3 design note 2).

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use backroom_domain::feedback::{percent_milli, Ces, Csat, Funnel, Nps, NpsBucket};
use backroom_domain::staff::Permission;
use backroom_domain::survey::{Answer, QuestionKind, SurveyDefinition};
use backroom_domain::themes::{self, seed_rules, Analyzer, ThemeRule};
use backroom_sync::body::{
    AnswerFact, SurveyDefinedV1, SurveyDisplayedV1, SurveyRespondedV1, ThemeSetV1,
};
use backroom_sync::wire::OpEnvelope;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

pub use backroom_api::feedback::{
    FeedbackDashboard, FeedbackFilter, NpsView, ReasonView, ResponseInput, ResponseQuery,
    ResponseView, ScoreView, SurveyView, ThemeStat, ThemeView, ThemesView,
};

use crate::apply::{take_register, Applied};
use crate::auth::authorize;
use crate::uow::Change;
use crate::{Store, StoreError, StoreResult};

/// Where a response came from: staff at the counter (`pos`), the customer-facing `kiosk`, a
/// web storefront (`web`) or another system (`api`).
pub const CHANNELS: &[&str] = &["pos", "kiosk", "web", "api"];

/// The fewest responses mentioning a term for it to rank (research/surveys.md §4.2 item 5).
pub const MIN_TERM_DF: u64 = 3;

/// The analyser every replica tags with (English; built once per process).
pub(crate) fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(Analyzer::english)
}

fn to_fact(a: &Answer) -> AnswerFact {
    match a {
        Answer::Score(v) => AnswerFact::Score(*v),
        Answer::Choice(c) => AnswerFact::Choice(c.clone()),
        Answer::Choices(c) => AnswerFact::Choices(c.clone()),
        Answer::Text(t) => AnswerFact::Text(t.clone()),
        Answer::Skipped => AnswerFact::Skipped,
    }
}

/// An answer as it travels, as the domain reads it (the server checks storefronts' answers
/// with it too).
pub fn answer_of(a: &AnswerFact) -> Answer {
    match a {
        AnswerFact::Score(v) => Answer::Score(*v),
        AnswerFact::Choice(c) => Answer::Choice(c.clone()),
        AnswerFact::Choices(c) => Answer::Choices(c.clone()),
        AnswerFact::Text(t) => Answer::Text(t.clone()),
        AnswerFact::Skipped => Answer::Skipped,
    }
}

fn bad_json(field: &str, e: serde_json::Error) -> StoreError {
    StoreError::invalid(field, "invalid", e.to_string())
}

/// The store's date of instant `ms` (`2026-11-30`).
pub(crate) fn local_day(conn: &Connection, ms: i64) -> StoreResult<String> {
    let tz = crate::local::store_zone(conn)?;
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(tz).date().to_string())
        .map_err(|e| StoreError::invalid("at", "invalid_time", e.to_string()))
}

/// The definition a response answered (`key` version `version`), if this replica has it.
pub(crate) fn definition(
    conn: &Connection,
    key: &str,
    version: u32,
) -> StoreResult<Option<SurveyDefinition>> {
    let text: Option<String> = conn
        .prepare_cached(
            "SELECT definition FROM survey_version WHERE survey_key = ?1 AND version = ?2",
        )?
        .query_row(params![key, version], |r| r.get(0))
        .optional()?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| bad_json("definition", e)))
        .transpose()
}

/// Applies `survey.defined`: every version is kept; the current one is the highest version
/// (ties: the later writer).
pub(crate) fn apply_defined(
    tx: &Connection,
    b: &SurveyDefinedV1,
    at: i64,
    wins: impl FnOnce(&str, std::cmp::Ordering) -> StoreResult<bool>,
) -> StoreResult<Applied> {
    let def: SurveyDefinition =
        serde_json::from_value(b.definition.clone()).map_err(|e| bad_json("definition", e))?;
    def.validate()?;
    let text = serde_json::to_string(&def).map_err(|e| bad_json("definition", e))?;
    tx.prepare_cached(
        // Two tills defining one version differently (offline) settle on the same text everywhere.
        "INSERT INTO survey_version (survey_key, version, definition) VALUES (?1, ?2, ?3)
         ON CONFLICT DO UPDATE SET definition = excluded.definition
         WHERE excluded.definition < survey_version.definition",
    )?
    .execute(params![def.key, def.version, text])?;
    let current: Option<u32> = tx
        .prepare_cached("SELECT version FROM survey WHERE key = ?1")?
        .query_row([&def.key], |r| r.get(0))
        .optional()?;
    // The current definition is the highest version; of one version, the later writer's.
    if !wins(&def.key, def.version.cmp(&current.unwrap_or(0)))? {
        return Ok(Applied::Applied);
    }
    let kind = serde_json::to_value(def.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    tx.prepare_cached(
        "INSERT INTO survey (key, public_key, kind, title, version, status, definition, updated_at,
           allowed_origins)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (key) DO UPDATE SET public_key = min(survey.public_key, excluded.public_key),
           kind = excluded.kind,
           title = excluded.title, version = excluded.version, status = excluded.status,
           definition = excluded.definition, updated_at = excluded.updated_at,
           allowed_origins = excluded.allowed_origins",
    )?
    .execute(params![
        def.key,
        b.public_key,
        kind,
        def.title,
        def.version,
        b.status,
        text,
        at,
        serde_json::to_string(&b.allowed_origins).map_err(|e| bad_json("allowed_origins", e))?
    ])?;
    Ok(Applied::Applied)
}

/// Applies `survey.displayed` (once per display id) and counts it in the funnel.
pub(crate) fn apply_displayed(
    tx: &Connection,
    d: &SurveyDisplayedV1,
    device_id: &str,
) -> StoreResult<Applied> {
    let n = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO survey_display (id, survey_key, channel, device_id, local_day, order_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![d.id, d.survey, d.channel, device_id, d.local_day, d.order_id])?;
    if n > 0 {
        funnel(tx, &d.local_day, &d.survey, device_id, (1, 0, 0))?;
    }
    Ok(Applied::Applied)
}

fn funnel(
    tx: &Connection,
    day: &str,
    survey: &str,
    device: &str,
    (displays, started, finished): (i64, i64, i64),
) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO feedback_funnel_daily (local_day, survey_key, device_id, displays, started, finished)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT DO UPDATE SET displays = displays + excluded.displays,
           started = started + excluded.started, finished = finished + excluded.finished",
    )?
    .execute(params![day, survey, device, displays, started, finished])?;
    Ok(())
}

/// A stored answer, as the rollups count it.
#[derive(Debug, Clone, Default, PartialEq)]
struct AnswerRow {
    question_type: String,
    skipped: bool,
    score: Option<u8>,
    bucket: Option<NpsBucket>,
    top: bool,
    bottom: bool,
    choices: Vec<String>,
}

impl AnswerRow {
    fn of(def: &SurveyDefinition, question: &str, a: &Answer) -> AnswerRow {
        let q = def.question(question);
        let mut row = AnswerRow {
            question_type: q.map(|q| q.type_name()).unwrap_or("open_text").to_string(),
            ..AnswerRow::default()
        };
        match a {
            Answer::Skipped => row.skipped = true,
            Answer::Score(v) => {
                row.score = Some(*v);
                if let Some(q) = q {
                    let c = q.classify(*v);
                    (row.bucket, row.top, row.bottom) = (c.bucket, c.top, c.bottom);
                }
            }
            Answer::Choice(c) => row.choices = vec![c.clone()],
            Answer::Choices(c) => row.choices = c.clone(),
            Answer::Text(_) => {}
        }
        row
    }
}

fn bucket_name(b: NpsBucket) -> &'static str {
    match b {
        NpsBucket::Promoter => "promoter",
        NpsBucket::Passive => "passive",
        NpsBucket::Detractor => "detractor",
    }
}

fn bucket_of(name: &str) -> Option<NpsBucket> {
    match name {
        "promoter" => Some(NpsBucket::Promoter),
        "passive" => Some(NpsBucket::Passive),
        "detractor" => Some(NpsBucket::Detractor),
        _ => None,
    }
}

/// Adds (`sign` 1) or removes (−1) one answer's counts from the day's rollups.
fn rollup(
    tx: &Connection,
    key: (&str, &str, &str, &str),
    row: &AnswerRow,
    sign: i64,
) -> StoreResult<()> {
    let (day, survey, question, device) = key;
    let answered = i64::from(!row.skipped);
    let is = |b: NpsBucket| i64::from(row.bucket == Some(b)) * sign;
    tx.prepare_cached(
        "INSERT INTO feedback_daily (local_day, survey_key, question_key, device_id, answered,
           skipped, score_sum, promoters, passives, detractors, top, bottom, question_type)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT DO UPDATE SET answered = answered + excluded.answered,
           skipped = skipped + excluded.skipped, score_sum = score_sum + excluded.score_sum,
           promoters = promoters + excluded.promoters, passives = passives + excluded.passives,
           detractors = detractors + excluded.detractors, top = top + excluded.top,
           bottom = bottom + excluded.bottom",
    )?
    .execute(params![
        day,
        survey,
        question,
        device,
        answered * sign,
        i64::from(row.skipped) * sign,
        i64::from(row.score.unwrap_or(0)) * sign,
        is(NpsBucket::Promoter),
        is(NpsBucket::Passive),
        is(NpsBucket::Detractor),
        i64::from(row.top) * sign,
        i64::from(row.bottom) * sign,
        row.question_type,
    ])?;
    for code in &row.choices {
        tx.prepare_cached(
            "INSERT INTO feedback_choice_daily (local_day, survey_key, question_key, device_id, code, n)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT DO UPDATE SET n = n + excluded.n",
        )?
        .execute(params![day, survey, question, device, code, sign])?;
    }
    Ok(())
}

fn stored_answer(
    tx: &Connection,
    response: &str,
    question: &str,
) -> StoreResult<Option<(AnswerRow, Answer)>> {
    let row: Option<(String, String, Option<String>, i64, i64)> = tx
        .prepare_cached(
            "SELECT question_type, answer, nps_bucket, top, bottom FROM survey_answer
             WHERE response_id = ?1 AND question_key = ?2",
        )?
        .query_row(params![response, question], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((question_type, text, bucket, top, bottom)) = row else {
        return Ok(None);
    };
    let answer: Answer = serde_json::from_str(&text).map_err(|e| bad_json("answer", e))?;
    let mut r = AnswerRow {
        question_type,
        bucket: bucket.as_deref().and_then(bucket_of),
        top: top != 0,
        bottom: bottom != 0,
        ..AnswerRow::default()
    };
    match &answer {
        Answer::Skipped => r.skipped = true,
        Answer::Score(v) => r.score = Some(*v),
        Answer::Choice(c) => r.choices = vec![c.clone()],
        Answer::Choices(c) => r.choices = c.clone(),
        Answer::Text(_) => {}
    }
    Ok(Some((r, answer)))
}

/// The rules in force: the built-in seeds overlaid by the chain's own (same code replaces; an
/// inactive one retires it).
pub(crate) fn rules(conn: &Connection) -> StoreResult<Vec<ThemeView>> {
    let mut out: Vec<ThemeView> = seed_rules()
        .into_iter()
        .map(|rule| ThemeView {
            rule,
            origin: "seed".into(),
            active: true,
        })
        .collect();
    let mut stmt =
        conn.prepare_cached("SELECT code, name, terms, active, origin FROM theme ORDER BY code")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, bool>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    for row in rows {
        let (code, name, terms, active, origin) = row?;
        let terms: Vec<String> = serde_json::from_str(&terms).map_err(|e| bad_json("terms", e))?;
        let view = ThemeView {
            rule: ThemeRule { code, name, terms },
            origin,
            active,
        };
        match out.iter_mut().find(|v| v.rule.code == view.rule.code) {
            Some(v) => *v = view,
            None => out.push(view),
        }
    }
    Ok(out)
}

fn active_rules(conn: &Connection) -> StoreResult<Vec<ThemeRule>> {
    Ok(rules(conn)?
        .into_iter()
        .filter(|v| v.active)
        .map(|v| v.rule)
        .collect())
}

fn tag(
    tx: &Connection,
    rules: &[ThemeRule],
    response: &str,
    question: &str,
    text: Option<&str>,
) -> StoreResult<()> {
    tx.prepare_cached(
        "DELETE FROM survey_answer_theme WHERE response_id = ?1 AND question_key = ?2",
    )?
    .execute(params![response, question])?;
    if let Some(text) = text {
        for code in themes::themes_of(analyzer(), rules, text) {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO survey_answer_theme (response_id, question_key, theme_code)
                 VALUES (?1, ?2, ?3)",
            )?
            .execute(params![response, question, code])?;
        }
    }
    Ok(())
}

/// Applies `theme.set` and tags every comment again with the rules now in force.
pub(crate) fn apply_theme(
    tx: &Connection,
    t: &ThemeSetV1,
    at: i64,
    wins: bool,
) -> StoreResult<Applied> {
    if !wins {
        return Ok(Applied::Applied);
    }
    let terms = serde_json::to_string(&t.terms).map_err(|e| bad_json("terms", e))?;
    tx.prepare_cached(
        "INSERT INTO theme (code, name, terms, active, origin, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, terms = excluded.terms,
           active = excluded.active, origin = excluded.origin, updated_at = excluded.updated_at",
    )?
    .execute(params![t.code, t.name, terms, t.active, t.origin, at])?;
    tx.prepare_cached("DELETE FROM survey_answer_theme WHERE theme_code = ?1")?
        .execute([&t.code])?;
    if t.active {
        let rule = ThemeRule {
            code: t.code.clone(),
            name: t.name.clone(),
            terms: t.terms.clone(),
        };
        let texts: Vec<(String, String, String)> = tx
            .prepare(
                "SELECT response_id, question_key, text FROM survey_answer WHERE text IS NOT NULL",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut insert = tx.prepare(
            "INSERT OR IGNORE INTO survey_answer_theme (response_id, question_key, theme_code)
             VALUES (?1, ?2, ?3)",
        )?;
        for (response, question, text) in texts {
            let keys: HashSet<String> =
                analyzer().terms(&text).into_iter().map(|t| t.key).collect();
            if rule.matches(analyzer(), &keys) {
                insert.execute(params![response, question, t.code])?;
            }
        }
    }
    Ok(Applied::Applied)
}

/// Applies one `survey.responded` part written by `device_id`: the response row (created by
/// its first part; `finished` once any part finished it), then each answer whose register
/// `wins(question)` grants, with the rollups moved from the old answer to the new. `Deferred`
/// when the survey version it answered has not arrived yet.
pub(crate) fn apply_response(
    tx: &Connection,
    r: &SurveyRespondedV1,
    device_id: &str,
    at: i64,
    mut wins: impl FnMut(&str) -> StoreResult<bool>,
) -> StoreResult<Applied> {
    let Some(def) = definition(tx, &r.survey, r.survey_version)? else {
        return Ok(Applied::Deferred);
    };
    let existing: Option<(String, String, bool, String, u32)> = tx
        .prepare_cached(
            "SELECT local_day, device_id, finished, survey_key, survey_version FROM survey_response
             WHERE id = ?1",
        )?
        .query_row([&r.id], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })
        .optional()?;
    // A later part is read against the survey and version its response began with; a part
    // naming another survey changes nothing (the same everywhere).
    if existing.as_ref().is_some_and(|e| e.3 != r.survey) {
        return Ok(Applied::Applied);
    }
    let def = match existing.as_ref().map(|e| e.4) {
        Some(v) if v != r.survey_version => definition(tx, &r.survey, v)?.unwrap_or(def),
        _ => def,
    };
    if existing.is_some() {
        // Out of the per-product and per-staff NPS as it stood; back in below as it is now.
        crate::sales::roll_response_nps(tx, &r.id, -1)?;
    }
    let meta = serde_json::to_string(&r.meta).map_err(|e| bad_json("meta", e))?;
    // A sender's order reference is kept as sent and joined when read (the order may arrive
    // after the answer, on some replicas): every replica keeps the same row.
    let order_id = r.order_id.clone();
    let (day, device) = match existing {
        None => {
            tx.prepare_cached(
                "INSERT INTO survey_response (id, survey_key, survey_version, external_id, channel,
                   device_id, local_day, order_id, return_id, staff_id, finished, meta, created_at, updated_at,
                   order_ref)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14)",
            )?
            .execute(params![
                r.id,
                r.survey,
                r.survey_version,
                r.external_id,
                r.channel,
                device_id,
                r.local_day,
                order_id,
                r.return_id,
                r.staff_id,
                r.finished,
                meta,
                at,
                r.order_ref
            ])?;
            funnel(
                tx,
                &r.local_day,
                &r.survey,
                device_id,
                (0, 1, i64::from(r.finished)),
            )?;
            (r.local_day.clone(), device_id.to_string())
        }
        Some((day, device, finished, _, _)) => {
            tx.prepare_cached(
                "UPDATE survey_response SET finished = MAX(finished, ?2),
                   order_id = COALESCE(order_id, ?3), return_id = COALESCE(return_id, ?4),
                   staff_id = COALESCE(staff_id, ?5), updated_at = MAX(updated_at, ?6)
                 WHERE id = ?1",
            )?
            .execute(params![
                r.id,
                r.finished,
                order_id,
                r.return_id,
                r.staff_id,
                at
            ])?;
            if r.finished && !finished {
                funnel(tx, &day, &r.survey, &device, (0, 0, 1))?;
            }
            (day, device)
        }
    };
    let mut theme_rules: Option<Vec<ThemeRule>> = None;
    for (question, fact) in &r.answers {
        let answer = answer_of(fact);
        // An answer that does not fit its question (a build that checked less) is left out,
        // the same on every replica; the use-cases and the server refuse it before it is written.
        if def
            .question(question)
            .is_none_or(|q| q.check(&answer, question).is_err())
        {
            continue;
        }
        if !wins(question)? {
            continue;
        }
        let key = (
            day.as_str(),
            r.survey.as_str(),
            question.as_str(),
            device.as_str(),
        );
        if let Some((old, _)) = stored_answer(tx, &r.id, question)? {
            rollup(tx, key, &old, -1)?;
        }
        let row = AnswerRow::of(&def, question, &answer);
        let text = match &answer {
            Answer::Text(t) => Some(t.as_str()),
            _ => None,
        };
        let single = match &answer {
            Answer::Choice(c) => Some(c.as_str()),
            _ => None,
        };
        let choices = match &answer {
            Answer::Choices(c) => {
                Some(serde_json::to_string(c).map_err(|e| bad_json("choices", e))?)
            }
            _ => None,
        };
        let answer_json = serde_json::to_string(&answer).map_err(|e| bad_json("answer", e))?;
        tx.prepare_cached(
            "INSERT OR REPLACE INTO survey_answer (response_id, question_key, question_type, answer,
               score, choice, choices, text, skipped, nps_bucket, top, bottom, terms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?
        .execute(params![
            r.id,
            question,
            row.question_type,
            answer_json,
            row.score,
            single,
            choices,
            text,
            row.skipped,
            row.bucket.map(bucket_name),
            row.top,
            row.bottom,
            text.map(|t| themes::encode_terms(&analyzer().terms(t)))
        ])?;
        rollup(tx, key, &row, 1)?;
        if text.is_some() || row.question_type == "open_text" {
            if theme_rules.is_none() {
                theme_rules = Some(active_rules(tx)?);
            }
            tag(
                tx,
                theme_rules.as_deref().unwrap_or(&[]),
                &r.id,
                question,
                text,
            )?;
        }
    }
    crate::sales::roll_response_nps(tx, &r.id, 1)?;
    Ok(Applied::Applied)
}

/// The rollups recomputed from the answers and displays, compared with the stored ones: one
/// line per row that differs (empty when they agree).
pub(crate) fn rollup_mismatches(conn: &Connection) -> StoreResult<Vec<String>> {
    let mut out = Vec::new();
    let diff = |sql: &str, what: &str, out: &mut Vec<String>| -> StoreResult<()> {
        let mut stmt = conn.prepare(sql)?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        for row in rows {
            out.push(format!("{what}: {}", row?));
        }
        Ok(())
    };
    diff(
        "WITH fresh AS (
           SELECT r.local_day, r.survey_key, a.question_key, r.device_id, a.question_type,
                  SUM(1 - a.skipped), SUM(a.skipped), SUM(COALESCE(a.score, 0)),
                  SUM(a.nps_bucket IS 'promoter'), SUM(a.nps_bucket IS 'passive'),
                  SUM(a.nps_bucket IS 'detractor'), SUM(a.top), SUM(a.bottom)
           FROM survey_answer a JOIN survey_response r ON r.id = a.response_id
           GROUP BY 1, 2, 3, 4, 5),
         kept AS (SELECT local_day, survey_key, question_key, device_id, question_type, answered,
                         skipped, score_sum, promoters, passives, detractors, top, bottom
                  FROM feedback_daily
                  WHERE answered <> 0 OR skipped <> 0 OR score_sum <> 0 OR top <> 0 OR bottom <> 0
                     OR promoters <> 0 OR passives <> 0 OR detractors <> 0)
         SELECT DISTINCT local_day || ' ' || survey_key || '/' || question_key || ' on ' || device_id FROM (
           SELECT * FROM (SELECT * FROM fresh EXCEPT SELECT * FROM kept)
           UNION ALL
           SELECT * FROM (SELECT * FROM kept EXCEPT SELECT * FROM fresh))",
        "feedback_daily differs from the answers",
        &mut out,
    )?;
    diff(
        "WITH fresh AS (
           SELECT r.local_day, r.survey_key, a.question_key, r.device_id, c.value AS code, COUNT(*) AS n
           FROM survey_answer a JOIN survey_response r ON r.id = a.response_id
           JOIN json_each(CASE WHEN a.choice IS NOT NULL THEN json_array(a.choice)
                               ELSE COALESCE(a.choices, '[]') END) c
           GROUP BY 1, 2, 3, 4, 5),
         kept AS (SELECT local_day, survey_key, question_key, device_id, code, n
                  FROM feedback_choice_daily WHERE n <> 0)
         SELECT DISTINCT local_day || ' ' || survey_key || '/' || question_key || '=' || code || ' on ' || device_id FROM (
           SELECT * FROM (SELECT * FROM fresh EXCEPT SELECT * FROM kept)
           UNION ALL
           SELECT * FROM (SELECT * FROM kept EXCEPT SELECT * FROM fresh))",
        "feedback_choice_daily differs from the answers",
        &mut out,
    )?;
    diff(
        "WITH keys AS (
           SELECT local_day, survey_key, device_id FROM survey_response
           UNION SELECT local_day, survey_key, device_id FROM survey_display),
         fresh AS (
           SELECT k.local_day, k.survey_key, k.device_id,
             (SELECT COUNT(*) FROM survey_display d WHERE d.local_day = k.local_day
                AND d.survey_key = k.survey_key AND d.device_id = k.device_id) AS displays,
             (SELECT COUNT(*) FROM survey_response r WHERE r.local_day = k.local_day
                AND r.survey_key = k.survey_key AND r.device_id = k.device_id) AS started,
             (SELECT COUNT(*) FROM survey_response r WHERE r.local_day = k.local_day
                AND r.survey_key = k.survey_key AND r.device_id = k.device_id AND r.finished = 1) AS finished
           FROM keys k),
         kept AS (SELECT * FROM feedback_funnel_daily WHERE displays <> 0 OR started <> 0 OR finished <> 0)
         SELECT DISTINCT local_day || ' ' || survey_key || ' on ' || device_id FROM (
           SELECT * FROM (SELECT * FROM fresh EXCEPT SELECT * FROM kept)
           UNION ALL
           SELECT * FROM (SELECT * FROM kept EXCEPT SELECT * FROM fresh))",
        "feedback_funnel_daily differs from the responses",
        &mut out,
    )?;
    Ok(out)
}

/// The rollups rebuilt from the answers and displays (what `check` compares them with).
pub(crate) fn rebuild_rollups(tx: &Connection) -> StoreResult<()> {
    tx.execute_batch(
        "DELETE FROM feedback_daily; DELETE FROM feedback_choice_daily; DELETE FROM feedback_funnel_daily;
         INSERT INTO feedback_daily (local_day, survey_key, question_key, device_id, answered, skipped,
             score_sum, promoters, passives, detractors, top, bottom, question_type)
           SELECT r.local_day, r.survey_key, a.question_key, r.device_id, SUM(1 - a.skipped),
             SUM(a.skipped), SUM(COALESCE(a.score, 0)), SUM(a.nps_bucket IS 'promoter'),
             SUM(a.nps_bucket IS 'passive'), SUM(a.nps_bucket IS 'detractor'), SUM(a.top), SUM(a.bottom),
             a.question_type
           FROM survey_answer a JOIN survey_response r ON r.id = a.response_id
           GROUP BY r.local_day, r.survey_key, a.question_key, r.device_id, a.question_type;
         INSERT INTO feedback_choice_daily (local_day, survey_key, question_key, device_id, code, n)
           SELECT r.local_day, r.survey_key, a.question_key, r.device_id, c.value, COUNT(*)
           FROM survey_answer a JOIN survey_response r ON r.id = a.response_id
           JOIN json_each(CASE WHEN a.choice IS NOT NULL THEN json_array(a.choice)
                               ELSE COALESCE(a.choices, '[]') END) c
           GROUP BY 1, 2, 3, 4, 5;
         INSERT INTO feedback_funnel_daily (local_day, survey_key, device_id, displays, started, finished)
           SELECT local_day, survey_key, device_id, SUM(d), SUM(s), SUM(f) FROM (
             SELECT local_day, survey_key, device_id, 1 AS d, 0 AS s, 0 AS f FROM survey_display
             UNION ALL
             SELECT local_day, survey_key, device_id, 0, 1, finished FROM survey_response)
           GROUP BY 1, 2, 3;",
    )?;
    Ok(())
}

/// A public key for a storefront: `pk_` and 24 hex digits from a fresh UUIDv7's random part.
fn public_key(id: &str) -> String {
    let hex: String = id.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    let tail = &hex[hex.len().saturating_sub(24)..];
    format!("pk_{tail}")
}

/// The previous period of the same length as `from..=to` (days).
pub(crate) fn previous_period(from: &str, to: &str) -> StoreResult<(String, String)> {
    let f = crate::local::parse_day(from, "from")?;
    let t = crate::local::parse_day(to, "to")?;
    let days = (t - f).get_days();
    let bad = |e: jiff::Error| StoreError::invalid("from", "invalid_date", e.to_string());
    let pt = f.yesterday().map_err(bad)?;
    let pf = pt
        .checked_sub(jiff::Span::new().days(i64::from(days)))
        .map_err(bad)?;
    Ok((pf.to_string(), pt.to_string()))
}

impl Store {
    /// The ready-made surveys (checkout abandonment, post-purchase NPS, returns desk, in-store
    /// NPS), as `survey define --template` starts from them.
    pub fn survey_templates(&self) -> Vec<SurveyDefinition> {
        backroom_domain::survey::templates()
    }

    /// Defines a survey, or its next version: `definition.version` must be above the current
    /// one (the same version only changes `status`, `active` or `paused`). Needs the catalogue
    /// permission (the owner or a manager). Copied to every store of the chain.
    pub fn define_survey(
        &mut self,
        definition: SurveyDefinition,
        status: &str,
    ) -> StoreResult<SurveyView> {
        let origins = self
            .survey(&definition.key)?
            .map(|s| s.allowed_origins)
            .unwrap_or_default();
        self.define_survey_for(definition, status, &origins)
    }

    /// [`Store::define_survey`] with the web origins allowed to post to the survey's public
    /// endpoints (`https://shop.example`; empty: any). An origin that is not
    /// `http(s)://host[:port]` is an error naming `allowed_origins[i]`.
    pub fn define_survey_for(
        &mut self,
        definition: SurveyDefinition,
        status: &str,
        allowed_origins: &[String],
    ) -> StoreResult<SurveyView> {
        definition.validate()?;
        let allowed_origins: Vec<String> = allowed_origins
            .iter()
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .collect();
        for (i, o) in allowed_origins.iter().enumerate() {
            let rest = o
                .strip_prefix("https://")
                .or_else(|| o.strip_prefix("http://"));
            if rest.is_none_or(|r| r.is_empty() || r.contains('/') || r.contains(' ')) {
                return Err(StoreError::invalid(
                    &format!("allowed_origins[{i}]"),
                    "invalid",
                    format!("'{o}' is not a web origin (https://shop.example)"),
                ));
            }
        }
        if !["active", "paused"].contains(&status) {
            return Err(StoreError::invalid(
                "status",
                "invalid",
                format!("'{status}' is not a survey status: active or paused"),
            ));
        }
        let current = self.survey(&definition.key)?;
        if let Some(c) = &current {
            // A question key keeps its type for good: reports add its answers across versions.
            for (i, q) in definition.questions.iter().enumerate() {
                if let Some(old) = c.definition.question(&q.key) {
                    if old.type_name() != q.type_name() {
                        return Err(StoreError::invalid(
                            &format!("questions[{i}].type"),
                            "changed",
                            format!(
                                "question '{}' was {}; a question of another type needs a new key",
                                q.key,
                                old.type_name()
                            ),
                        ));
                    }
                }
            }
            let same = c.definition == definition;
            if definition.version < c.version || (definition.version == c.version && !same) {
                return Err(StoreError::invalid(
                    "version",
                    "stale",
                    format!(
                        "survey '{}' is at version {}: a changed definition is version {} or above",
                        c.key,
                        c.version,
                        c.version + 1
                    ),
                ));
            }
            if same && c.status == status && c.allowed_origins == allowed_origins {
                return Ok(c.clone());
            }
        }
        let key = definition.key.clone();
        self.write(|uow| {
            authorize(uow, Permission::ManageCatalog, None)?;
            let public_key = match &current {
                Some(c) => c.public_key.clone(),
                None => public_key(&uow.new_id()),
            };
            let body = SurveyDefinedV1 {
                public_key,
                status: status.to_string(),
                definition: serde_json::to_value(&definition)
                    .map_err(|e| bad_json("definition", e))?,
                allowed_origins: allowed_origins.clone(),
            };
            apply_defined(&uow.tx, &body, uow.now, |_, _| Ok(true))?;
            let mut change = Change::new("survey.defined", "survey", key.clone())
                .before(json!(current.as_ref().map(|c| c.version)))
                .after(json!({"version": definition.version, "status": status}))
                .facts(1, &body)?;
            change.stamps = vec![("survey", key.clone(), "definition")];
            Ok(((), change))
        })?;
        self.survey(&key)?
            .ok_or_else(|| StoreError::invalid("key", "not_found", "the survey was not kept"))
    }

    /// Every survey, by key.
    pub fn surveys(&self) -> StoreResult<Vec<SurveyView>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT key, public_key, kind, title, version, status, definition, allowed_origins
             FROM survey ORDER BY key",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, u32>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(
                |(key, public_key, kind, title, version, status, def, origins)| {
                    Ok(SurveyView {
                        key,
                        public_key,
                        kind,
                        title,
                        version,
                        status,
                        allowed_origins: serde_json::from_str(&origins)
                            .map_err(|e| bad_json("allowed_origins", e))?,
                        definition: serde_json::from_str(&def)
                            .map_err(|e| bad_json("definition", e))?,
                    })
                },
            )
            .collect()
    }

    /// The survey keyed `key`, or `None`.
    pub fn survey(&self, key: &str) -> StoreResult<Option<SurveyView>> {
        Ok(self.surveys()?.into_iter().find(|s| s.key == key.trim()))
    }

    /// The survey a storefront posts to with `public_key`.
    pub fn survey_by_public_key(&self, public_key: &str) -> StoreResult<Option<SurveyView>> {
        Ok(self
            .surveys()?
            .into_iter()
            .find(|s| s.public_key == public_key.trim()))
    }

    fn require_survey(&self, key: &str) -> StoreResult<SurveyView> {
        self.survey(key)?.ok_or_else(|| {
            StoreError::invalid(
                "survey",
                "not_found",
                format!("no survey '{}' (survey list shows them)", key.trim()),
            )
        })
    }

    /// Records that a survey was shown (the response rate's denominator); its id.
    pub fn record_display(
        &mut self,
        survey: &str,
        channel: &str,
        order: Option<&str>,
    ) -> StoreResult<String> {
        let s = self.require_survey(survey)?;
        check_channel(channel)?;
        let order_id = order.map(|o| self.order_id_of(o)).transpose()?;
        self.write(|uow| {
            authorize(uow, Permission::Sell, None)?;
            let body = SurveyDisplayedV1 {
                id: uow.new_id(),
                survey: s.key.clone(),
                channel: channel.to_string(),
                local_day: local_day(&uow.tx, uow.now)?,
                order_id,
            };
            apply_displayed(&uow.tx, &body, uow.device_id)?;
            let change = Change::new("survey.displayed", "survey", s.key.clone())
                .after(json!({"display": body.id}))
                .facts(1, &body)?;
            Ok((body.id, change))
        })
    }

    fn order_id_of(&self, key: &str) -> StoreResult<String> {
        self.conn
            .prepare_cached("SELECT id FROM sale_order WHERE id = ?1 OR receipt_number = ?1")?
            .query_row([key.trim()], |r| r.get(0))
            .optional()?
            .ok_or_else(|| {
                StoreError::invalid(
                    "order",
                    "not_found",
                    format!("no order '{}' here", key.trim()),
                )
            })
    }

    /// Records a response, or the next part of one (`input.id`, or a repeated
    /// `input.external_id`): the answers are checked against the version the response began
    /// with (scale, reason codes, skip logic; required questions once finished), and counted
    /// in the rollups in the same transaction. Errors name `answers.{question}`. Returns the
    /// response's id.
    pub fn record_response(&mut self, input: ResponseInput) -> StoreResult<String> {
        let s = self.require_survey(&input.survey)?;
        check_channel(&input.channel)?;
        let external = input.external_id.trim().to_string();
        if external.chars().count() > 128 {
            return Err(StoreError::invalid(
                "external_id",
                "too_long",
                "an external id is at most 128 characters",
            ));
        }
        // The response this continues, if any: by id, or the sender's retry by external id.
        let continuing: Option<(String, u32, bool)> = match (&input.id, external.is_empty()) {
            (Some(id), _) => Some(
                self.conn
                    .prepare_cached(
                        "SELECT id, survey_version, finished FROM survey_response WHERE id = ?1 AND survey_key = ?2",
                    )?
                    .query_row(params![id.trim(), s.key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?
                    .ok_or_else(|| {
                        StoreError::invalid(
                            "id",
                            "not_found",
                            format!("no response '{}' to survey '{}'", id.trim(), s.key),
                        )
                    })?,
            ),
            (None, false) => self
                .conn
                .prepare_cached(
                    "SELECT id, survey_version, finished FROM survey_response WHERE survey_key = ?1 AND external_id = ?2",
                )?
                .query_row(params![s.key, external], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()?,
            (None, true) => None,
        };
        if continuing.is_none() && s.status != "active" {
            return Err(StoreError::invalid(
                "survey",
                "paused",
                format!("survey '{}' is paused: it takes no new responses", s.key),
            ));
        }
        if input.answers.is_empty() && !input.finished {
            return Err(StoreError::invalid(
                "answers",
                "required",
                "a response gives at least one answer (or skips one)",
            ));
        }
        let (version, was_finished) = continuing
            .as_ref()
            .map_or((s.version, false), |c| (c.1, c.2));
        let def = definition(&self.conn, &s.key, version)?.unwrap_or(s.definition.clone());
        // The answers so far, with these on top, are checked whole.
        let mut merged: BTreeMap<String, Answer> = BTreeMap::new();
        if let Some((id, _, _)) = &continuing {
            let mut stmt = self.conn.prepare_cached(
                "SELECT question_key, answer FROM survey_answer WHERE response_id = ?1",
            )?;
            let rows = stmt.query_map([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })?;
            for row in rows {
                let (k, a) = row?;
                merged.insert(
                    k,
                    serde_json::from_str(&a).map_err(|e| bad_json("answer", e))?,
                );
            }
        }
        for (k, a) in &input.answers {
            merged.insert(k.clone(), a.clone());
        }
        def.check_response(&merged, input.finished || was_finished)?;
        let order_id = input
            .order
            .as_deref()
            .map(|o| self.order_id_of(o))
            .transpose()?;
        if let Some(ret) = &input.return_id {
            let known: bool = self
                .conn
                .prepare_cached("SELECT EXISTS(SELECT 1 FROM sale_return WHERE id = ?1)")?
                .query_row([ret.trim()], |r| r.get(0))?;
            if !known {
                return Err(StoreError::invalid(
                    "return_id",
                    "not_found",
                    format!("no return '{}' here", ret.trim()),
                ));
            }
        }
        let meta = input.meta.clone();
        self.write(|uow| {
            authorize(uow, Permission::Sell, None)?;
            let id = continuing
                .as_ref()
                .map_or_else(|| uow.new_id(), |c| c.0.clone());
            let staff_id: Option<String> = uow
                .tx
                .prepare_cached("SELECT id FROM staff WHERE id = ?1")?
                .query_row([uow.actor], |r| r.get(0))
                .optional()?;
            let body = SurveyRespondedV1 {
                id: id.clone(),
                survey: s.key.clone(),
                survey_version: version,
                external_id: external.clone(),
                channel: input.channel.clone(),
                local_day: local_day(&uow.tx, uow.now)?,
                order_id,
                return_id: input.return_id.as_ref().map(|r| r.trim().to_string()),
                order_ref: None,
                staff_id,
                finished: input.finished,
                answers: input.answers.iter().map(|(k, a)| (k.clone(), to_fact(a))).collect(),
                meta,
            };
            apply_response(&uow.tx, &body, uow.device_id, uow.now, |_| Ok(true))?;
            let mut change = Change::new("survey.responded", "survey_response", id.clone())
                .after(json!({"survey": s.key, "answers": body.answers.len(), "finished": body.finished}))
                .facts(1, &body)?;
            change.stamps = body
                .answers
                .keys()
                .map(|q| ("survey_answer", answer_register(&id, q), "value"))
                .collect();
            Ok((id, change))
        })
    }

    /// The theme rules in force (the built-in ones until the chain sets its own), by code.
    pub fn theme_rules(&self) -> StoreResult<Vec<ThemeView>> {
        rules(&self.conn)
    }

    /// Sets a theme rule (a new one, a changed one, or `active` false to retire it) and tags
    /// every comment again. `origin`: `manual`, or `suggested` when staff accepted a suggestion.
    pub fn set_theme(&mut self, rule: ThemeRule, active: bool, origin: &str) -> StoreResult<()> {
        rule.validate()?;
        if !["manual", "suggested"].contains(&origin) {
            return Err(StoreError::invalid(
                "origin",
                "invalid",
                "a theme's origin is manual or suggested",
            ));
        }
        self.write(|uow| {
            authorize(uow, Permission::ManageCatalog, None)?;
            let body = ThemeSetV1 {
                code: rule.code.clone(),
                name: rule.name.trim().to_string(),
                terms: rule.terms.iter().map(|t| t.trim().to_lowercase()).collect(),
                active,
                origin: origin.to_string(),
            };
            apply_theme(&uow.tx, &body, uow.now, true)?;
            let mut change = Change::new("theme.set", "theme", rule.code.clone())
                .after(json!(body))
                .facts(1, &body)?;
            change.stamps = vec![("theme", rule.code.clone(), "rule")];
            Ok(((), change))
        })
    }

    /// Recomputes the dashboards' rollups: feedback from the answers and displays, sales from
    /// the orders, returns and payments (after a repair; `check` says whether they agree).
    pub fn rebuild_dashboard_rollups(&mut self) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        rebuild_rollups(&tx)?;
        crate::sales::rebuild(&tx)?;
        tx.commit()?;
        Ok(())
    }

    /// `(from, to, store, survey)` checked: days as dates, `from` ≤ `to`, a known store.
    fn feedback_scope(
        &self,
        f: &FeedbackFilter,
    ) -> StoreResult<(String, String, Option<String>, Option<String>)> {
        let from = crate::local::parse_day(&f.from, "from")?;
        let to = crate::local::parse_day(&f.to, "to")?;
        if to < from {
            return Err(StoreError::invalid(
                "to",
                "empty_range",
                "the range ends before it starts",
            ));
        }
        let store = self.known_store(f.store.as_deref())?;
        let survey = match f.survey.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(k) => Some(self.require_survey(k)?.key),
            None => None,
        };
        Ok((from.to_string(), to.to_string(), store, survey))
    }

    /// NPS over every NPS question in scope, per day, against the previous period.
    pub fn nps_report(&self, f: &FeedbackFilter) -> StoreResult<NpsView> {
        let (from, to, store, survey) = self.feedback_scope(f)?;
        let (pf, pt) = previous_period(&from, &to)?;
        let series = |a: &str, b: &str| -> StoreResult<Vec<(String, Nps)>> {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT d.local_day, SUM(promoters), SUM(passives), SUM(detractors), SUM(d.skipped)
                 FROM feedback_daily d
                 WHERE d.local_day BETWEEN ?1 AND ?2 AND {SCOPE} AND d.question_type = 'nps'
                 GROUP BY d.local_day ORDER BY d.local_day"
            ))?;
            let rows = stmt.query_map(params![a, b, store, survey], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Nps {
                        promoters: r.get::<_, i64>(1)? as u64,
                        passives: r.get::<_, i64>(2)? as u64,
                        detractors: r.get::<_, i64>(3)? as u64,
                        skipped: r.get::<_, i64>(4)? as u64,
                    },
                ))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        };
        let by_day = series(&from, &to)?;
        let sum = |v: &[(String, Nps)]| v.iter().fold(Nps::default(), |acc, (_, n)| acc.plus(n));
        let nps = sum(&by_day);
        let previous = sum(&series(&pf, &pt)?);
        Ok(NpsView {
            score_milli: nps.score_milli(),
            margin_milli: nps.margin().map(|m| (m * 1000.0).round() as i64),
            previous_score_milli: previous.score_milli(),
            differs: nps.differs_from(&previous),
            nps,
            previous,
            by_day,
        })
    }

    /// CSAT, CES and rating questions in scope, each on its own scale.
    pub fn score_report(&self, f: &FeedbackFilter) -> StoreResult<Vec<ScoreView>> {
        let (from, to, store, survey) = self.feedback_scope(f)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT d.survey_key, d.question_key, SUM(answered), SUM(d.skipped), SUM(score_sum),
                    SUM(top), SUM(bottom)
             FROM feedback_daily d WHERE d.local_day BETWEEN ?1 AND ?2 AND {SCOPE}
             GROUP BY 1, 2 ORDER BY 1, 2"
        ))?;
        let rows = stmt
            .query_map(params![from, to, store, survey], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)? as u64,
                    r.get::<_, i64>(3)? as u64,
                    r.get::<_, i64>(4)? as u64,
                    r.get::<_, i64>(5)? as u64,
                    r.get::<_, i64>(6)? as u64,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let surveys = self.surveys()?;
        let mut out = Vec::new();
        for (sk, qk, n, skipped, sum, top, bottom) in rows {
            let Some(q) = surveys
                .iter()
                .find(|s| s.key == sk)
                .and_then(|s| s.definition.question(&qk).cloned())
            else {
                continue;
            };
            let (score, mean, nes) = match &q.kind {
                QuestionKind::Csat { scale_max } => {
                    let c = Csat {
                        scale_max: *scale_max,
                        n,
                        satisfied: top,
                        sum,
                        skipped,
                    };
                    (c.score_milli(), c.mean_milli(), None)
                }
                QuestionKind::Ces { scale } => {
                    let c = Ces {
                        scale: *scale,
                        n,
                        easy: top,
                        hard: bottom,
                        sum,
                        skipped,
                    };
                    (c.easy_milli(), c.mean_milli(), c.nes_milli())
                }
                QuestionKind::Rating { .. } => (
                    percent_milli(top, n),
                    (n > 0).then(|| (sum as i64 * 1000) / n as i64),
                    None,
                ),
                _ => continue,
            };
            out.push(ScoreView {
                survey: sk,
                question: qk,
                label: q.label.clone(),
                question_type: q.type_name().to_string(),
                answered: n,
                skipped,
                score_milli: score,
                mean_milli: mean,
                nes_milli: nes,
            });
        }
        Ok(out)
    }

    /// Each reason code's count in scope (single and multiple choice questions), most first
    /// within each question; labels from the survey's current version.
    pub fn reasons_report(&self, f: &FeedbackFilter) -> StoreResult<Vec<ReasonView>> {
        let (from, to, store, survey) = self.feedback_scope(f)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT d.survey_key, d.question_key, d.code, SUM(d.n) FROM feedback_choice_daily d
             WHERE d.local_day BETWEEN ?1 AND ?2 AND {SCOPE}
             GROUP BY 1, 2, 3 HAVING SUM(d.n) > 0"
        ))?;
        let rows = stmt
            .query_map(params![from, to, store, survey], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)? as u64,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let answered = |sk: &str, qk: &str| -> StoreResult<u64> {
            let n: i64 = self.conn.prepare_cached(&format!(
                "SELECT COALESCE(SUM(answered), 0) FROM feedback_daily d
                 WHERE d.local_day BETWEEN ?1 AND ?2 AND {SCOPE} AND d.survey_key = ?5 AND d.question_key = ?6"
            ))?
            .query_row(params![from, to, store, survey, sk, qk], |r| r.get(0))?;
            Ok(n as u64)
        };
        let surveys = self.surveys()?;
        let mut out = Vec::new();
        for (sk, qk, code, n) in rows {
            let label = surveys
                .iter()
                .find(|s| s.key == sk)
                .and_then(|s| s.definition.question(&qk))
                .and_then(|q| match &q.kind {
                    QuestionKind::SingleChoice { options }
                    | QuestionKind::MultipleChoice { options } => options
                        .iter()
                        .find(|o| o.code == code)
                        .map(|o| o.label.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| code.clone());
            let share_milli = percent_milli(n, answered(&sk, &qk)?).unwrap_or(0);
            out.push(ReasonView {
                survey: sk,
                question: qk,
                code,
                label,
                n,
                share_milli,
            });
        }
        out.sort_by(|a, b| {
            (a.survey.as_str(), a.question.as_str())
                .cmp(&(b.survey.as_str(), b.question.as_str()))
                .then(b.n.cmp(&a.n))
                .then(a.code.cmp(&b.code))
        });
        Ok(out)
    }

    /// Each survey's funnel in scope: displays → started → finished.
    pub fn funnel_report(&self, f: &FeedbackFilter) -> StoreResult<Vec<(String, Funnel)>> {
        let (from, to, store, survey) = self.feedback_scope(f)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT d.survey_key, SUM(displays), SUM(started), SUM(finished) FROM feedback_funnel_daily d
             WHERE d.local_day BETWEEN ?1 AND ?2 AND {SCOPE} GROUP BY 1 ORDER BY 1"
        ))?;
        let rows = stmt.query_map(params![from, to, store, survey], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Funnel {
                    displays: r.get::<_, i64>(1)? as u64,
                    started: r.get::<_, i64>(2)? as u64,
                    finished: r.get::<_, i64>(3)? as u64,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Comments in scope with their response's NPS bucket (when the response scored).
    fn comments(
        &self,
        from: &str,
        to: &str,
        store: &Option<String>,
        survey: &Option<String>,
    ) -> StoreResult<Vec<(String, String, Option<NpsBucket>)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT a.response_id, COALESCE(a.terms, ''),
                    (SELECT b.nps_bucket FROM survey_answer b WHERE b.response_id = a.response_id
                       AND b.nps_bucket IS NOT NULL LIMIT 1)
             FROM survey_response d JOIN survey_answer a ON a.response_id = d.id
             WHERE d.local_day BETWEEN ?1 AND ?2 AND {SCOPE} AND a.text IS NOT NULL"
        ))?;
        let rows = stmt.query_map(params![from, to, store, survey], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?
                    .as_deref()
                    .and_then(bucket_of),
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Themes and terms of the comments in scope: each theme's count, NPS and impact; the top
    /// terms; detractors against promoters; this period against the previous one; suggestions.
    pub fn themes_report(&self, f: &FeedbackFilter) -> StoreResult<ThemesView> {
        let (from, to, store, survey) = self.feedback_scope(f)?;
        let (pf, pt) = previous_period(&from, &to)?;
        let a = analyzer();
        // Each comment's terms were made when it was written (`survey_answer.terms`).
        let now = self.comments(&from, &to, &store, &survey)?;
        let before = self.comments(&pf, &pt, &store, &survey)?;
        let (mut all, mut det, mut pro, mut prev): (
            themes::TermCounts,
            themes::TermCounts,
            themes::TermCounts,
            themes::TermCounts,
        ) = Default::default();
        let mut seen: HashSet<&str> = HashSet::new();
        for (id, terms, bucket) in &now {
            if seen.insert(id) {
                all.add_encoded(terms);
            }
            match bucket {
                Some(NpsBucket::Detractor) => det.add_encoded(terms),
                Some(NpsBucket::Promoter) => pro.add_encoded(terms),
                _ => {}
            }
        }
        for (_, terms, _) in &before {
            prev.add_encoded(terms);
        }
        // Each theme's responses and their NPS, from the tags kept on ingest.
        let tagged = self.conn.prepare_cached(&format!(
            "SELECT t.theme_code, d.id,
                    (SELECT b.nps_bucket FROM survey_answer b WHERE b.response_id = d.id
                       AND b.nps_bucket IS NOT NULL LIMIT 1)
             FROM survey_response d JOIN survey_answer_theme t ON t.response_id = d.id
             WHERE d.local_day BETWEEN ?1 AND ?2 AND {SCOPE}"
        ));
        let mut per_theme: BTreeMap<String, (HashSet<String>, Nps)> = BTreeMap::new();
        {
            let mut stmt = tagged?;
            let rows = stmt.query_map(params![from, to, store, survey], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })?;
            for row in rows {
                let (code, id, bucket) = row?;
                let e = per_theme.entry(code).or_default();
                if e.0.insert(id) {
                    if let Some(b) = bucket.as_deref().and_then(bucket_of) {
                        e.1.add(b);
                    }
                }
            }
        }
        let overall = self.nps_report(&FeedbackFilter {
            from: from.clone(),
            to: to.clone(),
            store: store.clone(),
            survey: survey.clone(),
        })?;
        let rules = rules(&self.conn)?;
        let mut stats: Vec<ThemeStat> = per_theme
            .into_iter()
            .map(|(code, (ids, nps))| ThemeStat {
                name: rules
                    .iter()
                    .find(|r| r.rule.code == code)
                    .map_or_else(|| code.clone(), |r| r.rule.name.clone()),
                n: ids.len() as u64,
                share_milli: percent_milli(ids.len() as u64, all.docs).unwrap_or(0),
                nps_milli: nps.score_milli(),
                // A theme no scored response mentions moves no score: no impact, not 0.
                impact_milli: (nps.n() > 0)
                    .then(|| backroom_domain::feedback::theme_impact_milli(&overall.nps, &nps))
                    .flatten(),
                code,
            })
            .collect();
        stats.sort_by(|x, y| y.n.cmp(&x.n).then(x.code.cmp(&y.code)));
        let active: Vec<ThemeRule> = rules
            .into_iter()
            .filter(|r| r.active)
            .map(|r| r.rule)
            .collect();
        Ok(ThemesView {
            commented: all.docs,
            themes: stats,
            top_terms: all.top(MIN_TERM_DF, 20),
            detractors_vs_promoters: themes::compare(&det, &pro, MIN_TERM_DF, 15),
            versus_previous: themes::compare(&all, &prev, MIN_TERM_DF, 15),
            suggestions: themes::suggestions(a, &all, &active, MIN_TERM_DF, 10),
        })
    }

    /// The Dashboards screen's feedback figures for `f`, in one read of the rollups (the
    /// themes are [`Store::themes_report`], read after). An empty `from` or `to` means the last
    /// 30 store days up to today.
    pub fn feedback_dashboard(&self, f: &FeedbackFilter) -> StoreResult<FeedbackDashboard> {
        let mut f = f.clone();
        if f.to.trim().is_empty() {
            f.to = local_day(&self.conn, self.now())?;
        }
        if f.from.trim().is_empty() {
            let to = crate::local::parse_day(&f.to, "to")?;
            f.from = to
                .checked_sub(jiff::Span::new().days(29))
                .map_err(|e| StoreError::invalid("from", "invalid_date", e.to_string()))?
                .to_string();
        }
        let f = &f;
        Ok(FeedbackDashboard {
            filter: f.clone(),
            nps: self.nps_report(f)?,
            scores: self.score_report(f)?,
            reasons: self.reasons_report(f)?,
            funnel: self.funnel_report(f)?,
            theme_rules: self.theme_rules()?,
            stores: self.stores()?,
            surveys: self.surveys()?,
        })
    }

    /// The responses in scope for the drill-down, newest first, with their answers and themes.
    pub fn responses(&self, q: &ResponseQuery) -> StoreResult<Vec<ResponseView>> {
        let (from, to, store, survey) = self.feedback_scope(&q.filter)?;
        let limit = if q.limit == 0 { 500 } else { q.limit };
        let text = q
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| format!("%{}%", t.to_lowercase()));
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT d.id, d.survey_key, d.channel, d.local_day,
                    (SELECT store_code FROM device_store s WHERE s.device_id = d.device_id),
                    (SELECT name FROM staff WHERE id = d.staff_id), d.order_id,
                    COALESCE((SELECT receipt_number FROM sale_order WHERE id = d.order_id),
                             (SELECT receipt_number FROM sale_order WHERE receipt_number = d.order_ref)),
                    d.return_id, d.finished
             FROM survey_response d
             WHERE d.local_day BETWEEN ?1 AND ?2 AND {SCOPE}
               AND (?5 IS NULL OR EXISTS (SELECT 1 FROM survey_answer b WHERE b.response_id = d.id AND b.nps_bucket = ?5))
               AND (?6 IS NULL OR EXISTS (SELECT 1 FROM survey_answer_theme t WHERE t.response_id = d.id AND t.theme_code = ?6))
               AND (?7 IS NULL OR d.staff_id IN (SELECT id FROM staff WHERE name = ?7))
               AND (?8 IS NULL OR EXISTS (SELECT 1 FROM survey_answer b WHERE b.response_id = d.id AND lower(b.text) LIKE ?8))
             ORDER BY d.created_at DESC, d.id DESC LIMIT ?9"
        ))?;
        let rows = stmt
            .query_map(
                params![
                    from,
                    to,
                    store,
                    survey,
                    q.bucket.map(bucket_name),
                    q.theme,
                    q.staff,
                    text,
                    limit as i64
                ],
                |r| {
                    Ok(ResponseView {
                        id: r.get(0)?,
                        survey: r.get(1)?,
                        channel: r.get(2)?,
                        local_day: r.get(3)?,
                        store: r.get(4)?,
                        staff: r.get(5)?,
                        order_id: r.get(6)?,
                        receipt_number: r.get(7)?,
                        return_id: r.get(8)?,
                        finished: r.get(9)?,
                        answers: BTreeMap::new(),
                        themes: Vec::new(),
                    })
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for mut v in rows {
            let mut stmt = self.conn.prepare_cached(
                "SELECT question_key, answer FROM survey_answer WHERE response_id = ?1",
            )?;
            for row in stmt.query_map([&v.id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })? {
                let (k, a) = row?;
                v.answers.insert(
                    k,
                    serde_json::from_str(&a).map_err(|e| bad_json("answer", e))?,
                );
            }
            let mut stmt = self.conn.prepare_cached(
                "SELECT DISTINCT theme_code FROM survey_answer_theme WHERE response_id = ?1 ORDER BY 1",
            )?;
            v.themes = stmt
                .query_map([&v.id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            out.push(v);
        }
        Ok(out)
    }

    /// The drill-down as CSV (one row per response; one column per question key in survey
    /// order), for a spreadsheet.
    pub fn export_responses_csv(&self, q: &ResponseQuery) -> StoreResult<String> {
        let rows = self.responses(q)?;
        let mut questions: Vec<String> = Vec::new();
        for s in self.surveys()? {
            if q.filter
                .survey
                .as_deref()
                .is_some_and(|k| k.trim() != s.key)
            {
                continue;
            }
            for question in &s.definition.questions {
                if !questions.contains(&question.key) {
                    questions.push(question.key.clone());
                }
            }
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<String> = [
            "response_id",
            "survey",
            "day",
            "store",
            "channel",
            "staff",
            "receipt",
            "return_id",
            "finished",
            "themes",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        header.extend(questions.iter().cloned());
        let csv_err = |e: csv::Error| StoreError::invalid("csv", "write", e.to_string());
        w.write_record(&header).map_err(csv_err)?;
        for r in rows {
            let mut rec = vec![
                r.id,
                r.survey,
                r.local_day,
                r.store.unwrap_or_default(),
                r.channel,
                r.staff.unwrap_or_default(),
                r.receipt_number.unwrap_or_default(),
                r.return_id.unwrap_or_default(),
                if r.finished { "yes" } else { "no" }.to_string(),
                r.themes.join(" "),
            ];
            for k in &questions {
                rec.push(match r.answers.get(k) {
                    None => String::new(),
                    Some(Answer::Skipped) => "(skipped)".into(),
                    Some(Answer::Score(v)) => v.to_string(),
                    Some(Answer::Choice(c)) => c.clone(),
                    Some(Answer::Choices(c)) => c.join(" "),
                    Some(Answer::Text(t)) => t.clone(),
                });
            }
            w.write_record(&rec).map_err(csv_err)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| StoreError::invalid("csv", "write", e.to_string()))?;
        String::from_utf8(bytes).map_err(|e| StoreError::invalid("csv", "write", e.to_string()))
    }
}

/// The scope every report query shares: `?3` a store code (its devices), `?4` a survey key.
const SCOPE: &str =
    "(?3 IS NULL OR d.device_id IN (SELECT device_id FROM device_store WHERE store_code = ?3))
   AND (?4 IS NULL OR d.survey_key = ?4)";

fn check_channel(channel: &str) -> StoreResult<()> {
    if CHANNELS.contains(&channel) {
        Ok(())
    } else {
        Err(StoreError::invalid(
            "channel",
            "invalid",
            format!("'{channel}' is not a channel: {}", CHANNELS.join(", ")),
        ))
    }
}

/// The register an answer is: `(response, question)`.
pub(crate) fn answer_register(response: &str, question: &str) -> String {
    format!("{response}/{question}")
}

/// Applies a feedback op from another till (see the `apply_*` functions), each register taken
/// with the op's stamp.
pub(crate) fn apply_remote(
    tx: &Connection,
    op: &OpEnvelope,
    body: &backroom_sync::body::Body,
    now: i64,
) -> StoreResult<Applied> {
    use backroom_sync::body::Body;
    // Rows keep the op's own time, as the till that wrote it did.
    let at = op.created_at;
    match body {
        Body::SurveyDefined(b) => apply_defined(tx, b, at, |key, order| match order {
            std::cmp::Ordering::Greater => {
                crate::apply::force_register(tx, op, "survey", key, "definition", now)?;
                Ok(true)
            }
            std::cmp::Ordering::Equal => take_register(tx, op, "survey", key, "definition", now),
            std::cmp::Ordering::Less => Ok(false),
        }),
        Body::SurveyDisplayed(d) => apply_displayed(tx, d, &op.device_id),
        Body::SurveyResponded(r) => {
            // A response whose survey version has not arrived (it travels with the catalogue,
            // which a till reads after its own stream) stops the pull here, nothing taken: the
            // till pulls the catalogue and comes back to it.
            if definition(tx, &r.survey, r.survey_version)?.is_none() {
                return Err(StoreError::invalid(
                    "survey",
                    "not_here_yet",
                    format!(
                        "survey '{}' version {} has not arrived here yet",
                        r.survey, r.survey_version
                    ),
                ));
            }
            apply_response(tx, r, &op.device_id, at, |q| {
                take_register(
                    tx,
                    op,
                    "survey_answer",
                    &answer_register(&r.id, q),
                    "value",
                    now,
                )
            })
        }
        Body::ThemeSet(t) => {
            let wins = take_register(tx, op, "theme", &t.code, "rule", now)?;
            apply_theme(tx, t, at, wins)
        }
        _ => Ok(Applied::Deferred),
    }
}
