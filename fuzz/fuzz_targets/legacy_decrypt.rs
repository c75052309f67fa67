//! Every legacy decrypt entry point must return an error, never panic, on any input.
#![no_main]

use std::sync::OnceLock;

use dd_crypto::SecretString;
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::legacy::{IvSource, LegacyCipher, LegacyParams, Scheme};
use libfuzzer_sys::fuzz_target;

fn ciphers() -> &'static Vec<LegacyCipher> {
    static CIPHERS: OnceLock<Vec<LegacyCipher>> = OnceLock::new();
    CIPHERS.get_or_init(|| {
        Scheme::ALL
            .into_iter()
            .filter_map(|scheme| {
                let mut p = LegacyParams::new(scheme, SecretString::from("0123456789abcdef0123456789abcdef"));
                p.salt = Some(b"Ivan Medvedev".to_vec());
                p.salt_len = Some(16);
                if scheme == Scheme::AesCbcPdbFixedIv {
                    p.iv = Some(IvSource::Fixed([7; 16]));
                }
                LegacyCipher::new(&p).ok()
            })
            .collect()
    })
}

fn lambda_key() -> &'static Option<DecryptLambdaKey> {
    static KEY: OnceLock<Option<DecryptLambdaKey>> = OnceLock::new();
    KEY.get_or_init(|| DecryptLambdaKey::new("NaCl-2019", "correct horse battery").ok())
}

fuzz_target!(|data: &[u8]| {
    for cipher in ciphers() {
        let _ = cipher.decrypt_bytes(data);
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = cipher.decrypt(text);
        }
    }
    if let (Some(key), Ok(text)) = (lambda_key(), std::str::from_utf8(data)) {
        let _ = key.decrypt(text);
    }
});
