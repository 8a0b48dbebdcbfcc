//! The built book in a real browser: headless Chromium driven through chromedriver's
//! WebDriver API. It opens a theory chapter and answers a quiz question (a right and a
//! wrong answer, each marked), opens a kata chapter's folded reference solution, and
//! searches the book. Screenshots of both chapters are kept in
//! `target/browser-artifacts/` for a person to look at (not committed).
//!
//! `.ci/run` installs Debian's `chromium` and `chromium-driver`; where they are missing
//! the test says so and passes without running (the rest of the book's tests still check
//! links, anchors, quizzes and sections without a browser).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// chromedriver, killed when the test ends however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One WebDriver session.
struct Browser {
    base: String,
}

impl Browser {
    fn post(&self, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let mut response = ureq::post(&url)
            .send_json(&body)
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        response.body_mut().read_json::<Value>().unwrap()["value"].take()
    }

    fn get(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.base);
        let mut response = ureq::get(&url)
            .call()
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        response.body_mut().read_json::<Value>().unwrap()["value"].take()
    }

    fn open(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
    }

    fn script(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({ "script": script, "args": [] }))
    }

    fn element(&self, css: &str) -> String {
        let found = self.post("/element", json!({ "using": "css selector", "value": css }));
        found
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element matches {css}"))
            .to_owned()
    }

    fn click(&self, css: &str) {
        let id = self.element(css);
        self.post(&format!("/element/{id}/click"), json!({}));
    }

    fn screenshot(&self, file: &Path) {
        use std::io::Write;
        let data = self.get("/screenshot");
        let png = decode_base64(data.as_str().expect("a screenshot"));
        std::fs::File::create(file)
            .unwrap()
            .write_all(&png)
            .unwrap();
    }

    /// Waits until `script` returns true.
    fn wait_for(&self, what: &str, script: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.script(script) != json!(true) {
            assert!(Instant::now() < deadline, "the page never showed: {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Standard base64, as WebDriver sends screenshots.
fn decode_base64(text: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => 0,
        }
    };
    let bytes: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | value(c) << (18 - 6 * i));
        let pads = chunk.iter().filter(|&&c| c == b'=').count();
        let take = 3 - pads;
        out.extend_from_slice(&n.to_be_bytes()[1..1 + take]);
    }
    out
}

#[test]
fn the_book_works_in_headless_chromium() {
    let (Some(chromium), Some(chromedriver)) = (
        find_program(&["chromium", "chromium-browser", "google-chrome"]),
        find_program(&["chromedriver"]),
    ) else {
        assert!(
            std::env::var_os("KATA_REQUIRE_BROWSER").is_none(),
            "KATA_REQUIRE_BROWSER is set (as .ci/run sets it) but Chromium or chromedriver is missing"
        );
        eprintln!(
            "skipped: no Chromium and chromedriver on PATH (Debian: apt-get install chromium \
             chromium-driver; .ci/run installs them)"
        );
        return;
    };
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-book");
    let _ = std::fs::remove_dir_all(&out);
    let book = book::build(&book::repository_root(), Some(&out)).expect("the book builds");
    let artifacts = book::repository_root().join("target/browser-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let profile = Path::new(env!("CARGO_TARGET_TMPDIR")).join("chromium-profile");
    let _ = std::fs::remove_dir_all(&profile);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while ureq::get(&format!("{base}/status")).call().is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut response = ureq::post(&format!("{base}/session"))
        .send_json(json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run",
                        "--window-size=1200,900",
                        format!("--user-data-dir={}", profile.display()),
                    ]
                }
            }}
        }))
        .expect("a browser session");
    let session = response.body_mut().read_json::<Value>().unwrap()["value"]["sessionId"]
        .as_str()
        .expect("a session id")
        .to_owned();
    let browser = Browser {
        base: format!("{base}/session/{session}"),
    };
    let page = |relative: &str| format!("file://{}", book.join(relative).display());

    // A theory chapter: answer a quiz question right, and another one wrong.
    browser.open(&page("theory/01-event-loop.html"));
    let answer =
        browser.script("return document.querySelectorAll('.quiz-question')[0].dataset.answer;");
    let answer = answer
        .as_str()
        .expect("the first question's answer")
        .to_owned();
    browser.click(&format!(
        ".quiz-question:nth-of-type(1) input[value=\"{answer}\"]"
    ));
    browser.click(".quiz-question:nth-of-type(1) .quiz-check");
    let marked = browser.script("return document.querySelectorAll('.quiz-result')[0].textContent;");
    assert!(
        marked.as_str().unwrap_or_default().contains("Right"),
        "a right answer is marked right: {marked}"
    );
    let wrong = browser.script(
        "const q = document.querySelectorAll('.quiz-question')[1];
         const wrong = [...q.querySelectorAll('input')].find(i => i.value !== q.dataset.answer);
         wrong.click(); q.querySelector('.quiz-check').click();
         return [q.querySelector('.quiz-result').textContent, q.querySelector('.quiz-explain').hidden];",
    );
    assert!(
        wrong[0].as_str().unwrap_or_default().contains("Not quite") && wrong[1] == json!(false),
        "a wrong answer is marked wrong and the explanation shown: {wrong}"
    );
    browser.screenshot(&artifacts.join("theory-chapter.png"));

    // A kata chapter: the folded reference solution opens.
    browser.open(&page("katas/10-circuit-breaker.html"));
    browser.wait_for(
        "the reference solution's fold on kata 10's page",
        "return [...document.querySelectorAll('details summary')]
             .some(s => s.textContent.includes('reference solution'));",
    );
    let closed = browser.script(
        "const d = [...document.querySelectorAll('details')]
             .find(d => d.querySelector('summary').textContent.includes('reference solution'));
         return d ? d.open : null;",
    );
    assert_eq!(closed, json!(false), "the solution starts folded");
    let opened = browser.script(
        "const d = [...document.querySelectorAll('details')]
             .find(d => d.querySelector('summary').textContent.includes('reference solution'));
         d.querySelector('summary').click();
         return d.open && d.querySelector('code').textContent.includes('CircuitBreaker');",
    );
    assert_eq!(opened, json!(true), "a click opens the reference solution");
    browser.screenshot(&artifacts.join("kata-chapter.png"));

    // Search: a term from the book gives results.
    browser.open(&page("index.html"));
    browser.click("#mdbook-search-toggle");
    let bar = browser.element("#mdbook-searchbar");
    browser.post(
        &format!("/element/{bar}/value"),
        json!({ "text": "back-pressure" }),
    );
    browser.wait_for(
        "search results for back-pressure",
        "return document.querySelectorAll('#mdbook-searchresults li').length > 0;",
    );

    let _ = ureq::delete(&browser.base).call();
    eprintln!("screenshots: {}", artifacts.display());
}
