//! The request side of the tests' one-shot HTTP/1.1 servers on loopback.

use tokio::io::AsyncReadExt as _;
use tokio::net::TcpStream;

/// Reads one request (head and `content-length` bytes of body) and returns it as text.
pub async fn read_request(socket: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let mut buf = [0_u8; 4096];
    loop {
        let n = socket.read(&mut buf).await.unwrap();
        seen.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&seen).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .map_or(0, |v| v.trim().parse::<usize>().unwrap());
            if seen.len() >= end + 4 + length {
                return text;
            }
        }
        if n == 0 {
            return text;
        }
    }
}
