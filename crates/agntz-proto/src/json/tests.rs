use bytes::Bytes;
use proptest::prelude::*;
use serde::Deserialize;

use super::{from_body, from_bytes, Source, JOIN_UP_TO};
use crate::body::WholeBody;

#[derive(Debug, PartialEq, Deserialize)]
struct Payload {
    #[serde(default)]
    text: String,
}

/// Inputs whose decoding is easy to get wrong at a chunk boundary.
const INPUTS: &[&[u8]] = &[
    br#"{"text":"caf\u00e9 \"quoted\""}"#,
    "{\"text\":\"café ✓ 😀\"}".as_bytes(),
    br#"{"text":"\ud83d\ude00 \\ \/ \b\f\n\r\t"}"#,
    br#"{"text":"\ud83d"}"#,
    br#"{"text":"\ud83dx"}"#,
    b"{\"text\":\"\xff\"}",
    b"{\"other\":\"\xc3\x28\",\"text\":\"ok\"}",
    b"{\"text\":\"\xf0\x9f\x98\"}",
    b"{\"text\":\"cut",
    b"{\"text\":\"ok\"} trailing",
    b"  {\"text\" : \"ok\" }  \n",
    b"",
    b"[1,2]",
    br#"{"text":"a","text":"b"}"#,
    br#"{"text":1e400}"#,
];

/// `input` cut at `cuts` (sorted, deduplicated, within the input).
fn cut(input: &[u8], cuts: &[usize]) -> WholeBody {
    let input = Bytes::copy_from_slice(input);
    let mut at = vec![0];
    at.extend(cuts.iter().map(|&c| c.min(input.len())));
    at.push(input.len());
    at.sort_unstable();
    at.windows(2)
        .map(|w| input.slice(w[0]..w[1]))
        .collect::<Vec<_>>()
        .into()
}

/// What must agree between decoding in place and across chunks: the value,
/// or the error's category and message. The position may be one byte
/// further on: a reader reports the position after the byte it peeked at,
/// a slice the position before it (see [`one_byte_on`]).
#[derive(Debug, PartialEq)]
enum Outcome<T> {
    Value(T),
    Error(serde_json::error::Category, String),
}

/// An error's line and column (`(0, 0)` for a value).
type Position = (usize, usize);

fn outcome<T>(result: serde_json::Result<T>) -> (Outcome<T>, Position) {
    match result {
        Ok(value) => (Outcome::Value(value), (0, 0)),
        Err(e) => {
            let text = e.to_string();
            let message = match text.rfind(" at line ") {
                Some(at) => text[..at].to_owned(),
                None => text,
            };
            (
                Outcome::Error(e.classify(), message),
                (e.line(), e.column()),
            )
        }
    }
}

/// Whether `ours` is `theirs` or the position one byte after it: the next
/// column, or the start of the next line when that byte was a line break.
fn one_byte_on(ours: Position, theirs: Position) -> bool {
    let (line, column) = theirs;
    ours == theirs || ours == (line, column + 1) || ours == (line + 1, 0)
}

fn same_as_slice<T>(input: &[u8], body: &WholeBody) -> Result<(), String>
where
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let (theirs, their_position) = outcome(serde_json::from_slice::<T>(input));
    // The path `from_body` takes for this body (joined, as it is small)
    // gives exactly the same answer.
    let exact = from_body::<T>(body).map_err(|e| e.to_string());
    let expected = serde_json::from_slice::<T>(input).map_err(|e| e.to_string());
    if exact != expected {
        return Err(format!("from_body: {exact:?} != {expected:?}"));
    }
    let (ours, our_position) = outcome(through_reader::<T>(body));
    if ours == theirs && one_byte_on(our_position, their_position) {
        Ok(())
    } else {
        Err(format!(
            "{:?} in {} chunks: {ours:?} (at {our_position:?}) != {theirs:?} (at {their_position:?})",
            String::from_utf8_lossy(input),
            body.chunks().len()
        ))
    }
}

/// Same answer as `serde_json::from_slice`, value or error, on valid
/// and invalid UTF-8, escapes, and bad JSON.
#[test]
fn agrees_with_from_slice() {
    for input in INPUTS {
        let ours = from_bytes::<Payload>(input).map_err(|e| e.to_string());
        let theirs = serde_json::from_slice::<Payload>(input).map_err(|e| e.to_string());
        assert_eq!(ours, theirs, "input {:?}", String::from_utf8_lossy(input));
    }
}

/// A contiguous body is parsed in place from its one slice (the fast
/// path); a small body in chunks is joined; only a large one goes through
/// the reader.
#[test]
fn a_contiguous_body_takes_the_slice_path() {
    let bytes = Bytes::from_static(br#"{"text":"hi"}"#);
    let body = WholeBody::from(bytes.clone());
    assert!(matches!(Source::of(&body), Source::Slice(s) if s.as_ptr() == bytes.as_ptr()));
    assert_eq!(from_body::<Payload>(&body).unwrap().text, "hi");

    let body = cut(&bytes, &[5]);
    assert!(matches!(Source::of(&body), Source::Joined(_)));
    assert_eq!(from_body::<Payload>(&body).unwrap().text, "hi");

    let big = format!(r#"{{"text":"{}"}}"#, "é".repeat(JOIN_UP_TO));
    let body = cut(big.as_bytes(), &[JOIN_UP_TO / 2]);
    assert!(matches!(Source::of(&body), Source::Chunks(_)));
    assert_eq!(
        from_body::<Payload>(&body).unwrap().text.len(),
        2 * JOIN_UP_TO
    );
    let body = WholeBody::from(big);
    assert!(matches!(Source::of(&body), Source::Slice(_)));
}

/// Decoding through the reader (what a body larger than [`JOIN_UP_TO`] in
/// chunks takes), whatever the body's size.
fn through_reader<T: serde::de::DeserializeOwned>(body: &WholeBody) -> serde_json::Result<T> {
    serde_json::from_reader(body.reader())
}

/// Every input cut at every single point, and into one-byte chunks: the
/// same value or the same error as the whole input. Splits land inside
/// strings, escapes (`\u` sequences and surrogate pairs) and multi-byte
/// UTF-8 sequences.
#[test]
fn any_cut_decodes_like_the_whole() {
    for input in INPUTS {
        for at in 0..=input.len() {
            same_as_slice::<Payload>(input, &cut(input, &[at])).unwrap();
            same_as_slice::<serde_json::Value>(input, &cut(input, &[at])).unwrap();
        }
        let every: Vec<usize> = (0..input.len()).collect();
        same_as_slice::<Payload>(input, &cut(input, &every)).unwrap();
        same_as_slice::<serde_json::Value>(input, &cut(input, &every)).unwrap();
    }
}

/// JSON text: valid documents with awkward strings and numbers, sometimes
/// with one byte changed or cut short.
fn json_text() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(Into::into),
        any::<i64>().prop_map(Into::into),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Into::into),
        "(\\PC|[\"\\\\\\n\\t\u{0}\u{1f}é✓😀]){0,12}".prop_map(Into::into),
    ];
    let value = leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Into::into),
            proptest::collection::btree_map("[a-zé😀\"\\\\]{0,6}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    let text = value.prop_map(|v| serde_json::to_vec(&v).unwrap());
    let raw_escapes = Just(br#"{"text":"\u00e9\ud83d\ude00\/\"","n":-0.5e-3}"#.to_vec());
    let doc = prop_oneof![4 => text, 1 => raw_escapes];
    (doc, any::<prop::sample::Index>(), any::<u8>(), 0u8..4).prop_map(|(mut doc, i, byte, how)| {
        if !doc.is_empty() {
            let at = i.index(doc.len());
            match how {
                0 => doc[at] = byte,
                1 => doc.truncate(at),
                _ => {}
            }
        }
        doc
    })
}

proptest! {
    /// Decoding a body from any chunking equals decoding the joined bytes:
    /// the same value, or the same error.
    #[test]
    fn decoding_any_chunking_equals_decoding_the_joined_bytes(
        input in json_text(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let cuts: Vec<usize> = cuts.iter().map(|c| c.index(input.len() + 1)).collect();
        let body = cut(&input, &cuts);
        prop_assert_eq!(&body, &input[..]);
        same_as_slice::<serde_json::Value>(&input, &body).map_err(TestCaseError::fail)?;
        same_as_slice::<Payload>(&input, &body).map_err(TestCaseError::fail)?;
    }
}
