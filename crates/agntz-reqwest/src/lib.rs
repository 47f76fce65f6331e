//! agntz-reqwest
