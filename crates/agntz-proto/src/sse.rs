//! Server-sent-events decoding (WHATWG rules).
