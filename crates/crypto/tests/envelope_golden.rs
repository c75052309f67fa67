//! Golden `dd1:` envelopes (data/envelope-golden.json) must open forever: they pin the byte
//! layout, the AAD and the local key wrap. The file was written once by the ignored
//! generator below and is never regenerated; a failure here means a format break.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod envelope_common;

use base64::Engine as _;
use dd_crypto::envelope::{self, EnvelopeCipher, LocalKeyProvider};
use envelope_common::block_on;
use serde_json::{Value, json};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn golden_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/envelope-golden.json")
}

fn golden() -> Value {
    // Read at run time, not `include_str!`, so the generator below compiles before the file exists.
    serde_json::from_str(&std::fs::read_to_string(golden_path()).unwrap()).unwrap()
}

fn golden_cipher(file: &Value) -> EnvelopeCipher<LocalKeyProvider> {
    EnvelopeCipher::new(LocalKeyProvider::from_json(&file["kek"].to_string()).unwrap())
}

#[test]
fn golden_envelopes_open() {
    let file = golden();
    let cipher = golden_cipher(&file);
    let valid = file["valid"].as_array().unwrap();
    assert!(valid.len() >= 5);
    for case in valid {
        let text = case["envelope"].as_str().unwrap();
        let tenant = case["tenantId"].as_str().unwrap();
        let plaintext = case["plaintext"].as_str().unwrap();
        assert_eq!(envelope::peek_tenant(text).unwrap(), tenant);
        for expected in [Some(tenant), None] {
            let opened = block_on(cipher.open(text, expected)).expect(text);
            assert_eq!(opened.tenant_id, tenant);
            assert_eq!(&*opened.plaintext, plaintext.as_bytes());
        }
    }
}

#[test]
fn golden_failures_keep_their_kinds() {
    let file = golden();
    let cipher = golden_cipher(&file);
    let invalid = file["invalid"].as_array().unwrap();
    assert!(invalid.len() >= 5);
    for case in invalid {
        let text = case["envelope"].as_str().unwrap();
        let expected = case["expectedTenant"].as_str();
        let err = block_on(cipher.open(text, expected)).unwrap_err();
        assert_eq!(
            err.kind(),
            case["kind"].as_str().unwrap(),
            "{}",
            case["why"]
        );
    }
}

/// Writes the golden file if it does not exist yet. Never overwrite it: delete it only to
/// change the format, which means a new version prefix instead.
#[test]
#[ignore = "one-off generator; the committed file is frozen"]
fn generate_golden_file() {
    let path = golden_path();
    assert!(
        !path.exists(),
        "golden file exists: it is frozen, do not regenerate"
    );
    // A visibly fake, test-only KEK (bytes 0..32), committed next to the envelopes.
    let kek_key: Vec<u8> = (0u8..32).collect();
    let kek = json!({ "keyId": "local:golden-test-kek", "key": B64.encode(&kek_key) });
    let cipher = EnvelopeCipher::new(LocalKeyProvider::from_json(&kek.to_string()).unwrap());

    let long_tenant = "t".repeat(256);
    let cases = [
        ("acme", "hunter2"),
        ("acme", ""),
        ("tenant-0001", "000123456789"),
        ("Ünïcødé-租户", "pässwörd ✓ 🔑"),
        (long_tenant.as_str(), "x"),
        ("globex", &"0123456789".repeat(30)),
    ];
    let valid: Vec<Value> = cases
        .iter()
        .map(|(tenant, plaintext)| {
            let text = block_on(cipher.seal(tenant, plaintext.as_bytes())).unwrap();
            json!({ "tenantId": tenant, "plaintext": plaintext, "envelope": text })
        })
        .collect();

    let base = valid[0]["envelope"].as_str().unwrap().to_owned();
    let bytes = B64.decode(&base[4..]).unwrap();
    let with = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = bytes.clone();
        f(&mut b);
        format!("dd1:{}", B64.encode(&b))
    };
    let tenant_at = bytes.windows(4).position(|w| w == b"acme").unwrap();
    let key_at = bytes.windows(5).position(|w| w == b"local").unwrap();
    let invalid = vec![
        json!({ "why": "last tag byte flipped", "expectedTenant": null, "kind": "authentication_failed",
                "envelope": with(&|b| { let n = b.len() - 1; b[n] ^= 1 }) }),
        json!({ "why": "header tenant rewritten", "expectedTenant": null, "kind": "authentication_failed",
                "envelope": with(&|b| b[tenant_at + 3] = b'f') }),
        json!({ "why": "another tenant expected", "expectedTenant": "globex", "kind": "tenant_mismatch",
                "envelope": base }),
        json!({ "why": "key id rewritten", "expectedTenant": null, "kind": "unknown_key",
                "envelope": with(&|b| b[key_at] = b'L') }),
        json!({ "why": "truncated inside the nonce", "expectedTenant": null, "kind": "malformed",
                "envelope": with(&|b| b.truncate(100)) }),
        json!({ "why": "version byte 2", "expectedTenant": null, "kind": "unsupported_version",
                "envelope": with(&|b| b[0] = 2) }),
        json!({ "why": "dd2 prefix", "expectedTenant": null, "kind": "unsupported_version",
                "envelope": format!("dd2:{}", &base[4..]) }),
        json!({ "why": "legacy base64, not an envelope", "expectedTenant": null, "kind": "malformed",
                "envelope": "q83vEjRWeJA=" }),
    ];
    let file = json!({
        "description": "Golden dd1 envelopes (docs/envelope.md). Frozen: never regenerate. The KEK is a test-only key.",
        "kek": kek,
        "valid": valid,
        "invalid": invalid,
    });
    std::fs::write(&path, serde_json::to_string_pretty(&file).unwrap() + "\n").unwrap();
}
