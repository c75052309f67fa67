//! `bench-minimal-decryptor`: the reference the credential decryptor is measured against
//! (issue 14). It answers the legacy contract for one key from `DD_KEY_JSON` and nothing more:
//! key ‖ IV = PBKDF2-HMAC-SHA1(keyPhrase UTF-8, salt UTF-16LE, 1000, 48 bytes), AES-256-CBC,
//! PKCS#7, UTF-16LE plaintext. The derivation runs inline before the runtime starts, as the
//! cheapest honest order on two vCPUs (a thread would only move it, not remove it).

use aes::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
use base64::Engine;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;

struct Key {
    material: [u8; 48],
}

impl Key {
    fn from_env() -> Result<Self, Error> {
        let json: Value = serde_json::from_str(&std::env::var("DD_KEY_JSON")?)?;
        let text = |name: &str| {
            json[name]
                .as_str()
                .map(str::to_owned)
                .ok_or("key field missing")
        };
        let salt: Vec<u8> = text("salt")?
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut material = [0u8; 48];
        pbkdf2::pbkdf2_hmac::<sha1::Sha1>(
            text("keyPhrase")?.as_bytes(),
            &salt,
            1000,
            &mut material,
        );
        Ok(Self { material })
    }

    fn decrypt(&self, cipher_text: &str) -> Option<String> {
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(cipher_text)
            .ok()?;
        let (key, iv) = self.material.split_at(32);
        let plain = Aes256CbcDec::new_from_slices(key, iv)
            .ok()?
            .decrypt_padded_mut::<Pkcs7>(&mut bytes)
            .ok()?;
        let units: Vec<u16> = plain
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        String::from_utf16(&units).ok()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    // Lives as long as the process; leaking it spares an Arc clone per invocation.
    let key: &'static Key = Box::leak(Box::new(Key::from_env()?));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let plain = event.payload["cipherText"]
            .as_str()
            .and_then(|text| key.decrypt(text));
        Ok::<Value, Error>(match plain {
            Some(body) => json!({"statusCode": 200, "body": body, "isBase64Encoded": false}),
            None => json!({"statusCode": 400, "body": "Bad Request", "isBase64Encoded": false}),
        })
    }))
    .await
}
