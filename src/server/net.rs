//! The connections under the router: an accept loop on hyper's HTTP/1.1 server with every wait bounded.
//!
//! - **Header timeout** (hyper's `header_read_timeout`): a request head must be complete within it, counted
//!   from when the server starts waiting for one (a new connection, or the end of the previous answer on a
//!   kept-alive one), so it is also how long a connection may sit idle between requests.
//! - **Idle timeout** ([`Guarded`]): a connection on which no byte moves either way for this long while the
//!   server waits to read or write is closed (a client that stops reading its answer, or never sends one).
//! - **Request timeout** (in the router, [`super::http`]): an answer not ready within it is `503`.
//! - **Connection limit**: past it a new connection is answered `503` with the JSON body and closed.
//! - **Shutdown**: on the signal the listener closes, idle connections close, requests in flight are
//!   answered, and whatever is still open after the shutdown timeout is cut.
//!
//! hyper answers a request it cannot parse itself (`400`, `414`, `431`) with an empty body; [`Guarded`]
//! replaces those answers by the documented JSON error body.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::http::StatusCode;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

use super::error::json_error_body;

/// The largest request head (request line and header fields), bytes: past it, `431`.
pub const MAX_HEAD_BYTES: usize = 32 * 1024;
/// The most header fields in a request: past it, `431`.
pub const MAX_HEADERS: usize = 100;
/// The longest request target (path and query), bytes: past it, `414` (checked in the router).
pub const MAX_TARGET_BYTES: usize = 8 * 1024;
/// Connections refused with a `503` at once (each for at most [`REFUSAL_TIME`]); past it, closed unanswered.
const MAX_REFUSING: usize = 64;
const REFUSAL_TIME: Duration = Duration::from_secs(2);
/// File descriptors kept beyond the connections: the listener, refusals, the database pool, reloads' files.
pub const RESERVED_FDS: usize = MAX_REFUSING + 64;

/// The bounds of connections and requests (docs/API.md, "Limits").
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// A request head must be complete within this (`--header-timeout`, default 10 s); else the connection is closed.
    pub header_timeout: Duration,
    /// A connection on which no byte moves either way for this long is closed (`--idle-timeout`, default 60 s).
    pub idle_timeout: Duration,
    /// A request not answered within this gets `503` (`--request-timeout`, default 30 s).
    pub request_timeout: Duration,
    /// Connections open at once; past it a new one gets `503` (`--max-connections`, default 1024).
    pub max_connections: usize,
    /// On shutdown, requests in flight get this long before their connections are cut (`--shutdown-timeout`,
    /// default 10 s).
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

/// How serving ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stopped {
    /// Connections still open when the shutdown timeout ran out, cut.
    pub cut: usize,
}

/// Accept errors that concern one connection only: the next accept may succeed at once.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// Serves `app` on `listener` until `shutdown` completes, then stops as the module says.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) -> Stopped {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_headers(MAX_HEADERS)
        .max_header_size(MAX_HEAD_BYTES)
        .max_buf_size(2 * MAX_HEAD_BYTES);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSING));
    let shutdown = std::pin::pin!(shutdown);
    let mut shutdown = shutdown;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) if is_connection_error(&e) => continue,
                // Out of file descriptors, or the like: wait instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            if let Ok(refusing) = refusals.clone().try_acquire_owned() {
                let max = limits.max_connections;
                tokio::spawn(async move {
                    refuse(stream, max).await;
                    drop(refusing);
                });
            }
            continue;
        };
        // The peer's address for the handlers (`ConnectInfo`): failed logins are counted per address too.
        let app = tower::ServiceExt::map_request(app.clone(), move |r: hyper::Request<hyper::body::Incoming>| {
            let mut r = r.map(axum::body::Body::new);
            r.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            r
        });
        match &tls {
            None => {
                let io = TokioIo::new(Guarded::new(stream, limits.idle_timeout));
                let conn = graceful.watch(http.serve_connection(io, TowerToHyperService::new(app)));
                tokio::spawn(async move {
                    let _ = conn.await;
                    drop(slot);
                });
            }
            Some(acceptor) => {
                // The handshake is part of the request head: bounded by the header timeout.
                let (acceptor, http, watcher) = (acceptor.clone(), http.clone(), graceful.watcher());
                tokio::spawn(async move {
                    let handshake = tokio::time::timeout(limits.header_timeout, acceptor.accept(stream)).await;
                    if let Ok(Ok(stream)) = handshake {
                        let io = TokioIo::new(Guarded::new(stream, limits.idle_timeout));
                        let _ = watcher.watch(http.serve_connection(io, TowerToHyperService::new(app))).await;
                    }
                    drop(slot);
                });
            }
        }
    }
    drop(listener);
    match tokio::time::timeout(limits.shutdown_timeout, graceful.shutdown()).await {
        Ok(()) => Stopped { cut: 0 },
        Err(_) => Stopped { cut: limits.max_connections.saturating_sub(slots.available_permits()) },
    }
}

/// Answers a connection over the limit `503` with the JSON body, then closes it (after reading what the client
/// sent, so that the answer is not lost to a reset), all within [`REFUSAL_TIME`].
async fn refuse(mut stream: TcpStream, max: usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let reason = format!("the server has its {max} connections open; try again shortly");
    let answer = raw_answer(StatusCode::SERVICE_UNAVAILABLE, &reason);
    let _ = tokio::time::timeout(REFUSAL_TIME, async {
        stream.write_all(&answer).await?;
        stream.shutdown().await?;
        let mut sink = [0u8; 4096];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), io::Error>(())
    })
    .await;
}

/// A whole HTTP/1.1 answer with the JSON error body, closing the connection.
fn raw_answer(status: StatusCode, reason: &str) -> Vec<u8> {
    let body = json_error_body(status, reason);
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

/// The reason given in place of hyper's own empty answers.
fn parse_error_reason(status: StatusCode) -> String {
    match status {
        StatusCode::BAD_REQUEST => "the request is not well-formed HTTP/1.1".to_string(),
        StatusCode::URI_TOO_LONG => format!("the request target is longer than {MAX_TARGET_BYTES} bytes"),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => format!(
            "the request head is larger than {MAX_HEAD_BYTES} bytes or has more than {MAX_HEADERS} header fields"
        ),
        s => s.canonical_reason().unwrap_or("error").to_string(),
    }
}

/// When `buf` starts with an error answer hyper made itself (status 400 or above, `content-length: 0`, no
/// `content-type`: every answer of the router has one), the answer to send instead.
fn replace_bare_error(buf: &[u8]) -> Option<Vec<u8>> {
    let rest = buf.strip_prefix(b"HTTP/1.1 ").or_else(|| buf.strip_prefix(b"HTTP/1.0 "))?;
    let code: u16 = std::str::from_utf8(rest.get(..3)?).ok()?.parse().ok()?;
    let status = StatusCode::from_u16(code).ok()?;
    if code < 400 {
        return None;
    }
    let end = memchr::memmem::find(buf, b"\r\n\r\n")?;
    let mut empty = false;
    for line in buf[..end].split(|&b| b == b'\n').skip(1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some(colon) = line.iter().position(|&b| b == b':') else { continue };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if name.eq_ignore_ascii_case(b"content-type") || name.eq_ignore_ascii_case(b"transfer-encoding") {
            return None;
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            empty = value == b"0";
        }
    }
    empty.then(|| raw_answer(status, &parse_error_reason(status)))
}

/// A stream (TCP, or TLS over it) with the idle timeout, and hyper's empty error answers replaced by JSON
/// ones.
pub struct Guarded<S = TcpStream> {
    inner: S,
    idle: Duration,
    /// When a byte last moved.
    last: Instant,
    /// Fires at `last + idle` (reset lazily, when an operation waits).
    timer: Pin<Box<Sleep>>,
    /// An answer to send in place of what hyper wrote, and how much of it is sent.
    replacement: Option<(Vec<u8>, usize)>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Guarded<S> {
    pub(crate) fn new(inner: S, idle: Duration) -> Guarded<S> {
        let now = Instant::now();
        Guarded { inner, idle, last: now, timer: Box::pin(tokio::time::sleep_until(now + idle)), replacement: None }
    }

    /// After an operation made progress.
    fn moved(&mut self) {
        self.last = Instant::now();
    }

    /// After an operation found nothing to do: an error once the connection has been idle too long.
    fn waiting(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let deadline = self.last + self.idle;
        if self.timer.deadline() != deadline {
            self.timer.as_mut().reset(deadline);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(io::ErrorKind::TimedOut, "connection idle too long")),
            Poll::Pending => Poll::Pending,
        }
    }

    /// Sends the rest of a replacement answer.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, sent)) = self.replacement.as_mut() {
            if *sent == bytes.len() {
                self.replacement = None;
                break;
            }
            match Pin::new(&mut self.inner).poll_write(cx, &bytes[*sent..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    *sent += n;
                    self.moved();
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return self.waiting(cx).map(Err),
            }
        }
        Poll::Ready(Ok(()))
    }

    /// An operation's result, with the idle timeout: `moved` says whether it moved bytes (a flush that is
    /// done at once moves none: counting it would let hyper's flush after every wake-up keep an idle
    /// connection open for ever).
    fn timed<T>(&mut self, cx: &mut Context<'_>, p: Poll<io::Result<T>>, moved: bool) -> Poll<io::Result<T>> {
        match p {
            Poll::Ready(r) => {
                if moved {
                    self.moved();
                }
                Poll::Ready(r)
            }
            Poll::Pending => self.waiting(cx).map(Err),
        }
    }
}

fn wrote(p: &Poll<io::Result<usize>>) -> bool {
    matches!(p, Poll::Ready(Ok(n)) if *n > 0)
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let p = Pin::new(&mut self.inner).poll_read(cx, buf);
        let moved = buf.filled().len() > before;
        self.timed(cx, p, moved)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some(answer) = replace_bare_error(buf) {
            self.replacement = Some((answer, 0));
            return Poll::Ready(Ok(buf.len()));
        }
        let p = Pin::new(&mut self.inner).poll_write(cx, buf);
        let moved = wrote(&p);
        self.timed(cx, p, moved)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.drain(cx))?;
        if let Some(answer) = bufs.iter().find(|b| !b.is_empty()).and_then(|b| replace_bare_error(b)) {
            self.replacement = Some((answer, 0));
            return Poll::Ready(Ok(bufs.iter().map(|b| b.len()).sum()));
        }
        let p = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        let moved = wrote(&p);
        self.timed(cx, p, moved)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        let p = Pin::new(&mut self.inner).poll_flush(cx);
        self.timed(cx, p, false)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.drain(cx))?;
        let p = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.timed(cx, p, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: Option<Vec<u8>>) -> Option<String> {
        v.map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn hypers_empty_error_answers_are_replaced_by_json_ones() {
        let got = text(replace_bare_error(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: Sun, 07 Dec 2025 03:00:00 GMT\r\n\r\n",
        ))
        .unwrap();
        let (head, body) = got.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"), "{head}");
        assert!(head.contains("\r\ncontent-type: application/json\r\n"), "{head}");
        assert!(head.contains(&format!("\r\ncontent-length: {}\r\n", body.len())), "{head}");
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["status"], 431);
        assert_eq!(v["error"], "Request Header Fields Too Large");
        assert!(v["reason"].as_str().unwrap().contains("32768 bytes"));
        let bad = text(replace_bare_error(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n")).unwrap();
        let v: serde_json::Value = serde_json::from_str(bad.split_once("\r\n\r\n").unwrap().1).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"status": 400, "error": "Bad Request", "reason": "the request is not well-formed HTTP/1.1"})
        );
    }

    #[test]
    fn the_routers_answers_are_left_alone() {
        for head in [
            "HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 57\r\n\r\n{}",
            "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 304 Not Modified\r\netag: \"1\"\r\n\r\n",
            "HTTP/1.1 500 Internal Server Error\r\ntransfer-encoding: chunked\r\n\r\n",
            "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n",
            "{\"status\": 400}",
        ] {
            assert_eq!(replace_bare_error(head.as_bytes()), None, "{head}");
        }
    }
}
