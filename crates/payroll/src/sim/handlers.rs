//! HTTP handlers of the simulator and its fault-injection middleware.

use std::io;

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};

use super::state::{EdKey, Fingerprint, LedgerEntry, ReceivedMutation, SimState};
use super::{FailMode, FaultConfig};
use crate::client::IDEMPOTENCY_KEY_HEADER;
use crate::mapping::EdWire;
use crate::sso;

const ED_COLLECTION: &str = "/v3/api/bureaus/{sub}/clients/{c}/companies/{co}/employees/{e}/eds";
const ED_ITEM: &str = "/v3/api/bureaus/{sub}/clients/{c}/companies/{co}/employees/{e}/eds/{ed}";

pub(super) fn router(state: SimState) -> Router {
    let api = Router::new()
        .route("/identity/tenants/{t}/oauth/token", post(oauth_token))
        .route("/identity/tenants/{t}", get(tenant_lookup))
        .route(ED_COLLECTION, post(create_ed))
        .route(ED_ITEM, get(get_ed).put(put_ed))
        .layer(middleware::from_fn_with_state(state.clone(), inject_faults));
    let introspection = Router::new()
        .route("/_sim/received", get(sim_received))
        .route("/_sim/eds", get(sim_eds))
        .route("/_sim/stats", get(sim_stats))
        .route("/_sim/config", get(sim_config).post(sim_set_config));
    api.merge(introspection).with_state(state)
}

/// Why a request is refused: status and error code (small, unlike a `Response`).
type Refusal = (StatusCode, &'static str);

fn error(status: StatusCode, code: &'static str) -> Response {
    (status, Json(json!({ "code": code }))).into_response()
}

/// Latency, then maybe a failure before (503) or after (connection dropped) the handler.
async fn inject_faults(State(state): State<SimState>, request: Request, next: Next) -> Response {
    let (latency, fail) = state.fault_decision();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fail {
        None => next.run(request).await,
        Some(FailMode::BeforeApply) => {
            tracing::debug!(path = %request.uri().path(), "sim: injected 503 before applying");
            error(StatusCode::SERVICE_UNAVAILABLE, "injected_failure")
        }
        Some(FailMode::AfterApply) => {
            let path = request.uri().path().to_owned();
            drop(next.run(request).await);
            tracing::debug!(%path, "sim: applied, then dropping the connection");
            dropped_connection()
        }
    }
}

/// A response whose body fails at once: hyper aborts the connection, so the client sees a
/// broken exchange and cannot tell whether the request was applied.
fn dropped_connection() -> Response {
    let failing = futures_util::stream::once(async {
        Err::<Bytes, io::Error>(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "simulated connection drop",
        ))
    });
    (StatusCode::OK, Body::from_stream(failing)).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

#[derive(Deserialize)]
struct PasswordGrant {
    grant_type: String,
    username: String,
    password: String,
}

async fn oauth_token(
    State(state): State<SimState>,
    Path(tenant_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.lock().stats.oauth_token_calls += 1;
    let inner = &state.inner;
    let Some(jwt) = bearer(&headers) else {
        return error(StatusCode::UNAUTHORIZED, "sso_token_missing");
    };
    let claims = match sso::verify(jwt, inner.api_secret.expose_secret().as_bytes()) {
        Ok(c) => c,
        Err(reason) => {
            tracing::debug!(reason, "sim: SSO token refused");
            return error(StatusCode::UNAUTHORIZED, "invalid_sso_token");
        }
    };
    if claims.exp <= sso::unix_now() {
        return error(StatusCode::UNAUTHORIZED, "sso_token_expired");
    }
    let app_ok = inner
        .application_id
        .as_ref()
        .is_none_or(|app| *app == claims.sub);
    if claims.iss != inner.api_key || !app_ok || claims.tenant_id != tenant_id {
        return error(StatusCode::UNAUTHORIZED, "invalid_sso_token");
    }
    if !state.lock().seen_jti.insert(claims.jti) {
        return error(StatusCode::UNAUTHORIZED, "sso_token_replayed");
    }
    let Ok(grant) = serde_json::from_slice::<PasswordGrant>(&body) else {
        return error(StatusCode::BAD_REQUEST, "invalid_request");
    };
    if grant.grant_type != "password" {
        return error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    if !state.credentials_ok(&tenant_id, &grant.username, &grant.password) {
        state.lock().stats.credentials_rejected += 1;
        tracing::info!(tenant = %tenant_id, "sim: service credentials rejected");
        return error(StatusCode::UNAUTHORIZED, "invalid_grant");
    }
    let token = state.issue_token(&tenant_id);
    Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": inner.token_ttl.as_secs(),
    }))
    .into_response()
}

/// The tenant of the request's access token, or the error response.
fn authenticate(state: &SimState, headers: &HeaderMap) -> Result<String, Refusal> {
    bearer(headers)
        .and_then(|t| state.token_tenant(t))
        .ok_or((StatusCode::UNAUTHORIZED, "invalid_token"))
}

async fn tenant_lookup(
    State(state): State<SimState>,
    Path(tenant_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    state.lock().stats.tenant_lookups += 1;
    let token_tenant = match authenticate(&state, &headers) {
        Ok(t) => t,
        Err((status, code)) => return error(status, code),
    };
    if token_tenant != tenant_id {
        return error(StatusCode::FORBIDDEN, "wrong_tenant");
    }
    match state.inner.tenants.get(&tenant_id) {
        Some(t) => {
            Json(json!({ "tenantId": t.tenant_id, "subdomain": t.subdomain })).into_response()
        }
        None => error(StatusCode::NOT_FOUND, "tenant_not_found"),
    }
}

/// Authenticates an E/D request and checks the bureau belongs to the token's tenant.
fn authorize_bureau(state: &SimState, headers: &HeaderMap, sub: &str) -> Result<String, Refusal> {
    let tenant_id = authenticate(state, headers)?;
    let owns = state
        .inner
        .tenants
        .get(&tenant_id)
        .is_some_and(|t| t.subdomain == sub);
    if owns {
        Ok(tenant_id)
    } else {
        Err((StatusCode::FORBIDDEN, "wrong_bureau"))
    }
}

type EmployeePath = (String, String, String, String);
type EdPath = (String, String, String, String, String);

fn ed_key((sub, c, co, e): EmployeePath, ed_id: String) -> EdKey {
    EdKey {
        subdomain: sub,
        client_id: c,
        company_id: co,
        employee_id: e,
        ed_id,
    }
}

async fn get_ed(
    State(state): State<SimState>,
    Path((sub, c, co, e, ed)): Path<EdPath>,
    headers: HeaderMap,
) -> Response {
    state.lock().stats.ed_gets += 1;
    if let Err((status, code)) = authorize_bureau(&state, &headers, &sub) {
        return error(status, code);
    }
    let key = ed_key((sub, c, co, e), ed);
    match state.lock().eds.get(&key) {
        Some((_, wire)) => Json(wire.clone()).into_response(),
        None => error(StatusCode::NOT_FOUND, "ed_not_found"),
    }
}

async fn create_ed(
    State(state): State<SimState>,
    Path(employee): Path<EmployeePath>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bureau = employee.0.clone();
    mutate(
        &state,
        "POST",
        &uri,
        &headers,
        &bureau,
        &body,
        |data, tenant, mut wire| {
            let ed_id = data.next_ed_id.to_string();
            data.next_ed_id += 1;
            wire.id = Some(ed_id.clone());
            let response = serde_json::to_value(&wire).unwrap_or(Value::Null);
            data.eds
                .insert(ed_key(employee, ed_id), (tenant.to_owned(), wire));
            Ok((StatusCode::CREATED, response))
        },
    )
}

async fn put_ed(
    State(state): State<SimState>,
    Path((sub, c, co, e, ed)): Path<EdPath>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let bureau = sub.clone();
    mutate(
        &state,
        "PUT",
        &uri,
        &headers,
        &bureau,
        &body,
        |data, _tenant, mut wire| {
            let key = ed_key((sub, c, co, e), ed);
            let Some((_, stored)) = data.eds.get_mut(&key) else {
                return Err((StatusCode::NOT_FOUND, "ed_not_found"));
            };
            wire.id = Some(key.ed_id.clone());
            *stored = wire.clone();
            Ok((
                StatusCode::OK,
                serde_json::to_value(&wire).unwrap_or(Value::Null),
            ))
        },
    )
}

/// The idempotent mutation protocol: authenticate, require a key, validate the body, then —
/// under one lock — replay a stored answer for a known key, or apply and record.
fn mutate(
    state: &SimState,
    method: &'static str,
    uri: &Uri,
    headers: &HeaderMap,
    sub: &str,
    body: &Bytes,
    apply: impl FnOnce(&mut super::state::Data, &str, EdWire) -> Result<(StatusCode, Value), Refusal>,
) -> Response {
    let tenant_id = match authorize_bureau(state, headers, sub) {
        Ok(t) => t,
        Err((status, code)) => return error(status, code),
    };
    let Some(key) = headers
        .get(IDEMPOTENCY_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
    else {
        return error(StatusCode::BAD_REQUEST, "idempotency_key_required");
    };
    let Ok(body_json) = serde_json::from_slice::<Value>(body) else {
        return error(StatusCode::BAD_REQUEST, "invalid_json");
    };
    let Ok(wire) = serde_json::from_value::<EdWire>(body_json.clone()) else {
        return error(StatusCode::BAD_REQUEST, "invalid_ed");
    };
    if wire.to_deposit().is_err() {
        return error(StatusCode::BAD_REQUEST, "invalid_calculation");
    }
    let fingerprint = Fingerprint {
        method,
        path: uri.path().to_owned(),
        body: body_json,
    };
    let masked_body = wire.to_masked_json();

    let mut data = state.lock();
    let ledger_key = (tenant_id.clone(), key.to_owned());
    if let Some(entry) = data.ledger.get(&ledger_key) {
        if entry.fingerprint != fingerprint {
            return error(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused");
        }
        let (status, response, index) =
            (entry.status, entry.response.clone(), entry.received_index);
        data.stats.idempotent_replays += 1;
        if let Some(r) = data.received.get_mut(index) {
            r.replays += 1;
        }
        tracing::debug!(tenant = %tenant_id, key, "sim: idempotent replay");
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
        return (status, Json(response)).into_response();
    }
    let (status, response) = match apply(&mut data, &tenant_id, wire) {
        Ok(applied) => applied,
        Err((status, code)) => return error(status, code),
    };
    data.stats.mutations_applied += 1;
    let received_index = data.received.len();
    data.received.push(ReceivedMutation {
        idempotency_key: key.to_owned(),
        tenant_id: tenant_id.clone(),
        method: method.to_owned(),
        path: fingerprint.path.clone(),
        body: masked_body,
        status: status.as_u16(),
        replays: 0,
    });
    data.ledger.insert(
        ledger_key,
        LedgerEntry {
            fingerprint,
            status: status.as_u16(),
            response: response.clone(),
            received_index,
        },
    );
    tracing::debug!(tenant = %tenant_id, key, method, "sim: mutation applied");
    (status, Json(response)).into_response()
}

async fn sim_received(State(state): State<SimState>) -> Response {
    Json(state.received()).into_response()
}

async fn sim_eds(State(state): State<SimState>) -> Response {
    Json(state.eds()).into_response()
}

async fn sim_stats(State(state): State<SimState>) -> Response {
    Json(state.stats()).into_response()
}

async fn sim_config(State(state): State<SimState>) -> Response {
    Json(state.faults()).into_response()
}

/// Partial update of the fault settings; absent fields keep their value.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultPatch {
    fail_rate: Option<f64>,
    fail_mode: Option<FailMode>,
    latency_ms: Option<u64>,
    fail_next: Option<u32>,
}

async fn sim_set_config(State(state): State<SimState>, body: Bytes) -> Response {
    let Ok(patch) = serde_json::from_slice::<FaultPatch>(&body) else {
        return error(StatusCode::BAD_REQUEST, "invalid_config");
    };
    if patch.fail_rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
        return error(StatusCode::BAD_REQUEST, "fail_rate_out_of_range");
    }
    let current = state.faults();
    let updated = FaultConfig {
        fail_rate: patch.fail_rate.unwrap_or(current.fail_rate),
        fail_mode: patch.fail_mode.unwrap_or(current.fail_mode),
        latency_ms: patch.latency_ms.unwrap_or(current.latency_ms),
        fail_next: patch.fail_next.unwrap_or(current.fail_next),
    };
    state.set_faults(updated);
    tracing::info!(?updated, "sim: fault settings changed");
    Json(updated).into_response()
}
