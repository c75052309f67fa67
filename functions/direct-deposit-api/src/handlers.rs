//! The route handlers. Each one authenticates and authorizes first (no data is read for a
//! caller who may not see it), validates the whole request, and only then writes, so every
//! 4xx leaves the database as it was.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use dd_domain::mask;
use dd_storage::{
    DeleteOutcome, EmployeeKey, IdempotencyInput, NewDepositRecord, StorageError, StoredResponse,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::auth::{self, Principal};
use crate::body::{parse_create, parse_patch};
use crate::error::ApiError;
use crate::paths::{EmployeePath, deposit_id, page_from_token};
use crate::render::{PAGE_SIZE, list_envelope, resource, resource_for};
use crate::review_body::parse_reject;
use crate::state::AppState;

/// The `Idempotency-Key` request header.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";
/// Longest idempotency key accepted.
const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

pub(crate) type EmployeeSegments = (String, String, String);
pub(crate) type DepositSegments = (String, String, String, String);

/// Authenticates, parses the employee path and authorizes, in that order.
pub(crate) async fn caller(
    state: &AppState,
    headers: &HeaderMap,
    segments: Result<Path<EmployeeSegments>, PathRejection>,
) -> Result<(EmployeePath, Principal), ApiError> {
    let claims = auth::authenticate(&state.verifier, headers)?;
    let segments = segments.map_err(bad_path)?;
    let (t, c, e) = &segments.0;
    let path = EmployeePath::parse(t, c, e)?;
    let principal = auth::authorize(&state.store, &state.users, &claims, &path).await?;
    Ok((path, principal))
}

pub(crate) fn bad_path(_: PathRejection) -> ApiError {
    ApiError::BadPathValue("path segments must be valid UTF-8")
}

pub(crate) fn key(path: &EmployeePath) -> EmployeeKey<'_> {
    EmployeeKey::new(&path.tenant, path.company, path.employee)
}

pub(crate) fn json(status: StatusCode, body: &Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// `GET …/direct-deposits`: a page of the employee's active deposits.
pub async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    segments: Result<Path<EmployeeSegments>, PathRejection>,
) -> Result<Response, ApiError> {
    let (path, principal) = caller(&state, &headers, segments).await?;
    let query = Query::<HashMap<String, String>>::try_from_uri(&uri)
        .map_err(|_| ApiError::BadQueryValue("malformed query string"))?;
    let page = page_from_token(query.get("pageToken").map(String::as_str))?;
    let (records, total) = state
        .store
        .list_deposits(key(&path), page, PAGE_SIZE)
        .await?;
    if records.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let mut results = Vec::with_capacity(records.len());
    for record in &records {
        results.push(resource_for(&state, &principal, record).await?);
    }
    let body = list_envelope(uri.path(), page, total, results);
    Ok(json(StatusCode::OK, &body))
}

/// The `Idempotency-Key` header, if sent.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<&str>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY_HEADER) else {
        return Ok(None);
    };
    let bad = || {
        ApiError::InvalidHeader(format!(
            "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters"
        ))
    };
    let key = value.to_str().map_err(|_| bad())?;
    if key.is_empty()
        || key.len() > MAX_IDEMPOTENCY_KEY_LEN
        || !key.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(bad());
    }
    Ok(Some(key))
}

/// Hash of the request an idempotency key is bound to: same key + different request is a
/// conflict, not a replay.
fn request_hash(path: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"POST\n");
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// The request body, or why it could not be read (413 past the size limit).
pub(crate) fn body_bytes(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
) -> Result<Bytes, ApiError> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge(state.limits.max_body_bytes)
        } else {
            ApiError::InvalidBody("the request body could not be read".to_owned())
        }
    })
}

/// `POST …/direct-deposits`: creates a Pending deposit (201).
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    segments: Result<Path<EmployeeSegments>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (path, principal) = caller(&state, &headers, segments).await?;
    let idem_key = idempotency_key(&headers)?;
    let body = body_bytes(&state, body)?;
    let hash = request_hash(uri.path(), &body);
    let idem_principal = principal.idempotency_principal();
    if let Some(k) = idem_key
        && let Some(stored) = state
            .store
            .idempotency_lookup(&path.tenant, &idem_principal, k)
            .await?
    {
        if stored.request_hash != hash {
            return Err(ApiError::Conflict(
                "Idempotency-Key was already used with a different request".to_owned(),
            ));
        }
        return replay(&state, &path, uri.path(), stored).await;
    }
    let request = parse_create(&body)?;
    let ciphertext = state
        .vault
        .seal(&path.tenant, request.account.expose().as_bytes())
        .await?;
    let new = NewDepositRecord {
        routing: request.routing,
        account_ciphertext: ciphertext,
        account_last4: request.account.last4(),
        account_fingerprint: state.fingerprint.fingerprint(&request.account),
        designation: request.designation,
        allocation: request.allocation,
    };
    // A replay must never hand out a clear account number: the stored body is masked.
    let masked = mask(request.account.expose());
    let render = |record: &dd_storage::DepositRecord| {
        (
            StatusCode::CREATED.as_u16(),
            resource(record, &masked).to_string(),
        )
    };
    let idempotency = idem_key.map(|k| IdempotencyInput {
        principal: &idem_principal,
        key: k,
        request_hash: &hash,
        render: &render,
    });
    let record = state
        .store
        .create_deposit(key(&path), &new, &principal.actor(), idempotency.as_ref())
        .await?;
    let shown = if principal.sees_masked() {
        resource(&record, &masked)
    } else {
        resource(&record, request.account.expose())
    };
    let mut response = json(StatusCode::CREATED, &shown);
    if let Ok(location) = HeaderValue::from_str(&format!("{}/{}", uri.path(), record.id)) {
        response.headers_mut().insert(LOCATION, location);
    }
    Ok(response)
}

/// Answers a repeated create with the stored response and the same `Location`, while the
/// deposit it created still exists; once that deposit is gone, replaying a 201 would claim
/// a deposit that is not there, so the key is spent (409).
async fn replay(
    state: &AppState,
    path: &EmployeePath,
    collection: &str,
    stored: StoredResponse,
) -> Result<Response, ApiError> {
    let status = StatusCode::from_u16(stored.status)
        .map_err(|_| ApiError::Unexpected("stored status out of range".to_owned()))?;
    let id = serde_json::from_str::<Value>(&stored.body)
        .ok()
        .and_then(|body| body["id"].as_i64())
        .ok_or_else(|| ApiError::Unexpected("stored response has no id".to_owned()))?;
    match state.store.get_deposit(key(path), id).await {
        Ok(_) => {}
        Err(StorageError::NotFound(_)) => {
            return Err(ApiError::Conflict(
                "the deposit created with this Idempotency-Key has been deleted since; \
                 use a new key to create it again"
                    .to_owned(),
            ));
        }
        Err(other) => return Err(other.into()),
    }
    tracing::info!(status = stored.status, deposit = id, "idempotent replay");
    let mut response = (status, stored.body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    if let Ok(location) = HeaderValue::from_str(&format!("{collection}/{id}")) {
        headers.insert(LOCATION, location);
    }
    Ok(response)
}

/// Authenticated caller plus the deposit id of a `…/direct-deposits/{id}` route.
pub(crate) async fn deposit_caller(
    state: &AppState,
    headers: &HeaderMap,
    segments: Result<Path<DepositSegments>, PathRejection>,
) -> Result<(EmployeePath, Principal, i64), ApiError> {
    let claims = auth::authenticate(&state.verifier, headers)?;
    let segments = segments.map_err(bad_path)?;
    let (t, c, e, id) = &segments.0;
    let path = EmployeePath::parse(t, c, e)?;
    let id = deposit_id(id)?;
    let principal = auth::authorize(&state.store, &state.users, &claims, &path).await?;
    Ok((path, principal, id))
}

/// `GET …/direct-deposits/{id}`: one active deposit of the employee.
pub async fn get_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    segments: Result<Path<DepositSegments>, PathRejection>,
) -> Result<Response, ApiError> {
    let (path, principal, id) = deposit_caller(&state, &headers, segments).await?;
    let record = state.store.get_deposit(key(&path), id).await?;
    let shown = resource_for(&state, &principal, &record).await?;
    Ok(json(StatusCode::OK, &shown))
}

/// `PATCH …/direct-deposits/{id}`: changes `amountType` / `amount`.
pub async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    segments: Result<Path<DepositSegments>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (path, principal, id) = deposit_caller(&state, &headers, segments).await?;
    let body = body_bytes(&state, body)?;
    let current = state.store.get_deposit(key(&path), id).await?;
    current.status.check_editable()?;
    let allocation = parse_patch(&body, current.allocation)?;
    let committed = state
        .store
        .update_deposit(key(&path), id, allocation, &principal.actor())
        .await?;
    state.job_committed(&path.tenant, committed.payroll_job);
    let shown = resource_for(&state, &principal, &committed.value).await?;
    Ok(json(StatusCode::OK, &shown))
}

/// `DELETE …/direct-deposits/{id}`: removes a Pending one, end-dates an Approved one (204).
pub async fn delete(
    State(state): State<AppState>,
    headers: HeaderMap,
    segments: Result<Path<DepositSegments>, PathRejection>,
) -> Result<Response, ApiError> {
    let (path, principal, id) = deposit_caller(&state, &headers, segments).await?;
    let committed = state
        .store
        .delete_deposit(key(&path), id, &principal.actor())
        .await?;
    state.job_committed(&path.tenant, committed.payroll_job);
    let action = match committed.value {
        DeleteOutcome::Removed => "removed",
        DeleteOutcome::EndDated(_) => "end_dated",
    };
    tracing::info!(deposit = id, action, "direct deposit deleted");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST …/direct-deposits/{id}/approve` (HR admin): Pending → Approved, queued for payroll.
pub async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    segments: Result<Path<DepositSegments>, PathRejection>,
) -> Result<Response, ApiError> {
    let (path, principal, id) = deposit_caller(&state, &headers, segments).await?;
    auth::require_admin(&principal, "only HR admins may approve direct deposits")?;
    let committed = state
        .store
        .approve_deposit(key(&path), id, &principal.actor())
        .await?;
    state.job_committed(&path.tenant, committed.payroll_job);
    let shown = resource_for(&state, &principal, &committed.value).await?;
    Ok(json(StatusCode::OK, &shown))
}

/// `POST …/direct-deposits/{id}/reject` (HR admin) with `{"reason"}`: Pending → Rejected.
pub async fn reject(
    State(state): State<AppState>,
    headers: HeaderMap,
    segments: Result<Path<DepositSegments>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (path, principal, id) = deposit_caller(&state, &headers, segments).await?;
    auth::require_admin(&principal, "only HR admins may reject direct deposits")?;
    let reason = parse_reject(&body_bytes(&state, body)?)?;
    let record = state
        .store
        .reject_deposit(key(&path), id, &reason, &principal.actor())
        .await?;
    let shown = resource_for(&state, &principal, &record).await?;
    Ok(json(StatusCode::OK, &shown))
}

/// Unknown routes.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("route")
}

/// Known routes, unknown methods (axum adds `Allow`).
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
