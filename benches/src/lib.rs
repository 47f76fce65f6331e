//! Shared pieces of the Agntz SDK benchmarks: the transcript generator, the
//! hand-written floors the SDK is compared against, and a counting
//! allocator for the end-to-end binary.
//!
//! Run the in-process benches with `cargo bench -p agntz-bench` and the
//! end-to-end bench with `cargo run --release -p agntz-bench --bin e2e`;
//! see `BENCHMARKS.md` at the repository root.

pub mod alloc;
pub mod chunks;
pub mod floor;
pub mod transcript;
