//! The public survey endpoints' rate limit per survey key and client address (issue 16), in a
//! test binary of its own: the limit is read from `BACKROOM_SURVEY_RATE` when the server
//! starts, and the other tests run with the default.

mod common;

use common::*;
use serde_json::json;

#[test]
fn a_flood_from_one_address_is_slowed_per_key() {
    // Set before any server of this process starts (this binary's only test).
    std::env::set_var("BACKROOM_SURVEY_RATE", "2/3");
    let srv = server();
    let dir = tempfile::tempdir().expect("dir");
    let mut t = seeded_till(dir.path(), "RATE", 5);
    link(&srv, &mut t, "RATE");
    let mut keys = Vec::new();
    for key in ["in-store-nps", "post-purchase-nps"] {
        let def = t
            .survey_templates()
            .into_iter()
            .find(|s| s.key == key)
            .expect("template");
        keys.push(t.define_survey(def, "active").expect("define").public_key);
    }
    t.sync_with(&mut transport_of(&t)).expect("sync");
    let client = reqwest::blocking::Client::new();
    let send = |key: &str, i: usize| {
        client
            .post(format!("{}/v1/surveys/{key}/responses", srv.base))
            .json(&json!({"external_id": format!("f-{i}"), "answers": {"nps": {"score": 9}}}))
            .send()
            .expect("request")
            .status()
            .as_u16()
    };
    let statuses: Vec<u16> = (0..10).map(|i| send(&keys[0], i)).collect();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(limited >= 5, "a burst of 3 then 2 a second: {statuses:?}");
    assert_eq!(statuses[0], 201);
    // Another key from the same address has its own allowance.
    assert_eq!(send(&keys[1], 100), 201);
    // And the allowance comes back.
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    assert_eq!(send(&keys[0], 200), 201);
}
