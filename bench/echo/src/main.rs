//! `bench-echo`: the cold-start floor of the benchmark (docs/architecture.md §4).
//!
//! A bare `lambda_runtime` function built with the release profile. It takes any JSON event
//! and answers with the fixed reply the decrypt subjects must produce for the benchmark event,
//! so the harness checks every subject against the same expected payload.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

async fn handler(_event: LambdaEvent<Value>) -> Result<Value, Error> {
    // Same bytes as the decryptor's answer to the benchmark event, so the floor does the same
    // serialisation work and passes the same payload check.
    Ok(json!({"statusCode": 200, "body": "EvoP@ss!2020", "isBase64Encoded": false}))
}

// current_thread: the cheapest honest runtime; a multi-thread runtime would add worker-thread
// start-up to the floor and flatter every subject measured against it.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
