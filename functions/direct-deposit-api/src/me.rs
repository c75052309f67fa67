//! `GET /tenants/{tenantId}/me`: who the token's user is. The web app starts here.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use dd_storage::Role;
use serde_json::json;

use crate::auth;
use crate::error::ApiError;
use crate::handlers::{bad_path, json};
use crate::paths::tenant_id;
use crate::state::AppState;

/// The user's e-mail, role, tenant and employee link (`null`s without a link).
pub async fn me(
    State(state): State<AppState>,
    headers: HeaderMap,
    segments: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let claims = auth::authenticate(&state.verifier, &headers)?;
    let tenant = tenant_id(&segments.map_err(bad_path)?.0)?;
    if claims.account.tenant_id != tenant {
        return Err(ApiError::Unauthorized("token is not valid for this tenant"));
    }
    let profile = state
        .store
        .user_profile(&tenant, &claims.account.email)
        .await?
        .ok_or(ApiError::Unauthorized("user is not known in this tenant"))?;
    let role = match profile.user.role {
        Role::Employee => "employee",
        Role::Admin => "admin",
    };
    let body = json!({
        "email": profile.user.email,
        "role": role,
        "tenantId": profile.user.tenant_id,
        "tenantName": profile.tenant_name,
        "companyId": profile.user.company_id,
        "employeeId": profile.user.employee_id,
        "firstName": profile.first_name,
        "lastName": profile.last_name,
    });
    Ok(json(StatusCode::OK, &body))
}
