//! CORS: an allowlist of exact origins (api-contract item 7). None by default.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use direct_deposit_api::CorsPolicy;

const APP: &str = "https://app.example.com";

fn preflight(origin: &str) -> [(&str, &str); 2] {
    [
        ("origin", origin),
        ("access-control-request-method", "POST"),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_cors_headers_by_default() {
    let s = sqlite().await;
    let r = s
        .send("OPTIONS", &alice_path(), None, None, &preflight(APP))
        .await;
    assert_eq!(r.status, 204);
    assert!(r.headers.get("access-control-allow-origin").is_none());
    assert!(r.headers.get("access-control-allow-methods").is_none());
    let r = s
        .send(
            "GET",
            &alice_path(),
            Some(&token(T1, ALICE)),
            None,
            &[("origin", APP)],
        )
        .await;
    assert_eq!(r.status, 204);
    assert!(r.headers.get("access-control-allow-origin").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn allowed_origins_only() {
    let policy = CorsPolicy::allow([APP, "http://localhost:5173"]).unwrap();
    let s = sqlite_with(|state| state.with_cors(policy)).await;
    let r = s
        .send("OPTIONS", &alice_path(), None, None, &preflight(APP))
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.headers["access-control-allow-origin"], APP);
    assert!(
        r.headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("PATCH")
    );
    assert!(
        r.headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("Authorization")
    );
    assert_eq!(r.headers["vary"], "Origin");
    // Never a wildcard, never credentials: the token travels in a header, not a cookie.
    assert!(r.headers.get("access-control-allow-credentials").is_none());

    let alice = token(T1, ALICE);
    let ok = s
        .send("GET", &alice_path(), Some(&alice), None, &[("origin", APP)])
        .await;
    assert_eq!(ok.headers["access-control-allow-origin"], APP);
    assert!(
        ok.headers["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("Location")
    );
    // Errors carry the header too, so the page can read the envelope.
    let refused = s
        .send("GET", &alice_path(), Some("bad"), None, &[("origin", APP)])
        .await;
    assert_error(&refused, 401, 10);
    assert_eq!(refused.headers["access-control-allow-origin"], APP);

    for other in [
        "https://evil.example",
        "https://app.example.com.evil",
        "null",
    ] {
        let r = s
            .send("OPTIONS", &alice_path(), None, None, &preflight(other))
            .await;
        assert_eq!(r.status, 204);
        assert!(
            r.headers.get("access-control-allow-origin").is_none(),
            "{other}"
        );
        assert!(
            r.headers.get("access-control-allow-methods").is_none(),
            "{other}"
        );
        let r = s
            .send(
                "GET",
                &alice_path(),
                Some(&alice),
                None,
                &[("origin", other)],
            )
            .await;
        assert!(
            r.headers.get("access-control-allow-origin").is_none(),
            "{other}"
        );
    }
}

#[test]
fn config_reads_the_allowlist() {
    let env = |name: &str| {
        match name {
            "DD_DATABASE_URL" => Some("sqlite::memory:"),
            "DD_JWT_SECRET" => Some("s"),
            "DD_FINGERPRINT_KEY" => Some("00"),
            "DD_KEK_FILE" => Some("/k"),
            "DD_CORS_ORIGINS" => Some("https://a.example,http://localhost:5173"),
            _ => None,
        }
        .map(str::to_owned)
    };
    let config = direct_deposit_api::Config::from_lookup(env).unwrap();
    assert!(config.cors.is_enabled());
    let bad = |name: &str| match name {
        "DD_CORS_ORIGINS" => Some("*".to_owned()),
        other => env(other),
    };
    let err = direct_deposit_api::Config::from_lookup(bad).unwrap_err();
    assert!(err.to_string().contains("DD_CORS_ORIGINS"), "{err}");
}
