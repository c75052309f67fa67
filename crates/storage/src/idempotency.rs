//! Idempotency keys of client requests (`Idempotency-Key` on POST).
//!
//! The stored response is written in the same transaction as the write it answers, so a
//! key either has its response and the write, or neither. The API looks the key up first:
//! same request hash → replay the stored response; different hash → 409/422 (key reuse).
//! Two concurrent requests with one key: the second insert hits the primary key, its whole
//! transaction rolls back and the caller gets [`StorageError::Conflict`].

use sqlx::{Any, Row, Transaction};

use crate::connect::{Store, now_ms};
use crate::error::StorageError;
use crate::records::DepositRecord;

/// A response recorded for an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// Hash of the request the key was first used with (method, path, body), computed by
    /// the caller.
    pub request_hash: String,
    /// HTTP status code.
    pub status: u16,
    /// Response body. Must not contain a clear account number (store the masked form).
    pub body: String,
}

/// Renders the response to store from the record the write produced.
pub type RenderResponse<'a> = &'a (dyn Fn(&DepositRecord) -> (u16, String) + Send + Sync);

/// Saves the response of a create under an idempotency key, in the create's transaction.
#[derive(Clone, Copy)]
pub struct IdempotencyInput<'a> {
    /// Who sent the request (token subject / user id): keys are per caller.
    pub principal: &'a str,
    /// The client's key.
    pub key: &'a str,
    /// Hash of the request, see [`StoredResponse::request_hash`].
    pub request_hash: &'a str,
    /// Builds `(status, body)` from the created record.
    pub render: RenderResponse<'a>,
}

impl core::fmt::Debug for IdempotencyInput<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IdempotencyInput")
            .field("principal", &self.principal)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

pub(crate) async fn save(
    tx: &mut Transaction<'static, Any>,
    tenant: &str,
    input: &IdempotencyInput<'_>,
    record: &DepositRecord,
) -> Result<(), StorageError> {
    let (status, body) = (input.render)(record);
    let result = sqlx::query(
        "INSERT INTO idempotency_keys (tenant_id, principal, idem_key, request_hash, \
         status_code, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(tenant)
    .bind(input.principal)
    .bind(input.key)
    .bind(input.request_hash)
    .bind(i64::from(status))
    .bind(body)
    .bind(now_ms())
    .execute(&mut **tx)
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) => match StorageError::from(e) {
            e if e.is_unique_violation() => {
                Err(StorageError::Conflict("idempotency key already used"))
            }
            e => Err(e),
        },
    }
}

impl Store {
    /// The response stored for `key` of `principal` in `tenant`, if any.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the query fails; [`StorageError::CorruptRow`] for a
    /// status code outside `u16`.
    pub async fn idempotency_lookup(
        &self,
        tenant: &str,
        principal: &str,
        key: &str,
    ) -> Result<Option<StoredResponse>, StorageError> {
        let row = sqlx::query(
            "SELECT request_hash, status_code, body FROM idempotency_keys \
             WHERE tenant_id = $1 AND principal = $2 AND idem_key = $3",
        )
        .bind(tenant)
        .bind(principal)
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let status: i64 = row.try_get("status_code")?;
            Ok(StoredResponse {
                request_hash: row.try_get("request_hash")?,
                status: u16::try_from(status)
                    .map_err(|_| StorageError::corrupt("idempotency_keys", "bad status"))?,
                body: row.try_get("body")?,
            })
        })
        .transpose()
    }

    /// Deletes keys older than `before_ms` in every tenant; returns how many went.
    ///
    /// # Errors
    /// [`StorageError::Database`] when the delete fails.
    pub async fn purge_idempotency_keys(&self, before_ms: i64) -> Result<u64, StorageError> {
        let done = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
