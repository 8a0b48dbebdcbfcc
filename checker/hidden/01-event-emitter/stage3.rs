// Stage 3 — the thread-safe emitter, checked with loom: every interleaving of the threads
// below is explored (up to a preemption bound), so a race shows up as a failed assertion
// or a reported deadlock, never as a flaky pass.
//
// Built only with the `kata-loom` feature, which makes the kata's `sync` module re-export
// loom's types.
#![cfg(feature = "kata-loom")]

use event_emitter::{ListenerId, SyncEventEmitter};
use kata_support::graded;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;

type Emitter = SyncEventEmitter<&'static str, u32>;

/// Runs `model` under loom with a preemption bound of 2 unless `LOOM_MAX_PREEMPTIONS`
/// asks for a deeper search.
fn check(model: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if std::env::var_os("LOOM_MAX_PREEMPTIONS").is_none() {
        builder.preemption_bound = Some(2);
    }
    builder.check(model);
}

fn counter() -> (Arc<AtomicUsize>, impl Fn(&u32) + Send + Sync + 'static) {
    let count = Arc::new(AtomicUsize::new(0));
    let inner = Arc::clone(&count);
    (count, move |_: &u32| {
        inner.fetch_add(1, Ordering::SeqCst);
    })
}

#[test]
fn the_emitter_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    graded(|| {
        assert_send_sync::<Emitter>();
        assert_send_sync::<SyncEventEmitter<String, Vec<u8>>>();
        check(|| {
            let em = Arc::new(Emitter::new());
            let (calls, listener) = counter();
            em.on("e", listener);
            let other = Arc::clone(&em);
            let t = thread::spawn(move || other.emit("e", &1));
            assert!(em.emit("e", &2));
            assert!(t.join().expect("emitting thread"));
            assert_eq!(calls.load(Ordering::SeqCst), 2);
        });
    });
}

#[test]
fn two_threads_emitting_at_once_call_a_once_listener_exactly_once() {
    graded(|| {
        check(|| {
            let em = Arc::new(Emitter::new());
            let (calls, listener) = counter();
            em.once("connect", listener);
            let other = Arc::clone(&em);
            let t = thread::spawn(move || other.emit("connect", &1));
            let here = em.emit("connect", &2);
            let there = t.join().expect("emitting thread");
            assert_eq!(
                calls.load(Ordering::SeqCst),
                1,
                "a once listener ran more than once"
            );
            assert!(
                here ^ there,
                "exactly one of the two emits must find the listener"
            );
            assert_eq!(em.listener_count("connect"), 0);
        });
    });
}

#[test]
fn concurrent_registrations_lose_no_listener() {
    graded(|| {
        check(|| {
            let em = Arc::new(Emitter::new());
            let (calls, listener) = counter();
            let (calls2, listener2) = counter();
            let other = Arc::clone(&em);
            let t = thread::spawn(move || other.on("e", listener2));
            let here = em.on("e", listener);
            let there = t.join().expect("registering thread");
            assert_ne!(here, there, "two registrations got the same id");
            assert_eq!(
                em.listener_count("e"),
                2,
                "a concurrent registration was lost"
            );
            assert!(em.emit("e", &0));
            assert_eq!(
                calls.load(Ordering::SeqCst) + calls2.load(Ordering::SeqCst),
                2
            );
        });
    });
}

#[test]
fn concurrent_off_on_and_emit_keep_the_right_listeners() {
    graded(|| {
        check(|| {
            let em = Arc::new(Emitter::new());
            let (old_calls, old) = counter();
            let (new_calls, new) = counter();
            let old_id: ListenerId = em.on("e", old);
            let remover = Arc::clone(&em);
            let t1 = thread::spawn(move || assert!(remover.off("e", old_id)));
            let adder = Arc::clone(&em);
            let t2 = thread::spawn(move || adder.on("e", new));
            t1.join().expect("removing thread");
            t2.join().expect("registering thread");
            assert!(em.emit("e", &0));
            assert_eq!(
                old_calls.load(Ordering::SeqCst),
                0,
                "a removed listener ran"
            );
            assert_eq!(
                new_calls.load(Ordering::SeqCst),
                1,
                "a registered listener was lost"
            );
        });
    });
}

#[test]
fn a_listener_may_use_the_emitter_while_another_thread_emits() {
    graded(|| {
        check(|| {
            let em = Arc::new(Emitter::new());
            let (calls, listener) = counter();
            em.on("inner", listener);
            let reentrant = Arc::clone(&em);
            em.on("outer", move |n| {
                reentrant.emit("inner", n);
            });
            let other = Arc::clone(&em);
            let t = thread::spawn(move || other.emit("outer", &1));
            assert!(em.emit("outer", &2));
            assert!(t.join().expect("emitting thread"));
            assert_eq!(calls.load(Ordering::SeqCst), 2);
            // The "outer" listener holds the emitter: break the cycle so loom sees no leak.
            em.remove_all_listeners::<str>(None);
        });
    });
}

#[test]
fn the_thread_safe_try_emit_reports_an_event_nobody_listens_to() {
    graded(|| {
        check(|| {
            let em = Emitter::new();
            assert!(
                em.try_emit("nobody", &1).is_err(),
                "try_emit of an event with no listener is an error"
            );
            let (calls, listener) = counter();
            em.on("e", listener);
            assert!(em.try_emit("e", &1).is_ok());
            assert_eq!(calls.load(Ordering::SeqCst), 1);
        });
    });
}
