//! Chapter "Middleware": tower's `Layer` and `Service`, the order of a stack in tower and in
//! axum 0.8, readiness passed through a layer, a retry layer calling its inner service
//! more than once for one request, and a concurrency limit that is per route or shared
//! depending on where its state is created.

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

// ANCHOR: load_shedding
/// WRONG as a limit for the service: axum's `Router::layer` calls `Layer::layer` once for
/// every route and every method of a route, and `ConcurrencyLimitLayer` creates its
/// semaphore in `layer()`, so each of them gets a limit of `max` of its own.
pub fn limit_per_route(router: axum::Router, max: usize) -> axum::Router {
    router.layer(tower::limit::ConcurrencyLimitLayer::new(max))
}

/// Right: `GlobalConcurrencyLimitLayer` creates its semaphore when the layer is built, and
/// every service it wraps shares it. (Wrapping the whole `Router` in one
/// `ConcurrencyLimit`, outside `Router::layer`, works too.)
pub fn limit_shared(router: axum::Router, max: usize) -> axum::Router {
    router.layer(tower::limit::GlobalConcurrencyLimitLayer::new(max))
}

/// Load shedding for the whole service: with `max` requests in flight, the next one is
/// answered 503 at once instead of waiting for a slot. The limit says "not ready",
/// `LoadShed` turns that into an error, and `HandleErrorLayer` turns the error into a
/// response, as axum requires.
pub fn shed_load(router: axum::Router, max: usize) -> axum::Router {
    use axum::{BoxError, error_handling::HandleErrorLayer, http::StatusCode};
    router.layer(
        ServiceBuilder::new()
            .layer(HandleErrorLayer::new(|_: BoxError| async {
                StatusCode::SERVICE_UNAVAILABLE
            }))
            .layer(tower::load_shed::LoadShedLayer::new())
            .layer(tower::limit::GlobalConcurrencyLimitLayer::new(max)),
    )
}
// ANCHOR_END: load_shedding

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

    /// Two routes, `/a` (GET) and `/b` (GET and POST), whose handlers count the requests
    /// that reach them and then never finish: each one keeps its slot of a limit.
    fn slow_routes(entered: &Arc<AtomicUsize>) -> axum::Router {
        use axum::routing::get;
        let handler = |entered: Arc<AtomicUsize>| {
            move || {
                let entered = entered.clone();
                async move {
                    entered.fetch_add(1, Ordering::SeqCst);
                    std::future::pending::<()>().await
                }
            }
        };
        axum::Router::new()
            .route("/a", get(handler(entered.clone())))
            .route(
                "/b",
                get(handler(entered.clone())).post(handler(entered.clone())),
            )
    }

    type Pending = BoxFuture<'static, Result<axum::response::Response, Infallible>>;

    /// Starts one request per `(method, path)` on `app` and polls each of them until it
    /// waits (a handler that never finishes, or a full limit). No clock, no runtime: a
    /// request either got through the limit to its handler or it did not.
    fn start<S>(app: &S, requests: &[(&str, &str)]) -> Vec<Pending>
    where
        S: Service<
                axum::http::Request<axum::body::Body>,
                Response = axum::response::Response,
                Error = Infallible,
            > + Clone
            + Send
            + 'static,
        S::Future: Send,
    {
        let mut started: Vec<Pending> = requests
            .iter()
            .map(|&(method, path)| {
                let request = axum::http::Request::builder()
                    .method(method)
                    .uri(path)
                    .body(axum::body::Body::empty())
                    .unwrap();
                Box::pin(app.clone().oneshot(request)) as Pending
            })
            .collect();
        poll_all(&mut started);
        started
    }

    /// Polls every request a few times, asserting that none of them has finished.
    fn poll_all(requests: &mut [Pending]) {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        for _ in 0..3 {
            for request in requests.iter_mut() {
                assert!(request.as_mut().poll(&mut cx).is_pending());
            }
        }
    }

    const THREE_REQUESTS: [(&str, &str); 3] = [("GET", "/a"), ("GET", "/b"), ("POST", "/b")];

    #[test]
    fn a_concurrency_limit_under_router_layer_is_per_route() {
        let entered = Arc::new(AtomicUsize::new(0));
        let app = limit_per_route(slow_routes(&entered), 1);
        let _requests = start(&app, &THREE_REQUESTS);
        assert_eq!(
            entered.load(Ordering::SeqCst),
            3,
            "a limit of 1, yet GET /a, GET /b and POST /b all reached their handlers"
        );
    }

    #[test]
    fn a_shared_semaphore_limits_the_whole_router() {
        let entered = Arc::new(AtomicUsize::new(0));
        let app = limit_shared(slow_routes(&entered), 1);
        let mut requests = start(&app, &THREE_REQUESTS);
        assert_eq!(entered.load(Ordering::SeqCst), 1, "one request at a time");
        // The first request goes away (its client hung up), and its permit with it.
        drop(requests.remove(0));
        poll_all(&mut requests);
        assert_eq!(
            entered.load(Ordering::SeqCst),
            2,
            "the slot the first request held went to the next one"
        );

        // The other right answer: one limit around the whole router, outside Router::layer.
        let entered = Arc::new(AtomicUsize::new(0));
        let app = ServiceBuilder::new()
            .concurrency_limit(1)
            .service(slow_routes(&entered));
        let _requests = start(&app, &THREE_REQUESTS);
        assert_eq!(entered.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn load_shedding_answers_503_when_the_service_is_full() {
        let entered = Arc::new(AtomicUsize::new(0));
        let app = shed_load(slow_routes(&entered), 1);
        let _first = start(&app, &[("GET", "/a")]);
        let request = axum::http::Request::post("/b")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app
            .clone()
            .oneshot(request)
            .now_or_never()
            .expect("answered at once, not queued")
            .unwrap();
        assert_eq!(response.status(), 503, "another route, the same limit");
        assert_eq!(entered.load(Ordering::SeqCst), 1);
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
