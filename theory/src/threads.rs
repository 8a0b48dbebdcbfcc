//! Chapter "Threads, `spawn_blocking` and processes".

use std::time::Duration;

// ANCHOR: blocking_recv
/// A task sends on a std channel; the runtime's only thread waits for it with a blocking
/// `recv_timeout`. Inline, the waiting blocks the very thread the sender needs, so it times
/// out; inside `spawn_blocking`, the wait runs on another thread and the sender gets to run.
pub async fn blocking_wait(use_spawn_blocking: bool) -> bool {
    let (tx, rx) = std::sync::mpsc::channel::<u32>();
    tokio::spawn(async move {
        tx.send(42).unwrap();
    });
    let wait = move || rx.recv_timeout(Duration::from_millis(200)).is_ok();
    if use_spawn_blocking {
        tokio::task::spawn_blocking(wait).await.unwrap()
    } else {
        wait()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn blocking_the_runtime_thread_starves_its_tasks() {
        assert!(!blocking_wait(false).await, "inline: the sender never ran");
        assert!(blocking_wait(true).await, "spawn_blocking: the sender ran");
    }

    #[test]
    fn scoped_threads_borrow_and_agree_with_one_thread() {
        let data: Vec<u64> = (1..=10_000).collect();
        assert_eq!(parallel_sum(&data, 4), data.iter().sum::<u64>());
        assert_eq!(parallel_sum(&data, 1), 50_005_000);
    }
}
