//! Sealing and opening `dd1:` envelopes with a local KEK: round trips, tenant binding,
//! tampering, truncation and wrong keys. No failure may panic or succeed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod envelope_common;

use base64::Engine as _;
use dd_crypto::envelope::{self, EnvelopeCipher, LocalKeyProvider};
use envelope_common::block_on;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn cipher() -> EnvelopeCipher<LocalKeyProvider> {
    EnvelopeCipher::new(LocalKeyProvider::generate().unwrap())
}

/// Opens with a fresh cipher over the same KEK too, so no test passes only thanks to the cache.
fn open_both(
    c: &EnvelopeCipher<LocalKeyProvider>,
    text: &str,
    tenant: Option<&str>,
) -> Vec<Result<Vec<u8>, &'static str>> {
    let fresh = EnvelopeCipher::new(LocalKeyProvider::from_json(&c.provider().to_json()).unwrap());
    [c, &fresh]
        .into_iter()
        .map(|c| {
            block_on(c.open(text, tenant))
                .map(|o| o.plaintext.to_vec())
                .map_err(|e| e.kind())
        })
        .collect()
}

#[test]
fn round_trip_with_and_without_expected_tenant() {
    let c = cipher();
    for plaintext in [&b""[..], b"hunter2", "pässwörd ✓".as_bytes(), &[0u8; 4096]] {
        let text = block_on(c.seal("acme", plaintext)).unwrap();
        assert!(text.starts_with("dd1:"));
        assert!(envelope::is_envelope(&text));
        assert_eq!(envelope::peek_tenant(&text).unwrap(), "acme");
        assert_eq!(envelope::peek_key_id(&text).unwrap(), c.provider().key_id());
        for result in open_both(&c, &text, Some("acme"))
            .into_iter()
            .chain(open_both(&c, &text, None))
        {
            assert_eq!(result.unwrap(), plaintext);
        }
    }
    let opened = block_on(c.open(&block_on(c.seal("acme", b"pw")).unwrap(), None)).unwrap();
    assert_eq!(opened.tenant_id, "acme");
    assert_eq!(opened.key_id, c.provider().key_id());
    let debug = format!("{opened:?}");
    assert!(debug.contains("redacted") && !debug.contains("pw\""));
    assert_eq!(
        dd_crypto::ExposeSecret::expose_secret(&opened.into_secret_string().unwrap()),
        "pw"
    );
}

#[test]
fn same_plaintext_seals_differently_each_time() {
    let c = cipher();
    let a = block_on(c.seal("acme", b"same")).unwrap();
    let b = block_on(c.seal("acme", b"same")).unwrap();
    assert_ne!(a, b, "nonces must be fresh per message");
}

#[test]
fn another_tenants_envelope_is_refused() {
    let c = cipher();
    let text = block_on(c.seal("acme", b"secret")).unwrap();
    for result in open_both(&c, &text, Some("globex")) {
        assert_eq!(result.unwrap_err(), "tenant_mismatch");
    }
}

#[test]
fn rewriting_the_header_tenant_fails_authentication() {
    let c = cipher();
    let text = block_on(c.seal("acme", b"secret")).unwrap();
    let mut bytes = B64.decode(&text[4..]).unwrap();
    // Same length, so the layout stays valid and only the binding can catch it.
    let at = bytes.windows(4).position(|w| w == b"acme").unwrap();
    bytes[at..at + 4].copy_from_slice(b"acmf");
    let forged = format!("dd1:{}", B64.encode(&bytes));
    assert_eq!(envelope::peek_tenant(&forged).unwrap(), "acmf");
    for result in open_both(&c, &forged, Some("acmf")) {
        assert_eq!(result.unwrap_err(), "authentication_failed");
    }
}

#[test]
fn flipping_any_bit_of_any_byte_fails() {
    let c = cipher();
    let text = block_on(c.seal("tenant-1", b"account 000123456789")).unwrap();
    let bytes = B64.decode(&text[4..]).unwrap();
    for index in 0..bytes.len() {
        for bit in [0x01u8, 0x80] {
            let mut tampered = bytes.clone();
            tampered[index] ^= bit;
            let forged = format!("dd1:{}", B64.encode(&tampered));
            for result in open_both(&c, &forged, None) {
                let kind = result.expect_err("tampered envelope opened");
                assert!(
                    matches!(
                        kind,
                        "authentication_failed"
                            | "malformed"
                            | "unsupported_version"
                            | "unknown_key"
                    ),
                    "byte {index}: {kind}"
                );
            }
        }
    }
}

#[test]
fn every_truncation_and_extension_fails() {
    let c = cipher();
    let text = block_on(c.seal("acme", b"secret")).unwrap();
    let bytes = B64.decode(&text[4..]).unwrap();
    for len in 0..bytes.len() {
        let forged = format!("dd1:{}", B64.encode(&bytes[..len]));
        assert!(
            block_on(c.open(&forged, None)).is_err(),
            "binary length {len}"
        );
    }
    for len in 0..text.len() {
        assert!(
            block_on(c.open(&text[..len], None)).is_err(),
            "text length {len}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    let forged = format!("dd1:{}", B64.encode(&longer));
    assert_eq!(
        block_on(c.open(&forged, None)).unwrap_err().kind(),
        "authentication_failed"
    );
}

#[test]
fn text_level_garbage_is_malformed_or_unsupported() {
    let c = cipher();
    let text = block_on(c.seal("acme", b"secret")).unwrap();
    let cases = [
        ("", "malformed"),
        ("dd1:", "malformed"),
        ("dd1:====", "malformed"),
        ("dd1:!!!!", "malformed"),
        ("q83vEjRWeJA=", "malformed"),
        ("dd2:AAAA", "unsupported_version"),
    ];
    for (input, kind) in cases {
        assert_eq!(
            block_on(c.open(input, None)).unwrap_err().kind(),
            kind,
            "{input:?}"
        );
    }
    let spaced = format!("{} ", text);
    assert_eq!(
        block_on(c.open(&spaced, None)).unwrap_err().kind(),
        "malformed"
    );
    let version_two = format!("dd2:{}", &text[4..]);
    assert_eq!(
        block_on(c.open(&version_two, None)).unwrap_err().kind(),
        "unsupported_version"
    );
    let oversized = format!("dd1:{}", "A".repeat(200_000));
    assert_eq!(
        block_on(c.open(&oversized, None)).unwrap_err().kind(),
        "malformed"
    );
    assert!(!envelope::is_envelope("q83vEjRWeJA="));
}

#[test]
fn wrong_kek_fails() {
    let c = cipher();
    let text = block_on(c.seal("acme", b"secret")).unwrap();
    let other = cipher();
    assert_eq!(
        block_on(other.open(&text, None)).unwrap_err().kind(),
        "unknown_key"
    );
    // Same key id, different key: the wrapped data key fails authentication.
    let impostor = format!(
        r#"{{"keyId":"{}","key":"{}"}}"#,
        c.provider().key_id(),
        B64.encode([0x42u8; 32])
    );
    let impostor = EnvelopeCipher::new(LocalKeyProvider::from_json(&impostor).unwrap());
    assert_eq!(
        block_on(impostor.open(&text, None)).unwrap_err().kind(),
        "authentication_failed"
    );
}

#[test]
fn rotated_kek_still_opens_old_envelopes_and_seals_under_the_new_one() {
    let c = cipher();
    let old = block_on(c.seal("acme", b"old")).unwrap();
    let rotated = EnvelopeCipher::new(c.provider().rotate().unwrap());
    assert_eq!(
        &*block_on(rotated.open(&old, Some("acme")))
            .unwrap()
            .plaintext,
        b"old"
    );
    let new = block_on(rotated.seal("acme", b"new")).unwrap();
    assert_eq!(
        envelope::peek_key_id(&new).unwrap(),
        rotated.provider().key_id()
    );
    assert_eq!(
        block_on(c.open(&new, None)).unwrap_err().kind(),
        "unknown_key"
    );
}

#[test]
fn bad_inputs_to_seal_are_refused() {
    let c = cipher();
    assert_eq!(
        block_on(c.seal("", b"x")).unwrap_err().kind(),
        "invalid_input"
    );
    assert_eq!(
        block_on(c.seal(&"t".repeat(257), b"x")).unwrap_err().kind(),
        "invalid_input"
    );
    assert_eq!(
        block_on(c.seal("acme", &vec![0; 64 * 1024 + 1]))
            .unwrap_err()
            .kind(),
        "invalid_input"
    );
    assert!(block_on(c.seal(&"t".repeat(256), &vec![0; 64 * 1024])).is_ok());
}

#[test]
fn errors_are_opaque() {
    let c = cipher();
    let text = block_on(c.seal("acme", b"secret")).unwrap();
    let err = block_on(c.open(&text, Some("globex"))).unwrap_err();
    assert_eq!(err.to_string(), "decryption failed");
    assert_eq!(
        err.envelope_failure(),
        Some(dd_crypto::EnvelopeFailure::TenantMismatch)
    );
}

#[test]
fn futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let c = cipher();
    let seal = c.seal("acme", b"x");
    assert_send(&seal);
    let text = block_on(seal).unwrap();
    assert_send(&c.open(&text, None));
}
