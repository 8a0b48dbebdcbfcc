//! Chapter "Threads, `spawn_blocking` and processes".

use std::time::Duration;

// ANCHOR: blocking_recv
/// Where the blocking wait runs.
#[derive(Debug, Clone, Copy)]
pub enum WaitOn {
    /// Inline, on the runtime's own thread.
    RuntimeThread,
    /// On tokio's blocking pool, through `spawn_blocking`.
    BlockingPool,
}

/// A task sends on a std channel; the runtime's only thread waits for it with a blocking
/// `recv_timeout(patience)`. Inline, the waiting blocks the very thread the sender needs, so
/// it times out whatever `patience` is; inside `spawn_blocking`, the wait runs on another
/// thread, the sender gets to run, and the wait ends as soon as the value arrives (`patience`
/// only runs out if it never does). Returns whether the value arrived, and whether the sender
/// task ended without a panic.
pub async fn blocking_wait(wait_on: WaitOn, patience: Duration) -> (bool, bool) {
    let (tx, rx) = std::sync::mpsc::channel::<u32>();
    let sender = tokio::spawn(async move {
        // The receiver may be gone by the time this runs (after a timeout): that is not a
        // bug here, so no `unwrap` that would panic inside the task.
        let _ = tx.send(42);
    });
    let wait = move || {
        let rx = rx; // owned by the closure: the receiver is dropped when the wait ends
        rx.recv_timeout(patience).is_ok()
    };
    let received = match wait_on {
        WaitOn::BlockingPool => tokio::task::spawn_blocking(wait).await.unwrap(),
        WaitOn::RuntimeThread => wait(),
    };
    (received, sender.await.is_ok())
}
// ANCHOR_END: blocking_recv

// ANCHOR: scoped
/// Sums `data` on `threads` OS threads that borrow it (no `Arc`, no copy): `std::thread::scope`
/// guarantees they end before `data` can be dropped.
pub fn parallel_sum(data: &[u64], threads: usize) -> u64 {
    let chunk = data.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = data
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().sum::<u64>()))
            .collect();
        parts.into_iter().map(|p| p.join().unwrap()).sum()
    })
}
// ANCHOR_END: scoped

// ANCHOR: refcell_moves
/// A `RefCell` is `Send` (when its content is): it may *move* to another thread, which then
/// owns it alone. It is not `Sync`, so two threads can never share `&RefCell`.
pub fn move_a_refcell_to_a_thread() -> u64 {
    let counter = std::cell::RefCell::new(0u64);
    std::thread::spawn(move || {
        *counter.borrow_mut() += 1;
        counter.into_inner()
    })
    .join()
    .unwrap()
}
// ANCHOR_END: refcell_moves

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn blocking_the_runtime_thread_starves_its_tasks() {
        // Inline, `false` does not depend on the patience (the sender cannot run during the
        // wait); on the blocking pool the value ends the wait at once, and the ten seconds
        // are only spent if the claim is broken. Neither result depends on how fast a
        // thread starts.
        assert_eq!(
            blocking_wait(WaitOn::RuntimeThread, Duration::from_millis(200)).await,
            (false, true),
            "inline: the sender never ran during the wait (and did not panic later)"
        );
        assert_eq!(
            blocking_wait(WaitOn::BlockingPool, Duration::from_secs(10)).await,
            (true, true),
            "spawn_blocking: the sender ran"
        );
    }

    #[test]
    fn scoped_threads_borrow_and_agree_with_one_thread() {
        let data: Vec<u64> = (1..=10_000).collect();
        assert_eq!(parallel_sum(&data, 4), data.iter().sum::<u64>());
        assert_eq!(parallel_sum(&data, 1), 50_005_000);
        assert_eq!(parallel_sum(&data, 3), 50_005_000);
    }

    #[test]
    fn a_refcell_moves_between_threads_but_is_never_shared() {
        assert_eq!(move_a_refcell_to_a_thread(), 1);
        let cell = std::cell::RefCell::new(0u64);
        assert!(crate::is_send!(&cell), "RefCell<u64> may move");
        assert!(!crate::is_sync!(&cell), "&RefCell cannot cross threads");
        let rc = std::rc::Rc::new(0u64);
        assert!(
            !crate::is_send!(&rc) && !crate::is_sync!(&rc),
            "Rc does neither"
        );
        let mutex = std::sync::Mutex::new(0u64);
        assert!(crate::is_send!(&mutex) && crate::is_sync!(&mutex));
    }
}
