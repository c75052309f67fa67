//! AWS's JSON 1.1 protocol, as Secrets Manager and KMS speak it: a signed `POST /` whose
//! `X-Amz-Target` names the operation, a JSON body each way. Transport, signing and retries
//! are `aws_http`'s.
//!
//! Why not the SDK clients: the decryptor reads one secret, and linking `aws-sdk-secretsmanager`
//! and `aws-sdk-kms` (their orchestrator, interceptors, endpoint rules and serde code) put
//! ~2.7 MB of code into a binary whose local-key path never runs it. The kernel still maps
//! that code around every page the cold start touches, which cost ~1.5 MB of RSS and ~0.1 ms
//! of page faults on every cold start (`bench/RESULTS.md`). The protocol itself is small:
//! SigV4 (`sigv4.rs`), three operations, and the SDK's retry rules for transient failures.
//!
//! Added to the SDK's defaults: a 10 s limit per attempt, which the SDK lacks, so a stalled
//! connection cannot hold a Lambda until its own timeout.

use std::time::Duration;

use zeroize::Zeroizing;

use crate::aws_http::{Limits, Post, Service, SignedClient};
use crate::{AwsError, SdkEnv};

/// One JSON-protocol service: how it is signed and named, and its `X-Amz-Target` prefix.
#[derive(Debug, Clone, Copy)]
pub(crate) struct JsonService {
    pub service: Service,
    pub target_prefix: &'static str,
}

pub(crate) const SECRETS_MANAGER: JsonService = JsonService {
    service: Service {
        label: "SecretsManager",
        signing_name: "secretsmanager",
    },
    target_prefix: "secretsmanager",
};

pub(crate) const KMS: JsonService = JsonService {
    service: Service {
        label: "KMS",
        signing_name: "kms",
    },
    target_prefix: "TrentService",
};

const JSON_1_1: &str = "application/x-amz-json-1.1";

const LIMITS: Limits = Limits {
    attempt: Some(Duration::from_secs(10)),
    operation: None,
    // A secret is at most 64 KiB, a KMS reply far less.
    max_reply_bytes: 1024 * 1024,
};

/// A client for one service in one region. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct AwsJsonClient {
    client: SignedClient,
    target_prefix: &'static str,
}

impl AwsJsonClient {
    /// No network traffic and no TLS set-up until the first call.
    pub(crate) fn new(env: &SdkEnv, service: JsonService) -> Self {
        Self {
            client: SignedClient::new(env, service.service, LIMITS),
            target_prefix: service.target_prefix,
        }
    }

    /// Calls `operation` with a JSON `body`; returns the reply's JSON body. The reply may hold
    /// secret material (a secret's value, a data key), so it is wiped when dropped.
    pub(crate) async fn call(
        &self,
        operation: &'static str,
        body: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, AwsError> {
        let target = format!("{}.{operation}", self.target_prefix);
        let reply = self
            .client
            .post(&Post {
                operation,
                path: "/",
                content_type: JSON_1_1,
                headers: &[("x-amz-target", &target)],
                body,
            })
            .await?;
        Ok(reply.body)
    }
}
