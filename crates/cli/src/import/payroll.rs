//! The tenant's payroll service account: `PRServiceLocation`'s user name and its password
//! as the legacy ciphertext, imported as is, or with `--rewrap-payroll-password` rewrapped
//! as a `dd1:` envelope through `ddctl rewrap`'s verified round trip.
//!
//! Re-runs compare passwords by what they open to when a stored `dd1:` envelope meets the
//! source's legacy ciphertext, so the same input keeps the stored value (no change).

use anyhow::{Context as _, bail};
use dd_crypto::ExposeSecret as _;
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::envelope::is_envelope;
use dd_storage::{ImportCompany, PayrollAccount};
use zeroize::Zeroizing;

use super::map_directory::ServiceAccount;
use super::seal::SealKeys;
use crate::rewrap::{Record, rewrap_one};

/// What the account decision needs besides the source row.
pub struct PayrollInputs<'a> {
    pub tenant: &'a str,
    pub api_url: Option<&'a str>,
    pub rewrap: bool,
    pub legacy_key: Option<&'a DecryptLambdaKey>,
    pub stored: Option<&'a PayrollAccount>,
    pub companies: &'a [ImportCompany],
}

/// The account to write (or the stored one again when nothing differs), and notes for the
/// report.
///
/// # Errors
/// When no API URL is known, the password does not open with the given legacy key, or the
/// rewrap fails.
pub async fn payroll_account(
    source: &ServiceAccount,
    inputs: &PayrollInputs<'_>,
    keys: &SealKeys,
    notes: &mut Vec<String>,
) -> anyhow::Result<PayrollAccount> {
    let Some(api_base_url) = inputs
        .api_url
        .map(str::to_owned)
        .or_else(|| inputs.stored.map(|s| s.api_base_url.clone()))
    else {
        bail!(
            "give --payroll-api-url: the payroll suite's base URL (it is not in the tenant \
             database)"
        );
    };
    let (client_id, company_id) = defaults(inputs, notes);
    let source_plain = match inputs.legacy_key {
        Some(key) => Some(
            key.decrypt(&source.password_ciphertext)
                .map_err(|e| anyhow::anyhow!("{}", e.kind()))
                .context("PRServiceLocation.APIPassword does not decrypt with the given key")?,
        ),
        None => None,
    };
    let stored_text = inputs.stored.map(|s| s.password_ciphertext.as_str());
    // A stored envelope that opens to the source's password is kept as it is.
    let stored_same = match (stored_text, &source_plain) {
        (Some(stored), Some(plain)) if is_envelope(stored) => {
            let opened = keys
                .envelopes
                .open(stored, Some(inputs.tenant))
                .await
                .map_err(|e| anyhow::anyhow!("stored payroll password: {}", e.kind()))?;
            opened.plaintext.as_slice() == plain.expose_secret().as_bytes()
        }
        _ => false,
    };
    let password_ciphertext = match (stored_text, inputs.rewrap) {
        (Some(stored), _) if stored_same => stored.to_owned(),
        (Some(stored), false) if is_envelope(stored) && source_plain.is_none() => {
            notes.push(
                "the stored payroll password is already a dd1: envelope; kept (give the legacy \
                 key to compare it with the export's)"
                    .to_owned(),
            );
            stored.to_owned()
        }
        (_, false) => source.password_ciphertext.to_string(),
        (_, true) => {
            let Some(key) = inputs.legacy_key else {
                bail!("--rewrap-payroll-password needs the legacy key (--key-file or --key-json)");
            };
            let record = Record {
                id: "PRServiceLocation".to_owned(),
                tenant_id: inputs.tenant.to_owned(),
                value: Zeroizing::new(source.password_ciphertext.to_string()),
            };
            match rewrap_one(&record, key, &keys.envelopes).await {
                Ok(Some(sealed)) => sealed,
                Ok(None) => source.password_ciphertext.to_string(),
                Err(kind) => bail!("cannot rewrap the payroll password: {kind}"),
            }
        }
    };
    Ok(PayrollAccount {
        api_base_url,
        username: source.username.clone(),
        password_ciphertext,
        client_id,
        company_id,
    })
}

/// The account's client and company (used for employees without payroll keys): those of
/// the first company that has both, else the stored ones.
fn defaults(inputs: &PayrollInputs<'_>, notes: &mut Vec<String>) -> (i64, i64) {
    let mut companies: Vec<&ImportCompany> = inputs.companies.iter().collect();
    companies.sort_by_key(|c| c.id);
    let first = companies
        .iter()
        .find_map(|c| Some((c.payroll_client_id?, c.payroll_company_id?)));
    match (first, inputs.stored) {
        (Some(keys), _) => keys,
        (None, Some(stored)) => (stored.client_id, stored.company_id),
        (None, None) => {
            notes.push(
                "no company has both payroll keys: the payroll account's client and company \
                 are 0, and payroll calls for employees without keys will fail"
                    .to_owned(),
            );
            (0, 0)
        }
    }
}
