//! The API over HTTP, on SQLite and on Postgres: authentication, tenant and employee
//! isolation, path validation, and "every 4xx changes nothing".

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

async fn bad_tokens_are_401_code_10(s: &Server) {
    let p = alice_path();
    let r = s.send("GET", &p, None, None, &[]).await;
    assert_error(&r, 401, 10);
    for bad in [
        "garbage".to_owned(),
        forged_token(T1, ALICE),
        token_with_exp(T1, ALICE, 1_000),
    ] {
        assert_error(&s.get(&p, &bad).await, 401, 10);
    }
    let r = s
        .send("GET", &p, None, None, &[("authorization", "Basic abc")])
        .await;
    assert_error(&r, 401, 10);
}

async fn another_employees_records_are_401_code_11(s: &Server) {
    let bob = path(T1, "1", "2");
    s.create(&bob, &token(T1, BOB), &flat("11112222", 10.0))
        .await;
    let alice = token(T1, ALICE);
    let r = s.get(&bob, &alice).await;
    assert_error(&r, 401, 11);
    assert!(!r.text.contains("2222"));
    assert_error(&s.post(&bob, &alice, &flat("33334444", 5.0)).await, 401, 11);
    // Unknown e-mail in a known tenant: authenticated, but not a user here.
    assert_error(
        &s.get(&alice_path(), &token(T1, "mallory@acme.example"))
            .await,
        401,
        11,
    );
}

async fn unknown_tenant_is_401_code_11(s: &Server) {
    // Decided: an unknown tenant is answered like a tenant the user does not belong to, so
    // a token (even one minted for that tenant) learns nothing about which tenants exist.
    let tenant = "00000000-0000-4000-8000-0000000000ff";
    let r = s.get(&path(tenant, "1", "1"), &token(tenant, ALICE)).await;
    assert_error(&r, 401, 11);
    let r = s
        .get(&format!("/tenants/{tenant}/me"), &token(tenant, ALICE))
        .await;
    assert_error(&r, 401, 11);
}

async fn bad_ids_are_400_code_60(s: &Server) {
    let alice = token(T1, ALICE);
    for id in ["abc", "99999999999999999", "0", "-1"] {
        let item = format!("{}/{id}", alice_path());
        assert_error(
            &s.send("DELETE", &item, Some(&alice), None, &[]).await,
            400,
            60,
        );
        let patch = json!({"amount": 5});
        assert_error(
            &s.send("PATCH", &item, Some(&alice), Some(&patch), &[])
                .await,
            400,
            60,
        );
        assert_error(&s.get(&path(T1, "1", id), &alice).await, 400, 60);
        assert_error(&s.get(&path(T1, id, "1"), &alice).await, 400, 60);
    }
    let r = s
        .get(&format!("{}?pageToken=%21%21", alice_path()), &alice)
        .await;
    assert_error(&r, 400, 60);
    assert_eq!(r.json["message"], "Invalid query parameter");
    // The messages name the real limit, not just "positive".
    let r = s.get(&path(T1, "1", "2147483648"), &alice).await;
    assert_error(&r, 400, 60);
    assert_eq!(r.json["message"], "Invalid path parameter");
    assert!(
        r.json["developerMessage"]
            .as_str()
            .unwrap()
            .contains("1 to 2147483647"),
        "{}",
        r.text
    );
}

async fn other_tenant_token_is_401_code_11_without_data(s: &Server) {
    let carol = path(T2, "1", "1");
    s.create(&carol, &token(T2, CAROL), &flat("80808080", 3.0))
        .await;
    let hr1 = token(T1, HR);
    for r in [
        s.get(&carol, &hr1).await,
        s.post(&carol, &hr1, &flat("90909090", 1.0)).await,
        s.send("DELETE", &format!("{carol}/1"), Some(&hr1), None, &[])
            .await,
        s.send("POST", &format!("{carol}/1/approve"), Some(&hr1), None, &[])
            .await,
    ] {
        assert_error(&r, 401, 11);
        assert!(!r.text.contains("8080"));
        assert!(!r.text.contains("results"));
    }
    // Even a tenant that does not exist answers 401 to a foreign token, not 404.
    let ghost = path("00000000-0000-4000-8000-0000000000ff", "1", "1");
    assert_error(&s.get(&ghost, &hr1).await, 401, 11);
}

async fn every_4xx_leaves_the_database_unchanged(s: &Server) {
    let alice = token(T1, ALICE);
    let hr = token(T1, HR);
    let id = s
        .create(&alice_path(), &alice, &flat("24242424", 4.0))
        .await;
    let remainder = s
        .create(
            &alice_path(),
            &alice,
            &body("011000015", "13131313", "Balance Remainder", None),
        )
        .await;
    let item = format!("{}/{id}", alice_path());
    let before = s.snapshot().await;
    let replies = vec![
        s.post(&alice_path(), &alice, &flat("24242424", 9.0)).await,
        s.post(&alice_path(), &alice, &flat("123456789012345678901", 9.0))
            .await,
        s.post(&alice_path(), &forged_token(T1, ALICE), &flat("1", 1.0))
            .await,
        s.post(&path(T1, "1", "2"), &alice, &flat("1", 1.0)).await,
        s.post(&path(T2, "1", "1"), &alice, &flat("1", 1.0)).await,
        s.post(&path(T1, "1", "99"), &hr, &flat("1", 1.0)).await,
        s.send(
            "PATCH",
            &item,
            Some(&alice),
            Some(&json!({"amountType": "Balance Remainder"})),
            &[],
        )
        .await,
        s.send(
            "PATCH",
            &item,
            Some(&alice),
            Some(&json!({"amount": -3})),
            &[],
        )
        .await,
        s.send(
            "PATCH",
            &item,
            Some(&alice),
            Some(&json!({"status": "Approved"})),
            &[],
        )
        .await,
        s.send(
            "PATCH",
            &format!("{}/999", alice_path()),
            Some(&alice),
            Some(&json!({"amount": 3})),
            &[],
        )
        .await,
        s.send(
            "DELETE",
            &format!("{}/999", alice_path()),
            Some(&alice),
            None,
            &[],
        )
        .await,
        s.send("DELETE", &item, Some(&token(T1, BOB)), None, &[])
            .await,
        s.send("POST", &format!("{item}/approve"), Some(&alice), None, &[])
            .await,
        s.send(
            "POST",
            &format!("{}/{remainder}/reject", alice_path()),
            Some(&alice),
            None,
            &[],
        )
        .await,
    ];
    for r in &replies {
        assert!((400..500).contains(&r.status), "{} {}", r.status, r.text);
    }
    assert_eq!(s.snapshot().await, before);
    // Decided deposits cannot be decided again.
    // A reject without a reason, or with a blank one, changes nothing either.
    for bad in [None, Some(json!({"reason": "   "})), Some(json!({}))] {
        let r = s
            .send(
                "POST",
                &format!("{item}/reject"),
                Some(&hr),
                bad.as_ref(),
                &[],
            )
            .await;
        assert_error(&r, 400, 30);
    }
    assert_eq!(s.snapshot().await, before);
    let r = s.reject(&alice_path(), id, "wrong bank").await;
    assert_eq!(r.status, 200, "{}", r.text);
    let after_reject = s.snapshot().await;
    let r = s
        .send("POST", &format!("{item}/approve"), Some(&hr), None, &[])
        .await;
    assert_error(&r, 409, 40);
    assert_eq!(s.snapshot().await, after_reject);
    assert_eq!(after_reject.deposits.len(), before.deposits.len());
    assert_eq!(after_reject.audit, before.audit + 1);
}

on_both!(
    bad_tokens_are_401_code_10,
    another_employees_records_are_401_code_11,
    unknown_tenant_is_401_code_11,
    bad_ids_are_400_code_60,
    other_tenant_token_is_401_code_11_without_data,
    every_4xx_leaves_the_database_unchanged,
);
