//! Lambda entry point of the payroll outbox drainer: an EventBridge schedule (e.g. every
//! minute) invokes it; each invocation drains due jobs until none is left or the next
//! claim could outlive the invocation's deadline.
//!
//! The API delivers each change right after commit; this function is the safety net that
//! retries failures and picks up whatever that immediate delivery never got to. It also
//! migrates the schema on deploy (`migration.rs`).

mod config;
mod migration;
mod setup;

use std::time::{Duration, Instant};

use dd_delivery::Deliverer;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    dd_lambda_log::init();
    let config = config::Config::from_env()
        .inspect_err(|e| tracing::error!(error = %e, "bad configuration"))?;
    let deliverer = setup::deliverer(&config)
        .await
        .inspect_err(|e| tracing::error!(error = %e, "cannot start"))?;
    let batch = config.batch;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let deliverer = deliverer.clone();
        async move {
            match migration::classify(&event.payload) {
                migration::Request::Drain => drain(&deliverer, batch, event).await,
                migration::Request::Migrate => migration::migrate(deliverer.store()).await,
                migration::Request::CustomResource(request) => {
                    let stream = event.context.env_config.log_stream.clone();
                    migration::custom_resource(deliverer.store(), &request, &stream).await
                }
            }
        }
    }))
    .await
}

async fn drain(
    deliverer: &Deliverer,
    batch: i64,
    event: LambdaEvent<Value>,
) -> Result<Value, lambda_runtime::Error> {
    // The scheduled event carries nothing we need; log its kind for traceability.
    let kind = event
        .payload
        .get("detail-type")
        .and_then(Value::as_str)
        .unwrap_or("direct invoke");
    let stop_at = deadline(event.context.deadline);
    let started = Instant::now();
    let report = deliverer.drain_due(batch, Some(stop_at)).await?;
    tracing::info!(
        request_id = %event.context.request_id,
        event = kind,
        claimed = report.claimed,
        applied = report.applied,
        retrying = report.retrying,
        dead = report.dead,
        lease_lost = report.lease_lost,
        unrecorded = report.unrecorded,
        duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "outbox drained"
    );
    Ok(serde_json::to_value(report)?)
}

/// Deadlines below this (2001-09-09 in epoch ms) are not epoch timestamps.
const EPOCH_MS_FLOOR: u64 = 1_000_000_000_000;

/// The invocation's deadline (epoch ms) as an `Instant`.
fn deadline(deadline_ms: u64) -> Instant {
    let now_ms = u64::try_from(dd_storage::now_ms()).unwrap_or(0);
    deadline_at(deadline_ms, now_ms, Instant::now())
}

fn deadline_at(deadline_ms: u64, now_ms: u64, now: Instant) -> Instant {
    // Lambda sends epoch ms. `cargo lambda watch` (our local runs and tests) sends the
    // constant 600000, i.e. a timeout rather than a point in time: read as epoch ms it lies
    // in 1970 and would leave no time to claim anything, so take it as a duration instead.
    let left_ms = if deadline_ms < EPOCH_MS_FLOOR {
        deadline_ms
    } else {
        deadline_ms.saturating_sub(now_ms)
    };
    now + Duration::from_millis(left_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_from_lambda_and_from_the_emulator() {
        let now = Instant::now();
        let now_ms = 1_780_000_000_000;
        assert_eq!(
            deadline_at(now_ms + 30_000, now_ms, now),
            now + Duration::from_secs(30)
        );
        assert_eq!(deadline_at(now_ms - 5, now_ms, now), now);
        assert_eq!(
            deadline_at(600_000, now_ms, now),
            now + Duration::from_secs(600)
        );
    }
}
