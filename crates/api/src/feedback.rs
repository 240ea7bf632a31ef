//! Customer feedback as the app shows it (issue 16): surveys, responses to record, the
//! reports' scopes and answers, theme rules, the drill-down. Plain serde types shared by the
//! store (which computes them), the desktop and the CLI; metrics are in thousandths
//! (`_milli`: NPS 42.5 is 42_500) and `None` where there are no answers, never 0.

use std::collections::BTreeMap;

use backroom_domain::feedback::{Funnel, Nps, NpsBucket};
use backroom_domain::survey::{Answer, SurveyDefinition};
use backroom_domain::themes::{Contrast, RankedTerm, ThemeRule};
use serde::{Deserialize, Serialize};

/// A survey as the app lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurveyView {
    pub key: String,
    /// What a storefront posts to: `/v1/surveys/{public_key}/responses`.
    pub public_key: String,
    pub kind: String,
    pub title: String,
    pub version: u32,
    /// `active` or `paused`.
    pub status: String,
    /// Web origins allowed to post to the public endpoints (empty: any).
    pub allowed_origins: Vec<String>,
    pub definition: SurveyDefinition,
}

/// A response to record. `id` continues a partial response (its next answers); a repeated
/// `external_id` does too (the sender's retry). `order` and `return_id` are what it is about
/// (an order's id or receipt number; a return's id).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResponseInput {
    #[serde(default)]
    pub id: Option<String>,
    pub survey: String,
    #[serde(default)]
    pub external_id: String,
    pub channel: String,
    #[serde(default)]
    pub order: Option<String>,
    #[serde(default)]
    pub return_id: Option<String>,
    pub answers: BTreeMap<String, Answer>,
    pub finished: bool,
    #[serde(default)]
    pub meta: BTreeMap<String, String>,
}

/// What the reports look at: store days `from..=to` (`2026-11-01`), optionally one store (its
/// code) and one survey (its key).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackFilter {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub store: Option<String>,
    #[serde(default)]
    pub survey: Option<String>,
}

/// NPS for a period: the whole, the previous period of the same length, whether the two
/// differ at 95 %, and each day with its n.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NpsView {
    pub nps: Nps,
    /// −100_000..=100_000; `None` with no answers.
    pub score_milli: Option<i64>,
    /// The 95 % margin in thousandths of a point; `None` under two answers.
    pub margin_milli: Option<i64>,
    pub previous: Nps,
    pub previous_score_milli: Option<i64>,
    /// Whether this period differs from the previous one at 95 % (Wald); `None` when either
    /// is too small to say.
    pub differs: Option<bool>,
    pub by_day: Vec<(String, Nps)>,
}

/// A CSAT, CES or rating question's figures over the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreView {
    pub survey: String,
    pub question: String,
    pub label: String,
    /// `csat`, `ces` or `rating`.
    pub question_type: String,
    pub answered: u64,
    pub skipped: u64,
    /// CSAT: % satisfied; CES: % easy; rating: % top-2 (thousandths); `None` with no answers.
    pub score_milli: Option<i64>,
    /// The mean answer on the question's own scale, in thousandths.
    pub mean_milli: Option<i64>,
    /// CES only: Net Easy Score in thousandths.
    pub nes_milli: Option<i64>,
}

/// One reason code's count: `share_milli` of the question's answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonView {
    pub survey: String,
    pub question: String,
    pub code: String,
    pub label: String,
    pub n: u64,
    pub share_milli: i64,
}

/// A theme over the period: the responses mentioning it, their share of commented responses,
/// the NPS of those that also scored, and the theme's impact on NPS (Thematic: NPS of all −
/// NPS without the theme's responses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeStat {
    pub code: String,
    pub name: String,
    pub n: u64,
    pub share_milli: i64,
    pub nps_milli: Option<i64>,
    pub impact_milli: Option<i64>,
}

/// Free-text analysis of a period's comments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemesView {
    /// Responses with a comment.
    pub commented: u64,
    pub themes: Vec<ThemeStat>,
    pub top_terms: Vec<RankedTerm>,
    /// Terms that set detractors apart from promoters (z > 0: detractors').
    pub detractors_vs_promoters: Vec<Contrast>,
    /// Terms that set this period apart from the previous one (z > 0: this period's).
    pub versus_previous: Vec<Contrast>,
    /// Frequent terms no theme covers: accept one as a theme in one click.
    pub suggestions: Vec<RankedTerm>,
}

/// A theme rule as the app lists it (a built-in one until the chain sets its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeView {
    pub rule: ThemeRule,
    /// `seed`, `manual` or `suggested`.
    pub origin: String,
    pub active: bool,
}

/// One response for the drill-down and the CSV export.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseView {
    pub id: String,
    pub survey: String,
    pub channel: String,
    pub local_day: String,
    pub store: Option<String>,
    pub staff: Option<String>,
    pub order_id: Option<String>,
    pub receipt_number: Option<String>,
    pub return_id: Option<String>,
    pub finished: bool,
    pub answers: BTreeMap<String, Answer>,
    pub themes: Vec<String>,
}

/// The drill-down's filters on top of a [`FeedbackFilter`]: NPS bucket, theme code, staff
/// name, words in the comment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseQuery {
    #[serde(flatten)]
    pub filter: FeedbackFilter,
    #[serde(default)]
    pub bucket: Option<NpsBucket>,
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub staff: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    /// At most this many, newest first (0: 500).
    #[serde(default)]
    pub limit: usize,
}

/// The Dashboards screen's feedback figures for one scope, in one answer. The themes are read
/// apart (`Store::themes_report`, the `feedback_themes` command) so the figures, which read
/// rollups, never wait for the comments to be counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackDashboard {
    /// The scope as read (empty days filled in: the last 30 store days).
    pub filter: FeedbackFilter,
    pub nps: NpsView,
    pub scores: Vec<ScoreView>,
    pub reasons: Vec<ReasonView>,
    pub funnel: Vec<(String, Funnel)>,
    /// The theme rules in force, for the drill-down's theme filter.
    pub theme_rules: Vec<ThemeView>,
    /// The stores this replica holds (head office: every store), for the store filter.
    pub stores: Vec<String>,
    /// Every survey, for the survey filter.
    pub surveys: Vec<SurveyView>,
}
