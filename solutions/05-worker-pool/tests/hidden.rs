//! The kata's hidden tests, run directly against the reference solution. Stage 3 needs
//! `--features kata-loom`.
#![deny(unused_must_use)]

extern crate worker_pool_solution as worker_pool;

#[path = "../../../checker/hidden/05-worker-pool/stage1.rs"]
mod stage1;
#[path = "../../../checker/hidden/05-worker-pool/stage2.rs"]
mod stage2;
#[path = "../../../checker/hidden/05-worker-pool/stage3.rs"]
mod stage3;
#[path = "../../../checker/hidden/05-worker-pool/stage4.rs"]
mod stage4;
