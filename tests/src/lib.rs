//! Conformance suite crate; the scenarios live in `tests/`.

/// The repository README's compiled examples. They live here rather than in
/// `agntz-client` because a published crate cannot include a file outside
/// its own folder.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
