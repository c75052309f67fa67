//! Just enough HTTP/1.1 for the Lambda Runtime API on loopback.
//!
//! Every runtime interface client we measure (Rust's hyper client, the libcurl-based clients
//! inside the Node and Python RICs) speaks plain HTTP/1.1 with keep-alive, so a blocking
//! std::net reader is all the server needs. It handles `Content-Length` and chunked bodies and
//! `Expect: 100-continue`, and writes each response in one `write_all` so that, with
//! `TCP_NODELAY`, a reply leaves as one segment and never waits on delayed ACKs.

use std::io::{self, BufRead, Write};

/// Request heads larger than this are a protocol error, not something to buffer.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Bodies we accept: a Lambda response is capped at 6 MB, so anything bigger is a bug.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// One parsed request.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub body: Vec<u8>,
    /// The client asked to close the connection after this exchange.
    pub close: bool,
}

/// Reads one request; `Ok(None)` means the peer closed the connection between requests.
/// `writer` is only used for the `100 Continue` interim response.
pub fn read_request<R: BufRead, W: Write>(
    reader: &mut R,
    writer: &mut W,
) -> io::Result<Option<Request>> {
    let mut line = String::new();
    // Tolerate stray blank lines between requests (RFC 9112 §2.2).
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        if !line.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (Some(method), Some(path), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(format!("bad request line {line:?}")));
    };
    let (method, path) = (method.to_owned(), path.to_owned());
    let mut close = version == "HTTP/1.0";

    let mut content_length: Option<usize> = None;
    let mut chunked = false;
    let mut expect_continue = false;
    let mut head_bytes = line.len();
    loop {
        line.clear();
        let n = reader.read_line(&mut line)?;
        head_bytes += n;
        if n == 0 {
            return Err(invalid("connection closed inside request head".into()));
        }
        if head_bytes > MAX_HEAD_BYTES {
            return Err(invalid("request head too large".into()));
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(invalid(format!("bad header line {header:?}")));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                let len = value
                    .parse()
                    .map_err(|_| invalid(format!("bad content-length {value:?}")))?;
                content_length = Some(len);
            }
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            "expect" => expect_continue = value.eq_ignore_ascii_case("100-continue"),
            "connection" => {
                let value = value.to_ascii_lowercase();
                if value.contains("close") {
                    close = true;
                } else if value.contains("keep-alive") {
                    close = false;
                }
            }
            _ => {}
        }
    }

    if expect_continue {
        // libcurl waits (up to a second) for this before sending a large body.
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        writer.flush()?;
    }
    let body = if chunked {
        read_chunked(reader)?
    } else {
        let len = content_length.unwrap_or(0);
        if len > MAX_BODY_BYTES {
            return Err(invalid(format!("body of {len} bytes is too large")));
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body)?;
        body
    };
    Ok(Some(Request {
        method,
        path,
        body,
        close,
    }))
}

fn read_chunked<R: BufRead>(reader: &mut R) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let size_text = line.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| invalid(format!("bad chunk size {line:?}")))?;
        if body.len() + size > MAX_BODY_BYTES {
            return Err(invalid("chunked body too large".into()));
        }
        if size == 0 {
            // Skip trailers up to the terminating blank line.
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        line.clear();
        reader.read_line(&mut line)?; // CRLF after the chunk data
    }
}

/// Writes a complete response in one call.
pub fn write_response<W: Write>(
    writer: &mut W,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Status",
    };
    let mut out = Vec::with_capacity(256 + body.len());
    out.extend_from_slice(format!("HTTP/1.1 {status} {reason}\r\n").as_bytes());
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    writer.write_all(&out)?;
    writer.flush()
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn parse(raw: &str) -> (Option<Request>, Vec<u8>) {
        let mut reader = Cursor::new(raw.as_bytes().to_vec());
        let mut written = Vec::new();
        let request = read_request(&mut reader, &mut written).expect("parse");
        (request, written)
    }

    #[test]
    fn reads_content_length_body_and_keeps_alive() {
        let (request, written) =
            parse("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
        let request = request.expect("request");
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/a");
        assert_eq!(request.body, b"hello");
        assert!(!request.close);
        assert!(written.is_empty());
    }

    #[test]
    fn reads_chunked_body_and_answers_expect_continue() {
        let (request, written) = parse(
            "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\
             Connection: close\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
        );
        let request = request.expect("request");
        assert_eq!(request.body, b"abcde");
        assert!(request.close);
        assert_eq!(written, b"HTTP/1.1 100 Continue\r\n\r\n");
    }

    #[test]
    fn eof_between_requests_is_none() {
        assert!(parse("").0.is_none());
    }

    #[test]
    fn rejects_garbage() {
        let mut reader = Cursor::new(b"NONSENSE\r\n\r\n".to_vec());
        assert!(read_request(&mut reader, &mut Vec::new()).is_err());
    }

    #[test]
    fn response_has_length_and_headers() {
        let mut out = Vec::new();
        write_response(&mut out, 202, &[("A", "b")], b"{}").expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf8"),
            "HTTP/1.1 202 Accepted\r\nA: b\r\nContent-Length: 2\r\n\r\n{}"
        );
    }
}
