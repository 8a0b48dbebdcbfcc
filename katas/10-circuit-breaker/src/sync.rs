//! The synchronisation primitives [`CircuitBreaker`](crate::CircuitBreaker) is built
//! from. Import them from here rather than from `std`: the hidden loom stage builds the
//! crate with the `kata-loom` feature, which swaps in loom's versions so that every
//! interleaving of two threads can be explored.
//!
//! Shared handles (`Arc`s of the clock and of listeners) stay `std::sync::Arc`: loom only
//! needs to see the locks and atomics.

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
