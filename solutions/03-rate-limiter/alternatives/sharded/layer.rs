//! The layer, with a hand-written future: either an answer ready at once, or the inner
//! service's future followed by adding the headers, which are worked out when the request
//! is counted. The IETF fields are written with a space after each `;` and `w` before `q`,
//! which structured fields allow.

use crate::{Algorithm, Decision, RateLimiter};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

/// Which part of a request names the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyBy {
    /// The peer's IP address from `ConnectInfo<SocketAddr>`; one shared key for requests
    /// without it.
    PeerIp,
    /// This header's value (set by a trusted proxy), even empty; the peer IP when it is
    /// missing or not visible ASCII.
    Header(HeaderName),
}

/// Which rate-limit header fields go on every response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HeaderFields {
    /// The `X-RateLimit-*` headers (the default).
    #[default]
    Legacy,
    /// `RateLimit-Policy` and `RateLimit`.
    Ietf,
    /// Both.
    Both,
}

/// A layer rate-limiting the service it wraps; every service it makes shares the limiter.
#[derive(Debug, Clone)]
pub struct RateLimitLayer {
    limiter: RateLimiter<String>,
    key_by: KeyBy,
    fields: HeaderFields,
    /// The policy's name, already quoted and escaped.
    quoted: String,
}

impl RateLimitLayer {
    /// A layer counting requests in `limiter`, keyed as `key_by` says; legacy headers, and
    /// the policy `default`.
    pub fn new(limiter: RateLimiter<String>, key_by: KeyBy) -> Self {
        RateLimitLayer {
            limiter,
            key_by,
            fields: HeaderFields::Legacy,
            quoted: "\"default\"".to_owned(),
        }
    }

    /// The header fields to send.
    pub fn header_fields(self, fields: HeaderFields) -> Self {
        RateLimitLayer { fields, ..self }
    }

    /// The policy's name. Panics unless it is printable ASCII.
    pub fn policy_name(self, name: &str) -> Self {
        let mut quoted = String::from('"');
        for c in name.chars() {
            assert!(matches!(c, ' '..='~'), "not printable ASCII: {c:?}");
            if matches!(c, '"' | '\\') {
                quoted.push('\\');
            }
            quoted.push(c);
        }
        quoted.push('"');
        RateLimitLayer { quoted, ..self }
    }

    fn headers(&self, decision: &Decision) -> HeaderMap {
        let mut map = HeaderMap::new();
        if self.fields != HeaderFields::Ietf {
            map.insert("x-ratelimit-limit", decision.limit.into());
            map.insert("x-ratelimit-remaining", decision.remaining.into());
            map.insert("x-ratelimit-reset", seconds_up(decision.reset_after).into());
        }
        if self.fields != HeaderFields::Legacy {
            let algorithm = self.limiter.algorithm();
            let (quota, window) = match algorithm {
                Algorithm::FixedWindow { limit, window }
                | Algorithm::SlidingWindow { limit, window } => (limit, window),
                Algorithm::TokenBucket {
                    capacity,
                    refill_every,
                } => (capacity, refill_every.saturating_mul(capacity)),
                Algorithm::Gcra { limit, period } => (limit, period),
            };
            let window = seconds_up(window).max(1);
            let effective = match decision.retry_after {
                Some(wait) => seconds_up(wait).max(1),
                None => seconds_up(decision.reset_after),
            };
            let name = &self.quoted;
            let policy = format!("{name}; w={window}; q={quota}");
            let limit = format!("{name}; r={}; t={effective}", decision.remaining);
            map.insert("ratelimit-policy", HeaderValue::try_from(policy).unwrap());
            map.insert("ratelimit", HeaderValue::try_from(limit).unwrap());
        }
        map
    }
}

impl<S> tower::Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> RateLimit<S> {
        RateLimit {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`RateLimitLayer`] makes.
#[derive(Debug, Clone)]
pub struct RateLimit<S> {
    inner: S,
    layer: RateLimitLayer,
}

/// The future of [`RateLimit`]'s `call`.
pub enum Answer<F> {
    /// Refused: the 429 response, taken on the first poll.
    Refused(Option<Response<Body>>),
    /// Allowed: the inner call, and the headers its response gets.
    Allowed(Pin<Box<F>>, HeaderMap),
}

impl<F, E> Future for Answer<F>
where
    F: Future<Output = Result<Response<Body>, E>>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Answer::Refused(response) => {
                Poll::Ready(Ok(response.take().expect("polled after completion")))
            }
            Answer::Allowed(future, headers) => {
                let mut response = ready!(future.as_mut().poll(cx))?;
                response.headers_mut().extend(std::mem::take(headers));
                Poll::Ready(Ok(response))
            }
        }
    }
}

impl<S> tower::Service<Request<Body>> for RateLimit<S>
where
    S: tower::Service<Request<Body>, Response = Response<Body>> + Clone,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Answer<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip().to_string());
        let header = match &self.layer.key_by {
            KeyBy::Header(name) => request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned()),
            KeyBy::PeerIp => None,
        };
        let key = header.or(peer).unwrap_or_default();
        let decision = self.layer.limiter.check(&key);
        if decision.allowed {
            let fresh = self.inner.clone();
            let mut ready = std::mem::replace(&mut self.inner, fresh);
            let headers = self.layer.headers(&decision);
            Answer::Allowed(Box::pin(ready.call(request)), headers)
        } else {
            Answer::Refused(Some(refusal(&decision, self.layer.headers(&decision))))
        }
    }
}

fn seconds_up(d: std::time::Duration) -> u64 {
    let whole = d.as_secs();
    if d.subsec_nanos() > 0 { whole + 1 } else { whole }
}

fn refusal(decision: &Decision, headers: HeaderMap) -> Response<Body> {
    let wait = seconds_up(decision.retry_after.unwrap_or_default()).max(1);
    let mut response = Response::builder()
        .status(StatusCode::TOO_MANY_REQUESTS)
        .header("content-type", "application/json")
        .header("retry-after", wait)
        .body(Body::from(format!(
            "{{\"error\":\"rate limit exceeded\",\"retry_after\":{wait}}}"
        )))
        .expect("a valid response");
    response.headers_mut().extend(headers);
    response
}
