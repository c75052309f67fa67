//! Building the worker from the configuration: key providers, password source, payroll
//! identity. Runs once per container, before the first event.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use dd_aws::{EnvelopeKeys as AwsKeys, KmsKeyProvider, SdkEnv, SecretsManagerSource};
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::envelope::{EnvelopeCipher, LocalKeyProvider};
use dd_delivery::{CredentialSource, Deliverer, LambdaDecryptor, PayrollSuite};
use dd_storage::Store;
use secrecy::ExposeSecret;
use zeroize::Zeroizing;

use crate::config::{ApiSecret, Config, Database, EnvelopeKeys, Passwords};

pub async fn deliverer(config: &Config) -> anyhow::Result<Deliverer> {
    // Read only when some setting lives in AWS: a local-files setup needs no AWS env.
    let needs_aws = matches!(config.envelope_keys, EnvelopeKeys::Kms { .. })
        || matches!(
            config.passwords,
            Passwords::Function(_) | Passwords::KeySecret(_)
        )
        || matches!(config.api_secret, ApiSecret::SecretsManager(_))
        || matches!(config.database, Database::Secret { .. });
    let sdk = if needs_aws {
        Some(SdkEnv::from_env()?)
    } else {
        None
    };
    let sdk_env = || aws(sdk.as_ref());
    let keys = match &config.envelope_keys {
        EnvelopeKeys::Kms {
            key_id,
            decrypt_key_ids,
        } => AwsKeys::Kms(
            KmsKeyProvider::new(sdk_env()?, key_id.clone())
                .with_decrypt_key_ids(decrypt_key_ids.clone()),
        ),
        EnvelopeKeys::File(path) => AwsKeys::Local(LocalKeyProvider::from_json(&read(path)?)?),
    };
    let accounts = Arc::new(EnvelopeCipher::new(keys));

    let timeout = Duration::from_millis(config.request_timeout_ms);
    let source = match &config.passwords {
        Passwords::Function(name) => {
            CredentialSource::Lambda(LambdaDecryptor::new(sdk_env()?, name.clone(), timeout))
        }
        Passwords::KeyJson(json) => in_process(json.expose_secret())?,
        Passwords::KeyFile(path) => in_process(&read(path)?)?,
        Passwords::KeySecret(id) => {
            let json = SecretsManagerSource::new(sdk_env()?, id.clone())
                .fetch()
                .await?;
            in_process(json.expose_secret())?
        }
    };
    let api_secret = match &config.api_secret {
        ApiSecret::Inline(secret) => secret.clone(),
        ApiSecret::SecretsManager(id) => {
            SecretsManagerSource::new(sdk_env()?, id.clone())
                .fetch()
                .await?
        }
    };
    let mut suite = PayrollSuite::new(
        config.api_key.clone(),
        api_secret,
        config.application_id.clone(),
    );
    suite.request_timeout = timeout;

    let database_url = match &config.database {
        Database::Url(url) => url.clone(),
        Database::Secret { secret_id, target } => {
            let json = SecretsManagerSource::new(sdk_env()?, secret_id.clone())
                .fetch()
                .await?;
            dd_aws::postgres_url(&json, target)?
        }
    };
    let store = Store::connect(database_url.expose_secret())
        .await
        .context("cannot open the database")?;
    Ok(Deliverer::new(
        store,
        suite,
        source,
        accounts,
        config.policy,
    )?)
}

fn aws(sdk: Option<&SdkEnv>) -> anyhow::Result<&SdkEnv> {
    sdk.context("AWS environment not loaded")
}

fn in_process(json: &str) -> anyhow::Result<CredentialSource> {
    // PBKDF2 runs here, once per container.
    Ok(CredentialSource::in_process(
        DecryptLambdaKey::from_secret_json(json)?,
    ))
}

fn read(path: &std::path::Path) -> anyhow::Result<Zeroizing<String>> {
    Ok(Zeroizing::new(std::fs::read_to_string(path).with_context(
        || format!("cannot read {}", path.display()),
    )?))
}
