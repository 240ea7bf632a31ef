//! Survey definitions (issue 16): what a survey asks, checked once, and the ready-made
//! templates (research/surveys.md §1a, §3).
//!
//! A definition is a value: a survey `key` (stable, what a storefront posts to), a `kind`, and
//! its questions in order. Each question has a stable `key` (kept across versions and
//! languages, as Formbricks Hub's `field_id`), and a choice question's options have stable
//! reason `code`s (reports group by code; labels may be edited). Skip logic is at least "ask
//! the follow-up only for detractors": a question may be asked only when an earlier NPS answer
//! falls in chosen buckets.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::feedback::{csat_satisfied_from, CesScale, NpsBucket};

/// What a survey is for (and where it is shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyKind {
    /// A web storefront's checkout, when the shopper is about to leave.
    ExitIntent,
    /// After a purchase (a receipt link, an email).
    PostPurchase,
    /// Staff ask it for each return at the returns desk.
    ReturnsDesk,
    /// The customer-facing kiosk right after a sale.
    InStore,
    Custom,
}

/// What a question asks, with its scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QuestionKind {
    /// 0–10 "how likely are you to recommend".
    Nps,
    /// 1..=`scale_max` satisfaction (3, 4, 5, 7 or 10 points).
    Csat { scale_max: u8 },
    /// Customer effort on its own scale and direction.
    Ces { scale: CesScale },
    /// 1..=`max` stars.
    Rating { max: u8 },
    /// One option (a reason code).
    SingleChoice { options: Vec<Choice> },
    /// Any number of options.
    MultipleChoice { options: Vec<Choice> },
    /// Free text (themes are computed from it).
    OpenText,
}

/// An option of a choice question: a stable `code` (`shipping_cost`) and the label shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub code: String,
    pub label: String,
}

/// Ask this question only when the answer to the NPS question `question` falls in `buckets`
/// (e.g. the comment asked of detractors only). A skipped NPS answer asks nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AskIf {
    pub question: String,
    pub buckets: Vec<NpsBucket>,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub kind: QuestionKind,
    /// Whether the respondent must answer (otherwise it may be skipped).
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub ask_if: Option<AskIf>,
}

/// A survey, version `version` of `key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyDefinition {
    pub key: String,
    pub version: u32,
    pub kind: SurveyKind,
    pub title: String,
    pub questions: Vec<Question>,
}

/// A key or a code: 1–64 characters of lower-case letters, digits, `_` and `-`, starting with
/// a letter (it travels in URLs and reports).
fn check_key(value: &str, field: &str) -> Result<(), FieldError> {
    let ok = (1..=64).contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new(
            field,
            "invalid",
            format!("'{value}' is not a key: 1–64 of a-z, 0-9, _ and -, starting with a letter"),
        ))
    }
}

impl SurveyDefinition {
    /// Checks the definition whole; the first problem is an error naming its field
    /// (`questions[2].options[1].code`).
    pub fn validate(&self) -> Result<(), FieldError> {
        check_key(&self.key, "key")?;
        if self.title.trim().is_empty() {
            return Err(FieldError::new(
                "title",
                "required",
                "a survey needs a title",
            ));
        }
        if self.questions.is_empty() {
            return Err(FieldError::new(
                "questions",
                "required",
                "a survey asks at least one question",
            ));
        }
        for (i, q) in self.questions.iter().enumerate() {
            let at = |f: &str| format!("questions[{i}].{f}");
            check_key(&q.key, &at("key"))?;
            if self.questions[..i].iter().any(|p| p.key == q.key) {
                return Err(FieldError::new(
                    at("key"),
                    "duplicate",
                    format!("two questions are keyed '{}'", q.key),
                ));
            }
            if q.label.trim().is_empty() {
                return Err(FieldError::new(
                    at("label"),
                    "required",
                    "a question needs its text",
                ));
            }
            match &q.kind {
                QuestionKind::Csat { scale_max } => {
                    csat_satisfied_from(*scale_max)
                        .map_err(|e| FieldError::new(at("scale_max"), e.code, e.message))?;
                }
                QuestionKind::Ces { scale } => {
                    CesScale::new(scale.min, scale.max, scale.higher_is_easier, &at("scale"))?;
                }
                QuestionKind::Rating { max } if !(2..=10).contains(max) => {
                    return Err(FieldError::new(
                        at("max"),
                        "out_of_range",
                        "a rating has 2 to 10 stars",
                    ));
                }
                QuestionKind::SingleChoice { options }
                | QuestionKind::MultipleChoice { options } => {
                    if options.len() < 2 {
                        return Err(FieldError::new(
                            at("options"),
                            "too_few",
                            "a choice needs at least two options",
                        ));
                    }
                    for (j, o) in options.iter().enumerate() {
                        check_key(&o.code, &at(&format!("options[{j}].code")))?;
                        if options[..j].iter().any(|p| p.code == o.code) {
                            return Err(FieldError::new(
                                at(&format!("options[{j}].code")),
                                "duplicate",
                                format!("two options are coded '{}'", o.code),
                            ));
                        }
                        if o.label.trim().is_empty() {
                            return Err(FieldError::new(
                                at(&format!("options[{j}].label")),
                                "required",
                                "an option needs its text",
                            ));
                        }
                    }
                }
                _ => {}
            }
            if let Some(rule) = &q.ask_if {
                let earlier = self.questions[..i].iter().find(|p| p.key == rule.question);
                match earlier {
                    Some(p) if p.kind == QuestionKind::Nps => {}
                    _ => {
                        return Err(FieldError::new(
                            at("ask_if.question"),
                            "not_an_earlier_nps",
                            format!(
                                "'{}' is not an NPS question asked before this one",
                                rule.question
                            ),
                        ))
                    }
                }
                if rule.buckets.is_empty() {
                    return Err(FieldError::new(
                        at("ask_if.buckets"),
                        "required",
                        "name the answers that ask this question",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether question `index` is asked, given the NPS answers so far (`nps(key)`: the 0–10
    /// answer to that question, `None` when skipped or not reached).
    pub fn asks(&self, index: usize, nps: impl Fn(&str) -> Option<u8>) -> bool {
        let Some(q) = self.questions.get(index) else {
            return false;
        };
        match &q.ask_if {
            None => true,
            Some(rule) => nps(&rule.question)
                .and_then(|s| NpsBucket::of(s, "").ok())
                .is_some_and(|b| rule.buckets.contains(&b)),
        }
    }
}

/// One answer as a respondent gave it: a `score` on the question's scale (NPS, CSAT, CES,
/// rating), one reason `choice` code, several `choices`, free `text`, or `skipped` (seen, not
/// answered: counted beside a metric, never in its denominator). On the wire
/// `{"score": 9}`, `{"choice": "wrong_size"}`, `{"choices": ["price"]}`, `{"text": "…"}`,
/// `"skipped"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Score(u8),
    Choice(String),
    Choices(Vec<String>),
    Text(String),
    Skipped,
}

/// The longest open-text answer kept, in characters (Formbricks caps free text similarly; a
/// longer one is an error, never cut silently).
pub const MAX_TEXT_CHARS: usize = 5_000;

/// What one scored answer counts towards in the rollups, by its question's kind: its NPS
/// bucket; `top` (CSAT satisfied, CES easy, rating top-2-box); `bottom` (CES hard, rating
/// bottom-2-box).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScoreClass {
    pub bucket: Option<NpsBucket>,
    pub top: bool,
    pub bottom: bool,
}

impl Question {
    /// The short name of the question's type (`nps`, `csat`, `ces`, `rating`, `single_choice`,
    /// `multiple_choice`, `open_text`), as reports and tables name it.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            QuestionKind::Nps => "nps",
            QuestionKind::Csat { .. } => "csat",
            QuestionKind::Ces { .. } => "ces",
            QuestionKind::Rating { .. } => "rating",
            QuestionKind::SingleChoice { .. } => "single_choice",
            QuestionKind::MultipleChoice { .. } => "multiple_choice",
            QuestionKind::OpenText => "open_text",
        }
    }

    /// Checks `answer` against this question (its scale, its reason codes, the text's length);
    /// `field` names it in the error.
    pub fn check(&self, answer: &Answer, field: &str) -> Result<(), FieldError> {
        let range = |lo: u8, hi: u8, v: u8, what: &str| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(FieldError::new(
                    field,
                    "out_of_range",
                    format!("{what} answer is {lo} to {hi}, not {v}"),
                ))
            }
        };
        let code_of = |options: &[Choice], code: &str| {
            if options.iter().any(|o| o.code == code) {
                Ok(())
            } else {
                let known: Vec<&str> = options.iter().map(|o| o.code.as_str()).collect();
                Err(FieldError::new(
                    field,
                    "unknown_choice",
                    format!(
                        "'{code}' is not an option here; options: {}",
                        known.join(", ")
                    ),
                ))
            }
        };
        match (&self.kind, answer) {
            (_, Answer::Skipped) => Ok(()),
            (QuestionKind::Nps, Answer::Score(v)) => range(0, 10, *v, "an NPS"),
            (QuestionKind::Csat { scale_max }, Answer::Score(v)) => {
                range(1, *scale_max, *v, "a CSAT")
            }
            (QuestionKind::Ces { scale }, Answer::Score(v)) => {
                range(scale.min, scale.max, *v, "a CES")
            }
            (QuestionKind::Rating { max }, Answer::Score(v)) => range(1, *max, *v, "a rating"),
            (QuestionKind::SingleChoice { options }, Answer::Choice(c)) => code_of(options, c),
            (QuestionKind::MultipleChoice { options }, Answer::Choices(cs)) => {
                if cs.is_empty() {
                    return Err(FieldError::new(
                        field,
                        "required",
                        "choose at least one option, or skip the question",
                    ));
                }
                for (i, c) in cs.iter().enumerate() {
                    code_of(options, c)?;
                    if cs[..i].contains(c) {
                        return Err(FieldError::new(
                            field,
                            "duplicate",
                            format!("'{c}' is chosen twice"),
                        ));
                    }
                }
                Ok(())
            }
            (QuestionKind::OpenText, Answer::Text(t)) => {
                if t.trim().is_empty() {
                    Err(FieldError::new(
                        field,
                        "required",
                        "an empty comment is a skipped question: send \"skipped\"",
                    ))
                } else if t.chars().count() > MAX_TEXT_CHARS {
                    Err(FieldError::new(
                        field,
                        "too_long",
                        format!("a comment is at most {MAX_TEXT_CHARS} characters"),
                    ))
                } else {
                    Ok(())
                }
            }
            (kind, _) => {
                let expected = match kind {
                    QuestionKind::SingleChoice { .. } => "one choice code",
                    QuestionKind::MultipleChoice { .. } => "a list of choice codes",
                    QuestionKind::OpenText => "text",
                    _ => "a score",
                };
                Err(FieldError::new(
                    field,
                    "wrong_type",
                    format!("a {} question takes {expected}", self.type_name()),
                ))
            }
        }
    }

    /// What a score counts towards (see [`ScoreClass`]); nothing for a choice or text question.
    pub fn classify(&self, score: u8) -> ScoreClass {
        match &self.kind {
            QuestionKind::Nps => ScoreClass {
                bucket: NpsBucket::of(score, "").ok(),
                ..ScoreClass::default()
            },
            QuestionKind::Csat { scale_max } => ScoreClass {
                top: csat_satisfied_from(*scale_max).is_ok_and(|from| score >= from),
                ..ScoreClass::default()
            },
            QuestionKind::Ces { scale } => ScoreClass {
                bucket: None,
                top: scale.easy(score),
                bottom: scale.hard(score),
            },
            QuestionKind::Rating { max } => ScoreClass {
                bucket: None,
                top: score.saturating_add(1) >= *max,
                bottom: score <= 2,
            },
            _ => ScoreClass::default(),
        }
    }
}

impl SurveyDefinition {
    /// The question keyed `key`.
    pub fn question(&self, key: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.key == key)
    }

    /// Checks a response's answers so far (`answers`, keyed by question): each names a question
    /// of this survey, fits it, and was asked (skip logic); when `finished`, every required
    /// question that was asked has an answer. Errors name `answers.{key}`.
    pub fn check_response(
        &self,
        answers: &std::collections::BTreeMap<String, Answer>,
        finished: bool,
    ) -> Result<(), FieldError> {
        for (key, a) in answers {
            let field = format!("answers.{key}");
            let Some(q) = self.question(key) else {
                let known: Vec<&str> = self.questions.iter().map(|q| q.key.as_str()).collect();
                return Err(FieldError::new(
                    field,
                    "unknown_question",
                    format!(
                        "survey '{}' has no question '{key}'; questions: {}",
                        self.key,
                        known.join(", ")
                    ),
                ));
            };
            q.check(a, &field)?;
        }
        let nps = |k: &str| match answers.get(k) {
            Some(Answer::Score(v)) => Some(*v),
            _ => None,
        };
        for (i, q) in self.questions.iter().enumerate() {
            let asked = self.asks(i, nps);
            let answer = answers.get(&q.key);
            let field = format!("answers.{}", q.key);
            if !asked && answer.is_some_and(|a| *a != Answer::Skipped) {
                return Err(FieldError::new(
                    field,
                    "not_asked",
                    "this question is not asked after that score",
                ));
            }
            if finished && asked && q.required && answer.is_none_or(|a| *a == Answer::Skipped) {
                return Err(FieldError::new(
                    field,
                    "required",
                    "this question must be answered before the response is finished",
                ));
            }
        }
        Ok(())
    }
}

fn choice(code: &str, label: &str) -> Choice {
    Choice {
        code: code.into(),
        label: label.into(),
    }
}

fn question(key: &str, label: &str, kind: QuestionKind) -> Question {
    Question {
        key: key.into(),
        label: label.into(),
        kind,
        required: false,
        ask_if: None,
    }
}

/// The ready-made surveys: checkout abandonment reasons, post-purchase NPS with a comment,
/// the returns desk's reason and CSAT, in-store NPS. Each passes [`SurveyDefinition::validate`].
pub fn templates() -> Vec<SurveyDefinition> {
    let why = |key: &str| AskIf {
        question: key.into(),
        buckets: vec![NpsBucket::Detractor, NpsBucket::Passive],
    };
    vec![
        SurveyDefinition {
            key: "checkout-abandonment".into(),
            version: 1,
            kind: SurveyKind::ExitIntent,
            title: "Before you go".into(),
            questions: vec![
                Question {
                    required: true,
                    ..question(
                        "reason",
                        "What stopped you from completing your order today?",
                        QuestionKind::SingleChoice {
                            options: vec![
                                choice("shipping_cost", "Shipping costs too much"),
                                choice("delivery_time", "Delivery takes too long"),
                                choice("price", "The price is too high"),
                                choice("just_browsing", "Just browsing"),
                                choice("payment_options", "My payment option is missing"),
                                choice("account_required", "I had to create an account"),
                                choice("comparing", "Comparing with other shops"),
                                choice("other", "Something else"),
                            ],
                        },
                    )
                },
                question(
                    "comment",
                    "Anything we could do better?",
                    QuestionKind::OpenText,
                ),
            ],
        },
        SurveyDefinition {
            key: "post-purchase-nps".into(),
            version: 1,
            kind: SurveyKind::PostPurchase,
            title: "How did we do?".into(),
            questions: vec![
                Question {
                    required: true,
                    ..question(
                        "nps",
                        "How likely are you to recommend us to a friend or colleague?",
                        QuestionKind::Nps,
                    )
                },
                Question {
                    ask_if: Some(why("nps")),
                    ..question(
                        "comment",
                        "What is the main reason for your score?",
                        QuestionKind::OpenText,
                    )
                },
            ],
        },
        SurveyDefinition {
            key: "returns-desk".into(),
            version: 1,
            kind: SurveyKind::ReturnsDesk,
            title: "Return".into(),
            questions: vec![
                question(
                    "reason",
                    "Why is it coming back?",
                    QuestionKind::SingleChoice {
                        options: vec![
                            choice("wrong_size", "Wrong size or fit"),
                            choice("damaged", "Arrived damaged or faulty"),
                            choice("not_as_described", "Not as described"),
                            choice("changed_mind", "Changed their mind"),
                            choice("better_price", "Found a better price"),
                            choice("gift", "Unwanted gift"),
                            choice("other", "Something else"),
                        ],
                    },
                ),
                question(
                    "csat",
                    "How satisfied are you with how we handled your return?",
                    QuestionKind::Csat { scale_max: 5 },
                ),
            ],
        },
        SurveyDefinition {
            key: "in-store-nps".into(),
            version: 1,
            kind: SurveyKind::InStore,
            title: "Thank you for shopping with us".into(),
            questions: vec![
                Question {
                    required: true,
                    ..question(
                        "nps",
                        "How likely are you to recommend this store to a friend?",
                        QuestionKind::Nps,
                    )
                },
                Question {
                    ask_if: Some(why("nps")),
                    ..question(
                        "comment",
                        "What could we do better?",
                        QuestionKind::OpenText,
                    )
                },
            ],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_valid_and_asks_the_follow_up_of_detractors_only() {
        let t = templates();
        assert_eq!(t.len(), 4);
        for s in &t {
            s.validate().unwrap_or_else(|e| panic!("{}: {e}", s.key));
        }
        let nps = t.iter().find(|s| s.key == "post-purchase-nps").unwrap();
        assert!(nps.asks(0, |_| None));
        assert!(nps.asks(1, |_| Some(3)), "a detractor is asked why");
        assert!(nps.asks(1, |_| Some(7)), "a passive is asked why");
        assert!(!nps.asks(1, |_| Some(10)), "a promoter is not");
        assert!(!nps.asks(1, |_| None), "a skipped score asks nothing");
        assert!(!nps.asks(9, |_| Some(0)));
    }

    #[test]
    fn a_bad_definition_names_its_field() {
        let mut s = templates().remove(0);
        s.key = "Checkout".into();
        assert_eq!(s.validate().unwrap_err().field, "key");
        let mut s = templates().remove(0);
        if let QuestionKind::SingleChoice { options } = &mut s.questions[0].kind {
            options[1].code = "shipping_cost".into();
        }
        let e = s.validate().unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("questions[0].options[1].code", "duplicate")
        );
        let mut s = templates().remove(1);
        s.questions.swap(0, 1);
        let e = s.validate().unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("questions[0].ask_if.question", "not_an_earlier_nps")
        );
        let mut s = templates().remove(2);
        s.questions[1].kind = QuestionKind::Csat { scale_max: 6 };
        assert_eq!(s.validate().unwrap_err().field, "questions[1].scale_max");
        let mut s = templates().remove(2);
        s.questions[1].key = "reason".into();
        assert_eq!(s.validate().unwrap_err().code, "duplicate");
        let mut s = templates().remove(3);
        s.questions.clear();
        assert_eq!(s.validate().unwrap_err().field, "questions");
    }

    #[test]
    fn answers_are_checked_against_their_question_and_the_skip_logic() {
        use std::collections::BTreeMap;
        let t = templates();
        let nps = t.iter().find(|s| s.key == "post-purchase-nps").unwrap();
        let mut a = BTreeMap::new();
        a.insert("nps".to_string(), Answer::Score(11));
        let e = nps.check_response(&a, false).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("answers.nps", "out_of_range")
        );
        a.insert("nps".into(), Answer::Score(10));
        a.insert("comment".into(), Answer::Text("great".into()));
        let e = nps.check_response(&a, true).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("answers.comment", "not_asked")
        );
        a.insert("nps".into(), Answer::Score(4));
        nps.check_response(&a, true).unwrap();
        a.insert("why".into(), Answer::Skipped);
        assert_eq!(
            nps.check_response(&a, false).unwrap_err().code,
            "unknown_question"
        );
        let mut a = BTreeMap::new();
        a.insert("comment".to_string(), Answer::Skipped);
        nps.check_response(&a, false).unwrap();
        let e = nps.check_response(&a, true).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("answers.nps", "required")
        );
        let desk = t.iter().find(|s| s.key == "returns-desk").unwrap();
        let mut a = BTreeMap::new();
        a.insert("reason".to_string(), Answer::Choice("too_big".into()));
        assert_eq!(
            desk.check_response(&a, true).unwrap_err().code,
            "unknown_choice"
        );
        a.insert("reason".into(), Answer::Score(3));
        assert_eq!(
            desk.check_response(&a, true).unwrap_err().code,
            "wrong_type"
        );
        a.insert("reason".into(), Answer::Choice("damaged".into()));
        a.insert("csat".into(), Answer::Score(4));
        desk.check_response(&a, true).unwrap();
        // A returns-desk survey is skippable whole: nothing there is required.
        desk.check_response(&BTreeMap::new(), true).unwrap();
        let csat = desk.question("csat").unwrap();
        assert!(csat.classify(4).top && !csat.classify(3).top);
        let score = nps.question("nps").unwrap();
        assert_eq!(score.classify(6).bucket, Some(NpsBucket::Detractor));
        let long = Answer::Text("x".repeat(MAX_TEXT_CHARS + 1));
        assert_eq!(
            nps.question("comment")
                .unwrap()
                .check(&long, "c")
                .unwrap_err()
                .code,
            "too_long"
        );
        assert_eq!(
            serde_json::to_string(&Answer::Skipped).unwrap(),
            "\"skipped\""
        );
        assert_eq!(
            serde_json::to_string(&Answer::Score(9)).unwrap(),
            r#"{"score":9}"#
        );
    }

    #[test]
    fn a_definition_travels_as_json_and_back() {
        for s in templates() {
            let text = serde_json::to_string(&s).unwrap();
            let back: SurveyDefinition = serde_json::from_str(&text).unwrap();
            assert_eq!(back, s);
        }
        let q: Question = serde_json::from_str(
            r#"{"key":"effort","label":"How easy was it?","type":"ces","scale":{"min":1,"max":7,"higher_is_easier":true}}"#,
        )
        .unwrap();
        assert!(matches!(q.kind, QuestionKind::Ces { .. }));
    }
}
