//! Feedback benchmarks (issue 16) over a year of survey answers in the real engine.
//!
//! Run: `cargo bench -p backroom-store --bench feedback` (release). Prints figures for
//! docs/benchmarks.md; nothing here fails on timing.
//!
//! Generates `BENCH_RESPONSES` responses (default 200,000) over 365 store days through the real
//! use-case (`record_response`: checked, written, rolled up, tagged, one transaction each):
//! kiosk NPS with a comment from most, returns-desk reason + CSAT, web exit-intent reasons with
//! some comments; then times the Dashboards screen's feedback figures (`feedback_dashboard`:
//! NPS by day with the previous period, CSAT/CES, reasons, funnel) for the last 30 days and for
//! the whole year, and the themes (`themes_report`, read after the figures) over the year.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use backroom_domain::survey::Answer;
use backroom_store::{FeedbackFilter, InitStore, ManualClock, ResponseInput, SeededIds, Store};
use rand_chacha::rand_core::{RngCore, SeedableRng};

const OPENINGS: &[&str] = &[
    "The queue was long",
    "Friendly staff",
    "Prices are too high",
    "Great quality",
    "Could not find my size",
    "Quick checkout",
    "The shop was messy",
    "Helpful assistant",
    "Parking is hard",
    "Card machine failed",
    "Lovely new collection",
    "Out of stock again",
];
const ENDINGS: &[&str] = &[
    "and I waited ages",
    "but the music was loud",
    "so I will come back",
    "which was disappointing",
    "and the changing rooms were dirty",
    "thanks to the team",
    "compared to online",
    "on a busy Saturday",
];

fn main() {
    let n: u64 = std::env::var("BENCH_RESPONSES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir().expect("dir");
    // 2025-01-01T09:00Z: a year of store days up to 2025-12-31.
    let start = 1_735_722_000_000;
    let clock = Arc::new(ManualClock::new(start));
    let mut s = Store::open_with(
        &dir.path().join("feedback.sqlite"),
        clock.clone(),
        Arc::new(SeededIds::new(5)),
    )
    .expect("open");
    s.init(InitStore {
        store_name: "Bench".into(),
        currency: "EUR".into(),
        tax_mode: "inclusive".into(),
        device_name: "till".into(),
        location_code: "MAIN".into(),
        owner_name: "Olivia Owner".into(),
        owner_pin: "2580".into(),
        time_zone: "Europe/Berlin".into(),
    })
    .expect("init");
    for def in s.survey_templates() {
        s.define_survey(def, "active").expect("define");
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut pick = |k: u64| rng.next_u64() % k;
    let per_day = n.div_ceil(365);
    let t = Instant::now();
    for i in 0..n {
        if i > 0 && i % per_day == 0 {
            clock.advance(86_400_000);
        }
        let mut answers = BTreeMap::new();
        let survey = match i % 10 {
            0..=5 => {
                let score = pick(11) as u8;
                answers.insert("nps".to_string(), Answer::Score(score));
                if score <= 8 && pick(10) < 7 {
                    let text = format!(
                        "{} {}",
                        OPENINGS[pick(OPENINGS.len() as u64) as usize],
                        ENDINGS[pick(ENDINGS.len() as u64) as usize]
                    );
                    answers.insert("comment".to_string(), Answer::Text(text));
                }
                "in-store-nps"
            }
            6..=7 => {
                let reasons = ["wrong_size", "damaged", "changed_mind", "gift", "other"];
                answers.insert(
                    "reason".to_string(),
                    Answer::Choice(reasons[pick(5) as usize].into()),
                );
                answers.insert("csat".to_string(), Answer::Score(1 + pick(5) as u8));
                "returns-desk"
            }
            _ => {
                let reasons = ["shipping_cost", "delivery_time", "price", "just_browsing"];
                answers.insert(
                    "reason".to_string(),
                    Answer::Choice(reasons[pick(4) as usize].into()),
                );
                if pick(3) == 0 {
                    answers.insert(
                        "comment".to_string(),
                        Answer::Text("Shipping doubled the price".into()),
                    );
                }
                "checkout-abandonment"
            }
        };
        s.record_response(ResponseInput {
            survey: survey.into(),
            channel: "kiosk".into(),
            answers,
            finished: true,
            ..Default::default()
        })
        .expect("response");
    }
    let took = t.elapsed();
    println!(
        "recorded {n} responses in {:.1} s ({:.0}/s, each checked, rolled up and tagged in its own transaction)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
    let time = |label: &str, f: &dyn Fn()| {
        let mut samples: Vec<Duration> = (0..7)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect();
        samples.sort();
        println!(
            "{label}: p50 {:.1} ms, max {:.1} ms",
            samples[3].as_secs_f64() * 1e3,
            samples[6].as_secs_f64() * 1e3
        );
    };
    let month = FeedbackFilter {
        from: "2025-12-02".into(),
        to: "2025-12-31".into(),
        ..Default::default()
    };
    let year = FeedbackFilter {
        from: "2025-01-01".into(),
        to: "2025-12-31".into(),
        ..Default::default()
    };
    time(
        "feedback figures, 30 days (NPS by day + previous period, CSAT/CES, reasons, funnel; themes read apart)",
        &|| {
            s.feedback_dashboard(&month).expect("dashboard");
        },
    );
    time("feedback figures, a year", &|| {
        s.feedback_dashboard(&year).expect("dashboard");
    });
    time(
        "rollup figures only, a year (NPS, scores, reasons, funnel)",
        &|| {
            s.nps_report(&year).expect("nps");
            s.score_report(&year).expect("scores");
            s.reasons_report(&year).expect("reasons");
            s.funnel_report(&year).expect("funnel");
        },
    );
    time("themes, 30 days", &|| {
        s.themes_report(&month).expect("themes");
    });
    let commented = s.themes_report(&year).expect("themes").commented;
    time(
        &format!("themes over the year's {commented} comments"),
        &|| {
            s.themes_report(&year).expect("themes");
        },
    );
}
