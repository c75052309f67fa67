//! The decryptor-Lambda password source against the REAL credential-decryptor, run by
//! `cargo lambda watch` and reached through its Lambda Invoke endpoint: our Invoke client
//! (dd-aws, no AWS SDK) with `AWS_ENDPOINT_URL` pointing at the emulator, the legacy decrypt
//! contract end to end, with the compat vectors the decryptor's own tests use.
//!
//! Ignored by default: it needs the emulators `functions/credential-decryptor/tests/
//! run-client-tests.sh` starts (from scripts/test-all). The script passes their manifest in
//! `DD_CLIENT_TESTS_MANIFEST` and one emulator whose key is DD_KEY_JSON in `AWS_ENDPOINT_URL`.
#![cfg(feature = "lambda-decryptor")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use dd_aws::SdkEnv;
use dd_delivery::{DeliveryError, LambdaDecryptor};
use secrecy::ExposeSecret;
use serde_json::Value;

/// Bounds each invoke; the script has warmed the emulator, so a reply takes milliseconds.
const INVOKE_TIMEOUT: Duration = Duration::from_secs(60);

/// The emulator in `AWS_ENDPOINT_URL`, the function name it serves, and the compat vectors
/// of its key that use the `cipherText` field (the only one `LambdaDecryptor` sends).
struct Target {
    env: SdkEnv,
    function: String,
    vectors: Vec<Value>,
}

fn target() -> Target {
    let env = SdkEnv::from_env().expect("AWS_REGION and test credentials (run-client-tests.sh)");
    let endpoint = env
        .endpoint_url
        .clone()
        .expect("AWS_ENDPOINT_URL (run-client-tests.sh sets it)");
    let path = std::env::var("DD_CLIENT_TESTS_MANIFEST")
        .expect("DD_CLIENT_TESTS_MANIFEST (run-client-tests.sh sets it)");
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let emulator = manifest["decrypt"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["endpoint"] == endpoint.as_str() && t["source"] == "DD_KEY_JSON")
        .unwrap_or_else(|| panic!("no DD_KEY_JSON decrypt emulator at {endpoint}"));
    let same_key = |secret: &Value| {
        secret["salt"] == emulator["secret"]["salt"]
            && secret["keyPhrase"] == emulator["secret"]["keyPhrase"]
    };
    let vectors_path = manifest["vectors"].as_str().unwrap();
    let vectors: Value =
        serde_json::from_str(&std::fs::read_to_string(vectors_path).unwrap()).unwrap();
    let vectors: Vec<Value> = vectors["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| same_key(&v["secret"]) && v["event"]["cipherText"].is_string())
        .cloned()
        .collect();
    Target {
        env,
        function: manifest["functionName"].as_str().unwrap().to_owned(),
        vectors,
    }
}

#[tokio::test]
#[ignore = "needs the emulators of functions/credential-decryptor/tests/run-client-tests.sh"]
async fn decrypts_the_compat_vectors_through_the_invoke_api() {
    let t = target();
    let decryptor = LambdaDecryptor::new(&t.env, &t.function, INVOKE_TIMEOUT);
    let (mut decrypted, mut refused) = (0, 0);
    for (i, vector) in t.vectors.iter().enumerate() {
        let cipher_text = vector["event"]["cipherText"].as_str().unwrap();
        let result = decryptor.decrypt(cipher_text).await;
        if vector["expect"]["statusCode"] == 200 {
            // No plaintext in the failure message: compare, report the vector's index only.
            let plaintext = result.unwrap_or_else(|e| panic!("vector {i}: {e}"));
            assert!(
                plaintext.expose_secret() == vector["expect"]["body"].as_str().unwrap(),
                "vector {i}: wrong plaintext"
            );
            decrypted += 1;
        } else {
            // The decryptor's failure reply (statusCode 500, empty body), not an invoke error.
            assert!(
                matches!(result, Err(DeliveryError::Decrypt { .. })),
                "vector {i}: expected a Decrypt error, got {:?}",
                result.map(|_| "a plaintext")
            );
            refused += 1;
        }
    }
    println!("{decrypted} vectors decrypted, {refused} refused");
    assert!(
        decrypted >= 3 && refused >= 2,
        "too few vectors of this key"
    );
}

#[tokio::test]
#[ignore = "needs the emulators of functions/credential-decryptor/tests/run-client-tests.sh"]
async fn an_unknown_function_is_unavailable_naming_only_the_status() {
    let t = target();
    let cipher_text = t.vectors[0]["event"]["cipherText"].as_str().unwrap();
    let decryptor = LambdaDecryptor::new(&t.env, "dd-no-such-function", INVOKE_TIMEOUT);
    let err = decryptor
        .decrypt(cipher_text)
        .await
        .map(|_| "a plaintext")
        .unwrap_err();
    let DeliveryError::DecryptorUnavailable(detail) = &err else {
        panic!("expected DecryptorUnavailable, got {err:?}");
    };
    // The emulator answers 404 with a prose body and no AWS error code (real Lambda sends
    // ResourceNotFoundException, see dd-aws's lambda_invoke_loopback.rs): only the status may be named, none
    // of the body (it lists the project's binaries) nor the request.
    assert_eq!(detail, "Lambda Invoke failed: HTTP 404");
}
