//! The lean HTTPS client end to end: Secrets Manager on moto over TLS, with the server
//! certificate issued by a throwaway CA that only `SdkEnv::ca_bundle` (`SSL_CERT_FILE`) trusts.
//! A client without that bundle must refuse the server, and say so without any secret.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use dd_aws::{SdkEnv, SecretsManagerSource};
use secrecy::ExposeSecret;

const SECRET_ID: &str = "EvoApiServiceAccountEncryptionKeys";
const SECRET: &str = r#"{"salt":"NaCl-2019","keyPhrase":"correct horse battery"}"#;

#[tokio::test]
async fn secrets_manager_over_tls_trusts_the_configured_ca_and_nothing_else() {
    let dir = std::env::temp_dir().join(format!("dd-aws-tls-{}", std::process::id()));
    let Some(ca) = support::make_test_ca(&dir) else {
        return;
    };
    let Some(moto) = support::start_moto_tls(&ca) else {
        return;
    };

    let trusted =
        SdkEnv::for_endpoint("us-east-1", "test", "test", &moto.url).with_ca_bundle(&ca.ca_pem);
    // boto3 over the same TLS moto, trusting the same bundle.
    support::moto_admin::create_secret(&moto.url, Some(&ca.ca_pem), SECRET_ID, SECRET);

    let value = SecretsManagerSource::new(&trusted, SECRET_ID)
        .fetch()
        .await
        .expect("fetch over TLS");
    assert_eq!(value.expose_secret(), SECRET);

    // Compiled-in roots only: the test CA is unknown, so the handshake must fail.
    let untrusted = SdkEnv::for_endpoint("us-east-1", "test", "test", &moto.url);
    let err = SecretsManagerSource::new(&untrusted, SECRET_ID)
        .fetch()
        .await
        .expect_err("an unknown CA must be refused");
    assert_eq!(err.kind(), "aws_service");
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("DispatchFailure"), "{shown}");
    assert!(shown.contains("UnknownIssuer"), "{shown}");
    assert!(!shown.contains("correct horse"), "{shown}");

    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_unreadable_ca_bundle_fails_every_call_with_its_path() {
    let env = SdkEnv::for_endpoint("us-east-1", "test", "test", "https://127.0.0.1:9")
        .with_ca_bundle("/nonexistent/dd-aws-ca.pem");
    let err = SecretsManagerSource::new(&env, SECRET_ID)
        .fetch()
        .await
        .expect_err("no bundle, no calls");
    assert_eq!(err.kind(), "aws_service");
    assert!(
        err.to_string().contains("/nonexistent/dd-aws-ca.pem"),
        "{err}"
    );
}
