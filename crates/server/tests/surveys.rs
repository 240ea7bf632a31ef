//! Public survey ingestion through the real server and PostgreSQL (issue 16): a storefront's
//! responses and displays, idempotent on the sender's external id, checked with field-level
//! errors, CORS per survey, and the answers reaching the store's till and head office through
//! sync, joined to the order they name.

mod common;

use backroom_domain::survey::Answer;
use backroom_store::{FeedbackFilter, ResponseQuery};
use backroom_sync::http::HttpTransport;
use common::*;
use serde_json::{json, Value};

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

fn post(
    srv: &TestServer,
    path: &str,
    body: &Value,
    origin: Option<&str>,
) -> (u16, Value, Option<String>) {
    let mut r = client().post(format!("{}{path}", srv.base)).json(body);
    if let Some(o) = origin {
        r = r.header("origin", o);
    }
    let resp = r.send().expect("request");
    let status = resp.status().as_u16();
    let acao = resp
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = resp.json::<Value>().unwrap_or(Value::Null);
    (status, body, acao)
}

/// A till of store `code` that has defined the post-purchase NPS survey (allowed from
/// `origins`), sold one tee, and synced; the survey's public key and the sale's receipt.
fn store_with_survey(
    srv: &TestServer,
    dir: &std::path::Path,
    code: &str,
    origins: &[&str],
) -> (backroom_store::Store, String, String) {
    let mut t = seeded_till(dir, code, 11);
    link(srv, &mut t, code);
    let def = t
        .survey_templates()
        .into_iter()
        .find(|s| s.key == "post-purchase-nps")
        .expect("template");
    let origins: Vec<String> = origins.iter().map(|o| o.to_string()).collect();
    let v = t
        .define_survey_for(def, "active", &origins)
        .expect("define");
    let sale = t
        .complete_sale(cash_sale("c-1", "TEE-1", 1999))
        .expect("sale");
    t.sync_with(&mut transport_of(&t)).expect("sync");
    (t, v.public_key, sale.receipt_number)
}

#[test]
fn a_storefront_response_reaches_the_store_and_head_office_joined_to_its_order() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let (mut till_, key, receipt) = store_with_survey(&srv, dir.path(), "NORTH", &[]);
    let path = format!("/v1/surveys/{key}/responses");
    // Two impressions (one retried), then a response in two parts, one retried.
    for ext in ["d-1", "d-1", "d-2"] {
        let (s, _, _) = post(
            &srv,
            &format!("/v1/surveys/{key}/displays"),
            &json!({"external_id": ext, "store": "NORTH"}),
            None,
        );
        assert!(s == 201 || s == 200, "{s}");
    }
    let first = json!({"external_id": "r-1", "answers": {"nps": {"score": 4}}, "finished": false,
                       "store": "NORTH", "order_ref": receipt, "order_value": 1999,
                       "metadata": {"page": "/thanks"}});
    let (s, a, _) = post(&srv, &path, &first, None);
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["status"], "created");
    let id = a["id"].as_str().expect("id").to_string();
    let (s, again, _) = post(&srv, &path, &first, None);
    assert_eq!(
        (s, again["status"].as_str(), again["id"].as_str()),
        (200, Some("duplicate"), Some(id.as_str()))
    );
    let second = json!({"external_id": "r-1", "answers": {"comment": {"text": "Shipping was slow"}}, "store": "NORTH"});
    let (s, upd, _) = post(&srv, &path, &second, None);
    assert_eq!((s, upd["status"].as_str()), (200, Some("updated")), "{upd}");
    // A response with no store goes to the chain's WEB store, which head office reads.
    let (s, _, _) = post(
        &srv,
        &path,
        &json!({"external_id": "r-2", "answers": {"nps": {"score": 10}}}),
        None,
    );
    assert_eq!(s, 201);

    till_
        .sync_with(&mut transport_of(&till_))
        .expect("the till pulls the storefront's answers");
    let f = FeedbackFilter {
        from: "2000-01-01".into(),
        to: "2100-01-01".into(),
        ..Default::default()
    };
    let nps = till_.nps_report(&f).expect("nps");
    assert_eq!(
        (nps.nps.detractors, nps.nps.n()),
        (1, 1),
        "the store sees its own response once"
    );
    let funnel = till_.funnel_report(&f).expect("funnel");
    assert_eq!(funnel[0].1.displays, 2, "a retried display counts once");
    let rows = till_
        .responses(&ResponseQuery {
            filter: f.clone(),
            ..Default::default()
        })
        .expect("responses");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, id);
    assert_eq!(
        rows[0].receipt_number.as_deref(),
        Some(receipt.as_str()),
        "joined to the sale"
    );
    assert_eq!(
        rows[0].answers.get("comment"),
        Some(&Answer::Text("Shipping was slow".into()))
    );
    assert!(rows[0].finished);
    assert!(till_.check().expect("check").ok);

    // Head office sees both: NORTH's and the WEB store's.
    let code = srv
        .rt
        .block_on(backroom_server::issue_head_office_enrolment(&srv.pool))
        .expect("code");
    let cred = HttpTransport::new(&srv.base)
        .expect("client")
        .enrol(&code)
        .expect("enrol");
    let mut hq = till(dir.path(), "hq", 3);
    hq.link_server(&backroom_store::ServerLink {
        url: srv.base.clone(),
        store: cred.store,
        token: cred.token,
        device_code: cred.device_code,
    })
    .expect("link");
    hq.sync_with(&mut transport_of(&hq))
        .expect("head office syncs");
    let all = hq.nps_report(&f).expect("nps");
    assert_eq!((all.nps.promoters, all.nps.detractors), (1, 1), "{all:?}");
    let web = hq
        .nps_report(&FeedbackFilter {
            store: Some("WEB".into()),
            ..f.clone()
        })
        .expect("web");
    assert_eq!(web.nps.promoters, 1);
    let north = hq
        .nps_report(&FeedbackFilter {
            store: Some("NORTH".into()),
            ..f
        })
        .expect("north");
    assert_eq!(north.nps.detractors, 1);
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[test]
fn a_storefront_answer_is_dated_on_its_stores_calendar() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let (mut t, key, _) = store_with_survey(&srv, dir.path(), "EAST", &[]);
    // A zone whose date is not UTC's now: 12 hours behind before noon UTC, 14 ahead after.
    let before = now_ms();
    let utc_hour = (before / 3_600_000) % 24;
    let zone = if utc_hour < 12 {
        "Etc/GMT+12"
    } else {
        "Pacific/Kiritimati"
    };
    let mut settings = t.store_settings().expect("settings");
    settings.time_zone = zone.into();
    t.update_store_settings(settings).expect("zone");
    t.sync_with(&mut transport_of(&t))
        .expect("the zone reaches the server");
    let (s, a, _) = post(
        &srv,
        &format!("/v1/surveys/{key}/responses"),
        &json!({"external_id": "z-1", "answers": {"nps": {"score": 9}}, "store": "EAST"}),
        None,
    );
    assert_eq!(s, 201, "{a}");
    let (s, _, _) = post(
        &srv,
        &format!("/v1/surveys/{key}/displays"),
        &json!({"external_id": "zd-1", "store": "EAST"}),
        None,
    );
    assert_eq!(s, 201);
    let after = now_ms();
    t.sync_with(&mut transport_of(&t)).expect("pull");
    let tz = backroom_store::local::zone(zone, "time_zone").expect("zone");
    let days = [
        backroom_store::local::day_in(before, &tz),
        backroom_store::local::day_in(after, &tz),
    ];
    assert_ne!(
        days[0],
        backroom_store::local::utc_day(before),
        "the zone bites"
    );
    let all = FeedbackFilter {
        from: "2000-01-01".into(),
        to: "2100-01-01".into(),
        ..Default::default()
    };
    let rows = t
        .responses(&ResponseQuery {
            filter: all,
            ..Default::default()
        })
        .expect("responses");
    assert_eq!(rows.len(), 1);
    assert!(
        days.contains(&rows[0].local_day),
        "{} not {days:?}",
        rows[0].local_day
    );
    // The display is on the same store day: the day's funnel has it.
    let day = FeedbackFilter {
        from: rows[0].local_day.clone(),
        to: rows[0].local_day.clone(),
        ..Default::default()
    };
    let funnel = t.funnel_report(&day).expect("funnel");
    assert_eq!(funnel[0].1.displays, 1, "{funnel:?}");
}

#[test]
fn bad_requests_name_the_field_and_change_nothing() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let (_t, key, _) = store_with_survey(&srv, dir.path(), "EAST", &[]);
    let path = format!("/v1/surveys/{key}/responses");
    let cases = [
        (
            json!({"external_id": "x", "answers": {"nps": {"score": 11}}}),
            "answers.nps",
        ),
        (
            json!({"external_id": "x", "answers": {"why": {"text": "?"}}}),
            "answers.why",
        ),
        (
            json!({"external_id": "x", "answers": {"nps": {"choice": "great"}}}),
            "answers.nps",
        ),
        (
            json!({"external_id": "x", "answers": {"nps": {"scor": 9}}}),
            "answers.nps",
        ),
        (
            json!({"external_id": "", "answers": {"nps": {"score": 9}}}),
            "external_id",
        ),
        (json!({"answers": {"nps": {"score": 9}}}), "body"),
        (
            json!({"external_id": "x", "answers": {"nps": {"score": 9}}, "colour": "red"}),
            "body",
        ),
        (
            json!({"external_id": "x", "answers": {"nps": "skipped"}, "finished": true}),
            "answers.nps",
        ),
        (
            json!({"external_id": "x", "answers": {"nps": {"score": 10}, "comment": {"text": "!"}}}),
            "answers.comment",
        ),
        (
            json!({"external_id": "x", "answers": {"nps": {"score": 9}}, "order_value": -5}),
            "order_value",
        ),
        (
            json!({"external_id": "x", "answers": {"nps": {"score": 9}}, "store": "NOPE"}),
            "store",
        ),
    ];
    for (body, field) in cases {
        let (s, e, _) = post(&srv, &path, &body, None);
        assert_eq!(s, 400, "{body} → {e}");
        let got = e["field"].as_str().unwrap_or("");
        assert!(
            got == field || (field == "body" && !got.is_empty()),
            "{body}: field {got}, wanted {field} ({e})"
        );
    }
    let meta: serde_json::Map<String, Value> =
        (0..21).map(|i| (format!("k{i}"), json!("v"))).collect();
    let (s, e, _) = post(
        &srv,
        &path,
        &json!({"external_id": "x", "answers": {"nps": {"score": 9}}, "metadata": meta}),
        None,
    );
    assert_eq!((s, e["field"].as_str()), (400, Some("metadata")));
    let big = "x".repeat(70 * 1024);
    let (s, _, _) = post(
        &srv,
        &path,
        &json!({"external_id": "x", "answers": {"comment": {"text": big}}}),
        None,
    );
    assert!(s == 400 || s == 413, "an oversized body is refused: {s}");
    let (s, _, _) = post(
        &srv,
        "/v1/surveys/pk_nothing/responses",
        &json!({"external_id": "x", "answers": {}}),
        None,
    );
    assert_eq!(s, 404);
    let written: i64 = srv.rt.block_on(async {
        sqlx::query_scalar("SELECT COUNT(*) FROM change_log WHERE kind = 'survey.responded'")
            .fetch_one(&srv.pool)
            .await
            .expect("count")
    });
    assert_eq!(written, 0, "nothing refused was written");
    let doc = client()
        .get(format!("{}/v1/openapi.json", srv.base))
        .send()
        .expect("openapi")
        .json::<Value>()
        .expect("json");
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/v1/surveys/{key}/responses"]["post"].is_object());
    assert!(
        doc["info"]["description"]
            .as_str()
            .unwrap_or("")
            .contains("mouseout"),
        "the snippet is there"
    );
}

#[test]
fn cors_follows_each_surveys_allowed_origins() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let (_t, key, _) = store_with_survey(&srv, dir.path(), "WEST", &["https://shop.example"]);
    let path = format!("/v1/surveys/{key}/responses");
    let pre = |origin: &str| {
        client()
            .request(reqwest::Method::OPTIONS, format!("{}{path}", srv.base))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
            .expect("preflight")
    };
    let ok = pre("https://shop.example");
    assert_eq!(ok.status().as_u16(), 204);
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "https://shop.example"
    );
    assert!(ok.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap_or("")
        .contains("POST"));
    let no = pre("https://evil.example");
    assert_eq!(no.status().as_u16(), 403);
    assert!(no.headers().get("access-control-allow-origin").is_none());
    let body = json!({"external_id": "c-1", "answers": {"nps": {"score": 9}}});
    let (s, _, acao) = post(&srv, &path, &body, Some("https://shop.example"));
    assert_eq!((s, acao.as_deref()), (201, Some("https://shop.example")));
    let (s, _, acao) = post(
        &srv,
        &path,
        &json!({"external_id": "c-2", "answers": {"nps": {"score": 9}}}),
        Some("https://evil.example"),
    );
    assert_eq!((s, acao), (403, None));
    // A server-to-server post (no Origin) is not a browser's and is taken.
    let (s, _, _) = post(
        &srv,
        &path,
        &json!({"external_id": "c-3", "answers": {"nps": {"score": 9}}}),
        None,
    );
    assert_eq!(s, 201);
}

#[test]
fn the_same_new_response_posted_at_once_to_two_processes_is_one_response() {
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let (_t, key, _) = store_with_survey(&srv, dir.path(), "RACE", &[]);
    let other = srv.second_process();
    let bases = [srv.base.clone(), other];
    let answers: Vec<(u16, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..12)
            .map(|i| {
                let url = format!("{}/v1/surveys/{key}/responses", bases[i % 2]);
                scope.spawn(move || {
                    let r = client()
                        .post(url)
                        .json(&json!({"external_id": "same", "answers": {"nps": {"score": 9}}}))
                        .send()
                        .expect("request");
                    (
                        r.status().as_u16(),
                        r.json::<Value>().unwrap_or(Value::Null),
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let created = answers.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(created, 1, "one of them made it: {answers:?}");
    assert!(
        answers.iter().all(|(s, _)| *s == 201 || *s == 200),
        "{answers:?}"
    );
    let ids: std::collections::BTreeSet<&str> = answers
        .iter()
        .filter_map(|(_, a)| a["id"].as_str())
        .collect();
    assert_eq!(
        ids.len(),
        1,
        "every answer names the same response: {answers:?}"
    );
    let written: i64 = srv.rt.block_on(async {
        sqlx::query_scalar("SELECT COUNT(*) FROM change_log WHERE kind = 'survey.responded'")
            .fetch_one(&srv.pool)
            .await
            .expect("count")
    });
    assert_eq!(written, 1, "one op, however many times it was sent");
}
