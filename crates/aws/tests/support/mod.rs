//! moto on a free loopback port for the integration tests, plain HTTP or TLS with a throwaway
//! CA. Skips with a notice when moto is not installed, unless `CI` is set (then it fails).
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

pub mod loopback;
pub mod moto_admin;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running moto, killed when dropped.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CA and a server certificate for 127.0.0.1 signed by it, made with the `openssl` CLI.
pub struct TestCa {
    pub ca_pem: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
}

pub fn make_test_ca(dir: &Path) -> Option<TestCa> {
    std::fs::create_dir_all(dir).unwrap();
    let path = |name: &str| dir.join(name);
    // A P-256 key and a self-signed (CA) or CA-signed (server) certificate valid for 2 days.
    let common = [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-days",
        "2",
    ]
    .map(String::from)
    .into_iter();
    let file = |name: &str| path(name).display().to_string();
    let ca_args: Vec<String> = common
        .clone()
        .chain(["-subj".into(), "/CN=dd-aws test CA".into()])
        .chain([
            "-keyout".into(),
            file("ca.key"),
            "-out".into(),
            file("ca.pem"),
        ])
        .collect();
    let server_args: Vec<String> = common
        .chain(
            [
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ]
            .map(String::from),
        )
        .chain(["-addext", "basicConstraints=critical,CA:FALSE"].map(String::from))
        .chain(["-addext", "extendedKeyUsage=serverAuth"].map(String::from))
        .chain([
            "-keyout".into(),
            file("server.key"),
            "-out".into(),
            file("server.pem"),
        ])
        .chain([
            "-CA".into(),
            file("ca.pem"),
            "-CAkey".into(),
            file("ca.key"),
        ])
        .collect();
    for args in [ca_args, server_args] {
        let ok = Command::new("openssl")
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !ok {
            return unavailable("openssl could not make a test CA");
        }
    }
    Some(TestCa {
        ca_pem: path("ca.pem"),
        server_cert: path("server.pem"),
        server_key: path("server.key"),
    })
}

/// Plain-HTTP moto.
pub fn start_moto() -> Option<Moto> {
    start(None)
}

/// moto serving TLS with `ca`'s server certificate.
pub fn start_moto_tls(ca: &TestCa) -> Option<Moto> {
    start(Some(ca))
}

fn start(tls: Option<&TestCa>) -> Option<Moto> {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = Command::new("moto_server");
    command.args(["-H", "127.0.0.1", "-p", &port.to_string()]);
    if let Some(ca) = tls {
        command
            .arg("-c")
            .arg(&ca.server_cert)
            .arg("-k")
            .arg(&ca.server_key);
    }
    let child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn();
    let scheme = if tls.is_some() { "https" } else { "http" };
    let moto = match child {
        Ok(child) => Moto {
            child,
            url: format!("{scheme}://127.0.0.1:{port}"),
        },
        Err(err) => return unavailable(&format!("cannot start moto_server: {err}")),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(moto);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    unavailable("moto_server did not listen within 30 s")
}

fn unavailable<T>(why: &str) -> Option<T> {
    assert!(
        std::env::var_os("CI").is_none(),
        "moto is required in CI: {why}"
    );
    eprintln!("NOTICE: skipping tests against moto: {why} (pip install 'moto[server]')");
    None
}
