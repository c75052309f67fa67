//! The API over HTTP, on SQLite and on Postgres: the legacy integration suite's deposit
//! flows (list, create, duplicate, delete) plus paging, idempotent replay, PATCH and
//! approvals.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;

async fn empty_list_is_204(s: &Server) {
    let r = s.get(&alice_path(), &token(T1, ALICE)).await;
    assert_eq!(r.status, 204);
    assert!(r.text.is_empty());
}

async fn create_is_201_pending_masked(s: &Server) {
    let r = s
        .post(&alice_path(), &token(T1, ALICE), &flat("123456789", 12.5))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["status"], "Pending");
    assert_eq!(r.json["amountType"], "Flat");
    assert_eq!(r.json["amount"], 12.5);
    assert_eq!(r.json["bankAccount"]["accountNumber"], "*****6789");
    assert_eq!(r.json["bankAccount"]["routingNumber"], "021000021");
    assert_eq!(r.json["bankAccount"]["designation"], "Checking");
    let id = r.json["id"].as_i64().unwrap();
    assert!(
        r.headers["location"]
            .to_str()
            .unwrap()
            .ends_with(&format!("/direct-deposits/{id}"))
    );
    // The employee's list is masked; the HR admin sees the full number.
    let mine = s.get(&alice_path(), &token(T1, ALICE)).await;
    assert_eq!(mine.status, 200);
    assert_eq!(
        mine.json["results"][0]["bankAccount"]["accountNumber"],
        "*****6789"
    );
    let admin = s.get(&alice_path(), &token(T1, HR)).await;
    assert_eq!(
        admin.json["results"][0]["bankAccount"]["accountNumber"],
        "123456789"
    );
    // Short numbers are masked entirely; Balance Remainder has a null amount.
    let r = s
        .post(
            &alice_path(),
            &token(T1, ALICE),
            &body("011000015", "123456", "Balance Remainder", None),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["bankAccount"]["accountNumber"], "******");
    assert!(r.json["amount"].is_null());
    // Nothing clear at rest.
    let rows = sqlx::query("SELECT account_ciphertext FROM direct_deposits")
        .fetch_all(s.store.pool())
        .await
        .unwrap();
    for row in rows {
        let ct: String = sqlx::Row::get(&row, "account_ciphertext");
        assert!(ct.starts_with("dd1:"));
        assert!(!ct.contains("123456"));
    }
}

async fn invalid_bodies_are_400_code_30(s: &Server) {
    let alice = token(T1, ALICE);
    let p = alice_path();
    let r = s
        .post(&p, &alice, &flat("123456789012345678901", 10.0))
        .await;
    assert_error(&r, 400, 30);
    assert!(!r.text.contains("12345678901"));
    for bad in [
        body("021000022", "12345678", "Flat", Some(10.0)),
        body("021000021", "12345678", "Flat", None),
        body("021000021", "12345678", "Percentage", Some(150.0)),
        body("021000021", "12345678", "Balance Remainder", Some(1.0)),
        body("021000021", "12345678", "Flat", Some(-1.0)),
        body("021000021", "1234-5678", "Flat", Some(1.0)),
        body("021000021", "12345678", "flat", Some(1.0)),
        json!({"amount": 1, "amountType": "Flat"}),
        json!([]),
    ] {
        assert_error(&s.post(&p, &alice, &bad).await, 400, 30);
    }
    let mut extra = flat("12345678", 10.0);
    extra["status"] = json!("Approved");
    assert_error(&s.post(&p, &alice, &extra).await, 400, 30);
    let mut nested = flat("12345678", 10.0);
    nested["bankAccount"]["bankName"] = json!("x");
    assert_error(&s.post(&p, &alice, &nested).await, 400, 30);
    let r = s
        .send(
            "POST",
            &p,
            Some(&alice),
            None,
            &[("content-type", "application/json")],
        )
        .await;
    assert_error(&r, 400, 30);
}

async fn duplicate_is_409(s: &Server) {
    let alice = token(T1, ALICE);
    s.create(&alice_path(), &alice, &flat("55556666", 10.0))
        .await;
    let r = s.post(&alice_path(), &alice, &flat("55556666", 20.0)).await;
    assert_error(&r, 409, 40);
    s.create(
        &alice_path(),
        &alice,
        &body("021000021", "77778888", "Balance Remainder", None),
    )
    .await;
    let r = s
        .post(
            &alice_path(),
            &alice,
            &body("011000015", "99990000", "Balance Remainder", None),
        )
        .await;
    assert_error(&r, 409, 40);
}

async fn delete_is_204(s: &Server) {
    let alice = token(T1, ALICE);
    let hr = token(T1, HR);
    let pending = s
        .create(&alice_path(), &alice, &flat("12121212", 1.0))
        .await;
    let r = s
        .send(
            "DELETE",
            &format!("{}/{pending}", alice_path()),
            Some(&alice),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text);
    let gone = s
        .send(
            "DELETE",
            &format!("{}/{pending}", alice_path()),
            Some(&alice),
            None,
            &[],
        )
        .await;
    assert_error(&gone, 404, 50);
    // Approved: end-dated (kept as history, out of the list) and pushed to payroll.
    let approved = s
        .create(&alice_path(), &alice, &flat("34343434", 2.0))
        .await;
    let r = s
        .send(
            "POST",
            &format!("{}/{approved}/approve", alice_path()),
            Some(&hr),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let jobs_before = s.dispatched().len();
    let r = s
        .send(
            "DELETE",
            &format!("{}/{approved}", alice_path()),
            Some(&alice),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(s.dispatched().len(), jobs_before + 1);
    assert_eq!(s.get(&alice_path(), &alice).await.status, 204);
    let ended: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM direct_deposits WHERE end_dated_at IS NOT NULL")
            .fetch_one(s.store.pool())
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(ended, 1);
}

/// 31 deposits for one employee: above the default maximum of 10, so these servers allow 40.
fn roomy(state: direct_deposit_api::AppState) -> direct_deposit_api::AppState {
    state.with_limits(direct_deposit_api::Limits {
        max_deposits_per_employee: 40,
        ..direct_deposit_api::Limits::default()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_with_page_token_sqlite() {
    paging_with_page_token(&sqlite_with(roomy).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paging_with_page_token_postgres() {
    if let Some(s) = postgres_with(roomy).await {
        paging_with_page_token(&s).await;
        s.store.close().await;
    }
}

async fn paging_with_page_token(s: &Server) {
    let hr = token(T1, HR);
    let p = alice_path();
    for i in 0..31 {
        s.create(&p, &hr, &flat(&format!("5000{i:04}"), 1.0)).await;
    }
    let first = s.get(&p, &hr).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.json["limit"], 30);
    assert_eq!(first.json["count"], 30);
    assert_eq!(first.json["totalCount"], 31);
    assert!(first.json.get("previous").is_none());
    let next = first.json["next"].as_str().unwrap().to_owned();
    assert_eq!(next, format!("{p}?pageToken=Mg=="));
    assert_eq!(first.json["first"], format!("{p}?pageToken=MQ=="));
    assert_eq!(first.json["last"], next);
    let second = s.get(&next, &hr).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.json["count"], 1);
    assert_eq!(second.json["previous"], format!("{p}?pageToken=MQ=="));
    assert!(second.json.get("next").is_none());
    let ids: Vec<i64> = first.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second.json["results"].as_array().unwrap())
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 31);
    // Past the last page: empty, so 204.
    assert_eq!(s.get(&format!("{p}?pageToken=Mw=="), &hr).await.status, 204);
}

async fn idempotent_post_replays(s: &Server) {
    let alice = token(T1, ALICE);
    let p = alice_path();
    let b = flat("616161616", 7.0);
    let key = [("idempotency-key", "create-1")];
    let first = s.send("POST", &p, Some(&alice), Some(&b), &key).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let before = s.snapshot().await;
    let again = s.send("POST", &p, Some(&alice), Some(&b), &key).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.json, first.json);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    // The replay promises what the first answer did, Location included.
    assert_eq!(again.headers["location"], first.headers["location"]);
    assert_eq!(s.snapshot().await, before);
    let other = flat("727272727", 7.0);
    let r = s.send("POST", &p, Some(&alice), Some(&other), &key).await;
    assert_error(&r, 409, 40);
    // Without a key the same body is a duplicate, not a replay.
    assert_error(&s.post(&p, &alice, &b).await, 409, 40);
    // Keys are per caller: the admin's "create-1" is a different key.
    let hr = token(T1, HR);
    let r = s.send("POST", &p, Some(&hr), Some(&other), &key).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s
        .send(
            "POST",
            &p,
            Some(&alice),
            Some(&b),
            &[("idempotency-key", "")],
        )
        .await;
    assert_error(&r, 400, 30);
    assert_eq!(r.json["message"], "Invalid request header");
    // Once the deposit is deleted, the key no longer replays a deposit that is gone.
    let id = first.json["id"].as_i64().unwrap();
    let r = s
        .send("DELETE", &format!("{p}/{id}"), Some(&alice), None, &[])
        .await;
    assert_eq!(r.status, 204);
    let before = s.snapshot().await;
    let gone = s.send("POST", &p, Some(&alice), Some(&b), &key).await;
    assert_error(&gone, 409, 40);
    assert!(
        gone.json["developerMessage"]
            .as_str()
            .unwrap()
            .contains("deleted"),
        "{}",
        gone.text
    );
    assert_eq!(s.snapshot().await, before);
}

async fn approve_and_reject_roles(s: &Server) {
    let alice = token(T1, ALICE);
    let hr = token(T1, HR);
    let p = alice_path();
    let a = s.create(&p, &alice, &flat("10101010", 1.0)).await;
    let b = s.create(&p, &alice, &flat("20202020", 2.0)).await;
    for action in ["approve", "reject"] {
        let r = s
            .send(
                "POST",
                &format!("{p}/{a}/{action}"),
                Some(&alice),
                None,
                &[],
            )
            .await;
        assert_error(&r, 401, 11);
    }
    assert!(s.dispatched().is_empty());
    let r = s
        .send("POST", &format!("{p}/{a}/approve"), Some(&hr), None, &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["status"], "Approved");
    assert_eq!(r.json["bankAccount"]["accountNumber"], "10101010");
    assert_eq!(s.dispatched().len(), 1);
    assert_eq!(s.dispatched()[0].0, T1);
    let r = s
        .reject(&p, b, "Routing number belongs to a closed bank")
        .await;
    assert_eq!(r.json["status"], "Rejected");
    assert_eq!(
        r.json["rejectionReason"],
        "Routing number belongs to a closed bank"
    );
    assert_eq!(s.dispatched().len(), 1);
    assert_error(
        &s.send("POST", &format!("{p}/{a}/approve"), Some(&hr), None, &[])
            .await,
        409,
        40,
    );
    assert_error(
        &s.send("POST", &format!("{p}/999/approve"), Some(&hr), None, &[])
            .await,
        404,
        50,
    );
    // Changing an Approved deposit queues it for payroll again.
    let r = s
        .send(
            "PATCH",
            &format!("{p}/{a}"),
            Some(&alice),
            Some(&json!({"amount": 3.25})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["amount"], 3.25);
    assert_eq!(r.json["status"], "Approved");
    assert_eq!(r.json["bankAccount"]["accountNumber"], "****1010");
    assert_eq!(s.dispatched().len(), 2);
    let jobs: i64 = sqlx::Row::get(
        &sqlx::query("SELECT COUNT(*) AS n FROM payroll_outbox")
            .fetch_one(s.store.pool())
            .await
            .unwrap(),
        "n",
    );
    assert_eq!(jobs, 2);
}

on_both!(
    empty_list_is_204,
    create_is_201_pending_masked,
    invalid_bodies_are_400_code_30,
    duplicate_is_409,
    delete_is_204,
    idempotent_post_replays,
    approve_and_reject_roles,
);
