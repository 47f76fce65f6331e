//! agntz-hyper
