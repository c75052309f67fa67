//! PATCH on SQLite and on Postgres: amount and type changes, halves that do not fit the
//! deposit (409), and Rejected deposits, which are final.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

async fn rejected_deposit_cannot_be_patched(s: &Server) {
    // Decided: a Rejected deposit is a decided change request. It is final, like an
    // approval; the employee deletes it and submits a new one.
    let p = alice_path();
    let id = s
        .create(&p, &token(T1, ALICE), &flat("56565656", 10.0))
        .await;
    s.reject(&p, id, "wrong bank").await;
    let before = s.snapshot().await;
    let r = s
        .send(
            "PATCH",
            &format!("{p}/{id}"),
            Some(&token(T1, ALICE)),
            Some(&json!({"amount": 20})),
            &[],
        )
        .await;
    assert_error(&r, 409, 40);
    assert!(
        r.json["developerMessage"]
            .as_str()
            .unwrap()
            .contains("Rejected")
    );
    assert_eq!(s.snapshot().await, before);
    let preview = format!("/tenants/{T1}/companies/1/employees/1/paycheck-preview");
    let edit = json!({"netPay": 100, "replacing": id,
                      "proposed": {"amountType": "Flat", "amount": 20}});
    assert_error(&s.post(&preview, &token(T1, ALICE), &edit).await, 409, 40);
    let r = s
        .send(
            "DELETE",
            &format!("{p}/{id}"),
            Some(&token(T1, ALICE)),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
}

async fn patch_halves_that_do_not_fit_are_409(s: &Server) {
    let alice = token(T1, ALICE);
    let p = alice_path();
    let body = body("021000021", "70707070", "Percentage", Some(10.0));
    let id = s.create(&p, &alice, &body).await;
    let item = format!("{p}/{id}");
    let before = s.snapshot().await;
    for (patch, status, code) in [
        (json!({"amount": 150}), 409, 40),
        (json!({"amount": null}), 409, 40),
        (json!({"amountType": "Flat"}), 409, 40),
        (json!({"amount": -1}), 400, 30),
        (json!({"amountType": "Percentage", "amount": 150}), 400, 30),
    ] {
        let r = s
            .send("PATCH", &item, Some(&alice), Some(&patch), &[])
            .await;
        assert_error(&r, status, code);
    }
    assert_eq!(s.snapshot().await, before);
}

async fn patch_changes_amount_and_type(s: &Server) {
    let alice = token(T1, ALICE);
    let p = alice_path();
    let id = s.create(&p, &alice, &flat("30303030", 10.0)).await;
    let item = format!("{p}/{id}");
    let r = s
        .send(
            "PATCH",
            &item,
            Some(&alice),
            Some(&json!({"amountType": "Percentage", "amount": 12.5})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["amountType"], "Percentage");
    assert_eq!(r.json["amount"], 12.5);
    assert_eq!(r.json["status"], "Pending");
    let r = s
        .send(
            "PATCH",
            &item,
            Some(&alice),
            Some(&json!({"amountType": "Balance Remainder", "amount": null})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json["amount"].is_null());
    assert!(s.dispatched().is_empty());
}

on_both!(
    patch_changes_amount_and_type,
    rejected_deposit_cannot_be_patched,
    patch_halves_that_do_not_fit_are_409,
);
