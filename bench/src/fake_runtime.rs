//! `dd-bench fake-runtime`: a std-only Lambda runtime client with a fixed reply.
//!
//! Two uses: the harness's own tests drive it through the real spawn → Runtime API → verdict
//! path without building `lambda_runtime`, and as a subject it shows how much of a cold start
//! is process exec plus this harness, below any runtime library. With `--echo` it answers
//! each event with the event itself, so the tests can see exactly what a subject was sent.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;

use anyhow::{Context, Result, bail};

const NEXT: &str = "/2018-06-01/runtime/invocation/next";

/// What the fake function answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// The same text every time.
    Fixed(String),
    /// The event it was given, byte for byte.
    Echo,
}

/// Serves invocations until the harness closes the connection.
pub fn run(reply: &Reply, init_error: bool) -> Result<()> {
    // Marks like our Lambdas' (with DD_STARTUP_MARKS=1), so the tests see a whole timeline.
    dd_startup_marks::begin();
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").context("AWS_LAMBDA_RUNTIME_API unset")?;
    let stream = TcpStream::connect(&api).with_context(|| format!("connecting to {api}"))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;

    if init_error {
        let body = r#"{"errorMessage":"fake init failure","errorType":"Runtime.Fake"}"#;
        send(
            &mut writer,
            "POST",
            "/2018-06-01/runtime/init/error",
            &api,
            body.as_bytes(),
        )?;
        read_response(&mut reader)?;
        return Ok(());
    }
    loop {
        send(&mut writer, "GET", NEXT, &api, b"")?;
        let Some((request_id, event)) = read_response(&mut reader)? else {
            return Ok(());
        };
        let request_id = request_id.context("no Lambda-Runtime-Aws-Request-Id")?;
        dd_startup_marks::invocation_begins();
        let path = format!("/2018-06-01/runtime/invocation/{request_id}/response");
        let body = match reply {
            Reply::Fixed(text) => text.as_bytes(),
            Reply::Echo => &event,
        };
        dd_startup_marks::invocation_ends();
        send(&mut writer, "POST", &path, &api, body)?;
        if read_response(&mut reader)?.is_none() {
            return Ok(());
        }
    }
}

fn send(writer: &mut TcpStream, method: &str, path: &str, host: &str, body: &[u8]) -> Result<()> {
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // One write: with TCP_NODELAY, head and body in two writes would be two segments.
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    writer.write_all(&request)?;
    Ok(())
}

/// `None` when the server closed the connection; otherwise the request id header and body.
fn read_response<R: BufRead>(reader: &mut R) -> Result<Option<(Option<String>, Vec<u8>)>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let mut length = 0;
    let mut request_id = None;
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse()?,
                "lambda-runtime-aws-request-id" => request_id = Some(value.trim().to_owned()),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    if !status.starts_with('2') {
        bail!("Runtime API answered {status}");
    }
    Ok(Some((request_id, body)))
}
