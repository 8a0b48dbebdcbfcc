// STUB: //! The limiter as a `tower::Layer` for axum: 429 with a JSON body and the rate-limit headers
// STUB: //! (the `X-RateLimit-*` ones, the IETF `RateLimit-Policy` and `RateLimit` fields, or both:
// STUB: //! see [`HeaderFields`]).
// STUB: //!
// STUB: //! Serve the router with `into_make_service_with_connect_info::<SocketAddr>()` so the peer
// STUB: //! address is in each request's extensions as `axum::extract::ConnectInfo<SocketAddr>`.
// BEGIN SOLUTION
//! The limiter as a `tower::Layer` for axum: 429 with a JSON body and the rate-limit headers,
//! the `X-RateLimit-*` ones, the IETF `RateLimit-Policy` and `RateLimit` fields
//! (draft-ietf-httpapi-ratelimit-headers-11), or both.
// END SOLUTION

// STUB: use crate::RateLimiter;
// BEGIN SOLUTION
use crate::{Algorithm, Decision, RateLimiter};
// END SOLUTION
use axum::body::Body;
// STUB: use axum::http::{HeaderName, Request, Response};
// BEGIN SOLUTION
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode, header};
// END SOLUTION
use std::future::Future;
// BEGIN SOLUTION
use std::net::SocketAddr;
// END SOLUTION
use std::pin::Pin;
// BEGIN SOLUTION
use std::sync::Arc;
// END SOLUTION
use std::task::{Context, Poll};
// BEGIN SOLUTION
use std::time::Duration;
// END SOLUTION

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

// BEGIN SOLUTION
impl HeaderFields {
    fn legacy(self) -> bool {
        matches!(self, HeaderFields::Legacy | HeaderFields::Both)
    }

    fn ietf(self) -> bool {
        matches!(self, HeaderFields::Ietf | HeaderFields::Both)
    }
}

// END SOLUTION
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
        // STUB: // TODO: refuse a name a structured-field String cannot hold.
        // BEGIN SOLUTION
        assert!(
            name.bytes().all(|b| (0x20..=0x7e).contains(&b)),
            "a policy name is printable ASCII, got {name:?}"
        );
        // END SOLUTION
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
            // STUB: fields: self.fields,
            // STUB: policy_name: self.policy_name.clone(),
            // BEGIN SOLUTION
            fields: Arc::new(Fields::new(
                self.fields,
                &self.policy_name,
                self.limiter.algorithm(),
            )),
            // END SOLUTION
        }
    }
}

/// The service [`RateLimitLayer`] makes.
#[derive(Debug, Clone)]
// STUB: #[allow(dead_code)] // TODO: remove once `call` uses every field.
pub struct RateLimit<S> {
    inner: S,
    limiter: RateLimiter<String>,
    key_by: KeyBy,
    // STUB: fields: HeaderFields,
    // STUB: policy_name: String,
    // BEGIN SOLUTION
    fields: Arc<Fields>,
    // END SOLUTION
}

// BEGIN SOLUTION
/// What the headers of every response need besides the decision, worked out once.
#[derive(Debug)]
struct Fields {
    which: HeaderFields,
    /// The policy's name as a structured-field String.
    name: String,
    /// `RateLimit-Policy`, the same on every response.
    policy: HeaderValue,
}

impl Fields {
    fn new(which: HeaderFields, name: &str, algorithm: Algorithm) -> Self {
        let name = sf_string(name);
        let q = algorithm.limit();
        let w = ceil_secs(policy_window(algorithm)).max(1);
        let policy = format!("{name};q={q};w={w}");
        Fields {
            which,
            name,
            policy: HeaderValue::try_from(policy).expect("printable ASCII"),
        }
    }
}

/// The time over which a policy allows `q` requests: the window, the time an empty bucket
/// takes to fill, or GCRA's period.
fn policy_window(algorithm: Algorithm) -> Duration {
    match algorithm {
        Algorithm::FixedWindow { window, .. } | Algorithm::SlidingWindow { window, .. } => window,
        Algorithm::TokenBucket {
            capacity,
            refill_every,
        } => refill_every.saturating_mul(capacity),
        Algorithm::Gcra { period, .. } => period,
    }
}

/// A structured-field String (RFC 9651): quoted, with `\` and `"` escaped.
fn sf_string(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('"', "\\\"");
    format!("\"{escaped}\"")
}

// END SOLUTION
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
        // STUB: // TODO: key the request (see `KeyBy`), check the limiter, and either answer 429
        // STUB: // at once or call the inner service and add the headers to its response:
        // STUB: //
        // STUB: //   X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset (whole seconds,
        // STUB: //   rounded up) on every response; on a 429 also `Retry-After` (whole seconds,
        // STUB: //   rounded up, at least 1), `Content-Type: application/json` and a body
        // STUB: //   `{"error": "...", "retry_after": <the same number>}`.
        // STUB: //
        // STUB: //   Stage 6: the header fields `self.fields` chooses: the X-RateLimit-* ones, the
        // STUB: //   IETF RateLimit-Policy and RateLimit (see `HeaderFields`), or both.
        // STUB: //
        // STUB: // Mind tower's rule: call the service that `poll_ready` made ready.
        // STUB: let _ = request;
        // STUB: todo!()
        // BEGIN SOLUTION
        let decision = self.limiter.check(&key_of(&self.key_by, &request));
        if !decision.allowed {
            let refusal = too_many_requests(&decision, &self.fields);
            return Box::pin(std::future::ready(Ok(refusal)));
        }
        // The clone is not ready; the service that `poll_ready` readied is the one to call.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let fields = Arc::clone(&self.fields);
        Box::pin(async move {
            let mut response = inner.call(request).await?;
            add_headers(response.headers_mut(), &decision, &fields);
            Ok(response)
        })
        // END SOLUTION
    }
}
// BEGIN SOLUTION

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

/// `Retry-After` in whole seconds, rounded up, at least 1.
fn retry_after_secs(decision: &Decision) -> u64 {
    ceil_secs(decision.retry_after.unwrap_or_default()).max(1)
}

fn add_headers(headers: &mut HeaderMap, decision: &Decision, fields: &Fields) {
    if fields.which.legacy() {
        add_legacy(headers, decision);
    }
    if fields.which.ietf() {
        add_ietf(headers, decision, fields);
    }
}

fn add_legacy(headers: &mut HeaderMap, decision: &Decision) {
    let number = |n: u64| HeaderValue::from(n);
    headers.insert("x-ratelimit-limit", number(decision.limit.into()));
    headers.insert("x-ratelimit-remaining", number(decision.remaining.into()));
    headers.insert("x-ratelimit-reset", number(ceil_secs(decision.reset_after)));
}

/// `RateLimit-Policy` and `RateLimit`: `r` is what remains; `t` the seconds until the full
/// allowance is back, or on a refusal the `Retry-After` figure, so that `Retry-After` never
/// points before the end of the effective window.
fn add_ietf(headers: &mut HeaderMap, decision: &Decision, fields: &Fields) {
    let t = match decision.retry_after {
        Some(_) => retry_after_secs(decision),
        None => ceil_secs(decision.reset_after),
    };
    let limit = format!("{};r={};t={t}", fields.name, decision.remaining);
    headers.insert("ratelimit-policy", fields.policy.clone());
    headers.insert(
        "ratelimit",
        HeaderValue::try_from(limit).expect("printable ASCII"),
    );
}

fn too_many_requests(decision: &Decision, fields: &Fields) -> Response<Body> {
    let retry_after = retry_after_secs(decision);
    let body = serde_json::json!({
        "error": "too many requests",
        "retry_after": retry_after,
    });
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    let headers = response.headers_mut();
    add_headers(headers, decision, fields);
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
// END SOLUTION
