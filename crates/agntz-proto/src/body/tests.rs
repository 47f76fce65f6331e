use std::io::{BufRead, Read};

use bytes::{Buf, Bytes};

use super::{BodyReader, WholeBody};

fn pieces(parts: &[&'static str]) -> WholeBody {
    parts
        .iter()
        .map(|p| Bytes::from_static(p.as_bytes()))
        .collect::<Vec<_>>()
        .into()
}

fn read_all(mut reader: impl Read) -> Vec<u8> {
    let mut out = Vec::new();
    reader.read_to_end(&mut out).unwrap();
    out
}

#[test]
fn an_empty_body_has_no_chunks() {
    for body in [
        WholeBody::new(),
        WholeBody::default(),
        Bytes::new().into(),
        pieces(&[]),
        pieces(&["", ""]),
    ] {
        assert!(body.is_empty());
        assert_eq!(body.len(), 0);
        assert_eq!(body.chunks().count(), 0);
        assert_eq!(body.as_contiguous().map(Bytes::len), Some(0));
        assert!(read_all(body.reader()).is_empty());
        assert!(body.into_bytes().is_empty());
    }
}

#[test]
fn one_chunk_is_contiguous_and_never_copied() {
    let bytes = Bytes::from(vec![7u8; 5000]);
    let from_one: WholeBody = bytes.clone().into();
    // Empty chunks around a single one leave it alone.
    let from_list: WholeBody = vec![Bytes::new(), bytes.clone(), Bytes::new()].into();
    for body in [from_one, from_list] {
        let whole = body.as_contiguous().expect("contiguous");
        assert_eq!(whole.as_ptr(), bytes.as_ptr());
        assert_eq!(body.to_bytes().as_ptr(), bytes.as_ptr());
        assert_eq!(body.clone().into_bytes().as_ptr(), bytes.as_ptr());
        assert_eq!(Bytes::from(body).as_ptr(), bytes.as_ptr());
    }
}

#[test]
fn chunks_are_kept_in_order_and_joined_on_request() {
    let body = pieces(&["ab", "", "cde", "f"]);
    assert_eq!(body.len(), 6);
    assert!(!body.is_empty());
    assert!(body.as_contiguous().is_none());
    let chunks: Vec<&[u8]> = body.chunks().map(|c| &c[..]).collect();
    assert_eq!(chunks, [&b"ab"[..], b"cde", b"f"], "empty chunks dropped");
    assert_eq!(body.chunks().len(), 3);
    assert_eq!(body.chunks().next_back().unwrap(), "f");
    assert_eq!(body.to_bytes(), "abcdef");
    assert_eq!(body.clone().into_bytes(), "abcdef");
    assert_eq!(read_all(body.reader()), b"abcdef");
}

#[test]
fn conversions_hold_the_same_bytes() {
    let expected = pieces(&["he", "llo"]);
    let all: [WholeBody; 6] = [
        "hello".into(),
        b"hello"[..].into(),
        String::from("hello").into(),
        b"hello".to_vec().into(),
        bytes::BytesMut::from(&b"hello"[..]).into(),
        Bytes::from_static(b"hello").into(),
    ];
    for body in all {
        assert_eq!(body, expected);
        assert_eq!(body, "hello");
        assert_eq!(body, b"hello"[..]);
        assert_eq!(body, &b"hello"[..]);
    }
}

#[test]
fn equality_compares_bytes_not_chunking() {
    assert_eq!(pieces(&["a", "bc"]), pieces(&["ab", "c"]));
    assert_eq!(pieces(&["abc"]), pieces(&["a", "b", "c"]));
    assert_ne!(pieces(&["a", "bc"]), pieces(&["a", "bd"]));
    assert_ne!(pieces(&["a", "bc"]), pieces(&["a", "b"]));
    assert_ne!(pieces(&["a", "bc"]), "abd");
    assert_eq!(WholeBody::new(), pieces(&["", ""]));
}

#[test]
fn debug_shows_the_size_not_the_bytes() {
    let body = pieces(&["secret-", "value"]);
    let shown = format!("{body:?}");
    assert_eq!(shown, "WholeBody { len: 12, chunks: 2 }");
    assert!(!shown.contains("secret"));
}

#[test]
fn a_prefix_copies_at_most_what_it_keeps() {
    let body = pieces(&["abcd", "efgh", "ij"]);
    assert_eq!(body.prefix(0), "");
    assert_eq!(body.prefix(3), "abc");
    assert_eq!(body.prefix(4), "abcd");
    assert_eq!(body.prefix(6), "abcdef");
    assert_eq!(body.prefix(10), "abcdefghij");
    assert_eq!(body.prefix(99), "abcdefghij");
    // Within the first chunk: a slice of it, no copy.
    let first = body.chunks().next().unwrap().as_ptr();
    assert_eq!(body.prefix(2).as_ptr(), first);
    let one: WholeBody = "abc".into();
    assert_eq!(one.prefix(99), "abc");
    assert_eq!(WholeBody::new().prefix(5), "");
}

#[test]
fn the_reader_reads_across_chunks_with_any_buffer_size() {
    let body = pieces(&["a", "bcd", "efghij", "k"]);
    for size in 1..=12 {
        let mut reader = body.reader();
        let mut out = Vec::new();
        let mut buf = vec![0u8; size];
        loop {
            let n = reader.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        assert_eq!(out, b"abcdefghijk", "buffer of {size}");
        // At the end it keeps answering 0.
        assert_eq!(reader.read(&mut buf).unwrap(), 0);
    }
    // A zero-length buffer reads nothing and loses nothing.
    let mut reader = body.reader();
    assert_eq!(reader.read(&mut []).unwrap(), 0);
    assert_eq!(read_all(reader), b"abcdefghijk");
}

#[test]
fn the_reader_skips_empty_chunks_anywhere() {
    let chunks = [
        Bytes::new(),
        Bytes::from_static(b"ab"),
        Bytes::new(),
        Bytes::new(),
        Bytes::from_static(b"c"),
        Bytes::new(),
    ];
    let reader = BodyReader::new(&chunks);
    assert_eq!(reader.remaining(), 3);
    assert_eq!(read_all(reader), b"abc");
    assert!(read_all(BodyReader::new(&[Bytes::new(), Bytes::new()])).is_empty());
}

#[test]
fn the_reader_is_a_buf_read_and_a_buf() {
    let body = pieces(&["ab\ncd", "e\nf"]);
    let lines: Vec<String> = body.reader().lines().map(Result::unwrap).collect();
    assert_eq!(lines, ["ab", "cde", "f"]);

    let mut reader = body.reader();
    assert_eq!(reader.fill_buf().unwrap(), b"ab\ncd");
    reader.consume(4);
    assert_eq!(reader.fill_buf().unwrap(), b"d");
    reader.consume(1);
    assert_eq!(reader.fill_buf().unwrap(), b"e\nf");
    reader.consume(99);
    assert_eq!(reader.fill_buf().unwrap(), b"");

    let mut buf = body.reader();
    assert_eq!(buf.remaining(), 8);
    buf.advance(3);
    assert_eq!(buf.chunk(), b"cd");
    assert_eq!(buf.copy_to_bytes(3), "cde");
    assert_eq!(buf.remaining(), 2);
    buf.advance(2);
    assert!(!buf.has_remaining());
}

#[test]
#[should_panic(expected = "past the end")]
fn advancing_a_buf_past_the_end_panics_as_buf_requires() {
    pieces(&["ab", "c"]).reader().advance(4);
}
