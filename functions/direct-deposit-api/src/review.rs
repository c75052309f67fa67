//! HR admin review: the company's pending deposits, and audited reveals of a full account
//! number.

use std::collections::HashMap;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::CACHE_CONTROL;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::auth;
use crate::error::ApiError;
use crate::handlers::{DepositSegments, bad_path, deposit_caller, json, key};
use crate::paths::{company_id, page_from_token, tenant_id};
use crate::render::{PAGE_SIZE, account_number, list_envelope, resource};
use crate::state::AppState;
use crate::time::rfc3339_from_ms;

/// `GET /tenants/{t}/companies/{c}/pending-direct-deposits` (HR admin): the company's
/// Pending deposits, oldest first, 30 a page, account numbers masked.
pub async fn pending(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
    segments: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ApiError> {
    let claims = auth::authenticate(&state.verifier, &headers)?;
    let (tenant, company) = segments.map_err(bad_path)?.0;
    let (tenant, company) = (tenant_id(&tenant)?, company_id(&company)?);
    let principal = auth::authorize_tenant(&state.store, &state.users, &claims, &tenant).await?;
    auth::require_admin(
        &principal,
        "only HR admins may list pending direct deposits",
    )?;
    if !state.store.company_exists(&tenant, company).await? {
        return Err(ApiError::NotFound("company"));
    }
    let query = Query::<HashMap<String, String>>::try_from_uri(&uri)
        .map_err(|_| ApiError::BadQueryValue("malformed query string"))?;
    let page = page_from_token(query.get("pageToken").map(String::as_str))?;
    let (rows, total) = state
        .store
        .list_pending(&tenant, company, page, PAGE_SIZE)
        .await?;
    if rows.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let mut results = Vec::with_capacity(rows.len());
    for row in &rows {
        // Masked even for the admin: the full number is one audited reveal away.
        let account = account_number(&state, &row.record, true).await?;
        let mut item = resource(&row.record, &account);
        if let Some(object) = item.as_object_mut() {
            object.insert("employeeId".into(), json!(row.record.employee_id));
            object.insert(
                "employeeName".into(),
                json!(format!("{} {}", row.first_name, row.last_name)),
            );
            object.insert(
                "submittedAt".into(),
                json!(rfc3339_from_ms(row.record.created_at)),
            );
        }
        results.push(item);
    }
    let body = list_envelope(uri.path(), page, total, results);
    Ok(json(StatusCode::OK, &body))
}

/// `POST …/direct-deposits/{id}/reveal` (HR admin): the full account number, never
/// cached, after an audit row says who saw it.
pub async fn reveal(
    State(state): State<AppState>,
    headers: HeaderMap,
    segments: Result<Path<DepositSegments>, PathRejection>,
) -> Result<Response, ApiError> {
    let (path, principal, id) = deposit_caller(&state, &headers, segments).await?;
    auth::require_admin(&principal, "only HR admins may reveal account numbers")?;
    let record = state.store.get_deposit(key(&path), id).await?;
    // Open first: an envelope that does not open must not leave a "revealed" audit row.
    let clear = account_number(&state, &record, false).await?;
    state
        .store
        .record_reveal(key(&path), id, &principal.actor())
        .await?;
    let mut response = json(StatusCode::OK, &json!({ "accountNumber": clear.as_str() }));
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
