//! The create rules against `create_form_cases.json`, the cases the console's form is checked
//! against too (`web/src/console/validate.test.ts`): an input refused by one is refused by the other.

use serde_json::{Value, json};
use vizjobs_api::CreateJobRequest;

#[test]
fn every_shared_case_gets_its_message() {
    let text = include_str!("create_form_cases.json");
    let fixture: Value = serde_json::from_str(text).expect("the cases are JSON");
    let valid = &fixture["valid"];
    let cases = fixture["cases"].as_array().expect("cases");
    assert!(cases.len() >= 10);
    for case in cases {
        let mut form = valid.clone();
        form[case["field"].as_str().expect("field")] = case["value"].clone();
        let mut body = json!({
            "job_name": form["job_name"],
            "job_desc": form["job_desc"],
            "train_url": form["train_url"],
            "job_type": form["job_type"],
        });
        let hours = form["schedule_hours"].as_str().unwrap_or_default();
        if !hours.is_empty() {
            // As the console sends it: the number typed, as a JSON number.
            let duration: Value = serde_json::from_str(hours).expect("a number");
            body["schedule"] = json!({"type": "stop", "time_unit": "HOURS", "duration": duration});
        }
        let got = match serde_json::from_value::<CreateJobRequest>(body) {
            Ok(request) => request.validate().err().map(|e| e.message),
            // The server's words for a body its types cannot hold (`body::parse_json`), whose
            // detail is serde's.
            Err(_) => Some("The request body is not valid".to_owned()),
        };
        assert_eq!(got.as_deref(), case["error"].as_str(), "{case}");
    }
}
