//! Lambda entry point of the direct-deposit API: settings from the environment (parsed
//! once), JSON logs, then the axum router behind `lambda_http` (API Gateway REST and HTTP
//! APIs).

use direct_deposit_api::{Config, app};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let config = Config::from_env();
    init_logging();
    let state = match config {
        Ok(config) => config.into_state().await,
        Err(err) => Err(err),
    };
    let state = match state {
        Ok(state) => state,
        Err(err) => {
            tracing::error!(error = %err, "cannot start");
            return Err(err.into());
        }
    };
    lambda_http::run(app(state)).await
}

/// JSON lines on stdout (CloudWatch), level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG` (a
/// plain level name).
fn init_logging() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|level| {
            level
                .parse::<tracing_subscriber::filter::LevelFilter>()
                .ok()
        })
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .init();
}
