//! Customer feedback as it travels (issue 16): survey definitions, displays (impressions) and
//! responses, and theme rules. A response is one op per submission; a partial response sends
//! the same response `id` again with the answers it adds, and each answer is a
//! last-writer-wins register of `(response, question)`, so retries and late arrivals settle on
//! the same row everywhere. The answer shapes are `backroom_domain::survey::Answer`'s.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `survey.defined`, version 1: version `definition.version` of survey `definition.key`.
/// `definition` is `backroom_domain::survey::SurveyDefinition` as JSON (checked where it is
/// applied); `public_key` is what a storefront posts to (`/v1/surveys/{public_key}/…`);
/// `status` is `active` or `paused`. Copied to every store with the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyDefinedV1 {
    pub public_key: String,
    pub status: String,
    pub definition: serde_json::Value,
    /// The web origins (`https://shop.example`) whose pages may post to the public endpoints
    /// (CORS); empty: any origin, as a public survey link is.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
}

/// One answer as it travels: `{"score": 9}`, `{"choice": "wrong_size"}`,
/// `{"choices": ["price"]}`, `{"text": "…"}` or `"skipped"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerFact {
    Score(u8),
    Choice(String),
    Choices(Vec<String>),
    Text(String),
    Skipped,
}

/// `survey.responded`, version 1. `id`: the response's own id (the same for each part of a
/// partial response); `survey` and `survey_version`: what was asked; `external_id`: the
/// sender's idempotency key (empty for the till's own); `channel`: `pos` (staff entered),
/// `kiosk`, `web` or `api`; `local_day`: the store's own date when it was given
/// (`2026-11-30`; a storefront's in its store's zone as the server knows it, else UTC);
/// `order_id` / `return_id`: what it is about (this chain's ids); `order_ref`: the sender's
/// order reference (a receipt number, a web order number), joined to an order of that
/// receipt number where one exists; `staff_id`: who served; `finished`: whether the respondent
/// got to the end; `answers`: by question key; `meta`: free key-value context from the sender
/// (page, device).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyRespondedV1 {
    pub id: String,
    pub survey: String,
    pub survey_version: u32,
    #[serde(default)]
    pub external_id: String,
    pub channel: String,
    pub local_day: String,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub return_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_ref: Option<String>,
    #[serde(default)]
    pub staff_id: Option<String>,
    pub finished: bool,
    pub answers: BTreeMap<String, AnswerFact>,
    #[serde(default)]
    pub meta: BTreeMap<String, String>,
}

/// `survey.displayed`, version 1: a survey was shown (the response rate's denominator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyDisplayedV1 {
    pub id: String,
    pub survey: String,
    pub channel: String,
    pub local_day: String,
    #[serde(default)]
    pub order_id: Option<String>,
}

/// `theme.set`, version 1: a curated theme rule (`backroom_domain::themes::ThemeRule`'s
/// fields), `active` false to retire it. `origin`: `seed`, `manual` or `suggested`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeSetV1 {
    pub code: String,
    pub name: String,
    pub terms: Vec<String>,
    pub active: bool,
    pub origin: String,
}
