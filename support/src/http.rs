//! A small HTTP/1.1 client over real TCP for the hidden tests of the HTTP katas (03, 04, 06).
//!
//! Each [`Connection`] is one TCP connection driven by hyper's client, so a test decides
//! when a connection is reused (keep-alive), left idle, or dropped mid-request. Nothing is
//! mocked: the learner's server sees ordinary sockets.

use bytes::Bytes;
use futures::Stream;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::Frame;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HeaderMap, HeaderValue};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

pub use hyper::{Method, Request, StatusCode};

/// A header name, for APIs that take `http::HeaderName` (axum re-exports the same type).
pub fn hyper_header(name: &'static str) -> hyper::header::HeaderName {
    hyper::header::HeaderName::from_static(name)
}

/// A request body: a whole buffer or a stream of chunks.
pub type Body = BoxBody<Bytes, std::io::Error>;

/// What went wrong on the client's side of a request.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A whole body in one buffer.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// A body sent chunk by chunk as the stream yields them; an `Err` item aborts the request.
pub fn streamed<S>(chunks: S) -> Body
where
    S: Stream<Item = Result<Bytes, std::io::Error>> + Send + Sync + 'static,
{
    use futures::StreamExt;
    BodyExt::boxed(StreamBody::new(chunks.map(|chunk| chunk.map(Frame::data))))
}

/// A received response, with its whole body.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Bytes,
}

impl Response {
    /// A header's value as text, if present and valid UTF-8.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON; panics with the body in the message when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("response body is not JSON ({e}): {:?}", self.text()))
    }
}

/// One HTTP/1.1 connection to a server under test.
pub struct Connection {
    addr: SocketAddr,
    sender: SendRequest<Body>,
    driver: JoinHandle<Result<(), hyper::Error>>,
}

impl Connection {
    /// Opens a TCP connection to `addr` and completes the HTTP/1.1 handshake.
    pub async fn open(addr: SocketAddr) -> Result<Self, Error> {
        Self::handshake(addr, TcpStream::connect(addr).await?).await
    }

    /// Opens a connection from a chosen local address, e.g. `127.0.0.2`, so that a server
    /// on loopback sees a different peer IP.
    pub async fn open_from(local: std::net::IpAddr, addr: SocketAddr) -> Result<Self, Error> {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(local, 0))?;
        Self::handshake(addr, socket.connect(addr).await?).await
    }

    async fn handshake(addr: SocketAddr, stream: TcpStream) -> Result<Self, Error> {
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        let driver = tokio::spawn(connection);
        Ok(Self {
            addr,
            sender,
            driver,
        })
    }

    /// Sends a request and reads the whole response. A `Host` header is added if missing.
    pub async fn send(&mut self, mut request: Request<Body>) -> Result<Response, Error> {
        if !request.headers().contains_key(hyper::header::HOST) {
            let host = HeaderValue::from_str(&self.addr.to_string())?;
            request.headers_mut().insert(hyper::header::HOST, host);
        }
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok(Response {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// `GET path` on this connection.
    pub async fn get(&mut self, path: &str) -> Result<Response, Error> {
        self.send(request(Method::GET, path, full(Bytes::new())))
            .await
    }

    /// Waits until the connection ends (the server closed it, or it failed), and says
    /// whether it ended cleanly.
    pub async fn closed(&mut self) -> Result<(), Error> {
        (&mut self.driver).await??;
        Ok(())
    }

    /// Whether the connection has already ended.
    pub fn is_closed(&self) -> bool {
        self.driver.is_finished()
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// A request with a method, a path and a body.
pub fn request(method: Method, path: &str, body: Body) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .body(body)
        .expect("a valid request")
}

/// `GET path` on a new connection.
pub async fn get(addr: SocketAddr, path: &str) -> Result<Response, Error> {
    Connection::open(addr).await?.get(path).await
}

/// Sends `request` on a new connection.
pub async fn send(addr: SocketAddr, request: Request<Body>) -> Result<Response, Error> {
    Connection::open(addr).await?.send(request).await
}

/// Building `multipart/form-data` bodies by hand, so a test controls every byte: file
/// names no browser would send, and bodies streamed or cut off mid-file.
pub mod multipart {
    use super::{Body, Method, Request, full, request};
    use bytes::Bytes;

    /// One file of a form: its filename (written raw; `None` leaves the parameter out),
    /// its content type, and its content.
    pub type File<'a> = (Option<&'a [u8]>, Option<&'a str>, &'a [u8]);

    /// The boundary every body built here uses.
    pub const BOUNDARY: &str = "kata-boundary-7MA4YWxkTrZu0gW";

    /// The start of one part: its boundary line and headers. `filename` is written raw
    /// between quotes (`None` leaves the parameter out).
    pub fn part_head(filename: Option<&[u8]>, content_type: Option<&str>) -> Vec<u8> {
        let mut head =
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"").into_bytes();
        if let Some(name) = filename {
            head.extend_from_slice(b"; filename=\"");
            head.extend_from_slice(name);
            head.push(b'"');
        }
        head.extend_from_slice(b"\r\n");
        if let Some(content_type) = content_type {
            head.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
        }
        head.extend_from_slice(b"\r\n");
        head
    }

    /// What follows a part's content when another part comes.
    pub const PART_END: &[u8] = b"\r\n";

    /// The end of the whole body (after the last part's content).
    pub fn closing() -> Vec<u8> {
        format!("\r\n--{BOUNDARY}--\r\n").into_bytes()
    }

    /// A whole body of files given as (filename, content type, content).
    pub fn body(files: &[File<'_>]) -> Bytes {
        let mut body = Vec::new();
        for (i, (name, content_type, content)) in files.iter().enumerate() {
            if i > 0 {
                body.extend_from_slice(PART_END);
            }
            body.extend_from_slice(&part_head(*name, *content_type));
            body.extend_from_slice(content);
        }
        if files.is_empty() {
            body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        } else {
            body.extend_from_slice(&closing());
        }
        body.into()
    }

    /// The `Content-Type` header value of these bodies.
    pub fn content_type() -> String {
        format!("multipart/form-data; boundary={BOUNDARY}")
    }

    /// `POST path` with a multipart body.
    pub fn post(path: &str, body: Body) -> Request<Body> {
        let mut request = request(Method::POST, path, body);
        request.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            content_type().parse().expect("a valid header"),
        );
        request
    }

    /// `POST path` with these files.
    pub fn post_files(path: &str, files: &[File<'_>]) -> Request<Body> {
        post(path, full(body(files)))
    }
}
