//! The synchronisation primitives and threads [`ThreadPool`](crate::ThreadPool) is built
//! from. Import them from here rather than from `std`: the hidden stage-3 tests build the
//! crate with the `kata-loom` feature, which swaps in loom's versions so that every
//! interleaving of the pool's threads can be explored.

#![allow(unused_imports)]

#[cfg(feature = "kata-loom")]
pub(crate) use loom::{
    sync::{
        Arc, Condvar, Mutex, MutexGuard,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    thread,
};
#[cfg(not(feature = "kata-loom"))]
pub(crate) use std::{
    sync::{
        Arc, Condvar, Mutex, MutexGuard,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    thread,
};
// loom's locks return std's `LockResult`, so poisoning is spelled with std's types in both
// builds.
pub(crate) use std::sync::{LockResult, PoisonError};
