//! Tests of `jwt.rs`: round trips, refusals, issuer / audience, RS256 with a JWKS.

use super::*;

fn claims(exp: u64) -> Claims {
    Claims {
        account: AccountClaim {
            tenant_id: "t1".into(),
            email: "a@example.com".into(),
        },
        application_id: Some("app".into()),
        scope: Some("direct-deposits".into()),
        exp,
    }
}

fn hs(secret: &[u8]) -> Verifier {
    Verifier::new(Some(SecretSlice::from(secret.to_vec())))
}

#[test]
fn hs256_round_trip() {
    let c = claims(unix_now() + 60);
    let token = sign_hs256(&c, b"s3cret").unwrap();
    assert_eq!(hs(b"s3cret").verify(&token).unwrap(), c);
}

#[test]
fn rejects_wrong_key_expired_tampered_and_none() {
    let token = sign_hs256(&claims(unix_now() + 60), b"s3cret").unwrap();
    assert_eq!(hs(b"other").verify(&token), Err("bad signature"));
    let old = sign_hs256(&claims(unix_now() - 3600), b"s3cret").unwrap();
    assert_eq!(hs(b"s3cret").verify(&old), Err("token expired"));
    let mut parts: Vec<&str> = token.split('.').collect();
    let forged = URL_SAFE_NO_PAD.encode(
        serde_json::to_vec(&Claims {
            exp: unix_now() + 99_999,
            ..claims(0)
        })
        .unwrap(),
    );
    parts[1] = &forged;
    assert_eq!(hs(b"s3cret").verify(&parts.join(".")), Err("bad signature"));
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
        token.split('.').nth(1).unwrap()
    );
    assert_eq!(hs(b"s3cret").verify(&none), Err("unsupported algorithm"));
    assert_eq!(hs(b"s3cret").verify("a.b"), Err("malformed token"));
    // No RS256 keys configured: RS256 tokens are refused outright.
    let rs = format!(
        "{}.{}.AA",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#),
        token.split('.').nth(1).unwrap()
    );
    assert_eq!(hs(b"s3cret").verify(&rs), Err("unsupported algorithm"));
}

#[test]
fn issuer_and_audience_when_configured() {
    fn signed(payload: &serde_json::Value) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(payload.to_string());
        let signed = format!("{header}.{body}");
        let mut mac = Hmac::<Sha256>::new_from_slice(b"s3cret").unwrap();
        mac.update(signed.as_bytes());
        format!(
            "{signed}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        )
    }
    let base = serde_json::to_value(claims(unix_now() + 60)).unwrap();
    let with = |iss: serde_json::Value, aud: serde_json::Value| {
        let mut c = base.clone();
        c["iss"] = iss;
        c["aud"] = aud;
        signed(&c)
    };
    let strict = hs(b"s3cret")
        .with_issuer("https://sso.example")
        .with_audience("dd-api");
    let good = with("https://sso.example".into(), "dd-api".into());
    assert!(strict.verify(&good).is_ok());
    let listed = with(
        "https://sso.example".into(),
        serde_json::json!(["x", "dd-api"]),
    );
    assert!(strict.verify(&listed).is_ok());
    let other_iss = with("https://evil.example".into(), "dd-api".into());
    assert_eq!(strict.verify(&other_iss), Err("wrong issuer"));
    let other_aud = with("https://sso.example".into(), "other".into());
    assert_eq!(strict.verify(&other_aud), Err("wrong audience"));
    assert_eq!(strict.verify(&signed(&base)), Err("wrong issuer"));
    // Without configuration, neither is required.
    assert!(hs(b"s3cret").verify(&signed(&base)).is_ok());
}

#[test]
fn rs256_with_jwks() {
    use rsa::pkcs1v15::SigningKey;
    use rsa::signature::{SignatureEncoding as _, Signer as _};
    use rsa::traits::PublicKeyParts as _;

    let private = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
    let public = private.to_public_key();
    let jwks = serde_json::json!({"keys": [
        {"kty": "EC", "kid": "ignored", "crv": "P-256", "x": "AA", "y": "AA"},
        {
            "kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        },
    ]});
    let verifier = Verifier::new(None).with_jwks(&jwks.to_string()).unwrap();
    assert!(verifier.has_keys());
    let c = claims(unix_now() + 60);
    let sign = |kid: &str| {
        let header = URL_SAFE_NO_PAD
            .encode(serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": kid}).to_string());
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&c).unwrap());
        let signed = format!("{header}.{payload}");
        let signature = SigningKey::<Sha256>::new(private.clone()).sign(signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    };
    assert_eq!(verifier.verify(&sign("k1")).unwrap(), c);
    assert_eq!(verifier.verify(&sign("other")), Err("bad signature"));
    // HS256 is refused when only RSA keys are configured (no alg confusion).
    let hs = sign_hs256(&c, b"anything").unwrap();
    assert_eq!(verifier.verify(&hs), Err("unsupported algorithm"));
    assert!(Verifier::new(None).with_jwks("{}").is_err());
}
