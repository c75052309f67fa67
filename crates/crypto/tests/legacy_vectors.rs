//! The 55 .NET vectors: every `ok` vector decrypts to its plaintext and re-encrypts to the same
//! bytes; every error vector fails with its kind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dd_crypto::ExposeSecret;
use dd_crypto::legacy::{LegacyCipher, LegacyParams, base64};
use serde::Deserialize;

mod common;

#[derive(Deserialize)]
struct Vector {
    id: String,
    scheme: String,
    params: serde_json::Map<String, serde_json::Value>,
    plaintext: String,
    ciphertext_b64: String,
    expect: String,
    #[serde(default)]
    note: String,
}

fn vectors() -> Vec<Vector> {
    serde_json::from_str(include_str!("data/legacy-dotnet.json")).unwrap()
}

fn cipher(v: &Vector) -> LegacyCipher {
    let params: LegacyParams = common::params_from_json(&v.scheme, &v.params);
    LegacyCipher::new(&params).unwrap_or_else(|e| panic!("{}: {e}", v.id))
}

/// Vectors whose stored text was altered after encryption cannot be reproduced by encrypting.
fn is_decrypt_only(v: &Vector) -> bool {
    v.ciphertext_b64.is_empty()
        || base64::encode(&base64::decode(&v.ciphertext_b64).unwrap()) != v.ciphertext_b64
}

#[test]
fn there_are_55_vectors_over_six_schemes() {
    let all = vectors();
    assert_eq!(all.len(), 55);
    let schemes: std::collections::BTreeSet<_> = all.iter().map(|v| v.scheme.as_str()).collect();
    assert_eq!(schemes.len(), 6);
}

#[test]
fn ok_vectors_decrypt_to_their_plaintext() {
    for v in vectors().iter().filter(|v| v.expect == "ok") {
        let plain = cipher(v)
            .decrypt(&v.ciphertext_b64)
            .unwrap_or_else(|e| panic!("{}: {:?}", v.id, e.decrypt_failure()));
        assert_eq!(plain.expose_secret(), v.plaintext, "{}", v.id);
    }
}

#[test]
fn ok_vectors_re_encrypt_byte_exactly() {
    let mut checked = 0;
    for v in vectors()
        .iter()
        .filter(|v| v.expect == "ok" && !is_decrypt_only(v))
    {
        let cipher = cipher(v);
        let stored = base64::decode(&v.ciphertext_b64).unwrap();
        // Reproduce the plaintext bytes as written, byte-order mark included.
        let raw_plain = cipher.decrypt_bytes(&stored).unwrap();
        let prefix = &stored[..cipher.prefix_len()];
        let again = cipher.encrypt_bytes(&raw_plain, Some(prefix)).unwrap();
        assert_eq!(base64::encode(&again), v.ciphertext_b64, "{}", v.id);
        // And from the text itself, where no byte-order mark was written.
        if !v.note.contains("BOM") {
            let from_text =
                cipher.encrypt_bytes(&cipher.encode_plaintext(&v.plaintext), Some(prefix));
            assert_eq!(
                base64::encode(&from_text.unwrap()),
                v.ciphertext_b64,
                "{}",
                v.id
            );
        }
        checked += 1;
    }
    // 43 ok vectors, of which 4 were altered after encryption.
    assert_eq!(checked, 39);
}

#[test]
fn fresh_random_encryptions_round_trip() {
    for v in vectors().iter().filter(|v| v.expect == "ok") {
        let cipher = cipher(v);
        let text = cipher.encrypt(&v.plaintext).unwrap();
        assert_eq!(
            cipher.decrypt(&text).unwrap().expose_secret(),
            v.plaintext,
            "{}",
            v.id
        );
    }
}

#[test]
fn error_vectors_fail_with_their_kind_and_an_opaque_message() {
    let mut checked = 0;
    for v in vectors().iter().filter(|v| v.expect != "ok") {
        let err = cipher(v).decrypt(&v.ciphertext_b64).expect_err(&v.id);
        assert_eq!(err.kind(), v.expect, "{}", v.id);
        assert_eq!(err.to_string(), "decryption failed", "{}", v.id);
        checked += 1;
    }
    assert_eq!(checked, 12);
}

#[test]
fn debug_output_never_shows_key_material() {
    for v in vectors() {
        let params = common::params_from_json(&v.scheme, &v.params);
        let passphrase = params.passphrase.expose_secret().to_owned();
        let shown = format!("{params:?} {:?}", LegacyCipher::new(&params).unwrap());
        assert!(!shown.contains(&passphrase), "{}: {shown}", v.id);
    }
}
