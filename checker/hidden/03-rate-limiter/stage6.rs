// Stage 6 — the IETF header fields of draft-ietf-httpapi-ratelimit-headers-11,
// `RateLimit-Policy` and `RateLimit`, chosen in the layer's configuration beside (or instead
// of) the `X-RateLimit-*` ones. The fields are parsed as structured fields (RFC 9651) with
// the `sfv` crate, so any valid serialisation passes: spaces after `;` or around `,`,
// parameters in any order, a list split over several field lines.

use crate::common::{ManualClock, serve};
use kata_support::http::{self, Connection};
use kata_support::{graded, graded_async};
use rate_limiter::{Algorithm, HeaderFields, KeyBy, RateLimitLayer, RateLimiter};
use sfv::{BareItem, List, ListEntry, Parser};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

const LEGACY: [&str; 3] = [
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
];
const IETF: [&str; 2] = ["ratelimit-policy", "ratelimit"];

fn layer(algorithm: Algorithm, clock: Arc<ManualClock>) -> RateLimitLayer {
    let limiter = RateLimiter::with_clock(algorithm, clock).expect("a valid configuration");
    RateLimitLayer::new(limiter, KeyBy::PeerIp)
}

/// One field's only Item: the policy's name and the Integer parameters.
#[derive(Debug)]
struct Field {
    header: &'static str,
    name: String,
    params: Vec<(String, BareItem)>,
}

impl Field {
    /// An Integer parameter the field must have.
    fn int(&self, key: &str) -> i64 {
        let (_, value) = self
            .params
            .iter()
            .find(|(k, _)| k == key)
            .unwrap_or_else(|| panic!("{} has no `{key}` parameter: {self:?}", self.header));
        let integer = value
            .as_integer()
            .unwrap_or_else(|| panic!("{}'s `{key}` is not an Integer: {self:?}", self.header));
        i64::from(integer)
    }
}

/// Parses every line of `header` in `response` as one structured-field List (several lines
/// are joined with ", ", RFC 9651 section 4.2) and requires exactly one Item, whose value
/// is a String.
fn field(response: &http::Response, header: &'static str) -> Field {
    let lines: Vec<&str> = response
        .headers
        .get_all(header)
        .iter()
        .map(|v| v.to_str().expect("an ASCII field value"))
        .collect();
    assert!(
        !lines.is_empty(),
        "the response (status {}) has no {header} field; its headers: {:?}",
        response.status,
        response.headers
    );
    let joined = lines.join(", ");
    let list: List = Parser::new(&joined)
        .parse()
        .unwrap_or_else(|e| panic!("{header}: {joined:?} is not a structured-field List: {e}"));
    assert_eq!(
        list.len(),
        1,
        "{header}: {joined:?} must hold exactly one policy"
    );
    let ListEntry::Item(item) = &list[0] else {
        panic!("{header}: {joined:?} is an inner list, not an Item");
    };
    let name = item.bare_item.as_string().unwrap_or_else(|| {
        panic!("{header}: {joined:?}: the policy's name must be a quoted String")
    });
    Field {
        header,
        name: name.as_str().to_owned(),
        params: item
            .params
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.clone()))
            .collect(),
    }
}

/// `(q, w)` of `RateLimit-Policy`, checking the policy's name.
fn policy(response: &http::Response, name: &str) -> (i64, i64) {
    let policy = field(response, "ratelimit-policy");
    assert_eq!(policy.name, name, "the policy's name in RateLimit-Policy");
    (policy.int("q"), policy.int("w"))
}

/// `(r, t)` of `RateLimit`, checking that it names the policy.
fn limit(response: &http::Response, name: &str) -> (i64, i64) {
    let limit = field(response, "ratelimit");
    assert_eq!(
        limit.name, name,
        "RateLimit names the policy of RateLimit-Policy"
    );
    (limit.int("r"), limit.int("t"))
}

fn absent(response: &http::Response, headers: &[&str], why: &str) {
    for header in headers {
        assert!(
            response.headers.get(*header).is_none(),
            "{why}, yet the response (status {}) has {header}: {:?}",
            response.status,
            response.headers
        );
    }
}

fn present(response: &http::Response, headers: &[&str], why: &str) {
    for header in headers {
        assert!(
            response.headers.get(*header).is_some(),
            "{why}, yet the response (status {}) has no {header}: {:?}",
            response.status,
            response.headers
        );
    }
}

fn fixed(limit: u32, window: Duration) -> Algorithm {
    Algorithm::FixedWindow { limit, window }
}

#[tokio::test]
async fn the_legacy_headers_alone_are_the_default() {
    graded_async(async {
        let clock = ManualClock::new();
        let addr = serve(layer(fixed(1, Duration::from_secs(60)), clock)).await;
        let mut conn = Connection::open(addr).await.unwrap();
        let allowed = conn.get("/").await.unwrap();
        let refused = conn.get("/").await.unwrap();
        assert_eq!(allowed.status, 200);
        assert_eq!(refused.status, 429);
        for response in [&allowed, &refused] {
            present(
                response,
                &LEGACY,
                "a layer made with `new` sends X-RateLimit-*",
            );
            absent(
                response,
                &IETF,
                "a layer made with `new` sends only the X-RateLimit-* headers",
            );
        }
    })
    .await;
}

#[tokio::test]
async fn ietf_mode_sends_only_the_standard_fields_even_on_a_429() {
    graded_async(async {
        let clock = ManualClock::new();
        let layer =
            layer(fixed(1, Duration::from_secs(60)), clock).header_fields(HeaderFields::Ietf);
        let addr = serve(layer).await;
        let mut conn = Connection::open(addr).await.unwrap();
        let allowed = conn.get("/").await.unwrap();
        assert_eq!(allowed.status, 200);
        assert_eq!(
            allowed.text(),
            "hello",
            "the inner service's body passes through"
        );
        let refused = conn.get("/").await.unwrap();
        assert_eq!(refused.status, 429);
        for response in [&allowed, &refused] {
            present(response, &IETF, "HeaderFields::Ietf sends the IETF fields");
            absent(
                response,
                &LEGACY,
                "HeaderFields::Ietf sends no X-RateLimit-*",
            );
        }
        assert_eq!(
            refused.header("retry-after"),
            Some("60"),
            "a 429 keeps its Retry-After"
        );
        assert_eq!(refused.json()["retry_after"], 60, "and its JSON body");
        assert_eq!(policy(&refused, "default"), (1, 60));
        assert_eq!(limit(&refused, "default"), (0, 60));
    })
    .await;
}

#[tokio::test]
async fn both_mode_sends_both_sets_with_the_same_figures() {
    graded_async(async {
        let clock = ManualClock::new();
        let layer = layer(fixed(3, Duration::from_secs(60)), clock.clone())
            .header_fields(HeaderFields::Both);
        let addr = serve(layer).await;
        let mut conn = Connection::open(addr).await.unwrap();
        let mut responses = Vec::new();
        for _ in 0..4 {
            responses.push(conn.get("/").await.unwrap());
            clock.advance(Duration::from_millis(10_500));
        }
        let statuses: Vec<u16> = responses.iter().map(|r| r.status.as_u16()).collect();
        assert_eq!(statuses, [200, 200, 200, 429]);
        for response in &responses {
            present(response, &LEGACY, "HeaderFields::Both sends X-RateLimit-*");
            present(response, &IETF, "HeaderFields::Both sends the IETF fields");
            let (r, t) = limit(response, "default");
            let number = |h: &str| response.header(h).and_then(|v| v.parse::<i64>().ok());
            assert_eq!(
                Some(r),
                number("x-ratelimit-remaining"),
                "RateLimit's r is X-RateLimit-Remaining"
            );
            assert_eq!(
                Some(t),
                number("x-ratelimit-reset"),
                "for a fixed window, t is X-RateLimit-Reset"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_fixed_window_counts_down_r_and_t_in_seconds() {
    graded_async(async {
        let clock = ManualClock::new();
        let layer = layer(fixed(3, Duration::from_secs(60)), clock.clone())
            .header_fields(HeaderFields::Ietf);
        let addr = serve(layer).await;
        let mut conn = Connection::open(addr).await.unwrap();

        let first = conn.get("/").await.unwrap();
        assert_eq!(
            policy(&first, "default"),
            (3, 60),
            "q=3 requests per w=60 s"
        );
        assert_eq!(limit(&first, "default"), (2, 60));

        clock.advance(Duration::from_millis(15_250));
        let second = conn.get("/").await.unwrap();
        assert_eq!(
            limit(&second, "default"),
            (1, 45),
            "r goes down with each request; t is 44.75 s rounded up, in seconds from now"
        );
        assert_eq!(
            policy(&second, "default"),
            (3, 60),
            "RateLimit-Policy stays the same"
        );

        let third = conn.get("/").await.unwrap();
        assert_eq!(limit(&third, "default"), (0, 45));
        clock.advance(Duration::from_secs(5));
        let refused = conn.get("/").await.unwrap();
        assert_eq!(refused.status, 429);
        assert_eq!(
            policy(&refused, "default"),
            (3, 60),
            "a 429 carries the policy"
        );
        assert_eq!(limit(&refused, "default"), (0, 40), "and the service limit");

        clock.advance(Duration::from_millis(39_750));
        let fresh = conn.get("/").await.unwrap();
        assert_eq!(fresh.status, 200, "a new window");
        assert_eq!(limit(&fresh, "default"), (2, 60));
    })
    .await;
}

#[tokio::test]
async fn on_a_429_t_is_the_retry_after_figure() {
    graded_async(async {
        let clock = ManualClock::new();
        let sliding = Algorithm::SlidingWindow {
            limit: 2,
            window: Duration::from_secs(10),
        };
        let addr = serve(layer(sliding, clock.clone()).header_fields(HeaderFields::Both)).await;
        let mut conn = Connection::open(addr).await.unwrap();
        assert_eq!(conn.get("/").await.unwrap().status, 200);
        clock.advance(Duration::from_secs(4));
        let second = conn.get("/").await.unwrap();
        assert_eq!(policy(&second, "default"), (2, 10));
        assert_eq!(
            limit(&second, "default"),
            (0, 10),
            "the allowance is whole again once the newest request leaves the window"
        );
        clock.advance(Duration::from_millis(1_500));
        let refused = conn.get("/").await.unwrap();
        assert_eq!(refused.status, 429);
        assert_eq!(refused.header("retry-after"), Some("5"), "4.5 s rounded up");
        assert_eq!(
            refused.header("x-ratelimit-reset"),
            Some("9"),
            "X-RateLimit-Reset still says when the whole allowance is back"
        );
        assert_eq!(
            limit(&refused, "default"),
            (0, 5),
            "on a 429, t is Retry-After: Retry-After must not point before the end of the \
             effective window"
        );
    })
    .await;
}

#[tokio::test]
async fn a_token_bucket_window_is_the_time_to_fill_an_empty_bucket() {
    graded_async(async {
        let clock = ManualClock::new();
        let bucket = Algorithm::TokenBucket {
            capacity: 4,
            refill_every: Duration::from_secs(15),
        };
        let addr = serve(layer(bucket, clock.clone()).header_fields(HeaderFields::Ietf)).await;
        let mut conn = Connection::open(addr).await.unwrap();
        let first = conn.get("/").await.unwrap();
        assert_eq!(
            policy(&first, "default"),
            (4, 60),
            "q is the capacity, w the seconds 4 tokens take to come back (4 × 15 s)"
        );
        assert_eq!(limit(&first, "default"), (3, 15));
        let second = conn.get("/").await.unwrap();
        assert_eq!(limit(&second, "default"), (2, 30));
        clock.advance(Duration::from_secs(20));
        let third = conn.get("/").await.unwrap();
        assert_eq!(
            limit(&third, "default"),
            (2, 25),
            "one token came back at 15 s and this request took one: 3 more to refill, \
             the next due in 10 s"
        );
        for _ in 0..2 {
            assert_eq!(conn.get("/").await.unwrap().status, 200);
        }
        let refused = conn.get("/").await.unwrap();
        assert_eq!(refused.status, 429);
        assert_eq!(refused.header("retry-after"), Some("10"));
        assert_eq!(limit(&refused, "default"), (0, 10));
        assert_eq!(policy(&refused, "default"), (4, 60));
    })
    .await;
}

#[tokio::test]
async fn windows_under_a_second_round_up_to_whole_seconds() {
    graded_async(async {
        let clock = ManualClock::new();
        let bucket = Algorithm::TokenBucket {
            capacity: 3,
            refill_every: Duration::from_millis(250),
        };
        let addr = serve(layer(bucket, clock.clone()).header_fields(HeaderFields::Ietf)).await;
        let mut conn = Connection::open(addr).await.unwrap();
        let first = conn.get("/").await.unwrap();
        assert_eq!(
            policy(&first, "default"),
            (3, 1),
            "an empty bucket fills in 0.75 s: w is whole seconds, rounded up, never 0"
        );
        assert_eq!(limit(&first, "default"), (2, 1), "0.25 s rounds up to 1");

        let window = fixed(5, Duration::from_millis(2_500));
        let addr = serve(layer(window, clock).header_fields(HeaderFields::Ietf)).await;
        let first = http::get(addr, "/").await.unwrap();
        assert_eq!(policy(&first, "default"), (5, 3), "2.5 s rounds up to 3");
        assert_eq!(limit(&first, "default"), (4, 3));
    })
    .await;
}

#[tokio::test]
async fn gcra_reports_its_period_and_the_time_to_drain() {
    graded_async(async {
        let clock = ManualClock::new();
        let gcra = Algorithm::Gcra {
            limit: 5,
            period: Duration::from_secs(10),
        };
        let addr = serve(layer(gcra, clock.clone()).header_fields(HeaderFields::Ietf)).await;
        let mut conn = Connection::open(addr).await.unwrap();
        let first = conn.get("/").await.unwrap();
        assert_eq!(policy(&first, "default"), (5, 10), "q=limit, w=period");
        assert_eq!(
            limit(&first, "default"),
            (4, 2),
            "one request is one emission interval (2 s) to drain"
        );
        let second = conn.get("/").await.unwrap();
        assert_eq!(limit(&second, "default"), (3, 4));
        clock.advance(Duration::from_secs(3));
        let third = conn.get("/").await.unwrap();
        assert_eq!(limit(&third, "default"), (3, 3));
    })
    .await;
}

#[tokio::test]
async fn the_policy_name_is_a_structured_field_string() {
    graded_async(async {
        let clock = ManualClock::new();
        let name = r#"per "client" \ v2"#;
        let layer = layer(fixed(2, Duration::from_secs(30)), clock)
            .header_fields(HeaderFields::Ietf)
            .policy_name(name);
        let addr = serve(layer).await;
        let mut conn = Connection::open(addr).await.unwrap();
        for expected in [(1, 30), (0, 30), (0, 30)] {
            let response = conn.get("/").await.unwrap();
            assert_eq!(policy(&response, name), (2, 30));
            assert_eq!(limit(&response, name), expected);
        }
    })
    .await;
}

#[test]
fn a_policy_name_that_is_not_printable_ascii_is_refused() {
    graded(|| {
        for name in ["caf\u{e9}", "tab\there", "new\nline"] {
            let limiter = RateLimiter::new(fixed(1, Duration::from_secs(1))).unwrap();
            let layer = RateLimitLayer::new(limiter, KeyBy::PeerIp);
            let made = panic::catch_unwind(AssertUnwindSafe(move || layer.policy_name(name)));
            assert!(
                made.is_err(),
                "{name:?} cannot be a structured-field String: policy_name panics"
            );
        }
    });
}
