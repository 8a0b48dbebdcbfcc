// Stage 3 — cancellation and scale: dropping the future stops the work in flight (nothing
// is left running detached), and a large input completes in order.

use kata_support::graded_async;
use read_files::map_with_limit;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Counts its own drops.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[tokio::test(start_paused = true)]
async fn dropping_the_future_cancels_the_work_in_flight() {
    graded_async(async {
        let created = Arc::new(AtomicUsize::new(0));
        let dropped = Arc::new(AtomicUsize::new(0));
        let completed = Arc::new(AtomicUsize::new(0));
        let (c, d, done) = (
            Arc::clone(&created),
            Arc::clone(&dropped),
            Arc::clone(&completed),
        );
        let mut work = Box::pin(map_with_limit(0..10usize, 3, move |i| {
            c.fetch_add(1, Ordering::SeqCst);
            let guard = DropCounter(Arc::clone(&d));
            let done = Arc::clone(&done);
            async move {
                let _guard = guard;
                tokio::time::sleep(Duration::from_secs(1)).await;
                done.fetch_add(1, Ordering::SeqCst);
                i
            }
        }));
        tokio::select! {
            _ = &mut work => panic!("ten one-second jobs cannot be done after 10 ms"),
            () = tokio::time::sleep(Duration::from_millis(10)) => {}
        }
        drop(work);
        // Give anything still running elsewhere (a detached task) every chance to go on.
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert_eq!(
            completed.load(Ordering::SeqCst),
            0,
            "work went on after the caller dropped the future"
        );
        assert_eq!(
            dropped.load(Ordering::SeqCst),
            created.load(Ordering::SeqCst),
            "every job created must have been dropped"
        );
        assert!(
            created.load(Ordering::SeqCst) <= 3,
            "only the jobs of free slots were created"
        );
    })
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_hundred_thousand_items_complete_in_order() {
    graded_async(async {
        let outputs = map_with_limit(0..100_000u32, 16, |i| async move {
            tokio::task::yield_now().await;
            i * 2
        })
        .await
        .expect("valid limit");
        assert_eq!(outputs.len(), 100_000);
        assert!(
            outputs.iter().enumerate().all(|(i, o)| *o == i as u32 * 2),
            "results out of order"
        );
    })
    .await;
}
