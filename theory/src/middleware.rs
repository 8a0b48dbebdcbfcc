//! Chapter "Middleware: tower's `Layer` and `Service`".

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use tower::{Service, ServiceBuilder, ServiceExt, service_fn};

/// Where the services write what they did, in order.
pub type Log = Arc<Mutex<Vec<String>>>;

// ANCHOR: layer
/// A layer that records when a request passes it going in and the response coming out.
pub fn logging(
    name: &'static str,
    log: Log,
) -> impl tower::Layer<
    tower::util::BoxService<String, String, Infallible>,
    Service = tower::util::BoxService<String, String, Infallible>,
> + Clone {
    tower::layer::layer_fn(
        move |inner: tower::util::BoxService<String, String, Infallible>| {
            let log = log.clone();
            let inner = Arc::new(tokio::sync::Mutex::new(inner));
            tower::util::BoxService::new(service_fn(move |request: String| {
                let (log, inner) = (log.clone(), inner.clone());
                async move {
                    log.lock().unwrap().push(format!("{name} in"));
                    let mut inner = inner.lock().await;
                    let response = inner.ready().await?.call(request).await?;
                    log.lock().unwrap().push(format!("{name} out"));
                    Ok::<_, Infallible>(response)
                }
            }))
        },
    )
}

/// A stack of two layers around a handler; returns the response and the order of events.
pub async fn onion() -> (String, Vec<String>) {
    let log: Log = Arc::default();
    let handler_log = log.clone();
    let handler = tower::util::BoxService::new(service_fn(move |request: String| {
        let log = handler_log.clone();
        async move {
            log.lock().unwrap().push("handler".into());
            Ok::<_, Infallible>(request.to_uppercase())
        }
    }));
    // The first layer added is the outermost: it sees the request first and the response last.
    let mut stack = ServiceBuilder::new()
        .layer(logging("auth", log.clone()))
        .layer(logging("timing", log.clone()))
        .service(handler);
    let response = stack
        .ready()
        .await
        .unwrap()
        .call("hi".into())
        .await
        .unwrap();
    let events = log.lock().unwrap().clone();
    (response, events)
}
// ANCHOR_END: layer

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn layers_wrap_the_handler_like_an_onion() {
        let (response, events) = onion().await;
        assert_eq!(response, "HI");
        assert_eq!(
            events,
            ["auth in", "timing in", "handler", "timing out", "auth out"]
        );
    }
}
