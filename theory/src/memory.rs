//! Chapter "Memory: ownership, `Drop`, and the leaks Rust still allows".

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts drops, so a test can see what was freed.
pub static DROPPED: AtomicUsize = AtomicUsize::new(0);

// ANCHOR: cycle
/// A tree node that knows its children and (strongly!) its parent.
pub struct LeakyNode {
    /// The parent: a strong reference closes a cycle with `children`.
    pub parent: RefCell<Option<Rc<LeakyNode>>>,
    /// The children.
    pub children: RefCell<Vec<Rc<LeakyNode>>>,
}

impl Drop for LeakyNode {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

/// A parent and a child pointing at each other with `Rc`: when both handles go, each still
/// holds the other, so neither is ever dropped.
pub fn make_leaky_pair() {
    let parent = Rc::new(LeakyNode {
        parent: RefCell::new(None),
        children: RefCell::new(Vec::new()),
    });
    let child = Rc::new(LeakyNode {
        parent: RefCell::new(Some(parent.clone())),
        children: RefCell::new(Vec::new()),
    });
    parent.children.borrow_mut().push(child);
}
// ANCHOR_END: cycle

// ANCHOR: weak
/// The same tree with a `Weak` parent link: it does not keep the parent alive.
pub struct Node {
    /// The parent, if it still exists.
    pub parent: RefCell<Weak<Node>>,
    /// The children.
    pub children: RefCell<Vec<Rc<Node>>>,
}

impl Drop for Node {
    fn drop(&mut self) {
        DROPPED.fetch_add(1, Ordering::SeqCst);
    }
}

/// A parent and a child; returns whether the child could reach its parent while both lived.
pub fn make_pair() -> bool {
    let parent = Rc::new(Node {
        parent: RefCell::new(Weak::new()),
        children: RefCell::new(Vec::new()),
    });
    let child = Rc::new(Node {
        parent: RefCell::new(Rc::downgrade(&parent)),
        children: RefCell::new(Vec::new()),
    });
    parent.children.borrow_mut().push(child.clone());
    child.parent.borrow().upgrade().is_some()
}
// ANCHOR_END: weak

// ANCHOR: forgotten_task
/// What is done with the handle of a task that loops for ever.
#[derive(Debug, Clone, Copy)]
pub enum Handle {
    /// `drop(join_handle)`: detaches the task; it keeps running.
    Drop,
    /// `join_handle.abort()`: cancels it the next time it yields (returns `Pending`), or when
    /// the scheduler next reaches it if it is idle or has not started yet.
    Abort,
    /// The task was spawned on a `JoinSet`, and the set is dropped: it aborts its tasks.
    DropJoinSet,
}

/// Spawns a task that holds `data` and ticks every second for ever, lets it run, deals
/// with its handle as `handle` says, lets a minute of (paused) time pass and returns whether
/// the task still holds `data`.
pub async fn still_held_after(handle: Handle) -> bool {
    let data = std::sync::Arc::new(vec![0u8; 1024]);
    let held = data.clone();
    let forever = async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            std::hint::black_box(&held);
        }
    };
    match handle {
        Handle::Drop => drop(tokio::spawn(forever)),
        Handle::Abort => tokio::spawn(forever).abort(),
        Handle::DropJoinSet => {
            let mut set = tokio::task::JoinSet::new();
            set.spawn(forever);
            drop(set);
        }
    }
    tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    std::sync::Arc::strong_count(&data) > 1
}
// ANCHOR_END: forgotten_task

#[cfg(test)]
mod tests {
    use super::*;

    // One test, so the shared counter is read by nothing else at the same time.
    #[test]
    fn a_strong_cycle_leaks_and_a_weak_link_frees_both() {
        let before = DROPPED.load(Ordering::SeqCst);
        make_leaky_pair();
        assert_eq!(
            DROPPED.load(Ordering::SeqCst) - before,
            0,
            "the cycle is never dropped"
        );
        let before = DROPPED.load(Ordering::SeqCst);
        assert!(
            make_pair(),
            "the child reaches its parent through the Weak link"
        );
        assert_eq!(
            DROPPED.load(Ordering::SeqCst) - before,
            2,
            "both nodes are dropped"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_a_join_handle_stops_nothing() {
        assert!(
            still_held_after(Handle::Drop).await,
            "detached, still running"
        );
        assert!(
            !still_held_after(Handle::Abort).await,
            "aborted: its captures are dropped"
        );
        assert!(
            !still_held_after(Handle::DropJoinSet).await,
            "a JoinSet aborts on drop"
        );
    }
}
