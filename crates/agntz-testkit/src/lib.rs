//! agntz-testkit
