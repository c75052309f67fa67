//! The verification report: what the database holds for the imported deposits, read back
//! and opened (not what the import meant to write), as counts and one keyed fingerprint per
//! deposit that the source side computes the same way (`scripts/legacy-fingerprints.py`).
//!
//! Recipe (docs/migration.md): fingerprint = hex HMAC-SHA256 under the verification key of
//! the UTF-8 text `routing \n account \n amount`, where account is exactly as stored and
//! amount is the decimal without trailing zeros (`250`, `10.5`), empty for a Balance
//! Remainder. So neither side ever prints an account number.

use std::path::Path;

use anyhow::Context as _;
use dd_domain::AmountType;
use dd_storage::DepositRecord;
use hmac::{Hmac, Mac as _};
use rand_core::{OsRng, RngCore as _};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::seal::SealKeys;
use crate::data_dir::create_if_missing;

/// One imported deposit as the report lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRow {
    pub id: i64,
    pub company_id: i64,
    pub employee_id: i64,
    pub status: &'static str,
    pub amount_type: &'static str,
    pub end_dated: bool,
    pub fingerprint: String,
}

/// The key both sides fingerprint with: `--verification-key-file`, else a fresh random one
/// written next to the report (`verification-key`, 0600). Hex in the file.
///
/// # Errors
/// When the file is unreadable, not hex, or shorter than 16 bytes.
pub fn verification_key(
    given: Option<&Path>,
    report_dir: &Path,
) -> anyhow::Result<Zeroizing<Vec<u8>>> {
    let path = given.map_or_else(|| report_dir.join("verification-key"), Path::to_path_buf);
    if given.is_none() {
        create_if_missing(&path, || {
            let mut bytes = Zeroizing::new(vec![0u8; 32]);
            OsRng.fill_bytes(&mut bytes);
            Ok(Zeroizing::new(format!(
                "{}\n",
                hex::encode(bytes.as_slice())
            )))
        })?;
    }
    let text = Zeroizing::new(
        std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the verification key {}", path.display()))?,
    );
    let key = Zeroizing::new(
        hex::decode(text.trim()).map_err(|_| anyhow::anyhow!("{} is not hex", path.display()))?,
    );
    anyhow::ensure!(
        key.len() >= 16,
        "the verification key must be at least 16 bytes"
    );
    Ok(key)
}

/// Opens every imported deposit and fingerprints it.
///
/// # Errors
/// When a stored envelope does not open for the tenant.
pub async fn verify(
    imported: &[DepositRecord],
    keys: &SealKeys,
    key: &[u8],
) -> anyhow::Result<Vec<VerifiedRow>> {
    let mut rows = Vec::with_capacity(imported.len());
    for d in imported {
        let opened = keys
            .envelopes
            .open(&d.account_ciphertext, Some(&d.tenant_id))
            .await
            .map_err(|e| {
                anyhow::anyhow!("deposit {}: account does not open: {}", d.id, e.kind())
            })?;
        let account = Zeroizing::new(
            String::from_utf8(opened.plaintext.to_vec())
                .map_err(|_| anyhow::anyhow!("deposit {}: account is not UTF-8", d.id))?,
        );
        let amount = canonical_amount(d.allocation.amount_type(), d.allocation.stored_amount());
        rows.push(VerifiedRow {
            id: d.id,
            company_id: d.company_id,
            employee_id: d.employee_id,
            status: d.status.as_str(),
            amount_type: d.allocation.amount_type().as_str(),
            end_dated: d.end_dated_at.is_some(),
            fingerprint: fingerprint(key, d.routing.as_str(), &account, &amount)?,
        });
    }
    Ok(rows)
}

/// The recipe's fingerprint.
///
/// # Errors
/// Never for a key HMAC accepts (any length).
pub fn fingerprint(
    key: &[u8],
    routing: &str,
    account: &str,
    amount: &str,
) -> anyhow::Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).context("verification key")?;
    let text = Zeroizing::new(format!("{routing}\n{account}\n{amount}"));
    mac.update(text.as_bytes());
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// A stored amount (hundredths) as the recipe writes it: `250`, `10.5`, `0.07`; empty for
/// a Balance Remainder.
pub fn canonical_amount(amount_type: AmountType, stored: Option<i64>) -> String {
    match (amount_type, stored) {
        (AmountType::BalanceRemainder, _) | (_, None) => String::new(),
        (_, Some(h)) => {
            let (whole, cents) = (h / 100, (h % 100).abs());
            match cents {
                0 => whole.to_string(),
                c if c % 10 == 0 => format!("{whole}.{}", c / 10),
                c => format!("{whole}.{c:02}"),
            }
        }
    }
}

/// `(key, count)` pairs in key order.
pub fn tally<K: Ord>(keys: impl Iterator<Item = K>) -> Vec<(K, u64)> {
    let mut counts = std::collections::BTreeMap::<K, u64>::new();
    for key in keys {
        *counts.entry(key).or_default() += 1;
    }
    counts.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_without_trailing_zeros() {
        let flat = AmountType::Flat;
        assert_eq!(canonical_amount(flat, Some(25_000)), "250");
        assert_eq!(canonical_amount(flat, Some(1_050)), "10.5");
        assert_eq!(canonical_amount(flat, Some(1_005)), "10.05");
        assert_eq!(canonical_amount(flat, Some(7)), "0.07");
        assert_eq!(
            canonical_amount(AmountType::Percentage, Some(10_000)),
            "100"
        );
        assert_eq!(canonical_amount(AmountType::BalanceRemainder, None), "");
    }

    #[test]
    fn fingerprint_is_hmac_sha256_of_the_recipe() {
        // Python: hmac.new(bytes(32), b"021000021\n123456789\n250", "sha256").hexdigest()
        let fp = fingerprint(&[0; 32], "021000021", "123456789", "250").unwrap();
        assert_eq!(fp.len(), 64);
        assert_ne!(
            fp,
            fingerprint(&[0; 32], "021000021", "123456789", "25").unwrap()
        );
    }
}
