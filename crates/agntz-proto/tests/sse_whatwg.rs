//! WHATWG conformance cases modelled on the web-platform-tests
//! `eventsource/format-*` scenarios, written from the spec's parsing rules.
//!
//! The `format-mime-*` scenarios test the HTTP `Content-Type` check, which
//! happens before decoding, so they are out of scope for this decoder.

use agntz_proto::sse::{Decoder, SseError};

/// An expected event: (type, data, id).
type Expected = (&'static str, &'static str, Option<&'static str>);
/// A decoded event: (type, data, id).
type Got = (String, String, Option<String>);

struct Case {
    name: &'static str,
    input: &'static [u8],
    events: &'static [Expected],
    /// `retry()` after the whole input.
    retry: Option<u64>,
    /// Whether `finish()` reports an unterminated frame.
    truncated: bool,
}

const fn case(name: &'static str, input: &'static [u8], events: &'static [Expected]) -> Case {
    Case {
        name,
        input,
        events,
        retry: None,
        truncated: false,
    }
}

const CASES: &[Case] = &[
    case(
        "format-bom",
        b"\xEF\xBB\xBFdata: 1\n\n\xEF\xBB\xBFdata: 2\n\ndata: 3\n\n",
        &[("message", "1", None), ("message", "3", None)],
    ),
    // The second BOM becomes part of the field name, so that line is ignored.
    case(
        "format-bom-2",
        b"\xEF\xBB\xBF\xEF\xBB\xBFdata: 1\n\ndata: 2\n\ndata: 3\n\n",
        &[("message", "2", None), ("message", "3", None)],
    ),
    case(
        "format-comments",
        b"data:1\r:\0\n:\r\ndata:2\n:\xE2\x98\x83 comment\r\n:data:fail\n\r\n: ignored\n\n",
        &[("message", "1\n2", None)],
    ),
    Case {
        truncated: true,
        retry: Some(1000),
        ..case(
            "format-data-before-final-empty-line",
            b"retry:1000\ndata:test1\n\nid:test\ndata:test2",
            &[("message", "test1", None)],
        )
    },
    case(
        "format-field-data",
        b"data:\n\ndata\ndata\n\ndata:test\n\n",
        &[("message", "", None), ("message", "\n", None), ("message", "test", None)],
    ),
    case(
        "format-field-event",
        b"event:test\ndata:x\n\ndata:y\n\n",
        &[("test", "x", None), ("message", "y", None)],
    ),
    case(
        "format-field-event-empty",
        b"event: \ndata:data\n\nevent:x\nevent\ndata:data2\n\n",
        &[("message", "data", None), ("message", "data2", None)],
    ),
    case(
        "format-field-id",
        b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n",
        &[("message", "a", Some("1")), ("message", "b", Some("1")), ("message", "c", None)],
    ),
    // An id in a frame without data still updates the last event id.
    case(
        "format-field-id-2",
        b"id: 1\ndata: a\n\nid: 2\n\ndata: b\n\nid: 3\nid: 4\ndata: c\n\n",
        &[("message", "a", Some("1")), ("message", "b", Some("2")), ("message", "c", Some("4"))],
    ),
    case(
        "format-field-id-null",
        b"id: 1\ndata: a\n\nid: 2\0\ndata: b\n\nid: \0\ndata: c\n\n",
        &[("message", "a", Some("1")), ("message", "b", Some("1")), ("message", "c", Some("1"))],
    ),
    case(
        "format-field-parsing",
        b"data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n",
        &[("message", "\0\n 2\n1\n3\n\n4", None)],
    ),
    Case {
        retry: Some(3000),
        ..case(
            "format-field-retry",
            b"retry:1000\ndata:x\n\nretry: 03000\ndata:y\n\n",
            &[("message", "x", None), ("message", "y", None)],
        )
    },
    Case {
        retry: Some(1000),
        ..case(
            "format-field-retry-bogus",
            b"retry:1000\nretry:1000x\nretry: 1 0\nretry:-5\nretry:1e3\nretry:\xEF\xBC\x91\ndata:x\n\n",
            &[("message", "x", None)],
        )
    },
    case("format-field-retry-empty", b"retry\nretry:\ndata:x\n\n", &[("message", "x", None)]),
    case(
        "format-field-unknown",
        b"data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n",
        &[("message", "test\n\ntest", None)],
    ),
    case(
        "format-leading-space",
        b"data:\ttest\rdata: \ndata:test\n\n",
        &[("message", "\ttest\n\ntest", None)],
    ),
    case(
        "format-newlines",
        b"data:test\r\ndata\ndata:test\r\n\r\ndata:x\r\rdata:y\n\n",
        &[("message", "test\n\ntest", None), ("message", "x", None), ("message", "y", None)],
    ),
    case("format-null-character", b"data:\0\n\n", &[("message", "\0", None)]),
    case(
        "format-utf-8",
        b"data: ok \xE2\x80\xA6 \xE2\x98\x83\n\ndata: bad\xE2\x82\n\nevent: t\xFF\ndata: x\n\n",
        &[
            ("message", "ok \u{2026} \u{2603}", None),
            ("message", "bad\u{FFFD}", None),
            ("t\u{FFFD}", "x", None),
        ],
    ),
];

/// How chunks reach the decoder.
#[derive(Debug, Clone, Copy)]
enum Feed {
    /// `feed(&[u8])`, draining after each chunk.
    Slice,
    /// `feed_bytes(Bytes)` (read in place), draining after each chunk.
    Bytes,
    /// `feed_bytes` of every chunk, then one drain.
    Undrained,
}

/// Decodes `chunks`; returns events as owned triples, the finish result and retry.
fn decode(chunks: &[&[u8]], feed: Feed) -> (Vec<Got>, Result<(), SseError>, Option<u64>) {
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    for (i, chunk) in chunks.iter().enumerate() {
        match feed {
            Feed::Slice => dec.feed(chunk),
            Feed::Bytes | Feed::Undrained => dec.feed_bytes(bytes::Bytes::copy_from_slice(chunk)),
        }
        if matches!(feed, Feed::Undrained) && i + 1 < chunks.len() {
            continue;
        }
        while let Some(r) = dec.next_event() {
            let e = r.expect("no errors in conformance cases");
            out.push((
                e.event_type().to_owned(),
                e.data().into_owned(),
                e.id().map(str::to_owned),
            ));
        }
    }
    let end = dec.finish();
    (out, end, dec.retry())
}

fn check(case: &Case, chunks: &[&[u8]], how: &str) {
    for feed in [Feed::Slice, Feed::Bytes, Feed::Undrained] {
        check_fed(case, chunks, &format!("{how}, {feed:?}"), feed);
    }
}

fn check_fed(case: &Case, chunks: &[&[u8]], how: &str, feed: Feed) {
    let (events, end, retry) = decode(chunks, feed);
    let want: Vec<Got> = case
        .events
        .iter()
        .map(|(t, d, id)| ((*t).to_owned(), (*d).to_owned(), id.map(str::to_owned)))
        .collect();
    assert_eq!(events, want, "{} ({how})", case.name);
    assert_eq!(
        end.is_err(),
        case.truncated,
        "{} ({how}): finish() = {end:?}",
        case.name
    );
    assert_eq!(retry, case.retry, "{} ({how}): retry", case.name);
}

#[test]
fn whatwg_cases_whole() {
    for case in CASES {
        check(case, &[case.input], "whole");
    }
}

#[test]
fn whatwg_cases_byte_by_byte() {
    for case in CASES {
        let chunks: Vec<&[u8]> = case.input.chunks(1).collect();
        check(case, &chunks, "byte by byte");
    }
}

#[test]
fn whatwg_cases_every_two_way_split() {
    for case in CASES {
        for at in 0..=case.input.len() {
            let (a, b) = case.input.split_at(at);
            check(case, &[a, b], &format!("split at {at}"));
        }
    }
}
