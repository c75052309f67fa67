//! `docs/openapi.yaml` against the running server:
//! - the routes and methods the server answers are exactly the documented ones (probed
//!   live: an unimplemented route/method gets the "route not found" 404);
//! - a scripted session produces every documented status of every operation, and no
//!   undocumented one (500 is documented everywhere and produced live on the list);
//! - every response of that session validates against its documented schema.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;
mod schema;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use schema::{resolve, validate};
use serde_json::{Value, json};

const C: &str = "/tenants/{tenantId}/companies/{companyId}/employees/{employeeId}/direct-deposits";

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let spec: Value = serde_norway::from_str(&text).unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    spec
}

fn templates() -> [String; 4] {
    [
        C.to_owned(),
        format!("{C}/{{id}}"),
        format!("{C}/{{id}}/approve"),
        format!("{C}/{{id}}/reject"),
    ]
}

const METHODS: [&str; 6] = ["get", "post", "put", "patch", "delete", "options"];

/// (template, method) → documented statuses.
fn documented(spec: &Value) -> BTreeMap<(String, String), BTreeSet<u16>> {
    let mut out = BTreeMap::new();
    for (template, item) in spec["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                let statuses = op["responses"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(|k| k.parse().unwrap())
                    .collect();
                out.insert((template.clone(), method.to_owned()), statuses);
            }
        }
    }
    out
}

/// Checks a live reply against the documented response of (template, method, status).
fn check_reply(spec: &Value, template: &str, method: &str, r: &Reply) {
    let op = &spec["paths"][template][method];
    let response = resolve(spec, &op["responses"][r.status.to_string()]);
    assert!(
        response.is_object(),
        "{method} {template} answered undocumented {}: {}",
        r.status,
        r.text
    );
    match response.pointer("/content/application~1json/schema") {
        Some(schema) => validate(
            spec,
            schema,
            &r.json,
            &format!("{method} {template} {}", r.status),
        ),
        None => assert!(
            r.text.is_empty(),
            "{method} {template} {}: body {}",
            r.status,
            r.text
        ),
    }
}

fn is_route_not_found(r: &Reply) -> bool {
    r.status == 404 && r.json["developerMessage"] == "route not found"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documented_routes_are_exactly_the_served_ones() {
    let spec = spec();
    let documented = documented(&spec);
    let s = sqlite().await;
    let mut served = BTreeSet::new();
    for template in templates() {
        let concrete = template
            .replace("{tenantId}", T1)
            .replace("{companyId}", "1")
            .replace("{employeeId}", "1")
            .replace("{id}", "1");
        for method in METHODS {
            let r = s
                .send(&method.to_uppercase(), &concrete, None, None, &[])
                .await;
            if !is_route_not_found(&r) {
                served.insert((template.clone(), method.to_owned()));
            }
        }
    }
    let documented_ops: BTreeSet<_> = documented.keys().cloned().collect();
    assert_eq!(served, documented_ops);
    for other in [
        "/",
        "/tenants",
        &format!("/tenants/{T1}/companies/1/employees/1"),
        &format!("{}/1/approve/now", alice_path()),
        &format!("{}/1/cancel", alice_path()),
    ] {
        let r = s.get(other, &token(T1, HR)).await;
        assert!(is_route_not_found(&r), "{other}: {}", r.text);
        assert_error(&r, 404, 50);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_status_occurs_and_validates() {
    let spec = spec();
    let documented = documented(&spec);
    let s = sqlite().await;
    let [c, i, a, r] = templates();
    let alice = token(T1, ALICE);
    let hr = token(T1, HR);
    let p = alice_path();
    let ghost = "00000000-0000-4000-8000-0000000000ff";
    let mut observed: BTreeMap<(String, String), BTreeSet<u16>> = BTreeMap::new();

    // (template, method, path, token, body, expected status)
    type Step<'a> = (&'a str, &'a str, String, Option<String>, Option<Value>, u16);
    let script: Vec<Step> = vec![
        (&c, "get", p.clone(), Some(alice.clone()), None, 204),
        (
            &c,
            "post",
            p.clone(),
            Some(alice.clone()),
            Some(flat("123456789", 10.0)),
            201,
        ),
        (
            &c,
            "post",
            p.clone(),
            Some(alice.clone()),
            Some(body("011000015", "55555555", "Balance Remainder", None)),
            201,
        ),
        (
            &c,
            "post",
            p.clone(),
            Some(alice.clone()),
            Some(flat("22223333", 1.0)),
            201,
        ),
        (
            &c,
            "post",
            p.clone(),
            Some(alice.clone()),
            Some(flat("44445555", 1.0)),
            201,
        ),
        (&c, "get", p.clone(), Some(alice.clone()), None, 200),
        (&c, "get", p.clone(), Some(hr.clone()), None, 200),
        (&c, "get", p.clone(), None, None, 401),
        (
            &c,
            "get",
            format!("{p}?pageToken=%21"),
            Some(alice.clone()),
            None,
            400,
        ),
        (
            &c,
            "get",
            path(ghost, "1", "1"),
            Some(token(ghost, ALICE)),
            None,
            404,
        ),
        (
            &c,
            "post",
            p.clone(),
            Some(alice.clone()),
            Some(json!({"x": 1})),
            400,
        ),
        (&c, "post", p.clone(), None, Some(flat("1", 1.0)), 401),
        (
            &c,
            "post",
            p.clone(),
            Some(alice.clone()),
            Some(flat("123456789", 5.0)),
            409,
        ),
        (
            &c,
            "post",
            path(T1, "1", "99"),
            Some(hr.clone()),
            Some(flat("1", 1.0)),
            404,
        ),
        (
            &i,
            "patch",
            format!("{p}/1"),
            Some(alice.clone()),
            Some(json!({"amount": 5})),
            200,
        ),
        (
            &i,
            "patch",
            format!("{p}/1"),
            Some(alice.clone()),
            Some(json!({"amount": "5"})),
            400,
        ),
        (
            &i,
            "patch",
            format!("{p}/1"),
            None,
            Some(json!({"amount": 5})),
            401,
        ),
        (
            &i,
            "patch",
            format!("{p}/999"),
            Some(alice.clone()),
            Some(json!({"amount": 5})),
            404,
        ),
        (
            &i,
            "patch",
            format!("{p}/1"),
            Some(alice.clone()),
            Some(json!({"amountType": "Balance Remainder"})),
            409,
        ),
        (
            &i,
            "delete",
            format!("{p}/abc"),
            Some(alice.clone()),
            None,
            400,
        ),
        (&i, "delete", format!("{p}/3"), None, None, 401),
        (
            &i,
            "delete",
            format!("{p}/999"),
            Some(alice.clone()),
            None,
            404,
        ),
        (
            &i,
            "delete",
            format!("{p}/3"),
            Some(alice.clone()),
            None,
            204,
        ),
        (
            &a,
            "post",
            format!("{p}/1/approve"),
            Some(alice.clone()),
            None,
            401,
        ),
        (
            &a,
            "post",
            format!("{p}/abc/approve"),
            Some(hr.clone()),
            None,
            400,
        ),
        (
            &a,
            "post",
            format!("{p}/999/approve"),
            Some(hr.clone()),
            None,
            404,
        ),
        (
            &a,
            "post",
            format!("{p}/1/approve"),
            Some(hr.clone()),
            None,
            200,
        ),
        (
            &a,
            "post",
            format!("{p}/1/approve"),
            Some(hr.clone()),
            None,
            409,
        ),
        (
            &r,
            "post",
            format!("{p}/2/reject"),
            Some(alice.clone()),
            None,
            401,
        ),
        (
            &r,
            "post",
            format!("{p}/abc/reject"),
            Some(hr.clone()),
            None,
            400,
        ),
        (
            &r,
            "post",
            format!("{p}/999/reject"),
            Some(hr.clone()),
            None,
            404,
        ),
        (
            &r,
            "post",
            format!("{p}/2/reject"),
            Some(hr.clone()),
            None,
            200,
        ),
        (
            &r,
            "post",
            format!("{p}/2/reject"),
            Some(hr.clone()),
            None,
            409,
        ),
        (&c, "options", p.clone(), None, None, 204),
        (&i, "options", format!("{p}/1"), None, None, 204),
        (&a, "options", format!("{p}/1/approve"), None, None, 204),
        (&r, "options", format!("{p}/1/reject"), None, None, 204),
    ];
    for (template, method, concrete, tok, req, expected) in script {
        let reply = s
            .send(
                &method.to_uppercase(),
                &concrete,
                tok.as_deref(),
                req.as_ref(),
                &[],
            )
            .await;
        assert_eq!(
            reply.status, expected,
            "{method} {concrete}: {}",
            reply.text
        );
        check_reply(&spec, template, method, &reply);
        observed
            .entry((template.to_owned(), method.to_owned()))
            .or_default()
            .insert(reply.status);
    }

    // A 500, live: a stored account number that no longer opens.
    sqlx::query("UPDATE direct_deposits SET account_ciphertext = 'dd1:AAAA' WHERE id = 4")
        .execute(s.store.pool())
        .await
        .unwrap();
    let reply = s.get(&p, &hr).await;
    assert_error(&reply, 500, 0);
    check_reply(&spec, &c, "get", &reply);

    for (op, statuses) in &documented {
        let seen = observed.get(op).cloned().unwrap_or_default();
        let mut expected = statuses.clone();
        if op.1 != "options" {
            assert!(statuses.contains(&500), "{op:?} lacks 500");
            expected.remove(&500);
        }
        assert_eq!(seen, expected, "{op:?}: observed vs documented statuses");
    }
}
