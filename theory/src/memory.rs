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
}
