//! Rewrap a column of a SQL table in place, one conditional update per row.

use anyhow::Context;
use dd_aws::EnvelopeKeys;
use dd_crypto::decrypt_lambda::DecryptLambdaKey;
use dd_crypto::envelope::EnvelopeCipher;
use sqlx::Row;
use zeroize::Zeroizing;

use super::{Record, Summary, progress, rewrap_one};

/// Table and column names, checked to be plain identifiers (they cannot be bound).
pub struct Table {
    name: String,
    id: String,
    tenant: String,
    value: String,
}

impl Table {
    pub fn new(name: &str, id: &str, tenant: &str, value: &str) -> anyhow::Result<Self> {
        for ident in [name, id, tenant, value] {
            let plain = !ident.is_empty()
                && ident.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !ident.starts_with(|c: char| c.is_ascii_digit());
            anyhow::ensure!(plain, "{ident:?} is not a plain SQL identifier");
        }
        Ok(Self {
            name: name.to_owned(),
            id: id.to_owned(),
            tenant: tenant.to_owned(),
            value: value.to_owned(),
        })
    }
}

pub async fn rewrap(
    url: &str,
    table: &Table,
    legacy_key: &DecryptLambdaKey,
    envelopes: &EnvelopeCipher<EnvelopeKeys>,
    dry_run: bool,
) -> anyhow::Result<Summary> {
    let store = dd_storage::Store::connect(url).await?;
    let pool = store.pool();
    let select = format!(
        "SELECT CAST({id} AS TEXT) AS id, {tenant} AS tenant, {value} AS value FROM {name} ORDER BY {id}",
        id = table.id,
        tenant = table.tenant,
        value = table.value,
        name = table.name
    );
    // Only the row whose value is still the one we verified is replaced: a concurrent writer
    // wins, and nothing is overwritten unverified.
    let update = format!(
        "UPDATE {name} SET {value} = $1 WHERE CAST({id} AS TEXT) = $2 AND {value} = $3",
        name = table.name,
        value = table.value,
        id = table.id
    );
    let rows = sqlx::query(&select)
        .fetch_all(pool)
        .await
        .context("cannot read the table")?;
    let bar = progress(rows.len() as u64);
    let mut summary = Summary::default();
    for row in rows {
        bar.inc(1);
        summary.seen += 1;
        let record = Record {
            id: row.try_get("id").context("id column")?,
            tenant_id: row.try_get("tenant").context("tenant column")?,
            value: Zeroizing::new(row.try_get("value").context("value column")?),
        };
        match rewrap_one(&record, legacy_key, envelopes).await {
            Ok(None) => summary.already_wrapped += 1,
            Err(kind) => *summary.failed.entry(kind).or_default() += 1,
            Ok(Some(sealed)) if dry_run => {
                drop(sealed);
                summary.rewrapped += 1;
            }
            Ok(Some(sealed)) => {
                let done = sqlx::query(&update)
                    .bind(sealed)
                    .bind(&record.id)
                    .bind(record.value.as_str())
                    .execute(pool)
                    .await
                    .context("cannot update the row")?;
                if done.rows_affected() == 1 {
                    summary.rewrapped += 1;
                } else {
                    *summary.failed.entry("changed_concurrently").or_default() += 1;
                }
            }
        }
    }
    bar.finish_and_clear();
    store.close().await;
    Ok(summary)
}
