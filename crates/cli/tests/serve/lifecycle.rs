//! One server per data directory (a failed or second start must not disturb the first),
//! and a clean stop on SIGTERM while requests are in flight.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::common::{
    Served, approved_deposit, curl, ddctl, deposit, eventually, sigterm, sim_get, wait_for_exit,
};

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_second_serve_never_disturbs_the_first() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    let first = Served::start(&data_dir, &[]);
    let port = first.port();
    let files_before: Vec<_> = std::fs::read_dir(&data_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();

    // The same command again: its port is taken, and it says so before touching anything.
    let again = ddctl()
        .args(["serve", "--port", &port, "--data-dir"])
        .arg(&data_dir)
        .output()
        .unwrap();
    assert!(!again.status.success());
    let message = stderr_of(&again);
    assert!(
        message.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{message}"
    );
    assert!(message.contains("--port"), "{message}");
    assert!(!String::from_utf8_lossy(&again.stdout).contains("Ready."));
    let fresh = tmp.path().join("fresh");
    let elsewhere = ddctl()
        .args(["serve", "--port", &port, "--data-dir"])
        .arg(&fresh)
        .output()
        .unwrap();
    assert!(!elsewhere.status.success());
    assert!(
        !fresh.exists(),
        "a start that cannot listen creates nothing"
    );

    // Another port on the same data directory: refused, naming the running server.
    let second = ddctl()
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(&data_dir)
        .output()
        .unwrap();
    assert!(!second.status.success());
    let message = stderr_of(&second);
    assert!(
        message.contains("in use by another ddctl serve"),
        "{message}"
    );
    assert!(message.contains(&first.url), "{message}");
    let files_after: Vec<_> = std::fs::read_dir(&data_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files_before.len(), files_after.len());

    // The first server's approvals still reach its payroll simulator.
    approved_deposit(&first, "55667788");
    let eds = eventually("the approval reached payroll", || {
        let eds = sim_get(&first.payroll_url, "/_sim/eds");
        (eds.as_array().unwrap().len() == 1).then_some(eds)
    });
    assert!(!eds.to_string().contains("55667788"), "masked: {eds}");
    first.stop();
}

/// Sends the head and the first bytes of a POST, and the rest later: a request that is
/// certainly in flight when the signal arrives.
struct SlowRequest {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl SlowRequest {
    fn begin(url: &str, path: &str, token: &str, body: &Value) -> Self {
        let addr = url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let body = body.to_string().into_bytes();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body[..10]).unwrap();
        stream.flush().unwrap();
        Self {
            stream,
            rest: body[10..].to_vec(),
        }
    }

    /// Sends the rest and reads the whole response.
    fn finish(mut self) -> String {
        self.stream.write_all(&self.rest).unwrap();
        let mut response = String::new();
        self.stream.read_to_string(&mut response).unwrap();
        response
    }
}

/// Whether a response's body is as long as its `content-length` says.
fn is_whole(reply: &str) -> bool {
    let Some((head, body)) = reply.split_once("\r\n\r\n") else {
        return false;
    };
    head.lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .is_some_and(|length| length == body.len())
}

/// One load thread: requests on fresh connections (`Connection: close`) until `stop` or
/// until the server refuses connections. A reply, once it starts, must be whole and one
/// of `expected`; refused or reset connections after the signal are expected. Returns
/// the bodies of the replies with status `keep`.
fn load_thread(
    addr: String,
    request: impl Fn(u32) -> String + Send + 'static,
    expected: &'static [&'static str],
    keep: &'static str,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<(u32, Vec<String>)> {
    std::thread::spawn(move || {
        let (mut answered, mut kept, mut n) = (0_u32, Vec::new(), 0_u32);
        while !stop.load(Ordering::Relaxed) {
            let Ok(mut stream) = TcpStream::connect(&addr) else {
                break;
            };
            // A hang is the bug the test is after; it must fail, not wait forever.
            stream
                .set_read_timeout(Some(Duration::from_secs(60)))
                .unwrap();
            n += 1;
            if stream.write_all(request(n).as_bytes()).is_err() {
                continue;
            }
            let mut reply = Vec::new();
            let _ = stream.read_to_end(&mut reply);
            if reply.is_empty() {
                continue;
            }
            let reply = String::from_utf8_lossy(&reply);
            assert!(expected.iter().any(|s| reply.starts_with(s)), "{reply}");
            assert!(is_whole(&reply), "cut short: {reply}");
            if reply.starts_with(keep)
                && let Some((_, body)) = reply.split_once("\r\n\r\n")
            {
                kept.push(body.to_owned());
            }
            answered += 1;
        }
        (answered, kept)
    })
}

#[test]
fn sigterm_finishes_requests_in_flight_and_leaves_a_complete_database() {
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    // Room for the writers' creates on one employee.
    let served = Served::start_with_env(
        &data_dir,
        &[],
        &[("DD_MAX_DEPOSITS_PER_EMPLOYEE", "100000")],
    );
    let (url, alice) = served.user("alice@acme.example");
    let path = url.trim_start_matches(&served.url).to_owned();
    let approved = approved_deposit(&served, "10203040");
    let addr = served.url.trim_start_matches("http://").to_owned();

    // Load: 16 readers and 8 writers on fresh connections, until the server is gone.
    let stop_load = Arc::new(AtomicBool::new(false));
    let mut readers = Vec::new();
    for _ in 0..16 {
        let (path, token, host) = (path.clone(), alice.clone(), addr.clone());
        let get = move |_| {
            format!(
                "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
                 Connection: close\r\n\r\n"
            )
        };
        readers.push(load_thread(
            addr.clone(),
            get,
            &["HTTP/1.1 200"],
            "",
            stop_load.clone(),
        ));
    }
    let mut writers = Vec::new();
    for w in 0..8 {
        let (path, token, host) = (path.clone(), alice.clone(), addr.clone());
        let post = move |n: u32| {
            let body = deposit(&format!("8{w:02}{n:06}")).to_string();
            format!(
                "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            )
        };
        writers.push(load_thread(
            addr.clone(),
            post,
            &["HTTP/1.1 201"],
            "HTTP/1.1 201",
            stop_load.clone(),
        ));
    }

    // Requests certainly in flight when the signal arrives: heads sent, bodies held back.
    let slow: Vec<_> = (0..4)
        .map(|i| SlowRequest::begin(&served.url, &path, &alice, &deposit(&format!("9988776{i}"))))
        .collect();
    // Let the server read the request heads and the load get going (the requests are
    // then in flight; if they were not yet, the test would fail, never pass wrongly).
    std::thread::sleep(Duration::from_millis(500));
    let mut served = served;
    sigterm(&served.child);
    std::thread::sleep(Duration::from_millis(500));
    let mut finished = Vec::new();
    for (i, request) in slow.into_iter().enumerate() {
        let response = request.finish();
        assert!(response.starts_with("HTTP/1.1 201"), "{response}");
        assert!(response.contains(&format!("****776{i}")), "{response}");
        finished.push(response.split_once("\r\n\r\n").unwrap().1.to_owned());
    }

    let status = wait_for_exit(&mut served.child, Duration::from_secs(60));
    stop_load.store(true, Ordering::Relaxed);
    let read: u32 = readers.into_iter().map(|t| t.join().unwrap().0).sum();
    let mut created = finished;
    for writer in writers {
        created.extend(writer.join().unwrap().1);
    }
    let log = served.log();
    assert!(status.success(), "exit {status}: {log}");
    assert!(read > 0, "the readers never got an answer");
    assert!(!created.is_empty(), "the writers never got an answer");
    assert!(log.contains("SIGTERM"), "{log}");
    assert!(log.contains("stopped"), "{log}");

    // Everything is in the database file itself: no write-ahead log left to replay, and
    // SQLite finds the file sound.
    assert!(!data_dir.join("dd.sqlite-wal").exists());
    assert!(!data_dir.join("dd.sqlite-shm").exists());
    let integrity: String = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            use sqlx::{Connection as _, Row as _};
            let file = data_dir.join("dd.sqlite");
            let url = format!("sqlite://{}", file.display());
            let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let row = sqlx::query("PRAGMA integrity_check")
                .fetch_one(&mut db)
                .await
                .unwrap();
            row.get(0)
        });
    assert_eq!(integrity, "ok");

    // Every create the writers saw acknowledged is there after a restart.
    let again = Served::start(&data_dir, &[]);
    let (url, alice) = again.user("alice@acme.example");
    let (_, admin) = again.user("hr@acme.example");
    for body in &created {
        let sent: Value = serde_json::from_str(body).unwrap();
        let id = sent["id"].as_i64().unwrap();
        let (status, stored) = curl("GET", &format!("{url}/{id}"), &admin, None);
        assert_eq!(status, 200, "acknowledged deposit {id} is gone: {stored}");
    }
    let (status, body) = curl("GET", &format!("{url}/{approved}"), &alice, None);
    assert_eq!(status, 200);
    assert!(body.contains("****3040"), "{body}");
    again.stop();
}
