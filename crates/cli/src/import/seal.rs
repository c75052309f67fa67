//! Account numbers leave the import only sealed: each one becomes exactly what the API
//! writes for a create (a `dd1:` envelope for the tenant, its last 4, the API's keyed
//! fingerprint for the duplicate rule), plus a keyed digest of the whole source row that
//! tells a re-run whether the legacy row changed.

use anyhow::Context as _;
use dd_aws::EnvelopeKeys;
use dd_crypto::envelope::EnvelopeCipher;
use dd_storage::{ImportDeposit, NewDepositRecord};
use direct_deposit_api::FingerprintKey;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::map_deposits::MappedDeposit;

/// The keys an import seals with: the deployment's envelope key and fingerprint key.
pub struct SealKeys {
    /// Seals account numbers (and opens them again for the verification report).
    pub envelopes: EnvelopeCipher<EnvelopeKeys>,
    fingerprint: FingerprintKey,
    digest_key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for SealKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKeys(<redacted>)")
    }
}

impl SealKeys {
    /// Keys from the envelope provider and the fingerprint key's bytes.
    ///
    /// # Errors
    /// When the fingerprint key is too short for the API.
    pub fn new(envelopes: EnvelopeKeys, fingerprint_key: &[u8]) -> anyhow::Result<Self> {
        Ok(Self {
            envelopes: EnvelopeCipher::new(envelopes),
            fingerprint: FingerprintKey::new(fingerprint_key.to_vec())
                .map_err(|e| anyhow::anyhow!("fingerprint key: {e}"))?,
            digest_key: Zeroizing::new(fingerprint_key.to_vec()),
        })
    }

    /// Seals one mapped deposit for `tenant`.
    ///
    /// # Errors
    /// When the envelope key cannot seal (a key problem, not the row's).
    pub async fn seal(&self, tenant: &str, d: &MappedDeposit) -> anyhow::Result<ImportDeposit> {
        let ciphertext = self
            .envelopes
            .seal(tenant, d.account.expose().as_bytes())
            .await
            .map_err(|e| anyhow::anyhow!("cannot seal an account number: {}", e.kind()))?;
        Ok(ImportDeposit {
            id: d.id,
            company_id: d.company_id,
            employee_id: d.employee_id,
            record: NewDepositRecord {
                routing: d.routing.clone(),
                account_ciphertext: ciphertext,
                account_last4: d.account.last4(),
                account_fingerprint: self.fingerprint.fingerprint(&d.account),
                designation: d.designation,
                allocation: d.allocation,
            },
            status: d.status,
            end_dated_at: d.end,
            payroll_ed_id: d.payroll_ed_id,
            created_at: d.start,
            source_digest: self.digest(d)?,
        })
    }

    /// HMAC-SHA256 under the fingerprint key of every mapped field, account included
    /// (exact case): a plain hash of an account number could be brute-forced.
    fn digest(&self, d: &MappedDeposit) -> anyhow::Result<String> {
        let opt = |v: Option<i64>| v.map_or_else(String::new, |v| v.to_string());
        let text = Zeroizing::new(format!(
            "dd-legacy-import-v1\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}",
            d.id,
            d.company_id,
            d.employee_id,
            d.routing.as_str(),
            d.account.expose(),
            d.designation.as_str(),
            d.allocation.amount_type().as_str(),
            opt(d.allocation.stored_amount()),
            d.status.as_str(),
            opt(d.start),
            opt(d.end),
            opt(d.payroll_ed_id),
        ));
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.digest_key)
            .context("the fingerprint key cannot key HMAC")?;
        mac.update(text.as_bytes());
        Ok(hex::encode(mac.finalize().into_bytes()))
    }
}
