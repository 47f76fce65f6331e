//! JSON decoding of wire bytes.

use serde::de::DeserializeOwned;

use crate::body::WholeBody;

/// Deserializes `bytes` as JSON into `T`.
///
/// The bytes are checked as UTF-8 once, then parsed as a `&str`:
/// `serde_json::from_slice` instead checks every string it meets on its
/// own, a call per key and value, which on small event payloads costs more
/// than one pass over the whole payload. Bytes that are not UTF-8 go to
/// `from_slice`, so what is accepted and every error message stay the same.
#[inline]
pub(crate) fn from_bytes<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    // simdutf8: the same answer as `std::str::from_utf8`, several times
    // faster on these sizes.
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// Deserializes a whole body as JSON into `T`: a contiguous body through
/// [`from_bytes`], a body in several chunks through a reader over them
/// (so no joined copy is made; what is accepted, and every error kind, are
/// the same).
pub(crate) fn from_body<T: DeserializeOwned>(body: &WholeBody) -> serde_json::Result<T> {
    match body.as_contiguous() {
        Some(bytes) => from_bytes(bytes),
        None => serde_json::from_reader(body.reader()),
    }
}

#[cfg(test)]
mod tests {
    use super::from_bytes;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Payload {
        #[serde(default)]
        text: String,
    }

    /// Same answer as `serde_json::from_slice`, value or error, on valid
    /// and invalid UTF-8, escapes, and bad JSON.
    #[test]
    fn agrees_with_from_slice() {
        let inputs: &[&[u8]] = &[
            br#"{"text":"caf\u00e9 \"quoted\""}"#,
            "{\"text\":\"café ✓\"}".as_bytes(),
            b"{\"text\":\"\xff\"}",
            b"{\"other\":\"\xc3\x28\",\"text\":\"ok\"}",
            b"{\"text\":\"cut",
            b"",
            b"[1,2]",
        ];
        for input in inputs {
            let ours = from_bytes::<Payload>(input).map_err(|e| e.to_string());
            let theirs = serde_json::from_slice::<Payload>(input).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "input {:?}", String::from_utf8_lossy(input));
        }
    }
}
