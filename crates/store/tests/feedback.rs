//! Customer feedback through the real store (issue 16): surveys defined from the templates,
//! responses recorded and checked, the daily rollups against hand-computed figures and against
//! a recomputation after random histories (including ones synced between tills), and themes on
//! a few thousand generated review-like comments.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use backroom_api::sales::SalesFilter;
use backroom_domain::feedback::NpsBucket;
use backroom_domain::hlc::Hlc;
use backroom_domain::survey::Answer;
use backroom_domain::themes::ThemeRule;
use backroom_store::{
    FeedbackFilter, ManualClock, ResponseInput, ResponseQuery, SaleLineInput, Store, StoreError,
};
use backroom_sync::feedback::{AnswerFact, SurveyRespondedV1};
use backroom_sync::wire::OpEnvelope;
use common::*;
use proptest::prelude::*;

const DAY: i64 = 86_400_000;

fn with_surveys(t: &mut TestStore) {
    for def in t.store.survey_templates() {
        t.store.define_survey(def, "active").expect("define");
    }
}

fn answers(pairs: &[(&str, Answer)]) -> BTreeMap<String, Answer> {
    pairs
        .iter()
        .map(|(k, a)| (k.to_string(), a.clone()))
        .collect()
}

fn respond(s: &mut Store, survey: &str, pairs: &[(&str, Answer)]) -> String {
    s.record_response(ResponseInput {
        survey: survey.into(),
        channel: "pos".into(),
        answers: answers(pairs),
        finished: true,
        ..Default::default()
    })
    .expect("response")
}

fn day(from: &str, to: &str) -> FeedbackFilter {
    FeedbackFilter {
        from: from.into(),
        to: to.into(),
        ..Default::default()
    }
}

#[test]
fn nps_csat_and_reasons_match_hand_computed_figures() {
    let mut t = new_store();
    with_surveys(&mut t);
    // 2026-01-01: promoters 10, 9; passive 8; detractors 6, 3; one skipped (comment only).
    for score in [10, 9, 8, 6, 3] {
        respond(
            &mut t.store,
            "in-store-nps",
            &[("nps", Answer::Score(score))],
        );
    }
    t.store
        .record_response(ResponseInput {
            survey: "in-store-nps".into(),
            channel: "kiosk".into(),
            answers: answers(&[("nps", Answer::Skipped)]),
            finished: false,
            ..Default::default()
        })
        .expect("a skipped score is kept");
    let v = t
        .store
        .nps_report(&day("2026-01-01", "2026-01-01"))
        .unwrap();
    assert_eq!(
        (
            v.nps.promoters,
            v.nps.passives,
            v.nps.detractors,
            v.nps.skipped
        ),
        (2, 1, 2, 1)
    );
    assert_eq!(
        v.score_milli,
        Some(0),
        "(2 - 2) / 5 answered, the skip not counted"
    );
    assert_eq!(v.by_day.len(), 1);
    assert_eq!(v.previous.n(), 0);
    assert_eq!(
        v.previous_score_milli, None,
        "an empty period has no score, not 0"
    );
    assert_eq!(v.differs, None);
    // A one-response day.
    t.clock.advance(DAY);
    respond(&mut t.store, "in-store-nps", &[("nps", Answer::Score(9))]);
    let one = t
        .store
        .nps_report(&day("2026-01-02", "2026-01-02"))
        .unwrap();
    assert_eq!(one.score_milli, Some(100_000));
    assert_eq!(
        one.margin_milli,
        Some(0),
        "one answer has no spread (the dashboard says low n)"
    );
    assert_eq!(
        one.previous.n(),
        5,
        "the previous day is the previous period"
    );
    let both = t
        .store
        .nps_report(&day("2026-01-01", "2026-01-02"))
        .unwrap();
    assert_eq!(both.score_milli, Some(16_667), "(3 - 2) / 6");
    let empty = t
        .store
        .nps_report(&day("2026-02-01", "2026-02-28"))
        .unwrap();
    assert_eq!((empty.nps.n(), empty.score_milli), (0, None));

    // Returns desk: CSAT 5, 4, 2 and one skipped; reasons wrong_size ×2, damaged ×1.
    for (reason, csat) in [
        ("wrong_size", Answer::Score(5)),
        ("wrong_size", Answer::Score(4)),
        ("damaged", Answer::Score(2)),
        ("damaged", Answer::Skipped),
    ] {
        let id = respond(
            &mut t.store,
            "returns-desk",
            &[("reason", Answer::Choice(reason.into())), ("csat", csat)],
        );
        assert!(!id.is_empty());
    }
    let scores = t
        .store
        .score_report(&day("2026-01-02", "2026-01-02"))
        .unwrap();
    let csat = scores.iter().find(|s| s.question == "csat").unwrap();
    assert_eq!((csat.answered, csat.skipped), (3, 1));
    assert_eq!(
        csat.score_milli,
        Some(66_667),
        "2 of 3 answered chose 4 or 5"
    );
    assert_eq!(csat.mean_milli, Some(3_667), "(5 + 4 + 2) / 3");
    let reasons = t
        .store
        .reasons_report(&day("2026-01-02", "2026-01-02"))
        .unwrap();
    let got: Vec<(&str, u64, i64)> = reasons
        .iter()
        .map(|r| (r.code.as_str(), r.n, r.share_milli))
        .collect();
    assert_eq!(got, vec![("damaged", 2, 50_000), ("wrong_size", 2, 50_000)]);
    assert_eq!(reasons[1].label, "Wrong size or fit");
    let report = t.store.check().unwrap();
    assert!(report.ok, "{:?}", report.findings);
}

#[test]
fn partial_responses_and_retries_settle_on_one_response() {
    let mut t = new_store();
    with_surveys(&mut t);
    for _ in 0..3 {
        t.store
            .record_display("post-purchase-nps", "web", None)
            .expect("display");
    }
    let part = |answers_: &[(&str, Answer)], finished: bool| ResponseInput {
        survey: "post-purchase-nps".into(),
        external_id: "shop-123".into(),
        channel: "web".into(),
        answers: answers(answers_),
        finished,
        ..Default::default()
    };
    let first = t
        .store
        .record_response(part(&[("nps", Answer::Score(4))], false))
        .unwrap();
    let again = t
        .store
        .record_response(part(&[("nps", Answer::Score(4))], false))
        .unwrap();
    assert_eq!(first, again, "the sender's retry is the same response");
    let second = t
        .store
        .record_response(part(
            &[("comment", Answer::Text("Delivery was late".into()))],
            true,
        ))
        .unwrap();
    assert_eq!(first, second);
    assert_eq!(t.rows("survey_response"), 1);
    let f = day("2026-01-01", "2026-01-01");
    let v = t.store.nps_report(&f).unwrap();
    assert_eq!((v.nps.detractors, v.nps.n()), (1, 1), "counted once");
    // A changed score moves the response from detractor to promoter, not both.
    t.store
        .record_response(ResponseInput {
            id: Some(first.clone()),
            external_id: String::new(),
            ..part(
                &[("nps", Answer::Score(9)), ("comment", Answer::Skipped)],
                true,
            )
        })
        .unwrap();
    let v = t.store.nps_report(&f).unwrap();
    assert_eq!((v.nps.promoters, v.nps.detractors), (1, 0));
    let funnel = t.store.funnel_report(&f).unwrap();
    assert_eq!(funnel.len(), 1);
    let (_, fu) = &funnel[0];
    assert_eq!((fu.displays, fu.started, fu.finished), (3, 1, 1));
    assert_eq!(
        fu.completion_rate_milli(),
        Some(33_333),
        "finished / displays"
    );
    let shown = t.store.responses(&ResponseQuery {
        filter: f.clone(),
        ..Default::default()
    });
    let shown = shown.unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].answers.get("nps"), Some(&Answer::Score(9)));
    assert!(t.store.check().unwrap().ok);
}

#[test]
fn bad_responses_name_the_field_and_write_nothing() {
    let mut t = new_store();
    with_surveys(&mut t);
    let before = t.footprint();
    let outbox = t.rows("outbox");
    let cases: Vec<(ResponseInput, &str, &str)> = vec![
        (
            ResponseInput {
                survey: "in-store-nps".into(),
                channel: "pos".into(),
                answers: answers(&[("nps", Answer::Score(11))]),
                finished: true,
                ..Default::default()
            },
            "answers.nps",
            "out_of_range",
        ),
        (
            ResponseInput {
                survey: "returns-desk".into(),
                channel: "pos".into(),
                answers: answers(&[("reason", Answer::Choice("too_big".into()))]),
                finished: true,
                ..Default::default()
            },
            "answers.reason",
            "unknown_choice",
        ),
        (
            ResponseInput {
                survey: "in-store-nps".into(),
                channel: "pos".into(),
                answers: answers(&[
                    ("nps", Answer::Score(10)),
                    ("comment", Answer::Text("x".into())),
                ]),
                finished: true,
                ..Default::default()
            },
            "answers.comment",
            "not_asked",
        ),
        (
            ResponseInput {
                survey: "nope".into(),
                channel: "pos".into(),
                answers: answers(&[("nps", Answer::Score(1))]),
                finished: true,
                ..Default::default()
            },
            "survey",
            "not_found",
        ),
        (
            ResponseInput {
                survey: "in-store-nps".into(),
                channel: "fax".into(),
                answers: answers(&[("nps", Answer::Score(1))]),
                finished: true,
                ..Default::default()
            },
            "channel",
            "invalid",
        ),
        (
            ResponseInput {
                survey: "in-store-nps".into(),
                channel: "pos".into(),
                order: Some("R-404".into()),
                answers: answers(&[("nps", Answer::Score(1))]),
                finished: true,
                ..Default::default()
            },
            "order",
            "not_found",
        ),
    ];
    for (input, field, code) in cases {
        match t.store.record_response(input) {
            Err(StoreError::Invalid(e)) => {
                assert_eq!((e.field.as_str(), e.code.as_str()), (field, code))
            }
            other => panic!("expected {field}/{code}, got {other:?}"),
        }
    }
    assert_eq!(t.footprint(), before);
    assert_eq!(t.rows("outbox"), outbox);
    assert_eq!(t.rows("survey_response"), 0);
    // A new version must be above the current one; paused surveys take no new responses.
    let mut def = t.store.survey("in-store-nps").unwrap().unwrap().definition;
    def.title = "Changed".into();
    let e = t.store.define_survey(def.clone(), "active").unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid(ref f) if f.field == "version"),
        "{e:?}"
    );
    def.version = 2;
    // A question key keeps its type: NPS answers are never added to CSAT's.
    let mut retyped = t.store.survey("returns-desk").unwrap().unwrap().definition;
    retyped.version = 2;
    retyped.questions[1].kind = backroom_domain::survey::QuestionKind::Rating { max: 5 };
    let e = t.store.define_survey(retyped, "active").unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid(ref f) if f.field == "questions[1].type" && f.code == "changed"),
        "{e:?}"
    );
    let v = t.store.define_survey(def, "paused").unwrap();
    assert_eq!((v.version, v.status.as_str()), (2, "paused"));
    let e = t
        .store
        .record_response(ResponseInput {
            survey: "in-store-nps".into(),
            channel: "pos".into(),
            answers: answers(&[("nps", Answer::Score(1))]),
            finished: true,
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Invalid(ref f) if f.code == "paused"),
        "{e:?}"
    );
}

#[test]
fn check_finds_a_tampered_rollup_and_a_rebuild_repairs_it() {
    let mut t = new_store();
    with_surveys(&mut t);
    respond(&mut t.store, "in-store-nps", &[("nps", Answer::Score(2))]);
    respond(
        &mut t.store,
        "returns-desk",
        &[("reason", Answer::Choice("gift".into()))],
    );
    assert!(t.store.check().unwrap().ok);
    t.store
        .connection()
        .execute_batch(
            "UPDATE feedback_daily SET promoters = promoters + 1 WHERE question_key = 'nps';
             UPDATE feedback_choice_daily SET n = 5;",
        )
        .unwrap();
    let r = t.store.check().unwrap();
    let found: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.kind == "feedback_rollup")
        .map(|f| f.detail.as_str())
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].contains("in-store-nps/nps"), "{found:?}");
    t.store.rebuild_dashboard_rollups().unwrap();
    assert!(t.store.check().unwrap().ok);
}

/// Comments like a shop's reviews: detractors write about queues, prices and rude staff,
/// promoters about friendly, helpful staff and quality; everyone mentions parking now and then,
/// which no built-in theme covers.
fn review(rng: &mut u64, bucket: NpsBucket) -> String {
    let mut next = |n: usize| {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        (*rng % n as u64) as usize
    };
    let bad = [
        "The queue was far too long, waited twenty minutes",
        "Prices are too expensive compared to other shops",
        "The cashier was rude and unhelpful",
        "Long wait at the till, only one checkout open",
        "Sizes run small, the fit was wrong",
        "Everything is overpriced lately",
    ];
    let good = [
        "Friendly staff, really helpful with sizes",
        "Great quality, the jacket feels durable",
        "Quick service and a clean, tidy store",
        "The assistant was so helpful and friendly",
        "Lovely selection and fair prices",
    ];
    let neutral = [
        "Parking was hard to find",
        "Could not find parking nearby",
        "Open later on Sundays please",
        "Nice music in the store",
    ];
    let mut parts = Vec::new();
    let pool: &[&str] = match bucket {
        NpsBucket::Detractor => &bad,
        NpsBucket::Promoter => &good,
        NpsBucket::Passive => &neutral,
    };
    parts.push(pool[next(pool.len())]);
    if next(4) == 0 {
        parts.push(neutral[next(neutral.len())]);
    }
    if next(10) == 0 {
        parts.push(pool[next(pool.len())]);
    }
    parts.join(". ")
}

#[test]
fn themes_on_thousands_of_generated_reviews() {
    let mut t = new_store();
    with_surveys(&mut t);
    // A custom survey that asks everyone for a comment (the templates ask only detractors
    // and passives), so promoters' words can be compared with detractors'.
    let mut visit = t.store.survey("in-store-nps").unwrap().unwrap().definition;
    visit.key = "visit".into();
    visit.questions[1].ask_if = None;
    t.store.define_survey(visit, "active").unwrap();
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    let mut detractors = 0;
    // 2,400 responses over two weeks: the first week calm, the second with more queues.
    for i in 0..2_400u32 {
        if i % 200 == 0 && i > 0 {
            t.clock.advance(DAY);
        }
        let second_week = i >= 1_400;
        let score: u8 = match (i % 10, second_week) {
            (0..=3, true) | (0..=1, false) => 3,
            (4..=5, _) | (2..=3, false) => 7,
            _ => 10,
        };
        let bucket = NpsBucket::of(score, "").unwrap();
        detractors += u64::from(bucket == NpsBucket::Detractor);
        let a = vec![
            ("nps", Answer::Score(score)),
            ("comment", Answer::Text(review(&mut rng, bucket))),
        ];
        respond(&mut t.store, "visit", &a);
    }
    assert!(detractors > 500);
    let all = day("2026-01-01", "2026-01-12");
    let v = t.store.themes_report(&all).unwrap();
    assert!(v.commented > 1_500, "{}", v.commented);
    let queue = v
        .themes
        .iter()
        .find(|x| x.code == "queue")
        .expect("queue theme");
    let staff = v
        .themes
        .iter()
        .find(|x| x.code == "staff")
        .expect("staff theme");
    assert!(queue.n > 100);
    assert!(
        queue.nps_milli.unwrap() < -50_000,
        "queue comments come from detractors: {queue:?}"
    );
    assert!(
        queue.impact_milli.unwrap() < 0,
        "without the queue complaints NPS would be higher: {queue:?}"
    );
    assert!(staff.n > 50, "{staff:?}");
    let dvp = &v.detractors_vs_promoters;
    assert!(!dvp.is_empty());
    let z = |term: &str| dvp.iter().find(|c| c.term == term).map(|c| c.z);
    assert!(z("wait").unwrap() > 3.0, "{dvp:?}");
    assert!(z("rude").unwrap() > 3.0, "{dvp:?}");
    assert!(z("friend").unwrap() < -3.0, "{dvp:?}");
    let top: Vec<&str> = v.top_terms.iter().map(|t| t.label.as_str()).collect();
    assert!(top.contains(&"parking"), "{top:?}");
    let s = v
        .suggestions
        .iter()
        .find(|s| s.term == "park")
        .expect("parking is suggested: no theme covers it");
    // Staff accept the suggestion: every earlier comment is tagged at once.
    t.store
        .set_theme(
            ThemeRule {
                code: "parking".into(),
                name: "Parking".into(),
                terms: vec![s.label.clone()],
            },
            true,
            "suggested",
        )
        .unwrap();
    let after = t.store.themes_report(&all).unwrap();
    let parking = after.themes.iter().find(|x| x.code == "parking").unwrap();
    assert_eq!(parking.n, s.df, "each comment mentioning parking is tagged");
    assert!(!after.suggestions.iter().any(|x| x.term == "park"));
    // This week against last: queues rose.
    let week2 = t
        .store
        .themes_report(&day("2026-01-07", "2026-01-12"))
        .unwrap();
    let complaints = [
        "queue", "wait", "long", "rude", "cashier", "expens", "overpr", "till",
    ];
    assert!(
        week2.versus_previous.iter().any(|c| c.z > 2.0
            && complaints
                .iter()
                .any(|w| c.term.split(' ').any(|t| t.starts_with(w)))),
        "{:?}",
        week2.versus_previous
    );
    // The drill-down finds the comments by theme and by words, and exports them.
    let q = ResponseQuery {
        filter: all.clone(),
        theme: Some("parking".into()),
        text: Some("nearby".into()),
        limit: 10_000,
        ..Default::default()
    };
    let found = t.store.responses(&q).unwrap();
    assert!(!found.is_empty());
    assert!(found
        .iter()
        .all(|r| r.themes.contains(&"parking".to_string())));
    let csv = t.store.export_responses_csv(&q).unwrap();
    assert_eq!(csv.lines().count(), found.len() + 1);
    assert!(csv
        .lines()
        .next()
        .unwrap()
        .starts_with("response_id,survey,day"));
    let det = t
        .store
        .responses(&ResponseQuery {
            filter: all,
            bucket: Some(NpsBucket::Detractor),
            limit: 100_000,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(det.len() as u64, detractors);
    assert!(t.store.check().unwrap().ok);
}

// ---- rollups equal a recomputation after random histories, synced between two tills ----

#[derive(Debug, Clone)]
enum Step {
    /// Till `t` records a response to the in-store NPS (`score`, or skipped) with a comment,
    /// tied to the `order`th of its own sales when given.
    Nps {
        t: usize,
        score: Option<u8>,
        comment: bool,
        order: Option<usize>,
    },
    /// Till `t` sells a tee (`sku` index).
    Sale { t: usize, sku: usize },
    /// A storefront answers the post-purchase NPS naming the `n`th receipt any till printed
    /// (its till may not have pushed it yet), through the server's web device, straight to
    /// the hub; `again`: a later part of the last web response instead.
    Web { n: usize, score: u8, again: bool },
    /// Till `t` records a returns-desk reason (`reason` index) and CSAT.
    Desk { t: usize, reason: usize, csat: u8 },
    /// Till `t` re-answers its `n`th response's NPS (a later part).
    Change { t: usize, n: usize, score: u8 },
    /// Till `t` records a display.
    Display { t: usize },
    /// A day passes.
    NextDay,
    /// Till `t` pushes, then pulls what the hub has.
    Sync { t: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..2usize, proptest::option::of(0..=10u8), any::<bool>(), proptest::option::of(0..8usize))
            .prop_map(|(t, score, comment, order)| Step::Nps { t, score, comment, order }),
        2 => (0..2usize, 0..3usize).prop_map(|(t, sku)| Step::Sale { t, sku }),
        2 => (0..8usize, 0..=10u8, any::<bool>()).prop_map(|(n, score, again)| Step::Web { n, score, again }),
        2 => (0..2usize, 0..7usize, 1..=5u8).prop_map(|(t, reason, csat)| Step::Desk { t, reason, csat }),
        2 => (0..2usize, 0..20usize, 0..=10u8).prop_map(|(t, n, score)| Step::Change { t, n, score }),
        1 => (0..2usize).prop_map(|t| Step::Display { t }),
        1 => Just(Step::NextDay),
        2 => (0..2usize).prop_map(|t| Step::Sync { t }),
    ]
}

struct Till {
    store: Store,
    clock: Arc<ManualClock>,
    pushed: i64,
    pulled: usize,
    own: Vec<String>,
    receipts: Vec<String>,
    _dir: tempfile::TempDir,
}

fn till_from(seed: &TestStore, n: u64) -> Till {
    let (store, clock, dir) = restored_till(seed, n, 300 + n);
    let pushed = store.last_device_seq().expect("seq");
    Till {
        store,
        clock,
        pushed,
        pulled: 0,
        own: Vec::new(),
        receipts: Vec::new(),
        _dir: dir,
    }
}

impl Till {
    fn sync(&mut self, hub: &mut Vec<OpEnvelope>) {
        let ops = self.store.ops_after(self.pushed).expect("ops");
        if let Some(last) = ops.last() {
            self.pushed = last.device_seq;
        }
        hub.extend(ops);
        let theirs: Vec<OpEnvelope> = hub[self.pulled..]
            .iter()
            .filter(|o| o.device_id != self.store.device_id().unwrap_or_default())
            .cloned()
            .collect();
        self.store.apply_all(&theirs).expect("apply");
        self.pulled = hub.len();
    }
}

const TEES: [&str; 3] = ["TEE-RED-M", "TEE-RED-L", "TEE-BLU-M"];

/// The server's web device of the store: the ops a storefront's answers become.
#[derive(Default)]
struct WebDevice {
    seq: i64,
    last: Option<(String, String)>,
}

impl WebDevice {
    /// A post-purchase NPS answer naming receipt `receipt` (or, `again`, a later part of the
    /// last one, which keeps the receipt it named).
    fn respond(&mut self, receipt: &str, score: u8, again: bool) -> OpEnvelope {
        self.seq += 1;
        let (id, receipt) = match (&self.last, again) {
            (Some(last), true) => last.clone(),
            _ => (format!("web-response-{}", self.seq), receipt.to_string()),
        };
        self.last = Some((id.clone(), receipt.clone()));
        let at = T0 + self.seq * 1_000;
        let body = SurveyRespondedV1 {
            id,
            survey: "post-purchase-nps".into(),
            survey_version: 1,
            external_id: format!("ext-{}", self.seq),
            channel: "web".into(),
            local_day: backroom_store::local::utc_day(at),
            order_id: None,
            return_id: None,
            order_ref: Some(receipt),
            staff_id: None,
            finished: true,
            answers: [("nps".to_string(), AnswerFact::Score(score))].into(),
            meta: BTreeMap::new(),
        };
        let mut body = serde_json::to_value(&body).expect("body");
        body["v"] = 1.into();
        OpEnvelope {
            op_id: format!("web-op-{}", self.seq),
            // A UUID, as the server's web devices are.
            device_id: "5eb0de71-ce00-5000-8000-00000000a1b2".into(),
            device_seq: self.seq,
            hlc: Hlc {
                wall_ms: at,
                counter: 0,
            }
            .to_string(),
            actor: "web".into(),
            kind: "survey.responded".into(),
            body,
            created_at: at,
        }
    }
}

const REASONS: [&str; 7] = [
    "wrong_size",
    "damaged",
    "not_as_described",
    "changed_mind",
    "better_price",
    "gift",
    "other",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn rollups_equal_a_recomputation_after_random_synced_histories(
        steps in proptest::collection::vec(step(), 1..40)
    ) {
        let mut seed = new_store();
        with_surveys(&mut seed);
        seed.store.save_product(tee()).expect("product");
        for sku in TEES {
            seed.store.receive_stock(sku, "MAIN", 100, "", "").expect("stock");
        }
        let mut tills = [till_from(&seed, 1), till_from(&seed, 2)];
        let mut hub: Vec<OpEnvelope> = Vec::new();
        let mut receipts: Vec<String> = Vec::new();
        let mut web = WebDevice::default();
        for s in &steps {
            match *s {
                Step::Sale { t, sku } => {
                    let n = tills[t].receipts.len();
                    let order = tills[t]
                        .store
                        .complete_sale(cash_sale(format!("cart-{t}-{n}"), TEES[sku], 1, 2_200))
                        .expect("sale");
                    receipts.push(order.receipt_number.clone());
                    tills[t].receipts.push(order.receipt_number);
                }
                Step::Web { n, score, again } => {
                    if receipts.is_empty() { continue; }
                    let receipt = receipts[n % receipts.len()].clone();
                    hub.push(web.respond(&receipt, score, again));
                }
                Step::Nps { t, score, comment, order } => {
                    let mut a = vec![("nps", score.map_or(Answer::Skipped, Answer::Score))];
                    if comment && score.is_some_and(|v| v <= 8) {
                        a.push(("comment", Answer::Text("the queue was slow".into())));
                    }
                    let order = order
                        .filter(|_| !tills[t].receipts.is_empty())
                        .map(|n| tills[t].receipts[n % tills[t].receipts.len()].clone());
                    let id = tills[t].store.record_response(ResponseInput {
                        survey: "in-store-nps".into(),
                        channel: "kiosk".into(),
                        order,
                        answers: answers(&a),
                        finished: score.is_some(),
                        ..Default::default()
                    }).unwrap();
                    tills[t].own.push(id);
                }
                Step::Desk { t, reason, csat } => {
                    respond(&mut tills[t].store, "returns-desk", &[
                        ("reason", Answer::Choice(REASONS[reason].into())),
                        ("csat", Answer::Score(csat)),
                    ]);
                }
                Step::Change { t, n, score } => {
                    if tills[t].own.is_empty() { continue; }
                    let id = tills[t].own[n % tills[t].own.len()].clone();
                    // A later part may clash with a comment the new score does not ask for.
                    let _ = tills[t].store.record_response(ResponseInput {
                        id: Some(id),
                        survey: "in-store-nps".into(),
                        channel: "kiosk".into(),
                        answers: answers(&[("nps", Answer::Score(score))]),
                        finished: true,
                        ..Default::default()
                    });
                }
                Step::Display { t } => {
                    tills[t].store.record_display("in-store-nps", "kiosk", None).unwrap();
                }
                // A day passes for every till (clocks days apart are clamped as skew).
                Step::NextDay => {
                    for t in &tills {
                        t.clock.advance(DAY);
                    }
                }
                Step::Sync { t } => tills[t].sync(&mut hub),
            }
        }
        for t in &mut tills {
            t.sync(&mut hub);
        }
        tills[0].sync(&mut hub);
        let f = day("2025-12-01", "2026-03-01");
        let a = tills[0].store.nps_report(&f).unwrap();
        let b = tills[1].store.nps_report(&f).unwrap();
        prop_assert_eq!(a.nps, b.nps);
        prop_assert_eq!(
            tills[0].store.reasons_report(&f).unwrap(),
            tills[1].store.reasons_report(&f).unwrap()
        );
        prop_assert_eq!(
            tills[0].store.funnel_report(&f).unwrap(),
            tills[1].store.funnel_report(&f).unwrap()
        );
        let whole = SalesFilter { from: "2025-12-01".into(), to: "2026-03-01".into(), store: None };
        prop_assert_eq!(
            tills[0].store.sales_feedback(&whole).unwrap(),
            tills[1].store.sales_feedback(&whole).unwrap()
        );
        for t in &tills {
            let r = t.store.check().unwrap();
            let bad: Vec<_> = r
                .findings
                .iter()
                .filter(|f| f.kind == "feedback_rollup" || f.kind == "sales_rollup")
                .collect();
            prop_assert!(bad.is_empty(), "{:?}", bad);
        }
    }
}

#[test]
fn a_new_version_beats_an_older_versions_later_change_on_every_till() {
    let mut seed = new_store();
    with_surveys(&mut seed);
    let (mut a, clock_a, _da) = restored_till(&seed, 1, 501);
    let (mut b, clock_b, _db) = restored_till(&seed, 2, 502);
    // Till A publishes version 2; till B, offline and later, pauses version 1.
    let mut v2 = a.survey("in-store-nps").unwrap().unwrap().definition;
    v2.version = 2;
    v2.title = "How was your visit?".into();
    a.define_survey(v2, "active").unwrap();
    clock_b.advance(DAY);
    clock_a.advance(DAY);
    let v1 = b.survey("in-store-nps").unwrap().unwrap().definition;
    b.define_survey(v1, "paused").unwrap();
    let from_a = a.ops_after(a.last_device_seq().unwrap() - 1).unwrap();
    let from_b = b.ops_after(b.last_device_seq().unwrap() - 1).unwrap();
    a.apply_all(&from_b).unwrap();
    b.apply_all(&from_a).unwrap();
    for s in [&a, &b] {
        let v = s.survey("in-store-nps").unwrap().unwrap();
        assert_eq!(
            (v.version, v.status.as_str()),
            (2, "active"),
            "the higher version wins"
        );
    }
    assert_eq!(
        a.survey("in-store-nps").unwrap().unwrap().public_key,
        b.survey("in-store-nps").unwrap().unwrap().public_key
    );
}

/// Two tills of a store selling tees, and the hub they sync through.
fn tee_tills() -> ([Till; 2], Vec<OpEnvelope>) {
    let mut seed = new_store();
    with_surveys(&mut seed);
    seed.store.save_product(tee()).expect("product");
    for sku in TEES {
        seed.store
            .receive_stock(sku, "MAIN", 100, "", "")
            .expect("stock");
    }
    ([till_from(&seed, 1), till_from(&seed, 2)], Vec::new())
}

/// Per product: (n, NPS); per staff member: (id, n, NPS).
type NpsNextToSales = (Vec<(u64, Option<i64>)>, Vec<(String, u64, Option<i64>)>);

fn nps_of(t: &Till) -> NpsNextToSales {
    let f = t
        .store
        .sales_feedback(&SalesFilter {
            from: "2025-12-01".into(),
            to: "2026-03-01".into(),
            store: None,
        })
        .expect("sales feedback");
    (
        f.by_product
            .values()
            .map(|n| (n.n, n.score_milli))
            .collect(),
        f.by_staff
            .iter()
            .map(|(k, n)| (k.clone(), n.n, n.score_milli))
            .collect(),
    )
}

/// Till `t` sells one `sku` and the customer answers the kiosk's NPS with `score`, tied to it.
fn kiosk_after_sale(t: &mut Till, sku: &str, score: u8) {
    let sale = t
        .store
        .complete_sale(cash_sale(format!("cart-{sku}"), sku, 1, 2_200))
        .expect("sale");
    t.store
        .record_response(ResponseInput {
            survey: "in-store-nps".into(),
            channel: "kiosk".into(),
            order: Some(sale.receipt_number),
            answers: answers(&[("nps", Answer::Score(score))]),
            finished: true,
            ..Default::default()
        })
        .expect("kiosk");
}

#[test]
fn nps_next_to_products_and_staff_whichever_arrives_first() {
    let ([mut a, mut b], mut hub) = tee_tills();
    let mut web = WebDevice::default();
    // Till b sells two tees in one order and has not pushed it; a storefront's detractor names
    // its receipt and reaches till a first.
    let mut sale = cash_sale("cart-b", "TEE-RED-M", 1, 4_200);
    sale.lines.push(SaleLineInput {
        sku: "TEE-BLU-M".into(),
        quantity: 1,
        ..Default::default()
    });
    let order = b.store.complete_sale(sale).expect("sale");
    hub.push(web.respond(&order.receipt_number, 3, false));
    a.sync(&mut hub);
    // Tied to no order here yet: no product, and the answer took no staff member.
    assert_eq!(
        nps_of(&a),
        (vec![], vec![(String::new(), 1, Some(-100_000))])
    );
    // On till b the order is there: the tee once (two of its variants, one order), and the
    // staff member who sold it.
    b.sync(&mut hub);
    assert_eq!(
        nps_of(&b),
        (
            vec![(1, Some(-100_000))],
            vec![(order.staff_id.clone(), 1, Some(-100_000))]
        )
    );
    // The order reaches till a: the answer moves to it.
    a.sync(&mut hub);
    assert_eq!(nps_of(&a), nps_of(&b));
    // A later part turns the detractor into a promoter, everywhere.
    hub.push(web.respond("", 10, true));
    a.sync(&mut hub);
    b.sync(&mut hub);
    assert_eq!(
        nps_of(&a),
        (
            vec![(1, Some(100_000))],
            vec![(order.staff_id.clone(), 1, Some(100_000))]
        )
    );
    assert_eq!(nps_of(&a), nps_of(&b));
    // A kiosk passive on till a, tied to a's own sale of a tee.
    kiosk_after_sale(&mut a, "TEE-RED-L", 8);
    a.sync(&mut hub);
    b.sync(&mut hub);
    assert_eq!(nps_of(&a).0, vec![(2, Some(50_000))]);
    assert_eq!(nps_of(&a), nps_of(&b));
    for t in [&a, &b] {
        let r = t.store.check().expect("check");
        assert!(
            r.findings.iter().all(|f| f.kind != "sales_rollup"),
            "{:?}",
            r.findings
        );
    }
}

#[test]
fn a_store_from_before_the_nps_rollups_builds_them_when_opened() {
    let ([mut a, _b], _hub) = tee_tills();
    kiosk_after_sale(&mut a, "TEE-RED-M", 10);
    let want = nps_of(&a);
    assert_eq!(want.0, vec![(1, Some(100_000))]);
    // As migration 0016 leaves a store that had answers: the tables empty, marked stale.
    a.store
        .connection()
        .execute_batch(
            "DELETE FROM nps_product_daily; DELETE FROM nps_product_monthly; DELETE FROM nps_staff_daily;
             INSERT INTO local_setting (key, value) VALUES ('nps_rollups_stale', '1');",
        )
        .expect("as migrated");
    assert_eq!(nps_of(&a).0, vec![]);
    let path = a._dir.path().join("till.sqlite");
    a.store = Store::open_with(
        &path,
        a.clock.clone(),
        Arc::new(backroom_store::SeededIds::new(99)),
    )
    .expect("reopen");
    assert_eq!(nps_of(&a), want, "built from the answers on open");
    let stale: i64 = a
        .store
        .connection()
        .query_row(
            "SELECT COUNT(*) FROM local_setting WHERE key = 'nps_rollups_stale'",
            [],
            |r| r.get(0),
        )
        .expect("flag");
    assert_eq!(stale, 0);
}
