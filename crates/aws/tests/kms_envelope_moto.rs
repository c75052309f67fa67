//! The KMS key provider against a real moto server: seal/open through KMS, the tenant
//! encryption context enforced, key-id allowlisting. Skips with a notice when moto is not
//! installed, unless `CI` is set (then it fails).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use base64::Engine as _;
use dd_aws::{EnvelopeKeys, KmsKeyProvider, SdkEnv};
use dd_crypto::envelope::{self, EnvelopeCipher, KeyProvider, LocalKeyProvider};
use support::{Moto, start_moto};

fn env(moto: &Moto) -> SdkEnv {
    SdkEnv::for_endpoint("us-east-1", "test", "test", &moto.url)
}

fn create_key(moto: &Moto) -> (String, String) {
    support::moto_admin::create_key(&moto.url, "dd1 envelope test KEK")
}

#[tokio::test]
async fn kms_provider_against_moto() {
    let Some(moto) = start_moto() else { return };
    let env = env(&moto);
    let (arn, bare_id) = create_key(&moto);

    // Round trip, opened by a second cipher so the data key really comes back from KMS Decrypt.
    let sealer = EnvelopeCipher::new(KmsKeyProvider::new(&env, &arn));
    let text = sealer.seal("acme", b"payroll-password").await.unwrap();
    assert_eq!(envelope::peek_key_id(&text).unwrap(), arn);
    let opener = EnvelopeCipher::new(KmsKeyProvider::new(&env, &bare_id));
    let opened = opener.open(&text, Some("acme")).await.unwrap();
    assert_eq!(&*opened.plaintext, b"payroll-password");
    assert_eq!(
        opener.open(&text, Some("globex")).await.unwrap_err().kind(),
        "tenant_mismatch"
    );

    // The encryption context is enforced by KMS: the wrapped key does not unwrap for another tenant.
    let binary = envelope::format::decode_text(&text).unwrap();
    let header = envelope::format::parse(&binary).unwrap().header;
    let provider = KmsKeyProvider::new(&env, &arn);
    let err = provider
        .decrypt_data_key(header.key_id, header.wrapped_key, "acmf")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "authentication_failed");
    // Same through a forged header (tenant rewritten in place) and a cold cache.
    let mut forged = binary.clone();
    let at = forged.windows(4).position(|w| w == b"acme").unwrap();
    forged[at + 3] = b'f';
    let forged = envelope::format::encode_text(&forged);
    let cold = EnvelopeCipher::new(KmsKeyProvider::new(&env, &arn));
    assert_eq!(
        cold.open(&forged, None).await.unwrap_err().kind(),
        "authentication_failed"
    );

    // Key ids: a header naming a key outside the allowlist never reaches KMS; retired keys
    // can be allowed; an alias cannot be matched against the ARN, so sealing refuses it.
    let (arn2, _) = create_key(&moto);
    let only_new = EnvelopeCipher::new(KmsKeyProvider::new(&env, &arn2));
    assert_eq!(
        only_new.open(&text, None).await.unwrap_err().kind(),
        "unknown_key"
    );
    let rotated =
        EnvelopeCipher::new(KmsKeyProvider::new(&env, &arn2).with_decrypt_key_ids([arn.clone()]));
    assert_eq!(
        &*rotated.open(&text, None).await.unwrap().plaintext,
        b"payroll-password"
    );
    let new_text = rotated.seal("acme", b"v2").await.unwrap();
    assert_eq!(envelope::peek_key_id(&new_text).unwrap(), arn2);
    support::moto_admin::create_alias(&moto.url, "alias/dd-envelope", &arn);
    let aliased = EnvelopeCipher::new(KmsKeyProvider::new(&env, "alias/dd-envelope"));
    assert_eq!(
        aliased.seal("acme", b"x").await.unwrap_err().kind(),
        "invalid_config"
    );

    // A key id KMS does not know.
    let missing = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000";
    let ghost = EnvelopeCipher::new(KmsKeyProvider::new(&env, missing));
    assert!(ghost.seal("acme", b"x").await.is_err());

    // The run-time switch between local and KMS keys behaves like either provider.
    let either = EnvelopeCipher::new(EnvelopeKeys::Kms(KmsKeyProvider::new(&env, &arn)));
    assert_eq!(
        &*either.open(&text, None).await.unwrap().plaintext,
        b"payroll-password"
    );
    let local = EnvelopeCipher::new(EnvelopeKeys::Local(LocalKeyProvider::generate().unwrap()));
    let local_text = local.seal("acme", b"y").await.unwrap();
    assert_eq!(
        &*local
            .open(&local_text, Some("acme"))
            .await
            .unwrap()
            .plaintext,
        b"y"
    );
    assert_eq!(
        either.open(&local_text, None).await.unwrap_err().kind(),
        "unknown_key"
    );

    // Errors carry no secret material.
    let err = cold.open(&forged, None).await.unwrap_err();
    let wrapped_b64 = base64::engine::general_purpose::STANDARD.encode(header.wrapped_key);
    assert!(!format!("{err} {err:?}").contains(&wrapped_b64[..16]));
}

#[tokio::test]
async fn unreachable_kms_is_key_unavailable() {
    // Nothing listens on this port: a transport failure, never a panic or a decrypt error.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let env = SdkEnv::for_endpoint(
        "us-east-1",
        "test",
        "test",
        format!("http://127.0.0.1:{port}"),
    );
    let cipher = EnvelopeCipher::new(KmsKeyProvider::new(
        &env,
        "1234abcd-12ab-34cd-56ef-1234567890ab",
    ));
    let err = cipher.seal("acme", b"x").await.unwrap_err();
    assert_eq!(err.kind(), "key_unavailable");
    assert!(err.to_string().contains("GenerateDataKey"), "{err}");
}
