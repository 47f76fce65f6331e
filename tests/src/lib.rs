//! Conformance suite crate; the scenarios live in `tests/`.
