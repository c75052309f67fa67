//! `POST …/employees/{employeeId}/paycheck-preview`: what lands where for a net pay, with
//! a proposed new or changed deposit, computed by `dd_domain::split_paycheck`. Reads only:
//! no write, no audit row.

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use dd_domain::{DomainError, DuplicateKind, SplitInput, Status, split_paycheck};
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::handlers::{EmployeeSegments, body_bytes, caller, json, key};
use crate::render::{amount_json, money_json};
use crate::review_body::parse_preview;
use crate::state::AppState;

/// The split over the employee's deposits that are not end-dated and not Rejected, without
/// `replacing` and with `proposed` last. `proposed` must pass what a create (or, with
/// `replacing`, a PATCH) would check: one Balance Remainder per employee, the per-employee
/// maximum, and no change to a Rejected deposit.
pub async fn preview(
    State(state): State<AppState>,
    headers: HeaderMap,
    segments: Result<Path<EmployeeSegments>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (path, _principal) = caller(&state, &headers, segments).await?;
    let request = parse_preview(&body_bytes(&state, body)?)?;
    let stored = state.store.deposit_allocations(key(&path)).await?;
    let replaced = match request.replacing {
        Some(id) => {
            let found = stored
                .iter()
                .find(|(stored_id, ..)| *stored_id == id)
                .ok_or(ApiError::NotFound("deposit"))?;
            found.2.check_editable()?;
            Some(found)
        }
        None => None,
    };
    let limit = state.limits.max_deposits_per_employee;
    if request.proposed.is_some()
        && request.replacing.is_none()
        && stored.len() >= usize::try_from(limit).unwrap_or(usize::MAX)
    {
        return Err(DomainError::TooManyDeposits { limit }.into());
    }
    let mut inputs: Vec<SplitInput> = stored
        .iter()
        .filter(|(id, _, status)| Some(*id) != request.replacing && *status != Status::Rejected)
        .map(|&(id, allocation, status)| SplitInput {
            deposit_id: Some(id),
            allocation,
            status,
        })
        .collect();
    if let Some(allocation) = request.proposed {
        if allocation.is_balance_remainder()
            && let Some((other, ..)) = stored
                .iter()
                .find(|(id, a, _)| Some(*id) != request.replacing && a.is_balance_remainder())
        {
            return Err(DomainError::Duplicate {
                kind: DuplicateKind::BalanceRemainder,
                existing_id: *other,
            }
            .into());
        }
        inputs.push(SplitInput {
            deposit_id: None,
            allocation,
            // A create starts Pending; a change keeps the status of what it replaces.
            status: replaced.map_or(Status::INITIAL, |(_, _, status)| *status),
        });
    }
    let split = split_paycheck(request.net_pay, &inputs);
    let allocations: Vec<Value> = split
        .lines
        .iter()
        .map(|line| {
            let mut item = json!({
                "depositId": line.input.deposit_id,
                "amountType": line.input.allocation.amount_type().as_str(),
                "amount": amount_json(line.input.allocation.amount()),
                "status": line.input.status.as_str(),
                "deposited": money_json(line.deposited),
            });
            if let (Some(note), Some(object)) = (&line.note, item.as_object_mut()) {
                object.insert("note".into(), json!(note));
            }
            item
        })
        .collect();
    let body = json!({
        "netPay": money_json(split.net_pay),
        "allocations": allocations,
        "undeposited": money_json(split.undeposited),
        "warnings": split.warnings,
    });
    Ok(json(StatusCode::OK, &body))
}
