//! The routes the web app builds on (api-contract items 1–6), on SQLite and on Postgres:
//! one deposit, `me`, the paycheck preview, HR's pending list, audited reveals and
//! rejections with a reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

fn preview_path() -> String {
    format!("/tenants/{T1}/companies/1/employees/1/paycheck-preview")
}

fn pending_path() -> String {
    format!("/tenants/{T1}/companies/1/pending-direct-deposits")
}

async fn get_one_deposit(s: &Server) {
    let alice = token(T1, ALICE);
    let p = alice_path();
    let id = s.create(&p, &alice, &flat("123456789", 12.5)).await;
    let r = s.get(&format!("{p}/{id}"), &alice).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let listed = s.get(&p, &alice).await;
    assert_eq!(r.json, listed.json["results"][0]);
    assert_eq!(r.json["bankAccount"]["accountNumber"], "*****6789");
    let admin = s.get(&format!("{p}/{id}"), &token(T1, HR)).await;
    assert_eq!(admin.json["bankAccount"]["accountNumber"], "123456789");
    assert!(admin.json.get("rejectionReason").is_none());
    assert_error(&s.get(&format!("{p}/999"), &alice).await, 404, 50);
    // Another employee's deposit id through Alice's path is simply not hers.
    let bob = path(T1, "1", "2");
    let bobs = s
        .create(&bob, &token(T1, BOB), &flat("11112222", 1.0))
        .await;
    assert_error(&s.get(&format!("{p}/{bobs}"), &alice).await, 404, 50);
    assert_error(&s.get(&format!("{bob}/{bobs}"), &alice).await, 401, 11);
    assert_error(&s.get(&format!("{p}/abc"), &alice).await, 400, 60);
    // Deleted: gone.
    s.send("DELETE", &format!("{p}/{id}"), Some(&alice), None, &[])
        .await;
    assert_error(&s.get(&format!("{p}/{id}"), &alice).await, 404, 50);
}

async fn me_says_who_the_user_is(s: &Server) {
    let me = format!("/tenants/{T1}/me");
    let r = s.get(&me, &token(T1, "Alice@Acme.Example")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.json,
        json!({
            "email": "alice@acme.example", "role": "employee", "tenantId": T1,
            "tenantName": "Acme", "companyId": 1, "employeeId": 1,
            "firstName": "Alice", "lastName": "Anders",
        })
    );
    let hr = s.get(&me, &token(T1, HR)).await;
    assert_eq!(hr.json["role"], "admin");
    assert_eq!(hr.json["tenantName"], "Acme");
    // A user without an employee link.
    sqlx::query(
        "INSERT INTO users (tenant_id, email, role) VALUES ($1, 'ops@acme.example', 'admin')",
    )
    .bind(T1)
    .execute(s.store.pool())
    .await
    .unwrap();
    let ops = s.get(&me, &token(T1, "ops@acme.example")).await;
    assert_eq!(ops.status, 200, "{}", ops.text);
    for field in ["companyId", "employeeId", "firstName", "lastName"] {
        assert!(ops.json[field].is_null(), "{field}: {}", ops.text);
    }
    assert_error(&s.get(&me, &token(T2, CAROL)).await, 401, 11);
    assert_error(
        &s.get(&me, &token(T1, "mallory@acme.example")).await,
        401,
        11,
    );
    assert_error(&s.send("GET", &me, None, None, &[]).await, 401, 10);
    assert_error(
        &s.get("/tenants/a%20b/me", &token("a b", ALICE)).await,
        400,
        60,
    );
}

async fn preview_splits_the_paycheck(s: &Server) {
    let alice = token(T1, ALICE);
    let p = alice_path();
    let flat_id = s.create(&p, &alice, &flat("10101010", 200.0)).await;
    let pct = body("011000015", "20202020", "Percentage", Some(10.0));
    let pct_id = s.create(&p, &alice, &pct).await;
    let rest = body("021000021", "30303030", "Balance Remainder", None);
    let rest_id = s.create(&p, &alice, &rest).await;
    let rejected = s.create(&p, &alice, &flat("40404040", 5.0)).await;
    s.reject(&p, rejected, "not this one").await;
    let before = s.snapshot().await;

    let r = s
        .post(&preview_path(), &alice, &json!({"netPay": 1000}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["netPay"], 1000);
    assert_eq!(r.json["undeposited"], 0);
    assert_eq!(r.json["warnings"], json!([]));
    let allocations = r.json["allocations"].as_array().unwrap();
    let got: Vec<_> = allocations
        .iter()
        .map(|a| {
            (
                a["depositId"].as_i64().unwrap(),
                a["deposited"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(flat_id, 200.0), (pct_id, 100.0), (rest_id, 700.0)]
    );
    assert_eq!(allocations[2]["amountType"], "Balance Remainder");
    assert!(allocations[2]["amount"].is_null());
    assert_eq!(allocations[0]["status"], "Pending");

    // Adding a Flat 800 (last): only 700 left for it, nothing for the remainder.
    let r = s
        .post(
            &preview_path(),
            &alice,
            &json!({"netPay": 1000, "proposed": {"amountType": "Flat", "amount": 800}}),
        )
        .await;
    let last = &r.json["allocations"][3];
    assert!(last["depositId"].is_null());
    assert_eq!(last["deposited"], 700);
    assert_eq!(last["note"], "asks for $800.00; only $700.00 left");
    assert_eq!(r.json["allocations"][2]["deposited"], 0);
    assert!(!r.json["warnings"].as_array().unwrap().is_empty());

    // Editing the Flat deposit into 50%: it is left out and the proposal goes last.
    let r = s
        .post(
            &preview_path(),
            &token(T1, HR),
            &json!({"netPay": 1000, "replacing": flat_id,
                    "proposed": {"amountType": "Percentage", "amount": 50}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let ids: Vec<_> = r.json["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["depositId"].clone())
        .collect();
    assert_eq!(ids, vec![json!(pct_id), json!(rest_id), json!(null)]);
    assert_eq!(r.json["allocations"][2]["deposited"], 500);
    assert_eq!(r.json["allocations"][1]["deposited"], 400);

    // The same rules as a create: a second Balance Remainder is a 409 ...
    let second = json!({"netPay": 10, "proposed": {"amountType": "Balance Remainder"}});
    assert_error(&s.post(&preview_path(), &alice, &second).await, 409, 40);
    // ... unless it replaces the one there is.
    let swap = json!({"netPay": 10, "replacing": rest_id,
                      "proposed": {"amountType": "Balance Remainder", "amount": null}});
    assert_eq!(s.post(&preview_path(), &alice, &swap).await.status, 200);
    for bad in [
        json!({"netPay": 0}),
        json!({"netPay": 0.004}),
        json!({"netPay": 10, "replacing": null}),
        json!({"netPay": 100_000_000}),
        json!({"netPay": 10, "proposed": {"amountType": "Flat"}}),
        json!({"netPay": 10, "proposed": {"amountType": "Percentage", "amount": 101}}),
        json!({"netPay": 10, "extra": true}),
    ] {
        assert_error(&s.post(&preview_path(), &alice, &bad).await, 400, 30);
    }
    let unknown = json!({"netPay": 10, "replacing": 999});
    assert_error(&s.post(&preview_path(), &alice, &unknown).await, 404, 50);
    let bob_preview = format!("/tenants/{T1}/companies/1/employees/2/paycheck-preview");
    assert_error(
        &s.post(&bob_preview, &alice, &json!({"netPay": 10})).await,
        401,
        11,
    );
    // No writes, no audit rows.
    assert_eq!(s.snapshot().await, before);
}

async fn pending_list_for_hr(s: &Server) {
    let hr = token(T1, HR);
    assert_eq!(s.get(&pending_path(), &hr).await.status, 204);
    let a = s
        .create(&alice_path(), &token(T1, ALICE), &flat("123456789", 1.0))
        .await;
    let bob = path(T1, "1", "2");
    let b = s
        .create(&bob, &token(T1, BOB), &flat("987654321", 2.0))
        .await;
    let approved = s
        .create(&alice_path(), &token(T1, ALICE), &flat("55556666", 3.0))
        .await;
    s.send(
        "POST",
        &format!("{}/{approved}/approve", alice_path()),
        Some(&hr),
        None,
        &[],
    )
    .await;
    let r = s.get(&pending_path(), &hr).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["totalCount"], 2);
    assert_eq!(r.json["limit"], 30);
    let results = r.json["results"].as_array().unwrap();
    assert_eq!(results[0]["id"], a);
    assert_eq!(results[1]["id"], b);
    assert_eq!(results[0]["employeeId"], 1);
    assert_eq!(results[0]["employeeName"], "Alice Anders");
    assert_eq!(results[1]["employeeName"], "Bob Baker");
    // Masked even for the admin: the clear number is one audited reveal away.
    assert_eq!(results[0]["bankAccount"]["accountNumber"], "*****6789");
    let submitted = results[0]["submittedAt"].as_str().unwrap();
    assert!(
        submitted.len() == 24 && submitted.ends_with('Z'),
        "{submitted}"
    );
    assert!(results[0]["submittedAt"].as_str() <= results[1]["submittedAt"].as_str());
    assert_eq!(
        r.json["first"],
        format!("{}?pageToken=MQ==", pending_path())
    );
    assert_error(&s.get(&pending_path(), &token(T1, ALICE)).await, 401, 11);
    assert_error(&s.get(&pending_path(), &token(T2, CAROL)).await, 401, 11);
    let other_company = format!("/tenants/{T1}/companies/7/pending-direct-deposits");
    assert_error(&s.get(&other_company, &hr).await, 404, 50);
    let bad_page = format!("{}?pageToken=%21", pending_path());
    assert_error(&s.get(&bad_page, &hr).await, 400, 60);
    let past = format!("{}?pageToken=Mg==", pending_path());
    assert_eq!(s.get(&past, &hr).await.status, 204);
}

async fn reveal_is_admin_only_and_audited(s: &Server) {
    let p = alice_path();
    let id = s
        .create(&p, &token(T1, ALICE), &flat("A1B2C3D4E5", 1.0))
        .await;
    let reveal = format!("{p}/{id}/reveal");
    let before = s.snapshot().await;
    for who in [token(T1, ALICE), token(T2, CAROL)] {
        assert_error(
            &s.send("POST", &reveal, Some(&who), None, &[]).await,
            401,
            11,
        );
    }
    assert_error(
        &s.send(
            "POST",
            &format!("{p}/999/reveal"),
            Some(&token(T1, HR)),
            None,
            &[],
        )
        .await,
        404,
        50,
    );
    assert_eq!(s.snapshot().await, before);
    let r = s
        .send("POST", &reveal, Some(&token(T1, HR)), None, &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json, json!({"accountNumber": "A1B2C3D4E5"}));
    assert_eq!(r.headers["cache-control"], "no-store");
    let audit = s
        .store
        .list_audit(T1, dd_storage::ENTITY_DIRECT_DEPOSIT, id)
        .await
        .unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last.action, "account_revealed");
    assert_eq!(last.actor, HR);
    for value in [&last.old_value, &last.new_value].into_iter().flatten() {
        assert!(!value.contains("A1B2C3D4E5"), "{value}");
    }
    assert_eq!(s.snapshot().await.audit, before.audit + 1);
}

async fn reject_needs_a_reason_and_shows_it(s: &Server) {
    let p = alice_path();
    let id = s
        .create(&p, &token(T1, ALICE), &flat("24242424", 1.0))
        .await;
    let hr = token(T1, HR);
    let reject = format!("{p}/{id}/reject");
    for bad in [
        None,
        Some(json!({})),
        Some(json!({"reason": ""})),
        Some(json!({"reason": " \t\n "})),
        Some(json!({"reason": "x".repeat(501)})),
        Some(json!({"reason": 42})),
        Some(json!({"reason": "ok", "status": "Approved"})),
    ] {
        let r = s.send("POST", &reject, Some(&hr), bad.as_ref(), &[]).await;
        assert_error(&r, 400, 30);
    }
    let reason = format!("  {}  ", "é".repeat(500));
    let r = s.post(&reject, &hr, &json!({ "reason": reason })).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["rejectionReason"], "é".repeat(500));
    let mine = s.get(&format!("{p}/{id}"), &token(T1, ALICE)).await;
    assert_eq!(mine.json["status"], "Rejected");
    assert_eq!(mine.json["rejectionReason"], "é".repeat(500));
    let listed = s.get(&p, &token(T1, ALICE)).await;
    assert_eq!(
        listed.json["results"][0]["rejectionReason"],
        "é".repeat(500)
    );
}

on_both!(
    get_one_deposit,
    me_says_who_the_user_is,
    preview_splits_the_paycheck,
    pending_list_for_hr,
    reveal_is_admin_only_and_audited,
    reject_needs_a_reason_and_shows_it,
);
