//! The limiter as a `tower::Layer` for axum: 429 with a JSON body and the rate-limit headers
//! (the `X-RateLimit-*` ones, the IETF `RateLimit-Policy` and `RateLimit` fields, or both:
//! see [`HeaderFields`]).
//!
//! Serve the router with `into_make_service_with_connect_info::<SocketAddr>()` so the peer
//! address is in each request's extensions as `axum::extract::ConnectInfo<SocketAddr>`.

use crate::RateLimiter;
use axum::body::Body;
use axum::http::{HeaderName, Request, Response};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

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

/// Which rate-limit header fields the layer sends. Whichever they are, every response
/// carries them, a `429` included (which keeps its `Retry-After` and JSON body too).
///
/// The IETF fields are those of draft-ietf-httpapi-ratelimit-headers-11: each is a
/// structured-field List (RFC 9651) of one Item, whose value is the policy's name as a
/// String (see [`RateLimitLayer::policy_name`]), with Integer parameters:
///
/// - `RateLimit-Policy: "default";q=100;w=60`. `q` is the limit (a token bucket's
///   capacity); `w` the seconds over which `q` requests are allowed: the window (fixed or
///   sliding), the time an empty bucket takes to fill (`capacity × refill_every`), or GCRA's
///   `period`; rounded up to whole seconds, at least 1.
/// - `RateLimit: "default";r=99;t=60`. `r` is [`Decision::remaining`](crate::Decision);
///   `t` the seconds until the key is back to its full allowance, rounded up (the figure
///   `X-RateLimit-Reset` sends); on a `429`, `t` is the `Retry-After` figure instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderFields {
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (the default).
    #[default]
    Legacy,
    /// `RateLimit-Policy` and `RateLimit` only.
    Ietf,
    /// Both sets.
    Both,
}

/// A `tower::Layer` that rate-limits every request of the service it wraps. Every service
/// it makes, and every clone of them, shares one limiter.
#[derive(Debug, Clone)]
pub struct RateLimitLayer {
    limiter: RateLimiter<String>,
    key_by: KeyBy,
    fields: HeaderFields,
    policy_name: String,
}

impl RateLimitLayer {
    /// A layer counting requests in `limiter`, keyed as `key_by` says, that sends the
    /// `X-RateLimit-*` headers ([`HeaderFields::Legacy`]) and names its policy `default`.
    pub fn new(limiter: RateLimiter<String>, key_by: KeyBy) -> Self {
        Self {
            limiter,
            key_by,
            fields: HeaderFields::default(),
            policy_name: "default".to_owned(),
        }
    }

    /// Which header fields the responses carry.
    pub fn header_fields(mut self, fields: HeaderFields) -> Self {
        self.fields = fields;
        self
    }

    /// The policy's name in the IETF fields, sent as a structured-field String: in double
    /// quotes, with `"` and `\` escaped by a backslash.
    ///
    /// # Panics
    ///
    /// If `name` has a character outside printable ASCII (`' '` to `'~'`), which a
    /// structured-field String cannot hold.
    pub fn policy_name(mut self, name: &str) -> Self {
        // TODO: refuse a name a structured-field String cannot hold.
        self.policy_name = name.to_owned();
        self
    }
}

impl<S> tower::Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> RateLimit<S> {
        RateLimit {
            inner,
            limiter: self.limiter.clone(),
            key_by: self.key_by.clone(),
            fields: self.fields,
            policy_name: self.policy_name.clone(),
        }
    }
}

/// The service [`RateLimitLayer`] makes.
#[derive(Debug, Clone)]
#[allow(dead_code)] // TODO: remove once `call` uses every field.
pub struct RateLimit<S> {
    inner: S,
    limiter: RateLimiter<String>,
    key_by: KeyBy,
    fields: HeaderFields,
    policy_name: String,
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
        // TODO: key the request (see `KeyBy`), check the limiter, and either answer 429
        // at once or call the inner service and add the headers to its response:
        //
        //   X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (whole seconds,
        //   rounded up) on every response; on a 429 also `Retry-After` (whole seconds,
        //   rounded up, at least 1), `Content-Type: application/json` and a body
        //   `{"error": "...", "retry_after": <the same number>}`.
        //
        //   Stage 6: the header fields `self.fields` chooses: the X-RateLimit-* ones, the
        //   IETF RateLimit-Policy and RateLimit (see `HeaderFields`), or both.
        //
        // Mind tower's rule: call the service that `poll_ready` made ready.
        let _ = request;
        todo!()
    }
}
