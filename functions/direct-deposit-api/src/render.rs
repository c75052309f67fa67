//! Response bodies: the deposit resource and the list envelope (docs/architecture.md §2.4).

use dd_domain::{Status, mask};
use dd_storage::DepositRecord;
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::paths::page_token;
use crate::state::AppState;

/// Deposits per page of the list.
pub const PAGE_SIZE: u32 = 30;

/// A wire amount as the Node API wrote it: whole numbers without a fraction (`250`, not
/// `250.0`).
pub(crate) fn amount_json(amount: Option<f64>) -> Value {
    match amount {
        None => Value::Null,
        // Amounts are at most 99999999.99, far inside the range where f64 → i64 is exact.
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => json!(v as i64),
        Some(v) => json!(v),
    }
}

/// Cents as a wire amount (`1250` → `12.5`, `1200` → `12`).
pub(crate) fn money_json(cents: i64) -> Value {
    // Exact: |cents| < 2^53, and the division is correctly rounded.
    amount_json(Some(cents as f64 / 100.0))
}

/// The resource JSON with `account` as given (already masked or clear). A Rejected
/// deposit carries its `rejectionReason`; no other status does.
#[must_use]
pub fn resource(record: &DepositRecord, account: &str) -> Value {
    let mut value = json!({
        "id": record.id,
        "amount": amount_json(record.allocation.amount()),
        "bankAccount": {
            "routingNumber": record.routing.as_str(),
            "accountNumber": account,
            "designation": record.designation.as_str(),
        },
        "amountType": record.allocation.amount_type().as_str(),
        "status": record.status.as_str(),
    });
    if record.status == Status::Rejected
        && let (Some(reason), Some(object)) = (&record.rejection_reason, value.as_object_mut())
    {
        object.insert("rejectionReason".into(), json!(reason));
    }
    value
}

/// The account number, clear or masked (all but the last 4 as `*`). The stored form is
/// only ciphertext + last 4, and the mask keeps the length, so both views need the
/// envelope opened.
///
/// # Errors
/// [`ApiError::Unexpected`] when the envelope does not open.
pub async fn account_number(
    state: &AppState,
    record: &DepositRecord,
    masked: bool,
) -> Result<Zeroizing<String>, ApiError> {
    let clear = state
        .vault
        .open(&record.tenant_id, &record.account_ciphertext)
        .await
        .inspect_err(|err| {
            tracing::error!(
                deposit = record.id,
                kind = err.kind(),
                "account number did not open"
            );
        })?;
    let text = std::str::from_utf8(&clear)
        .map_err(|_| ApiError::Unexpected("stored account number is not UTF-8".to_owned()))?;
    Ok(Zeroizing::new(if masked {
        mask(text)
    } else {
        text.to_owned()
    }))
}

/// The resource as `principal` may see it: masked for employees, clear for admins.
///
/// # Errors
/// As [`account_number`].
pub async fn resource_for(
    state: &AppState,
    principal: &Principal,
    record: &DepositRecord,
) -> Result<Value, ApiError> {
    let account = account_number(state, record, principal.sees_masked()).await?;
    Ok(resource(record, &account))
}

/// The list envelope: `limit`, `count`, `totalCount`, the page links that apply, `results`.
#[must_use]
pub fn list_envelope(path: &str, page: u32, total: i64, results: Vec<Value>) -> Value {
    let total_u = u64::try_from(total).unwrap_or(0);
    let last = u32::try_from(total_u.div_ceil(u64::from(PAGE_SIZE)))
        .unwrap_or(u32::MAX)
        .max(1);
    let link = |p: u32| format!("{path}?pageToken={}", page_token(p));
    let mut body = serde_json::Map::new();
    body.insert("limit".into(), json!(PAGE_SIZE));
    body.insert("count".into(), json!(results.len()));
    body.insert("totalCount".into(), json!(total));
    if page > 1 {
        body.insert("previous".into(), json!(link((page - 1).min(last))));
    }
    if page < last {
        body.insert("next".into(), json!(link(page + 1)));
    }
    body.insert("first".into(), json!(link(1)));
    body.insert("last".into(), json!(link(last)));
    body.insert("results".into(), Value::Array(results));
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links() {
        let one = list_envelope("/p", 1, 3, vec![json!(1), json!(2), json!(3)]);
        assert_eq!(one["count"], 3);
        assert_eq!(one["limit"], 30);
        assert!(one.get("next").is_none() && one.get("previous").is_none());
        assert_eq!(one["first"], "/p?pageToken=MQ==");
        let mid = list_envelope("/p", 2, 65, vec![]);
        assert_eq!(mid["previous"], "/p?pageToken=MQ==");
        assert_eq!(mid["next"], "/p?pageToken=Mw==");
        assert_eq!(mid["last"], "/p?pageToken=Mw==");
    }
}
