//! Lambda entry point of the direct-deposit API: settings from the environment (parsed
//! once), JSON logs, then the axum router behind `lambda_http` (API Gateway REST and HTTP
//! APIs, any stage: see `stage.rs`).

use direct_deposit_api::{Config, app};
use lambda_http::tower::ServiceExt as _;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let config = Config::from_env();
    dd_lambda_log::init();
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
    let app = app(state);
    lambda_http::run(lambda_http::service_fn(
        move |request: lambda_http::Request| {
            app.clone()
                .oneshot(direct_deposit_api::stage::without_stage(request))
        },
    ))
    .await
}
