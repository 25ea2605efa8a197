//! The create rules against `create_form_cases.json`, the cases the console's form is checked
//! against too (`web/src/console/validate.test.ts`): the same inputs must get the same words.

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
            let duration: u32 = hours.parse().expect("whole hours");
            body["schedule"] = json!({"type": "stop", "time_unit": "HOURS", "duration": duration});
        }
        let request: CreateJobRequest = serde_json::from_value(body).expect("a create request");
        let got = request.validate().err().map(|e| e.message);
        assert_eq!(got.as_deref(), case["error"].as_str(), "{case}");
    }
}
