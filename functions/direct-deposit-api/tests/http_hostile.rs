//! Hostile input (issue 13, item 5) and the limits (item 2): forged and misdirected tokens,
//! oversized, deeply nested and non-UTF-8 bodies, the headers every response must carry,
//! and the 413 / 405 / 503 answers. Each refusal is the error envelope and changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use dd_storage::{CompanySeed, DemoSeed, EmployeeSeed, PoolSettings, Role, Store, TenantSeed};
use direct_deposit_api::{Limits, Verifier};
use hmac::{Hmac, Mac};
use rsa::traits::PublicKeyParts as _;
use secrecy::SecretSlice;
use serde_json::{Value, json};
use sha2::Sha256;

fn jwt(header: &Value, claims: &Value, sign: impl Fn(&[u8]) -> Vec<u8>) -> String {
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = sign(signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn hs256(key: &[u8]) -> impl Fn(&[u8]) -> Vec<u8> + '_ {
    move |data| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(data);
        mac.finalize().into_bytes().to_vec()
    }
}

fn alice_claims() -> Value {
    json!({
        "account": {"tenantId": T1, "email": ALICE},
        "exp": direct_deposit_api::auth::jwt::unix_now() + 600,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_misdirected_tokens_are_401() {
    let s = sqlite().await;
    let p = alice_path();
    let claims = alice_claims();
    let none = jwt(&json!({"alg": "none", "typ": "JWT"}), &claims, |_| {
        Vec::new()
    });
    let none_upper = jwt(&json!({"alg": "None"}), &claims, |_| Vec::new());
    let expired = token_with_exp(T1, ALICE, direct_deposit_api::auth::jwt::unix_now() - 120);
    for bad in [none, none_upper, expired] {
        assert_error(&s.get(&p, &bad).await, 401, 10);
    }
    // The good token through the same helper works, so the refusals above are real.
    let good = jwt(&json!({"alg": "HS256"}), &claims, hs256(jwt_secret()));
    assert_eq!(s.get(&p, &good).await.status, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hs256_signed_with_the_rsa_public_key_is_refused() {
    let private = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
    let public = private.to_public_key();
    let (n, e) = (public.n().to_bytes_be(), public.e().to_bytes_be());
    let jwks = json!({"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
        "n": URL_SAFE_NO_PAD.encode(&n), "e": URL_SAFE_NO_PAD.encode(&e)}]});
    let verifier = Verifier::new(None).with_jwks(&jwks.to_string()).unwrap();
    let s = sqlite_with(|mut state| {
        state.verifier = Arc::new(verifier);
        state
    })
    .await;
    let claims = alice_claims();
    // The classic confusion: the public key's bytes used as an HMAC secret.
    use rsa::pkcs1::EncodeRsaPublicKey as _;
    let der = public.to_pkcs1_der().unwrap().as_bytes().to_vec();
    let candidates = [
        der,
        n.clone(),
        URL_SAFE_NO_PAD.encode(&n).into_bytes(),
        jwks.to_string().into_bytes(),
    ];
    for key in candidates {
        for header in [
            json!({"alg": "HS256"}),
            json!({"alg": "HS256", "kid": "k1"}),
        ] {
            let forged = jwt(&header, &claims, hs256(&key));
            assert_error(&s.get(&alice_path(), &forged).await, 401, 10);
        }
    }
    // A real RS256 token of that key is accepted.
    use rsa::signature::{SignatureEncoding as _, Signer as _};
    let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(private);
    let real = jwt(&json!({"alg": "RS256", "kid": "k1"}), &claims, |data| {
        signer.sign(data).to_vec()
    });
    assert_eq!(s.get(&alice_path(), &real).await.status, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_issuer_or_audience_is_401() {
    let verifier = Verifier::new(Some(SecretSlice::from(jwt_secret().to_vec())))
        .with_issuer("https://sso.acme.example")
        .with_audience("direct-deposits");
    let s = sqlite_with(|mut state| {
        state.verifier = Arc::new(verifier);
        state
    })
    .await;
    let with = |iss: &str, aud: &str| {
        let mut claims = alice_claims();
        claims["iss"] = json!(iss);
        claims["aud"] = json!(aud);
        jwt(&json!({"alg": "HS256"}), &claims, hs256(jwt_secret()))
    };
    let p = alice_path();
    assert_eq!(
        s.get(&p, &with("https://sso.acme.example", "direct-deposits"))
            .await
            .status,
        204
    );
    for bad in [
        with("https://evil.example", "direct-deposits"),
        with("https://sso.acme.example", "payroll"),
        token(T1, ALICE),
    ] {
        assert_error(&s.get(&p, &bad).await, 401, 10);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_company_of_the_same_tenant_is_401() {
    let s = sqlite().await;
    let second = DemoSeed {
        tenants: vec![TenantSeed {
            id: T1.to_owned(),
            name: "Acme".to_owned(),
            companies: vec![CompanySeed {
                id: 2,
                name: "Acme Labs".to_owned(),
                employees: vec![EmployeeSeed {
                    id: 1,
                    first_name: "Dave".to_owned(),
                    last_name: "Diaz".to_owned(),
                    email: "dave@acme.example".to_owned(),
                    role: Role::Employee,
                }],
            }],
            payroll: None,
        }],
    };
    s.store.seed(&second).await.unwrap();
    let dave = token(T1, "dave@acme.example");
    s.create(&alice_path(), &token(T1, ALICE), &flat("12345678", 1.0))
        .await;
    // Same tenant, same employee number, another company: not his.
    for r in [
        s.get(&alice_path(), &dave).await,
        s.get(&format!("{}/1", alice_path()), &dave).await,
        s.post(&alice_path(), &dave, &flat("87654321", 1.0)).await,
        s.get(
            &format!("/tenants/{T1}/companies/1/pending-direct-deposits"),
            &dave,
        )
        .await,
    ] {
        assert_error(&r, 401, 11);
        assert!(!r.text.contains("5678"));
    }
    assert_eq!(s.get(&path(T1, "2", "1"), &dave).await.status, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_nested_and_non_utf8_bodies_are_refused() {
    let s = sqlite().await;
    let alice = token(T1, ALICE);
    let p = alice_path();
    let before = s.snapshot().await;
    let mut big = flat("12345678", 1.0);
    big["bankAccount"]["designation"] = json!("x".repeat(20_000));
    let r = s
        .send_bytes("POST", &p, &alice, big.to_string().into_bytes())
        .await;
    assert_error(&r, 413, 30);
    assert!(
        r.json["developerMessage"]
            .as_str()
            .unwrap()
            .contains("16384")
    );
    // Deep nesting inside the size limit: refused by the parser's depth limit, no crash.
    for depth in [200, 8_000] {
        let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let r = s.send_bytes("POST", &p, &alice, deep.into_bytes()).await;
        assert_error(&r, 400, 30);
        let nested = format!("{}1{}", r#"{"a":"#.repeat(depth / 5), "}".repeat(depth / 5));
        let r = s.send_bytes("POST", &p, &alice, nested.into_bytes()).await;
        assert!(r.status == 400 || r.status == 413, "{}", r.text);
    }
    let mut utf8 = flat("12345678", 1.0).to_string().into_bytes();
    let at = utf8.iter().position(|b| *b == b'C').unwrap(); // "Checking"
    utf8[at] = 0xff;
    let r = s.send_bytes("POST", &p, &alice, utf8).await;
    assert_error(&r, 400, 30);
    assert!(
        r.json["developerMessage"]
            .as_str()
            .unwrap()
            .contains("UTF-8"),
        "{}",
        r.text
    );
    let r = s
        .send_bytes("POST", &p, &alice, b"\xfe\xff\x00{\x00}".to_vec())
        .await;
    assert_error(&r, 400, 30);
    let hr_reject = format!("{p}/1/reject");
    let r = s
        .send_bytes("POST", &hr_reject, &token(T1, HR), vec![b' '; 17_000])
        .await;
    assert!(r.status == 413 || r.status == 404, "{}", r.text);
    assert_eq!(s.snapshot().await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_safety_headers() {
    let s = sqlite().await;
    let alice = token(T1, ALICE);
    let id = s
        .create(&alice_path(), &alice, &flat("12345678", 1.0))
        .await;
    let replies = [
        s.get(&alice_path(), &alice).await,
        s.get(&format!("{}/{id}", alice_path()), &alice).await,
        s.get(&alice_path(), "bad").await,
        s.get("/nope", &alice).await,
        s.send("OPTIONS", &alice_path(), None, None, &[]).await,
        s.send("PUT", &alice_path(), Some(&alice), None, &[]).await,
    ];
    for r in &replies {
        assert_eq!(
            r.headers["x-content-type-options"], "nosniff",
            "{}",
            r.status
        );
        assert_eq!(r.headers["cache-control"], "no-store", "{}", r.status);
        assert!(
            r.headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'none'")
        );
        assert_eq!(r.headers["x-frame-options"], "DENY");
    }
    // A known path with a method it does not serve: 405 with Allow, not a 404.
    let put = &replies[5];
    assert_error(put, 405, 50);
    let allow = put.headers["allow"].to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    assert_error(&replies[3], 404, 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_pool_answers_503_instead_of_hanging() {
    // One connection, held by the test: the request cannot get one.
    let settings = PoolSettings {
        wait: Duration::from_millis(200),
        max_connections: None,
    };
    let store = Store::connect_with("sqlite::memory:", settings)
        .await
        .unwrap();
    let s = start_with(store, None, |state| state).await;
    let alice = token(T1, ALICE);
    let held = s.store.pool().acquire().await.unwrap();
    let r = s.post(&alice_path(), &alice, &flat("12345678", 1.0)).await;
    assert_error(&r, 503, 0);
    assert_eq!(r.headers["retry-after"], "1");
    drop(held);
    assert_eq!(s.get(&alice_path(), &alice).await.status, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_the_timeout_is_503_and_changes_nothing() {
    let settings = PoolSettings {
        wait: Duration::from_secs(30),
        max_connections: None,
    };
    let store = Store::connect_with("sqlite::memory:", settings)
        .await
        .unwrap();
    let s = start_with(store, None, |state| {
        state.with_limits(Limits {
            request_timeout: Duration::from_millis(100),
            ..Limits::default()
        })
    })
    .await;
    let alice = token(T1, ALICE);
    let held = s.store.pool().acquire().await.unwrap();
    let r = s.post(&alice_path(), &alice, &flat("12345678", 1.0)).await;
    assert_error(&r, 503, 0);
    assert!(
        r.json["developerMessage"]
            .as_str()
            .unwrap()
            .contains("too long")
    );
    drop(held);
    assert_eq!(s.get(&alice_path(), &alice).await.status, 204);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_per_employee_maximum_is_a_clear_409() {
    let s = sqlite_with(|state| {
        state.with_limits(Limits {
            max_deposits_per_employee: 2,
            ..Limits::default()
        })
    })
    .await;
    let alice = token(T1, ALICE);
    s.create(&alice_path(), &alice, &flat("11111111", 1.0))
        .await;
    s.create(&alice_path(), &alice, &flat("22222222", 1.0))
        .await;
    let before = s.snapshot().await;
    let r = s.post(&alice_path(), &alice, &flat("33333333", 1.0)).await;
    assert_error(&r, 409, 40);
    assert_eq!(
        r.json["developerMessage"],
        "employee already has 2 direct deposits, the most allowed; delete one first"
    );
    let preview = format!("/tenants/{T1}/companies/1/employees/1/paycheck-preview");
    let add = json!({"netPay": 100, "proposed": {"amountType": "Flat", "amount": 1}});
    assert_error(&s.post(&preview, &alice, &add).await, 409, 40);
    assert_eq!(s.snapshot().await, before);
}
