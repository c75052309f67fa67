//! Builds scheme parameters from a vector's `params` object (the CLI flag names).
#![allow(clippy::unwrap_used, dead_code)]

use dd_crypto::SecretString;
use dd_crypto::legacy::{LegacyParams, decode_hex};
use serde_json::{Map, Value};

pub fn params_from_json(scheme: &str, params: &Map<String, Value>) -> LegacyParams {
    let text = |key: &str| params.get(key).and_then(Value::as_str);
    let number = |key: &str| params.get(key).and_then(Value::as_u64);
    let mut out = LegacyParams::new(
        scheme.parse().unwrap(),
        SecretString::from(text("passphrase").unwrap()),
    );
    out.salt = text("salt").map(|s| decode_hex(s).unwrap());
    out.iterations = number("iterations").map(|n| n as u32);
    out.hash = text("hash").map(|s| s.parse().unwrap());
    out.iv = text("iv").map(|s| s.parse().unwrap());
    out.key_size = number("key_size").map(|n| n as u32);
    out.plaintext_encoding = text("plaintext_encoding").map(|s| s.parse().unwrap());
    out.key_derivation = text("key_derivation").map(|s| s.parse().unwrap());
    out.salt_len = number("salt_len").map(|n| n as usize);
    out
}
