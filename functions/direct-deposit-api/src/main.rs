//! Lambda entry point of the direct-deposit API: settings from the environment (parsed
//! once), JSON logs, then the axum router behind `lambda_http` (API Gateway REST and HTTP
//! APIs, any stage: see `stage.rs`). `dd_startup_marks` stamps each start-up step for the
//! bench's timeline (only with `DD_STARTUP_MARKS=1`).

use dd_startup_marks::mark;
use direct_deposit_api::{Config, app};
use lambda_http::tower::ServiceExt as _;

fn main() -> Result<(), lambda_http::Error> {
    dd_startup_marks::begin();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    mark("tokio");
    runtime.block_on(serve())
}

async fn serve() -> Result<(), lambda_http::Error> {
    let config = Config::from_env();
    mark("config");
    dd_lambda_log::init();
    mark("logging");
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
    mark("state");
    let app = app(state);
    mark("runtime");
    lambda_http::run(lambda_http::service_fn(
        move |request: lambda_http::Request| {
            dd_startup_marks::invocation_begins();
            let response = app
                .clone()
                .oneshot(direct_deposit_api::stage::without_stage(request));
            async move {
                let response = response.await;
                dd_startup_marks::invocation_ends();
                response
            }
        },
    ))
    .await
}
