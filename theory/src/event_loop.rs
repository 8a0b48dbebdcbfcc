//! Chapter "The event loop": the order in which tokio runs tasks, yields and timers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

// ANCHOR: order
/// Runs the chapter's example on a single-threaded runtime and returns what it "printed".
pub fn run_order_example() -> Vec<&'static str> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true) // time only moves when every task is waiting: deterministic
        .build()
        .expect("a runtime");
    let record = |log: &Arc<Mutex<Vec<&'static str>>>, line| log.lock().unwrap().push(line);
    runtime.block_on(async {
        record(&log, "1 main starts");
        let timer = tokio::spawn({
            let log = log.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(1)).await;
                record(&log, "5 timer of 1 ms fired");
            }
        });
        let task = tokio::spawn({
            let log = log.clone();
            async move {
                record(&log, "3 spawned task runs");
                tokio::task::yield_now().await;
                record(&log, "4 spawned task resumes after yield_now");
            }
        });
        record(&log, "2 main continues: spawning did not run anything");
        task.await.unwrap();
        timer.await.unwrap();
    });
    Arc::try_unwrap(log).unwrap().into_inner().unwrap()
}
// ANCHOR_END: order

// ANCHOR: blocking
/// Two tasks on one thread: a ticker that wants to run every millisecond, and a task that
/// blocks the thread for `block` without awaiting. Returns how many ticks happened during
/// the blocking section.
pub async fn ticks_while_blocked(block: Duration) -> usize {
    let ticks = Arc::new(Mutex::new(0usize));
    let ticker = tokio::spawn({
        let ticks = ticks.clone();
        async move {
            loop {
                tokio::time::sleep(Duration::from_millis(1)).await;
                *ticks.lock().unwrap() += 1;
            }
        }
    });
    tokio::task::yield_now().await; // let the ticker start
    let before = *ticks.lock().unwrap();
    std::thread::sleep(block); // a blocking call: no .await, so no other task runs
    let during = *ticks.lock().unwrap() - before;
    ticker.abort();
    during
}
// ANCHOR_END: blocking

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawned_tasks_yields_and_timers_run_in_this_order() {
        assert_eq!(
            run_order_example(),
            [
                "1 main starts",
                "2 main continues: spawning did not run anything",
                "3 spawned task runs",
                "4 spawned task resumes after yield_now",
                "5 timer of 1 ms fired",
            ]
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_blocking_call_stops_every_task_on_its_thread() {
        assert_eq!(ticks_while_blocked(Duration::from_millis(30)).await, 0);
    }
}
