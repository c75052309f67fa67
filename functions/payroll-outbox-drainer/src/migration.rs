//! Schema migrations on deploy. The drainer is the stack's function inside the database's VPC,
//! so it also answers two other events besides its schedule:
//!
//! - a CloudFormation custom resource (`Custom::DatabaseMigration`): Create and Update apply
//!   the migrations embedded in this binary, then the outcome is PUT to the pre-signed
//!   `ResponseURL`; Delete never drops anything. The template invokes this function's alias
//!   once it points at the new version (and changes a property per version), so each deploy
//!   migrates with the code it ships;
//! - `{"action": "migrate"}` invoked by hand (the runbook's fallback).
//!
//! Migrating is idempotent (already applied versions are skipped) and safe to run while the
//! API serves: sqlx serialises concurrent runs with a PostgreSQL advisory lock.

use std::time::Duration;

use dd_storage::Store;
use serde_json::{Value, json};

/// How long the reply to CloudFormation may take.
const REPLY_TIMEOUT: Duration = Duration::from_secs(20);

/// The same physical id on every Create/Update, so an Update never looks like a replacement
/// (which would make CloudFormation send a Delete for the "old" resource).
const PHYSICAL_ID: &str = "dd-database-schema";

/// What an event asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Request {
    /// The schedule or any other event: drain the outbox.
    Drain,
    /// `{"action": "migrate"}`.
    Migrate,
    /// A CloudFormation custom-resource request.
    CustomResource(CustomResource),
}

/// The fields of a custom-resource request that the reply echoes.
#[derive(Debug, PartialEq, Eq)]
pub struct CustomResource {
    pub request_type: String,
    pub response_url: String,
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
}

/// Reads what `payload` asks for.
pub fn classify(payload: &Value) -> Request {
    let text = |name: &str| payload.get(name).and_then(Value::as_str).map(str::to_owned);
    if let (Some(request_type), Some(response_url)) = (text("RequestType"), text("ResponseURL")) {
        return Request::CustomResource(CustomResource {
            request_type,
            response_url,
            stack_id: text("StackId").unwrap_or_default(),
            request_id: text("RequestId").unwrap_or_default(),
            logical_resource_id: text("LogicalResourceId").unwrap_or_default(),
        });
    }
    if payload.get("action").and_then(Value::as_str) == Some("migrate") {
        return Request::Migrate;
    }
    Request::Drain
}

/// Applies the migrations; the result names the schema version reached.
pub async fn migrate(store: &Store) -> Result<Value, lambda_runtime::Error> {
    store.migrate().await?;
    let versions = store.backend().migration_sql().len();
    tracing::info!(schema_version = versions, "database migrated");
    Ok(json!({ "migrated": true, "schemaVersion": versions }))
}

/// Handles a custom-resource request and PUTs the outcome to CloudFormation. A failed
/// migration is reported as FAILED (the stack rolls back) with the error's kind only.
pub async fn custom_resource(
    store: &Store,
    request: &CustomResource,
    log_stream: &str,
) -> Result<Value, lambda_runtime::Error> {
    let outcome = if request.request_type == "Delete" {
        Ok(json!({ "migrated": false }))
    } else {
        migrate(store).await
    };
    let reply = reply_body(request, &outcome, log_stream);
    dd_aws::fetch::put(
        &request.response_url,
        reply.to_string().into_bytes(),
        REPLY_TIMEOUT,
        None,
    )
    .await
    .inspect_err(|e| tracing::error!(error = %e, "cannot reply to CloudFormation"))?;
    tracing::info!(
        request_type = %request.request_type,
        status = reply["Status"].as_str().unwrap_or(""),
        "custom resource answered"
    );
    outcome
}

fn reply_body(
    request: &CustomResource,
    outcome: &Result<Value, lambda_runtime::Error>,
    log_stream: &str,
) -> Value {
    let (status, reason, data) = match outcome {
        Ok(result) => ("SUCCESS", String::new(), result.clone()),
        Err(err) => {
            tracing::error!(error = %err, "migration failed");
            (
                "FAILED",
                format!("migration failed: {err}; log stream {log_stream}"),
                json!({}),
            )
        }
    };
    json!({
        "Status": status,
        "Reason": reason,
        "PhysicalResourceId": PHYSICAL_ID,
        "StackId": request.stack_id,
        "RequestId": request.request_id,
        "LogicalResourceId": request.logical_resource_id,
        "Data": data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_told_apart() {
        assert_eq!(
            classify(&json!({"detail-type": "Scheduled Event"})),
            Request::Drain
        );
        assert_eq!(classify(&json!({})), Request::Drain);
        assert_eq!(classify(&json!({"action": "migrate"})), Request::Migrate);
        let cfn = json!({
            "RequestType": "Update", "ResponseURL": "https://s3.example/r?sig=1",
            "StackId": "arn:stack", "RequestId": "r-1", "LogicalResourceId": "DatabaseMigration",
            "ResourceProperties": {"ServiceToken": "arn:fn:7"}
        });
        let Request::CustomResource(request) = classify(&cfn) else {
            panic!("not a custom resource");
        };
        assert_eq!(request.request_type, "Update");
        let ok = reply_body(&request, &Ok(json!({"schemaVersion": 1})), "s");
        assert_eq!(ok["Status"], "SUCCESS");
        assert_eq!(ok["PhysicalResourceId"], PHYSICAL_ID);
        assert_eq!(ok["RequestId"], "r-1");
        let failed = reply_body(
            &request,
            &Err("relation exists".into()),
            "2026/01/01/[7]abc",
        );
        assert_eq!(failed["Status"], "FAILED");
        assert!(failed["Reason"].as_str().unwrap().contains("[7]abc"));
    }
}
