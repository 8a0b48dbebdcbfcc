//! Chapter "Middleware": tower's `Layer` and `Service`, the order of a stack in tower and in
//! axum 0.8, readiness passed through a layer, and a retry layer calling its inner service
//! more than once for one request.

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use tower::{Layer, Service, ServiceBuilder, ServiceExt, service_fn};

// ANCHOR: layer
/// Where the services write what they did, in order.
pub type Log = Arc<Mutex<Vec<String>>>;

fn record(log: &Log, event: String) {
    log.lock().unwrap().push(event);
}

/// A layer that records a request passing it going in and its response coming out.
#[derive(Clone)]
pub struct LogLayer {
    name: &'static str,
    log: Log,
}

impl LogLayer {
    /// A layer writing `"{name} in"` and `"{name} out"` to `log`.
    pub fn new(name: &'static str, log: Log) -> Self {
        LogLayer { name, log }
    }
}

impl<S> Layer<S> for LogLayer {
    type Service = Logged<S>;
    fn layer(&self, inner: S) -> Logged<S> {
        Logged {
            inner,
            name: self.name,
            log: self.log.clone(),
        }
    }
}

/// The service [`LogLayer`] wraps around its inner service.
#[derive(Clone)]
pub struct Logged<S> {
    inner: S,
    name: &'static str,
    log: Log,
}

impl<S, R> Service<R> for Logged<S>
where
    S: Service<R>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<S::Response, S::Error>>;

    /// Ready when the inner service is: back-pressure passes through the layer.
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        record(&self.log, format!("{} in", self.name));
        // Call the service that `poll_ready` readied, now; await its response later.
        let response = self.inner.call(request);
        let (log, name) = (self.log.clone(), self.name);
        Box::pin(async move {
            let response = response.await;
            record(&log, format!("{name} out"));
            response
        })
    }
}

/// A stack of two layers around a handler, built with tower's `ServiceBuilder`; returns
/// the response and the order of events.
pub async fn onion() -> (String, Vec<String>) {
    let log: Log = Arc::default();
    let handler_log = log.clone();
    let handler = service_fn(move |request: String| {
        let log = handler_log.clone();
        async move {
            record(&log, "handler".into());
            Ok::<_, Infallible>(request.to_uppercase())
        }
    });
    // ServiceBuilder: the first layer added is the outermost.
    let stack = ServiceBuilder::new()
        .layer(LogLayer::new("auth", log.clone()))
        .layer(LogLayer::new("timing", log.clone()))
        .service(handler);
    let response = stack.oneshot("hi".into()).await.unwrap();
    let events = log.lock().unwrap().clone();
    (response, events)
}
// ANCHOR_END: layer

// ANCHOR: axum_order
/// The same two layers on an axum 0.8 `Router`, added with `Router::layer` one at a time
/// (`nested = false`) or as one `ServiceBuilder` (`nested = true`); returns the events of
/// one request.
pub async fn axum_order(nested: bool) -> Vec<String> {
    use axum::{Router, body::Body, http::Request, routing::get};
    let log: Log = Arc::default();
    let handler_log = log.clone();
    let router = Router::new().route(
        "/",
        get(move || async move { record(&handler_log, "handler".into()) }),
    );
    let (auth, timing) = (
        LogLayer::new("auth", log.clone()),
        LogLayer::new("timing", log.clone()),
    );
    let app = if nested {
        // One ServiceBuilder: its first layer (auth) is the outermost.
        router.layer(ServiceBuilder::new().layer(auth).layer(timing))
    } else {
        // Router::layer wraps everything added before it: the last call (timing) is outermost.
        router.layer(auth).layer(timing)
    };
    let request = Request::get("/").body(Body::empty()).unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert!(response.status().is_success());
    log.lock().unwrap().clone()
}
// ANCHOR_END: axum_order

// ANCHOR: retry
/// Retries a failed request up to `left` more times, at once (a real policy would back
/// off, with jitter, and only retry idempotent requests and errors worth retrying).
#[derive(Clone)]
pub struct Attempts {
    /// Retries still allowed.
    pub left: usize,
}

impl<Req: Clone, Res, E> tower::retry::Policy<Req, Res, E> for Attempts {
    type Future = std::future::Ready<()>;

    fn retry(&mut self, _request: &mut Req, result: &mut Result<Res, E>) -> Option<Self::Future> {
        match result {
            Err(_) if self.left > 0 => {
                self.left -= 1;
                Some(std::future::ready(()))
            }
            _ => None,
        }
    }

    /// Retrying needs a second copy of the request: tower asks for it before each call.
    fn clone_request(&mut self, request: &Req) -> Option<Req> {
        Some(request.clone())
    }
}

/// Sends one request through a retry layer to a service that fails `failures` times
/// before it answers; returns the result and how many times the service was called.
pub async fn retried(failures: usize, retries: usize) -> (Result<String, String>, usize) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let flaky = service_fn(move |request: String| {
        let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
        async move {
            if n <= failures {
                Err(format!("attempt {n} failed"))
            } else {
                Ok(format!("{request} on attempt {n}"))
            }
        }
    });
    let stack = ServiceBuilder::new()
        .retry(Attempts { left: retries })
        .service(flaky);
    let result = stack.oneshot("GET /report".into()).await;
    (result, calls.load(Ordering::SeqCst))
}
// ANCHOR_END: retry

/// A service that is not ready until `open` is set, for the back-pressure test.
#[derive(Clone)]
pub struct Gate {
    /// Whether the service accepts a request now.
    pub open: Arc<std::sync::atomic::AtomicBool>,
}

impl Service<String> for Gate {
    type Response = String;
    type Error = Infallible;
    type Future = std::future::Ready<Result<String, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        if self.open.load(Ordering::SeqCst) {
            Poll::Ready(Ok(()))
        } else {
            // A real service would keep `_cx`'s waker and wake it when it opens; the test
            // polls again by hand.
            Poll::Pending
        }
    }

    fn call(&mut self, request: String) -> Self::Future {
        std::future::ready(Ok(request))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicBool;

    use futures::FutureExt;

    use super::*;

    #[tokio::test]
    async fn service_builder_puts_its_first_layer_outermost() {
        let (response, events) = onion().await;
        assert_eq!(response, "HI");
        assert_eq!(
            events,
            ["auth in", "timing in", "handler", "timing out", "auth out"]
        );
    }

    #[tokio::test]
    async fn router_layer_puts_its_last_layer_outermost() {
        assert_eq!(
            axum_order(false).await,
            ["timing in", "auth in", "handler", "auth out", "timing out"]
        );
        assert_eq!(
            axum_order(true).await,
            ["auth in", "timing in", "handler", "timing out", "auth out"],
            "a ServiceBuilder inside Router::layer keeps its own order"
        );
    }

    #[tokio::test]
    async fn router_layer_wraps_only_the_routes_added_before_it() {
        use axum::{Router, body::Body, http::Request, routing::get};
        let log: Log = Arc::default();
        let app = Router::new()
            .route("/early", get(|| async {}))
            .layer(LogLayer::new("auth", log.clone()))
            .route("/late", get(|| async {}));
        for path in ["/early", "/late"] {
            let request = Request::get(path).body(Body::empty()).unwrap();
            app.clone().oneshot(request).await.unwrap();
        }
        assert_eq!(
            *log.lock().unwrap(),
            ["auth in", "auth out"],
            "only /early passed the layer"
        );
    }

    #[test]
    fn readiness_passes_through_the_layer() {
        let open = Arc::new(AtomicBool::new(false));
        let mut service = LogLayer::new("log", Log::default()).layer(Gate { open: open.clone() });
        assert!(
            service.ready().now_or_never().is_none(),
            "not ready while the inner service is not"
        );
        open.store(true, Ordering::SeqCst);
        assert!(service.ready().now_or_never().is_some());
    }

    #[tokio::test]
    async fn a_retry_layer_calls_its_inner_service_again() {
        let (result, calls) = retried(1, 2).await;
        assert_eq!(result.unwrap(), "GET /report on attempt 2");
        assert_eq!(calls, 2, "one request, two calls of the inner service");
        let (result, calls) = retried(5, 2).await;
        assert_eq!(result.unwrap_err(), "attempt 3 failed");
        assert_eq!(calls, 3, "the first call and two retries");
    }
}
