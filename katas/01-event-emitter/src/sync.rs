//! The synchronisation primitives [`SyncEventEmitter`](crate::SyncEventEmitter) is built
//! from. Import them from here rather than from `std`: the hidden stage-3 tests build the
//! crate with the `kata-loom` feature, which swaps in loom's versions so that every
//! interleaving of two threads can be explored. Loom's types work only inside a
//! `loom::model(|| …)` run: with the feature on, a `SyncEventEmitter` created anywhere else
//! panics, so ordinary tests run with the feature off.
//!
//! Listener closures themselves are stored in a `std::sync::Arc`: loom only needs to see
//! the locks and atomics.

#![allow(unused_imports)]

#[cfg(feature = "kata-loom")]
pub(crate) use loom::sync::{
    Mutex, MutexGuard, RwLock,
    atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
};
#[cfg(not(feature = "kata-loom"))]
pub(crate) use std::sync::{
    Mutex, MutexGuard, RwLock,
    atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
};
