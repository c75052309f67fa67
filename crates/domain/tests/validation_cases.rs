//! Runs the shared validation cases (`docs/validation-cases.json`) against dd-domain's
//! parsers. The web app runs the same file against its form schema
//! (`web/src/features/deposits/validation.test.ts`), so the page and the API accept the
//! same values and give the same reasons.

use dd_domain::{AccountNumber, Allocation, AmountType, Designation, DomainError, RoutingNumber};
use serde_json::Value;

fn cases() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/validation-cases.json"
    );
    let text = std::fs::read_to_string(path).expect("docs/validation-cases.json is readable");
    serde_json::from_str(&text).expect("docs/validation-cases.json is JSON")
}

fn list<'a>(cases: &'a Value, name: &str) -> &'a Vec<Value> {
    let list = cases[name].as_array().expect("a list of cases");
    assert!(!list.is_empty(), "{name} has no cases");
    list
}

/// Checks one outcome against a case's `valid` / `reason`; returns a failure description.
fn check<T>(case: &Value, outcome: &Result<T, DomainError>) -> Option<String> {
    let valid = case["valid"].as_bool().expect("valid is a boolean");
    match (valid, outcome) {
        (true, Ok(_)) => None,
        (true, Err(err)) => Some(format!("{case}: refused ({err})")),
        (false, Ok(_)) => Some(format!("{case}: accepted")),
        (false, Err(err)) => {
            let expected = case["reason"]
                .as_str()
                .expect("invalid cases name a reason");
            (err.reason() != Some(expected)).then(|| format!("{case}: reason {:?}", err.reason()))
        }
    }
}

fn run_text_cases<T>(name: &str, parse: impl Fn(&str) -> Result<T, DomainError>) {
    let cases = cases();
    let failures: Vec<String> = list(&cases, name)
        .iter()
        .filter_map(|case| check(case, &parse(case["value"].as_str().expect("value"))))
        .collect();
    assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
}

#[test]
fn routing_numbers() {
    run_text_cases("routingNumber", RoutingNumber::parse);
}

#[test]
fn account_numbers() {
    run_text_cases("accountNumber", AccountNumber::parse);
}

#[test]
fn designations() {
    run_text_cases("designation", str::parse::<Designation>);
}

#[test]
fn amount_types() {
    run_text_cases("amountType", str::parse::<AmountType>);
}

#[test]
fn amounts_per_amount_type() {
    let cases = cases();
    let mut failures = Vec::new();
    for case in list(&cases, "amount") {
        let kind: AmountType = case["amountType"]
            .as_str()
            .expect("amountType")
            .parse()
            .expect("a valid amountType");
        // The JSON number as the API reads it from a request body.
        let amount = case["amount"].as_f64();
        let outcome = Allocation::new(kind, amount);
        if let Some(failure) = check(case, &outcome) {
            failures.push(failure);
        } else if let Ok(allocation) = outcome {
            let stored = case["stored"].as_i64();
            if allocation.stored_amount() != stored {
                failures.push(format!("{case}: stored {:?}", allocation.stored_amount()));
            }
        }
    }
    assert!(failures.is_empty(), "amount:\n{}", failures.join("\n"));
}
