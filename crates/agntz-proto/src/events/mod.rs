//! Typed events of the three SSE endpoints.
