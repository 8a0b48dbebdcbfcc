//! Support code for the workbook's **hidden tests**.
//!
//! A hidden test wraps its body in [`graded`]:
//!
//! ```
//! // In a hidden test file this function carries `#[test]`.
//! fn adds() {
//!     kata_support::graded(|| {
//!         assert_eq!(1 + 1, 2);
//!     });
//! }
//! # adds();
//! ```
//!
//! # Why a proof channel
//!
//! The checker runs every hidden test in a process of its own and must not believe what
//! the process prints, nor its exit status alone: the learner's code runs in that same
//! process and can print `test result: ok` or call `std::process::exit(0)` halfway through
//! a test. So the checker hands each test process a per-run secret on an inherited pipe
//! (file descriptor [`SECRET_FD`]) and a second pipe to answer on ([`PROOF_FD`]); the
//! numbers are announced in the environment variable [`PROOF_FDS_ENV`], the secret itself
//! never is. [`graded`] reads and closes the secret pipe *before* the test body runs any
//! learner code, and writes the secret back only after the body returned without
//! panicking. Exit status 0 without the secret is graded as a failure.
//!
//! Outside the checker (a plain `cargo test`), the variable is unset and [`graded`] only
//! runs the body.
//!
//! Same-process code can still read the secret out of memory with enough effort; the
//! architecture document says so. The channel defeats every ordinary trick.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::sync::Mutex;

/// File descriptor on which a test process finds the per-run secret.
pub const SECRET_FD: i32 = 3;
/// File descriptor on which a test process writes the secret back once the test passed.
pub const PROOF_FD: i32 = 4;
/// Environment variable whose presence (value `"3,4"`) tells a test process that the
/// checker set up the two pipes.
pub const PROOF_FDS_ENV: &str = "KATA_PROOF_FDS";

/// What a test process keeps between reading the secret and proving its pass.
struct Proof {
    secret: Vec<u8>,
    answer: File,
}

/// The proof, taken at most once per process. `None` inside means "already used or no
/// checker": a second `graded` in one process can never prove anything.
static PROOF: Mutex<Option<Proof>> = Mutex::new(None);

fn take_proof() -> Option<Proof> {
    std::env::var_os(PROOF_FDS_ENV)?;
    // SAFETY: the checker opened exactly these two descriptors for this process (see the
    // crate docs) and nothing else in the process owns them: `graded` is the first code of
    // the test to run, and it takes them once, guarded by `TAKEN`.
    let (mut secret_pipe, answer) =
        unsafe { (File::from_raw_fd(SECRET_FD), File::from_raw_fd(PROOF_FD)) };
    let mut secret = Vec::new();
    // Reading to the end empties and (on drop) closes the pipe, so learner code that runs
    // later finds nothing there.
    let _ = secret_pipe.read_to_end(&mut secret);
    Some(Proof { secret, answer })
}

/// Runs one hidden test's body and, if it returns, proves the pass to the checker.
///
/// Call it first thing in the test function, so the secret is read before any code
/// under test runs. A panic in `body` (a failed assertion) propagates as usual and
/// nothing is proven.
///
/// # Panics
///
/// Panics if called twice in one process under the checker: each test process proves
/// exactly one test.
pub fn graded<R>(body: impl FnOnce() -> R) -> R {
    begin();
    let result = body();
    prove();
    result
}

/// [`graded`] for an async test body: the secret is taken before the body is first
/// polled, and the pass is proven once it completes.
///
/// ```
/// # async fn example() {
/// kata_support::graded_async(async {
///     assert_eq!(1 + 1, 2);
/// })
/// .await;
/// # }
/// ```
///
/// # Panics
///
/// As [`graded`].
pub async fn graded_async<F: std::future::Future>(body: F) -> F::Output {
    begin();
    let result = body.await;
    prove();
    result
}

/// Takes the secret, once per process.
fn begin() {
    static TAKEN: Mutex<bool> = Mutex::new(false);
    let mut taken = TAKEN.lock().unwrap_or_else(|e| e.into_inner());
    if !*taken {
        *taken = true;
        *PROOF.lock().unwrap_or_else(|e| e.into_inner()) = take_proof();
    } else if std::env::var_os(PROOF_FDS_ENV).is_some() {
        panic!("kata_support::graded was called twice in one test process");
    }
}

/// Writes the secret back: the test body returned.
fn prove() {
    if let Some(mut proof) = PROOF.lock().unwrap_or_else(|e| e.into_inner()).take() {
        // The checker reads this pipe after the process exits; a failed write simply
        // means no proof, which grades as a failure.
        let _ = proof.answer.write_all(&proof.secret);
        let _ = proof.answer.flush();
    }
}

/// A proptest configuration for graded tests: a fixed seed and no failure-persistence
/// files, so every run explores the same cases and nothing is written into the crate
/// under test.
///
/// `cases` is the number of generated cases (proptest's default is 256).
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
        ..proptest::test_runner::Config::default()
    }
}

/// A proptest runner with [`proptest_config`] and a deterministic random source.
pub fn proptest_runner(cases: u32) -> proptest::test_runner::TestRunner {
    proptest::test_runner::TestRunner::new_with_rng(
        proptest_config(cases),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    )
}

#[cfg(feature = "http")]
pub mod http;
