//! Decrypt of a 24-character password per scheme with the key cached, and key construction.
//! The decrypt-Lambda key's PBKDF2 (1000 × HMAC-SHA1) is the cost paid once per container.
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use dd_crypto::SecretString;
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::legacy::{
    HashAlgorithm, IvSource, KeyDerivation, LegacyCipher, LegacyParams, Scheme, TextEncoding,
};

const PASSWORD: &str = "Sv3-Acct!payroll#2024xyz"; // 24 characters

fn params(scheme: Scheme) -> LegacyParams {
    let mut p = LegacyParams::new(scheme, SecretString::from("MAKV2SPBNI99212"));
    match scheme {
        Scheme::AesCbcRfc2898 => {
            p.salt = Some(b"Ivan Medvedev".to_vec());
            p.plaintext_encoding = Some(TextEncoding::Utf16Le);
        }
        Scheme::AesCbcPdbFixedIv => {
            p.salt = Some(b"s@1tValue".to_vec());
            p.iv = Some(IvSource::Fixed(*b"@1B2c3D4e5F6g7H8"));
            p.iterations = Some(2);
        }
        Scheme::AesCbcPdbKeyIv => p.salt = Some(b"Ivan Medvedev".to_vec()),
        Scheme::TripleDesEcbMd5 => p.key_derivation = Some(KeyDerivation::Md5Utf8),
        Scheme::AesCbcRfc2898SaltPrefixed => {
            p.salt_len = Some(16);
            p.hash = Some(HashAlgorithm::Sha1);
        }
        Scheme::AesCbcIvPrefixed => {
            p.passphrase = SecretString::from("0123456789abcdef0123456789abcdef");
        }
    }
    p
}

fn decrypt_per_scheme(c: &mut Criterion) {
    let mut group = c.benchmark_group("decrypt_24_chars");
    for scheme in Scheme::ALL {
        let cipher = LegacyCipher::new(&params(scheme)).unwrap();
        let text = cipher.encrypt(PASSWORD).unwrap();
        group.bench_function(scheme.as_str(), |b| {
            b.iter(|| cipher.decrypt(black_box(&text)).unwrap())
        });
    }
    let key = DecryptLambdaKey::new("NaCl-2019", "correct horse battery").unwrap();
    let text = key.encrypt(PASSWORD).unwrap();
    group.bench_function("decrypt_lambda_key", |b| {
        b.iter(|| key.decrypt(black_box(&text)).unwrap())
    });
    group.finish();
}

fn key_construction(c: &mut Criterion) {
    let mut group = c.benchmark_group("key_construction");
    for scheme in Scheme::ALL {
        let p = params(scheme);
        group.bench_function(scheme.as_str(), |b| {
            b.iter(|| LegacyCipher::new(black_box(&p)).unwrap())
        });
    }
    group.bench_function("decrypt_lambda_key", |b| {
        b.iter(|| DecryptLambdaKey::new(black_box("NaCl-2019"), "correct horse battery").unwrap())
    });
    group.finish();
}

/// The decrypt-Lambda key (48 bytes of PBKDF2-HMAC-SHA1, 1000 iterations) against the
/// `pbkdf2` crate's derivation of the same bytes, the baseline of the same run
/// (legacy/pbkdf2_sha1.rs runs the three blocks' chains side by side).
fn decrypt_lambda_derivation(c: &mut Criterion) {
    let mut group = c.benchmark_group("decrypt_lambda_derivation");
    let salt: Vec<u8> = "NaCl-2019"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    group.bench_function("baseline_pbkdf2_crate", |b| {
        b.iter(|| {
            let mut out = [0u8; 48];
            pbkdf2::pbkdf2_hmac::<sha1::Sha1>(
                b"correct horse battery",
                black_box(&salt),
                1000,
                &mut out,
            );
            out
        })
    });
    group.bench_function("decrypt_lambda_key_new", |b| {
        b.iter(|| DecryptLambdaKey::new(black_box("NaCl-2019"), "correct horse battery").unwrap())
    });
    group.finish();
}

criterion_group!(
    benches,
    decrypt_per_scheme,
    key_construction,
    decrypt_lambda_derivation
);
criterion_main!(benches);
