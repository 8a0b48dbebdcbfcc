// Stage 2 — the limiter as a tower layer in a real axum server on 127.0.0.1, talked to over
// TCP: headers on every response, 429 with a JSON body, `Retry-After` and
// `X-RateLimit-Reset` in seconds rounded up (never 0), one shared limit for every route
// and connection, and keys taken from the peer address, not from headers any client can
// forge.

use crate::common::{ManualClock, serve};
use kata_support::graded_async;
use kata_support::http::{self, Connection, Method};
use rate_limiter::{Algorithm, KeyBy, RateLimitLayer, RateLimiter};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

fn layer(algorithm: Algorithm, clock: Arc<ManualClock>, key_by: KeyBy) -> RateLimitLayer {
    let limiter = RateLimiter::with_clock(algorithm, clock).expect("a valid configuration");
    RateLimitLayer::new(limiter, key_by)
}

fn fixed(limit: u32, window_secs: u64) -> Algorithm {
    Algorithm::FixedWindow {
        limit,
        window: Duration::from_secs(window_secs),
    }
}

#[tokio::test]
async fn allowed_responses_carry_the_rate_limit_headers() {
    graded_async(async {
        let addr = serve(layer(fixed(3, 60), ManualClock::new(), KeyBy::PeerIp)).await;
        let mut conn = Connection::open(addr).await.unwrap();
        let response = conn.get("/").await.unwrap();
        assert_eq!(response.status, 200);
        assert_eq!(
            response.text(),
            "hello",
            "the inner service's body passes through"
        );
        assert_eq!(response.header("x-ratelimit-limit"), Some("3"));
        assert_eq!(response.header("x-ratelimit-remaining"), Some("2"));
        assert_eq!(
            response.header("x-ratelimit-reset"),
            Some("60"),
            "seconds until the window resets"
        );
        let response = conn.get("/").await.unwrap();
        assert_eq!(response.header("x-ratelimit-remaining"), Some("1"));
    })
    .await;
}

#[tokio::test]
async fn over_the_limit_answers_429_with_json_and_retry_after() {
    graded_async(async {
        let clock = ManualClock::new();
        let addr = serve(layer(fixed(2, 60), clock.clone(), KeyBy::PeerIp)).await;
        let mut conn = Connection::open(addr).await.unwrap();
        for _ in 0..2 {
            assert_eq!(conn.get("/").await.unwrap().status, 200);
        }
        clock.advance(Duration::from_secs(15));
        let refused = conn.get("/").await.unwrap();
        assert_eq!(refused.status, 429);
        assert_eq!(refused.header("retry-after"), Some("45"));
        assert_eq!(refused.header("x-ratelimit-limit"), Some("2"));
        assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
        assert_eq!(refused.header("x-ratelimit-reset"), Some("45"));
        let content_type = refused.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "a 429 body is JSON, got content-type {content_type:?}"
        );
        let body = refused.json();
        assert!(
            body["error"].is_string(),
            "the body names the error: {body}"
        );
        assert_eq!(
            body["retry_after"], 45,
            "the body repeats Retry-After: {body}"
        );
        clock.advance(Duration::from_secs(45));
        assert_eq!(conn.get("/").await.unwrap().status, 200, "a new window");
    })
    .await;
}

#[tokio::test]
async fn retry_after_is_rounded_up_and_never_zero() {
    graded_async(async {
        let clock = ManualClock::new();
        let sliding = Algorithm::SlidingWindow {
            limit: 1,
            window: Duration::from_secs(10),
        };
        let addr = serve(layer(sliding, clock.clone(), KeyBy::PeerIp)).await;
        let mut conn = Connection::open(addr).await.unwrap();
        assert_eq!(conn.get("/").await.unwrap().status, 200);
        clock.advance(Duration::from_millis(7_500));
        let refused = conn.get("/").await.unwrap();
        assert_eq!(refused.status, 429);
        assert_eq!(
            refused.header("retry-after"),
            Some("3"),
            "2.5 s rounds up to 3: a client that waits 2 s is refused again"
        );
        assert_eq!(
            refused.header("x-ratelimit-reset"),
            Some("3"),
            "the allowance is back in 2.5 s: X-RateLimit-Reset rounds up too"
        );
        clock.advance(Duration::from_millis(2_499) + Duration::from_micros(999));
        let refused = conn.get("/").await.unwrap();
        assert_eq!(refused.status, 429);
        assert_eq!(
            refused.header("retry-after"),
            Some("1"),
            "a wait of 1 µs is still `1`: `0` tells clients to retry at once"
        );
        assert_eq!(refused.json()["retry_after"], 1);
        assert_eq!(
            refused.header("x-ratelimit-reset"),
            Some("1"),
            "1 µs until the allowance is back is `1` second, not `0`"
        );
    })
    .await;
}

#[tokio::test]
async fn every_connection_and_route_shares_one_limit() {
    graded_async(async {
        let addr = serve(layer(fixed(4, 60), ManualClock::new(), KeyBy::PeerIp)).await;
        let mut statuses = Vec::new();
        for i in 0..10 {
            // A new connection each time, alternating between the two routes.
            let path = if i % 2 == 0 { "/" } else { "/other" };
            statuses.push(http::get(addr, path).await.unwrap().status.as_u16());
        }
        let ok = statuses.iter().filter(|&&s| s == 200).count();
        assert_eq!(
            ok, 4,
            "the limit is per client, not per route or connection; statuses: {statuses:?}"
        );
        assert!(statuses[4..].iter().all(|&s| s == 429), "{statuses:?}");
    })
    .await;
}

#[tokio::test]
async fn forged_forwarded_for_headers_do_not_reset_the_limit() {
    graded_async(async {
        let addr = serve(layer(fixed(2, 60), ManualClock::new(), KeyBy::PeerIp)).await;
        let mut conn = Connection::open(addr).await.unwrap();
        let mut ok = 0;
        for i in 0..6 {
            let request = http::Request::builder()
                .uri("/")
                .header("x-forwarded-for", format!("203.0.113.{i}"))
                .header("x-real-ip", format!("198.51.100.{i}"))
                .body(http::full(""))
                .unwrap();
            if conn.send(request).await.unwrap().status == 200 {
                ok += 1;
            }
        }
        assert_eq!(
            ok, 2,
            "keyed by peer address, any header a client sends is ignored"
        );
    })
    .await;
}

#[tokio::test]
async fn different_peer_addresses_have_their_own_limits() {
    graded_async(async {
        let addr = serve(layer(fixed(2, 60), ManualClock::new(), KeyBy::PeerIp)).await;
        let one = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
        let two = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
        let mut a = Connection::open_from(one, addr).await.unwrap();
        let mut b = Connection::open_from(two, addr).await.unwrap();
        for _ in 0..2 {
            assert_eq!(a.get("/").await.unwrap().status, 200);
        }
        assert_eq!(a.get("/").await.unwrap().status, 429);
        let response = b.get("/").await.unwrap();
        assert_eq!(response.status, 200, "127.0.0.2 is another client");
        assert_eq!(response.header("x-ratelimit-remaining"), Some("1"));
    })
    .await;
}

#[tokio::test]
async fn a_configured_header_keys_requests_from_a_trusted_proxy() {
    graded_async(async {
        let key_by = KeyBy::Header(http::hyper_header("x-api-key"));
        let addr = serve(layer(fixed(1, 60), ManualClock::new(), key_by)).await;
        let mut conn = Connection::open(addr).await.unwrap();
        let with_key = |key: &str| {
            http::Request::builder()
                .method(Method::GET)
                .uri("/")
                .header("x-api-key", key)
                .body(http::full(""))
                .unwrap()
        };
        assert_eq!(conn.send(with_key("alice")).await.unwrap().status, 200);
        assert_eq!(conn.send(with_key("alice")).await.unwrap().status, 429);
        assert_eq!(
            conn.send(with_key("bob")).await.unwrap().status,
            200,
            "another key, same peer"
        );
        assert_eq!(
            conn.get("/").await.unwrap().status,
            200,
            "without the header the peer address is the key"
        );
        assert_eq!(conn.get("/").await.unwrap().status, 429);
        let two = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
        let mut other = Connection::open_from(two, addr).await.unwrap();
        assert_eq!(
            other.get("/").await.unwrap().status,
            200,
            "without the header, another peer address is another key"
        );
    })
    .await;
}
