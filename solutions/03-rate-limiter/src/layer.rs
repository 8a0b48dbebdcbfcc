//! The limiter as a `tower::Layer` for axum: 429 with a JSON body and the rate-limit headers.

use crate::{Decision, RateLimiter};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderName, HeaderValue, Request, Response, StatusCode, header};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// Which part of a request names the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyBy {
    /// The peer's IP address, from axum's `ConnectInfo<SocketAddr>` (serve the router with
    /// `into_make_service_with_connect_info::<SocketAddr>()`). Headers such as
    /// `X-Forwarded-For` are ignored: any client can send them. A request without
    /// `ConnectInfo` (a router served without it) is counted under one key shared by all
    /// such requests.
    PeerIp,
    /// The value of this header, for a service that only a trusted proxy can reach, which
    /// sets it. Requests without the header, or with a value that is not visible ASCII,
    /// are keyed by peer IP; any other value, even an empty one, is a key of its own.
    Header(HeaderName),
}

/// A `tower::Layer` that rate-limits every request of the service it wraps. Every service
/// it makes, and every clone of them, shares one limiter.
#[derive(Debug, Clone)]
pub struct RateLimitLayer {
    limiter: RateLimiter<String>,
    key_by: KeyBy,
}

impl RateLimitLayer {
    /// A layer counting requests in `limiter`, keyed as `key_by` says.
    pub fn new(limiter: RateLimiter<String>, key_by: KeyBy) -> Self {
        Self { limiter, key_by }
    }
}

impl<S> tower::Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> RateLimit<S> {
        RateLimit {
            inner,
            limiter: self.limiter.clone(),
            key_by: self.key_by.clone(),
        }
    }
}

/// The service [`RateLimitLayer`] makes.
#[derive(Debug, Clone)]
pub struct RateLimit<S> {
    inner: S,
    limiter: RateLimiter<String>,
    key_by: KeyBy,
}

impl<S> tower::Service<Request<Body>> for RateLimit<S>
where
    S: tower::Service<Request<Body>, Response = Response<Body>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let decision = self.limiter.check(&key_of(&self.key_by, &request));
        if !decision.allowed {
            return Box::pin(std::future::ready(Ok(too_many_requests(&decision))));
        }
        // The clone is not ready; the service that `poll_ready` readied is the one to call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let mut response = inner.call(request).await?;
            add_headers(response.headers_mut(), &decision);
            Ok(response)
        })
    }
}

fn key_of(key_by: &KeyBy, request: &Request<Body>) -> String {
    if let KeyBy::Header(name) = key_by
        && let Some(value) = request.headers().get(name).and_then(|v| v.to_str().ok())
    {
        return value.trim().to_owned();
    }
    match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(peer)) => peer.ip().to_string(),
        None => "unknown".to_owned(),
    }
}

/// Whole seconds, rounded up: a client told to wait 0 seconds retries at once.
fn ceil_secs(duration: Duration) -> u64 {
    duration.as_nanos().div_ceil(1_000_000_000) as u64
}

fn add_headers(headers: &mut axum::http::HeaderMap, decision: &Decision) {
    let number = |n: u64| HeaderValue::from(n);
    headers.insert("x-ratelimit-limit", number(decision.limit.into()));
    headers.insert("x-ratelimit-remaining", number(decision.remaining.into()));
    headers.insert("x-ratelimit-reset", number(ceil_secs(decision.reset_after)));
}

fn too_many_requests(decision: &Decision) -> Response<Body> {
    let retry_after = ceil_secs(decision.retry_after.unwrap_or_default()).max(1);
    let body = serde_json::json!({
        "error": "too many requests",
        "retry_after": retry_after,
    });
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    let headers = response.headers_mut();
    add_headers(headers, decision);
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
