//! agntz-client
