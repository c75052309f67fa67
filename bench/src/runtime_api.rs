//! The Lambda Runtime API (`2018-06-01`) served on loopback for one cold-start run.
//!
//! A fresh server (own port, own state) is started for every run, so a connection left over
//! from a killed process can never take an event meant for the next one. Each connection gets
//! a thread: there are at most two clients at a time and threads keep the hot path free of any
//! scheduler between the socket and the timestamp. Timestamps are taken with `Instant` at the
//! moment a request is fully read or a reply fully written, outside the state lock.

use std::io::{BufReader, BufWriter};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use crate::http::{Request, read_request, write_response};

const PREFIX: &str = "/2018-06-01/runtime/";
/// Deadline handed to the function: generous, the harness enforces its own timeout.
const DEADLINE_MS: u128 = 30_000;

/// What the function posted for one invocation.
#[derive(Debug, Clone)]
pub enum Outcome {
    Response(Vec<u8>),
    Error(Vec<u8>),
}

/// The life of one invocation as seen by the server.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    /// Taken by a `next` poll; `handed_out` follows once the event is written.
    reserved: bool,
    pub handed_out: Option<Instant>,
    pub finished: Option<(Instant, Outcome)>,
}

/// Everything the server saw during one run.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// Arrival of the first `GET .../invocation/next`: the end of init.
    pub first_next: Option<Instant>,
    pub invocations: Vec<Invocation>,
    pub init_error: Option<Vec<u8>>,
    /// Requests that do not fit the protocol (unknown path or request id, double response).
    pub protocol_errors: Vec<String>,
    completed: usize,
}

impl Observed {
    /// Every invocation answered, and every hand-out time recorded (the writer thread stores
    /// it just after the write, which may be after the function already answered).
    pub fn all_done(&self) -> bool {
        self.completed == self.invocations.len()
            && self.invocations.iter().all(|i| i.handed_out.is_some())
    }
}

struct Shared {
    state: Mutex<Observed>,
    changed: Condvar,
    closed: AtomicBool,
    event: Vec<u8>,
    function_arn: String,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Observed> {
        // A panicking connection thread must not hide the data of the others.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A running Runtime API endpoint that will hand out `count` copies of one event.
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("addr", &self.addr).finish()
    }
}

impl Server {
    pub fn start(event: Vec<u8>, count: usize, function_name: &str) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").context("binding the Runtime API")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(Observed {
                invocations: vec![Invocation::default(); count],
                ..Observed::default()
            }),
            changed: Condvar::new(),
            closed: AtomicBool::new(false),
            event,
            function_arn: format!("arn:aws:lambda:us-east-1:123456789012:function:{function_name}"),
        });
        let accept_shared = Arc::clone(&shared);
        let acceptor = thread::Builder::new()
            .name("runtime-api-accept".into())
            .spawn(move || accept_loop(&listener, &accept_shared))
            .context("spawning the accept thread")?;
        Ok(Self {
            addr,
            shared,
            acceptor: Some(acceptor),
        })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn endpoint(&self) -> String {
        self.addr.to_string()
    }

    /// Waits until every invocation is answered, an init error arrives, `give_up` says so
    /// (the process died) or `timeout` passes. Returns a snapshot of what was seen.
    pub fn wait(&self, timeout: Duration, mut give_up: impl FnMut() -> bool) -> Observed {
        let deadline = Instant::now() + timeout;
        let mut state = self.shared.lock();
        loop {
            if state.all_done() || state.init_error.is_some() || !state.protocol_errors.is_empty() {
                return state.clone();
            }
            let now = Instant::now();
            if now >= deadline {
                return state.clone();
            }
            // Short waits so a dead process is noticed quickly; the timestamps come from the
            // connection threads, so this polling never shows in a measurement.
            let slice = (deadline - now).min(Duration::from_millis(20));
            state = match self.shared.changed.wait_timeout(state, slice) {
                Ok((guard, _)) => guard,
                Err(poisoned) => poisoned.into_inner().0,
            };
            drop(state);
            if give_up() {
                return self.shared.lock().clone();
            }
            state = self.shared.lock();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.changed.notify_all();
        // Wake the blocking accept() so the thread sees the flag and exits.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.closed.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(shared);
        // Connection threads are detached: they end when the peer closes or the run closes.
        let _ = thread::Builder::new()
            .name("runtime-api-conn".into())
            .spawn(move || {
                let _ = serve_connection(stream, &shared);
            });
    }
}

fn serve_connection(stream: TcpStream, shared: &Shared) -> Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = BufWriter::new(stream);
    while let Some(request) = read_request(&mut reader, &mut writer)? {
        let arrived = Instant::now();
        if shared.closed.load(Ordering::SeqCst) {
            return Ok(());
        }
        let close = request.close;
        if !route(&request, arrived, shared, &mut writer)? || close {
            return Ok(());
        }
    }
    Ok(())
}

/// Handles one request; `Ok(false)` closes the connection.
fn route(
    request: &Request,
    arrived: Instant,
    shared: &Shared,
    writer: &mut BufWriter<TcpStream>,
) -> Result<bool> {
    let path = request.path.strip_prefix(PREFIX).unwrap_or("");
    match (request.method.as_str(), path) {
        ("GET", "invocation/next") => next_invocation(arrived, shared, writer),
        ("POST", "init/error") => {
            shared.lock().init_error = Some(request.body.clone());
            shared.changed.notify_all();
            accepted(writer)?;
            Ok(true)
        }
        ("POST", rest) if rest.starts_with("invocation/") => {
            let rest = rest.trim_start_matches("invocation/");
            let posted = match rest.rsplit_once('/') {
                Some((id, "response")) => Some((id, Outcome::Response(request.body.clone()))),
                Some((id, "error")) => Some((id, Outcome::Error(request.body.clone()))),
                _ => None,
            };
            match posted.and_then(|(id, outcome)| Some((index_of(id)?, outcome))) {
                Some((index, outcome)) => record_outcome(index, outcome, arrived, shared, writer),
                None => protocol_error(shared, writer, request),
            }
        }
        _ => protocol_error(shared, writer, request),
    }
}

fn next_invocation(
    arrived: Instant,
    shared: &Shared,
    writer: &mut BufWriter<TcpStream>,
) -> Result<bool> {
    let index = {
        let mut state = shared.lock();
        state.first_next.get_or_insert(arrived);
        loop {
            if shared.closed.load(Ordering::SeqCst) {
                return Ok(false);
            }
            // Hand out the first invocation not handed out yet; once all are out, the
            // function parks here, as it would on an idle Lambda, until the run is closed.
            if let Some(index) = state.invocations.iter().position(|i| !i.reserved) {
                state.invocations[index].reserved = true;
                break index;
            }
            state = match shared.changed.wait(state) {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
        }
    };
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
        + DEADLINE_MS;
    let request_id = request_id(index);
    let trace_id = format!(
        "Root=1-{:08x}-{:024x};Parent={:016x};Sampled=0",
        deadline / 1000,
        index + 1,
        index + 1
    );
    write_response(
        writer,
        200,
        &[
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", &request_id),
            ("Lambda-Runtime-Deadline-Ms", &deadline.to_string()),
            ("Lambda-Runtime-Invoked-Function-Arn", &shared.function_arn),
            ("Lambda-Runtime-Trace-Id", &trace_id),
        ],
        &shared.event,
    )?;
    let handed_out = Instant::now();
    shared.lock().invocations[index].handed_out = Some(handed_out);
    shared.changed.notify_all();
    Ok(true)
}

fn record_outcome(
    index: usize,
    outcome: Outcome,
    arrived: Instant,
    shared: &Shared,
    writer: &mut BufWriter<TcpStream>,
) -> Result<bool> {
    {
        let mut state = shared.lock();
        match state.invocations.get_mut(index) {
            Some(invocation) if invocation.reserved && invocation.finished.is_none() => {
                invocation.finished = Some((arrived, outcome));
                state.completed += 1;
            }
            _ => {
                let message = format!("unexpected result for invocation {index}");
                state.protocol_errors.push(message);
            }
        }
    }
    shared.changed.notify_all();
    accepted(writer)?;
    Ok(true)
}

fn accepted(writer: &mut BufWriter<TcpStream>) -> Result<()> {
    write_response(
        writer,
        202,
        &[("Content-Type", "application/json")],
        br#"{"status":"OK"}"#,
    )?;
    Ok(())
}

fn protocol_error(
    shared: &Shared,
    writer: &mut BufWriter<TcpStream>,
    request: &Request,
) -> Result<bool> {
    shared.lock().protocol_errors.push(format!(
        "unexpected request {} {}",
        request.method, request.path
    ));
    shared.changed.notify_all();
    write_response(
        writer,
        404,
        &[("Content-Type", "application/json")],
        br#"{"errorMessage":"unknown path","errorType":"InvalidRequest"}"#,
    )?;
    Ok(true)
}

/// UUID-shaped ids, as real Lambda sends, with the invocation index in the last group.
fn request_id(index: usize) -> String {
    format!("8476a536-e9f4-11e8-9739-{index:012x}")
}

fn index_of(request_id: &str) -> Option<usize> {
    let tail = request_id.strip_prefix("8476a536-e9f4-11e8-9739-")?;
    usize::from_str_radix(tail, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_round_trip() {
        for index in [0, 1, 17, 4095] {
            assert_eq!(index_of(&request_id(index)), Some(index));
        }
        assert_eq!(index_of("something-else"), None);
    }
}
