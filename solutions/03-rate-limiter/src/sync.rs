//! The locks (and atomics) the limiter's shared state is built from. Import them from here
//! rather than from `std::sync`: the hidden stage-4 tests build the crate with the
//! `kata-loom` feature, which swaps in loom's versions so that every interleaving of two
//! threads calling `check` at once can be explored.
//!
//! The `Arc` around the shared state and the `Arc<dyn Clock>` stay `std::sync::Arc`: loom
//! only needs to see the locks and atomics.

#![allow(unused_imports)]

#[cfg(feature = "kata-loom")]
pub(crate) use loom::sync::{
    Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
    atomic::{AtomicU64, AtomicUsize, Ordering},
};
#[cfg(not(feature = "kata-loom"))]
pub(crate) use std::sync::{
    Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard,
    atomic::{AtomicU64, AtomicUsize, Ordering},
};
