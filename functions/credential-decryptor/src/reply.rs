//! Replies, serialized exactly as the legacy function wrote them.

use serde::Serialize;
use zeroize::Zeroize;

/// `{"statusCode":…,"body":…,"isBase64Encoded":false}`: field order and names as legacy.
/// The body may be a plaintext credential, so it is wiped when the reply is dropped.
#[derive(Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Reply {
    pub status_code: u16,
    pub body: String,
    pub is_base64_encoded: bool,
}

impl Reply {
    pub fn ok(body: String) -> Self {
        Self {
            status_code: 200,
            body,
            is_base64_encoded: false,
        }
    }

    /// The one failure reply: callers read only `body`, so it is always empty.
    pub fn failure() -> Self {
        Self {
            status_code: 500,
            body: String::new(),
            is_base64_encoded: false,
        }
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("status_code", &self.status_code)
            .field("body", &"<redacted>")
            .finish()
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        self.body.zeroize();
    }
}

/// The v2 batch reply: `{"version":2,"results":[…]}`.
#[derive(Serialize, Debug)]
pub struct BatchReply {
    pub version: u8,
    pub results: Vec<BatchResult>,
}

/// `{"id","plainText"}` or `{"id","error":{"kind","message"}}`.
#[derive(Serialize)]
#[serde(untagged)]
pub enum BatchResult {
    Ok {
        id: serde_json::Value,
        #[serde(rename = "plainText")]
        plain_text: String,
    },
    Failed {
        id: serde_json::Value,
        error: ItemError,
    },
}

impl std::fmt::Debug for BatchResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Ok { id, .. } => write!(f, "Ok({id}, <redacted>)"),
            Self::Failed { id, error } => write!(f, "Failed({id}, {})", error.kind),
        }
    }
}

impl Drop for BatchResult {
    fn drop(&mut self) {
        if let Self::Ok { plain_text, .. } = self {
            plain_text.zeroize();
        }
    }
}

/// A stable error kind and a fixed, non-secret message.
#[derive(Serialize, Debug)]
pub struct ItemError {
    pub kind: &'static str,
    pub message: &'static str,
}

/// What one invocation returns.
#[derive(Serialize, Debug)]
#[serde(untagged)]
pub enum Response {
    Legacy(Reply),
    Batch(BatchReply),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_exactly_as_legacy() {
        assert_eq!(
            serde_json::to_string(&Reply::ok("p".into())).unwrap(),
            r#"{"statusCode":200,"body":"p","isBase64Encoded":false}"#
        );
        assert_eq!(
            serde_json::to_string(&Reply::failure()).unwrap(),
            r#"{"statusCode":500,"body":"","isBase64Encoded":false}"#
        );
        assert!(!format!("{:?}", Reply::ok("hunter2".into())).contains("hunter2"));
    }
}
