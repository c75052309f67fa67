//! No account number, token or secret in any log line: the whole API flow runs with every
//! log line of every crate captured (JSON, as on Lambda, down to TRACE), then the capture
//! is searched for each secret the flow used.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use serde_json::json;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_a_log_line() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::TRACE)
        .with_current_span(true)
        .with_writer(move || writer.clone())
        .init();

    let s = sqlite().await;
    let alice = token(T1, ALICE);
    let hr = token(T1, HR);
    let p = alice_path();
    let accounts = ["918273645", "A1B2C3D4E5", "5556667778889990", "777666"];
    let mut ids = Vec::new();
    for (i, account) in accounts.iter().enumerate() {
        let key = format!("key-{i}");
        let r = s
            .send(
                "POST",
                &p,
                Some(&alice),
                Some(&flat(account, 10.0 + i as f64)),
                &[("idempotency-key", &key)],
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.json["id"].as_i64().unwrap());
        // Replay and duplicate.
        let r = s
            .send(
                "POST",
                &p,
                Some(&alice),
                Some(&flat(account, 10.0 + i as f64)),
                &[("idempotency-key", &key)],
            )
            .await;
        assert_eq!(r.status, 201);
        assert_eq!(s.post(&p, &alice, &flat(account, 1.0)).await.status, 409);
    }
    assert_eq!(s.get(&p, &alice).await.status, 200);
    assert_eq!(s.get(&p, &hr).await.status, 200);
    let item = format!("{p}/{}", ids[0]);
    assert_eq!(
        s.send("POST", &format!("{item}/approve"), Some(&hr), None, &[])
            .await
            .status,
        200
    );
    assert_eq!(
        s.send(
            "PATCH",
            &item,
            Some(&alice),
            Some(&json!({"amount": 3})),
            &[]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        s.send("DELETE", &item, Some(&alice), None, &[])
            .await
            .status,
        204
    );
    // A reveal returns the clear number; the log must still not see it.
    let reveal = format!("{p}/{}/reveal", ids[1]);
    let r = s.send("POST", &reveal, Some(&hr), None, &[]).await;
    assert_eq!(r.json["accountNumber"], accounts[1]);
    let pending = format!("/tenants/{T1}/companies/1/pending-direct-deposits");
    assert_eq!(s.get(&pending, &hr).await.status, 200);
    // Refused requests that carry secrets in odd places.
    let long = "123456789012345678901";
    assert_eq!(s.post(&p, &alice, &flat(long, 1.0)).await.status, 400);
    let mut numeric = flat("0", 1.0);
    numeric["bankAccount"]["accountNumber"] = json!(424242424242_u64);
    assert_eq!(s.post(&p, &alice, &numeric).await.status, 400);
    let mut odd_key = flat("31313131", 1.0);
    odd_key["bankAccount"]["93939393"] = json!(1);
    assert_eq!(s.post(&p, &alice, &odd_key).await.status, 400);
    let forged = forged_token(T1, ALICE);
    assert_eq!(s.get(&p, &forged).await.status, 401);
    assert_eq!(s.get(&path(T2, "1", "1"), &hr).await.status, 401);
    drop(s);

    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("\"request\""), "no access log lines captured");
    assert!(log.lines().count() > 20);
    let mut secrets: Vec<String> = accounts.iter().map(|a| (*a).to_owned()).collect();
    secrets.extend([
        long.to_owned(),
        "424242424242".to_owned(),
        "93939393".to_owned(),
        "31313131".to_owned(),
        alice.clone(),
        hr.clone(),
        forged.clone(),
        "test-jwt-secret".to_owned(),
    ]);
    // Token pieces too: a signature or payload alone must not appear either.
    for t in [&alice, &hr, &forged] {
        secrets.extend(t.split('.').skip(1).map(str::to_owned));
    }
    for line in log.lines() {
        for secret in &secrets {
            assert!(
                !line.contains(secret.as_str()),
                "log line leaks a secret: {line}"
            );
        }
    }
}
