//! Lambda entry point of the direct-deposit API: settings from the environment (parsed
//! once), JSON logs, then the axum router behind `lambda_http` (API Gateway REST and HTTP
//! APIs, any stage: see `stage.rs`). `dd_startup_marks` stamps each start-up step for the
//! bench's timeline (only with `DD_STARTUP_MARKS=1`).
//!
//! Start-up order (issue 14): the settings and the local key files are checked first, so a
//! bad configuration still fails before the first event is asked for ("cannot start"); the
//! network part (AWS fetches, the database pool, the router) then runs in a task while the
//! runtime connects and waits for the first event, and the first request waits for it. Should
//! that part fail (database unreachable, a secret missing), the first request logs "cannot
//! start" and the process exits, as a failed init would: Lambda starts a fresh one.

use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use dd_startup_marks::mark;
use direct_deposit_api::{Config, Prepared, app};
use lambda_http::tower::ServiceExt as _;
use tokio::task::JoinHandle;

fn main() -> Result<(), lambda_http::Error> {
    dd_startup_marks::begin();
    // current_thread: Lambda sends one request at a time, nothing here blocks a runtime
    // thread (sqlx runs each SQLite connection on its own thread; no block_in_place), and
    // the worker threads of a multi-thread runtime only added start-up (~260 µs).
    let runtime = tokio::runtime::Builder::new_current_thread()
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
    let prepared = match config.and_then(Config::prepare) {
        Ok(prepared) => prepared,
        Err(err) => {
            tracing::error!(error = %err, "cannot start");
            return Err(err.into());
        }
    };
    mark("prepared");
    let app = Arc::new(App::start(prepared));
    mark("runtime");
    lambda_http::run(lambda_http::service_fn(
        move |request: lambda_http::Request| {
            dd_startup_marks::invocation_begins();
            let app = Arc::clone(&app);
            async move {
                let router = app.router().await;
                let response = router
                    .oneshot(direct_deposit_api::stage::without_stage(request))
                    .await;
                dd_startup_marks::invocation_ends();
                response
            }
        },
    ))
    .await
}

/// The router, once the task that connects has built it.
struct App {
    router: OnceLock<Router>,
    connecting: Mutex<Option<JoinHandle<Result<Router, direct_deposit_api::ApiError>>>>,
}

impl App {
    /// Spawns the network part of the start-up. On the current-thread runtime it runs when
    /// `lambda_http::run` first waits on the Runtime API, and yields once so that the first
    /// `next` is written before it takes the thread.
    fn start(prepared: Prepared) -> Self {
        let connecting = tokio::spawn(async move {
            // Let the runtime send its first `next` before this task's synchronous part
            // (pool set-up) takes the thread: the request is then in flight meanwhile.
            tokio::task::yield_now().await;
            let state = prepared.connect().await?;
            mark("state");
            let router = app(state);
            mark("router");
            Ok(router)
        });
        Self {
            router: OnceLock::new(),
            connecting: Mutex::new(Some(connecting)),
        }
    }

    /// The router (a cheap clone), waiting for the start-up task on the first request.
    async fn router(&self) -> Router {
        if let Some(router) = self.router.get() {
            return router.clone();
        }
        // Requests are sequential, so only the first one gets here; the lock is never held
        // across the wait.
        let connecting = self
            .connecting
            .lock()
            .ok()
            .and_then(|mut connecting| connecting.take());
        let started = match connecting {
            Some(task) => task.await,
            None => Ok(Err(direct_deposit_api::ApiError::Config(
                "the start-up task was lost".to_owned(),
            ))),
        };
        match started {
            Ok(Ok(router)) => self.router.get_or_init(|| router).clone(),
            Ok(Err(err)) => cannot_start(&err),
            Err(err) => cannot_start(&err),
        }
    }
}

/// What a failed init does, from inside the first request: the reason to the log, then exit.
fn cannot_start(err: &dyn std::fmt::Display) -> ! {
    tracing::error!(error = %err, "cannot start");
    std::process::exit(1)
}
