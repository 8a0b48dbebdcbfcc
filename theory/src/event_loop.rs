//! Chapter "The event loop": the order in which tokio runs tasks, yields and timers.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::runtime::Runtime;

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

// ANCHOR: spawn_start
/// Spawns a task from `block_on` (what `#[tokio::main]` and `#[tokio::test]` run) and then,
/// without yielding, waits up to `patience` on a std channel (a blocking wait, no `.await`) for
/// the task to say it started. Returns whether it did.
pub fn starts_before_the_spawner_yields(runtime: &Runtime, patience: Duration) -> bool {
    runtime.block_on(async {
        let (started, has_started) = std::sync::mpsc::channel();
        let task = tokio::spawn(async move {
            let _ = started.send(());
        });
        let started = has_started.recv_timeout(patience).is_ok(); // blocks this thread
        task.await.unwrap();
        started
    })
}
// ANCHOR_END: spawn_start

// ANCHOR: spawn_from_a_task
/// Who reported first to a task that spawned a `child` and then blocked its worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstReport {
    /// The child task spawned by the blocked task.
    Child,
    /// A probe task spawned later, from outside the workers, and run by an idle worker.
    Probe,
    /// Nobody, within the patience: no worker was free to run anything.
    Nobody,
}

/// A task running on a worker spawns a `child`, then blocks its worker (a std channel, no
/// `.await`) until someone reports. Once the child is spawned, `block_on` (not a worker)
/// spawns a `probe`, which an idle worker runs at once. Returns who reported first, and who
/// reported after the blocked task yielded (by awaiting the child).
pub fn first_report_to_a_spawning_task(
    runtime: &Runtime,
    patience: Duration,
) -> (FirstReport, Option<FirstReport>) {
    runtime.block_on(async {
        let (report, reports) = std::sync::mpsc::channel();
        let (spawned, child_spawned) = tokio::sync::oneshot::channel::<()>();
        let probe_report = report.clone();
        let spawner = tokio::spawn(async move {
            let child = tokio::spawn({
                let report = report.clone();
                async move {
                    let _ = report.send(FirstReport::Child);
                }
            });
            let _ = spawned.send(()); // wakes `block_on`, which spawns the probe
            // Blocks this worker: the task does not return `Pending` here.
            let first = reports
                .recv_timeout(patience)
                .unwrap_or(FirstReport::Nobody);
            child.await.unwrap(); // the spawner yields at last
            (first, reports.try_recv().ok())
        });
        child_spawned.await.unwrap();
        let probe = tokio::spawn(async move {
            let _ = probe_report.send(FirstReport::Probe);
        });
        let reported = spawner.await.unwrap();
        probe.await.unwrap();
        reported
    })
}
// ANCHOR_END: spawn_from_a_task

// ANCHOR: ready_await
/// On a current-thread runtime: spawns a task, then awaits `rounds` futures that are
/// already complete. Returns whether the task ran during those awaits.
pub async fn ready_awaits_let_others_run(rounds: usize) -> bool {
    let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let task = tokio::spawn({
        let ran = ran.clone();
        async move { ran.store(true, std::sync::atomic::Ordering::SeqCst) }
    });
    for _ in 0..rounds {
        std::future::ready(()).await; // Ready at the first poll: no `Pending`, no yield
    }
    let ran_meanwhile = ran.load(std::sync::atomic::Ordering::SeqCst);
    task.await.unwrap();
    ran_meanwhile
}
// ANCHOR_END: ready_await

// ANCHOR: blocking
/// One task blocks its thread: it waits up to `block` on a std channel (no `.await`) for a
/// reply from another task, which can only reply once it is woken and polled. A plain thread
/// outside the runtime wakes it while the wait is under way. Returns whether the other task
/// ran during the block.
pub fn runs_while_a_task_blocks(runtime: &Runtime, block: Duration) -> bool {
    runtime.block_on(async {
        let (go, wait_for_go) = tokio::sync::oneshot::channel::<()>();
        let (reply, replied) = std::sync::mpsc::channel::<()>();
        let (waiting, is_waiting) = tokio::sync::oneshot::channel::<()>();
        let other = tokio::spawn(async move {
            let _ = waiting.send(());
            if wait_for_go.await.is_ok() {
                let _ = reply.send(());
            }
        });
        is_waiting.await.unwrap(); // `other` now waits for `go`, on no run queue
        let (blocking, is_blocking) = std::sync::mpsc::channel::<()>();
        let (woken, has_woken) = std::sync::mpsc::channel::<()>();
        let waker = std::thread::spawn(move || {
            if is_blocking.recv().is_ok() {
                let _ = go.send(()); // wakes `other`: can any thread poll it now?
                let _ = woken.send(());
            }
        });
        let blocker = tokio::spawn(async move {
            // Blocking calls: this task does not return `Pending`, so its thread polls
            // nothing else until they return.
            let _ = blocking.send(());
            let _ = has_woken.recv(); // `other` is on a run queue from here on
            replied.recv_timeout(block).is_ok()
        });
        let ran = blocker.await.unwrap();
        waker.join().unwrap();
        other.await.unwrap();
        ran
    })
}
// ANCHOR_END: blocking

// ANCHOR: not_send
/// A future that holds an `Rc` across an `.await` is not `Send`, so `tokio::spawn` refuses it
/// on every runtime flavour. `spawn_local` on a `LocalSet` (or a `LocalRuntime`) runs it on
/// the current thread.
pub async fn run_a_non_send_task() -> usize {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let shared = std::rc::Rc::new(std::cell::Cell::new(0));
            let task = tokio::task::spawn_local({
                let shared = shared.clone();
                async move {
                    tokio::task::yield_now().await; // `shared` lives across this await
                    shared.set(shared.get() + 1);
                }
            });
            task.await.unwrap();
            shared.get()
        })
        .await
}

/// The kind of future `tokio::spawn` refuses: an `Rc` lives across an `.await`.
pub async fn holds_an_rc_across_an_await() -> usize {
    let shared = std::rc::Rc::new(1);
    tokio::task::yield_now().await;
    *shared
}
// ANCHOR_END: not_send

/// A current-thread runtime (everything on the calling thread).
pub fn current_thread() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
}

/// A multi-threaded runtime with `workers` worker threads.
pub fn multi_thread(workers: usize) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .build()
        .expect("a runtime")
}

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

    /// Long enough never to run out when the claim holds (the wait ends as soon as the
    /// other task signals); it is only spent when the claim is broken.
    const PATIENCE: Duration = Duration::from_secs(10);

    #[test]
    fn a_spawned_task_waits_for_the_spawner_on_one_thread_but_not_on_many() {
        assert!(
            starts_before_the_spawner_yields(&multi_thread(2), PATIENCE),
            "multi-threaded, spawned from block_on (not a worker): an idle worker starts it at once"
        );
        assert!(
            !starts_before_the_spawner_yields(&current_thread(), Duration::ZERO),
            "current-thread: the task cannot start before the spawner yields"
        );
    }

    #[test]
    fn a_task_spawned_by_a_task_waits_for_its_spawner_to_yield() {
        // The child goes to the spawning worker's LIFO slot, which no other worker may steal,
        // and nobody is notified: the idle worker runs the later probe, never the child.
        assert_eq!(
            first_report_to_a_spawning_task(&multi_thread(2), PATIENCE),
            (FirstReport::Probe, Some(FirstReport::Child)),
            "multi-threaded: the child starts only once its spawner yields"
        );
    }

    #[test]
    fn a_blocking_call_stops_every_task_on_its_thread_only() {
        assert!(
            runs_while_a_task_blocks(&multi_thread(2), PATIENCE),
            "multi-threaded: another worker polls the woken task"
        );
        assert!(
            !runs_while_a_task_blocks(&current_thread(), Duration::from_millis(20)),
            "current-thread: nothing else runs while the only thread is blocked"
        );
    }

    #[tokio::test(flavor = "current_thread")]
    async fn awaiting_a_ready_future_does_not_yield() {
        assert!(!ready_awaits_let_others_run(1000).await);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_non_send_future_runs_with_spawn_local() {
        assert_eq!(run_a_non_send_task().await, 1);
        assert!(
            !crate::is_send!(&holds_an_rc_across_an_await()),
            "tokio::spawn would reject it"
        );
        assert!(
            crate::is_send!(&tokio::task::yield_now()),
            "a future holding only Send values is Send"
        );
    }
}
