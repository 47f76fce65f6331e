//! Unit vectors for the SSE decoder: line endings, fields, EOF, limits, linearity.

use agntz_proto::sse::{Decoder, Event, SseError, DEFAULT_MAX_EVENT_SIZE};

/// (type, data, id) of an event, for compact assertions.
type Summary = (String, String, Option<String>);

fn summary(e: &Event) -> Summary {
    (
        e.event_type().to_owned(),
        e.data().into_owned(),
        e.id().map(str::to_owned),
    )
}

fn ev(ty: &str, data: &str, id: Option<&str>) -> Summary {
    (ty.to_owned(), data.to_owned(), id.map(str::to_owned))
}

/// Feeds `chunks` in order, draining after each, then finishes.
fn run_with(
    dec: &mut Decoder,
    chunks: &[&[u8]],
) -> (Vec<Result<Summary, SseError>>, Result<(), SseError>) {
    let mut out = Vec::new();
    for chunk in chunks {
        dec.feed(chunk);
        while let Some(r) = dec.next_event() {
            out.push(r.map(|e| summary(&e)));
        }
    }
    (out, dec.finish())
}

fn run(chunks: &[&[u8]]) -> (Vec<Result<Summary, SseError>>, Result<(), SseError>) {
    run_with(&mut Decoder::new(), chunks)
}

/// Events of `input` fed whole and byte by byte; asserts both agree.
fn events(input: &[u8]) -> Vec<Summary> {
    let (whole, end) = run(&[input]);
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(
        run(&bytes),
        (whole.clone(), end.clone()),
        "chunking changed the result"
    );
    assert_eq!(end, Ok(()), "unexpected finish() result");
    whole
        .into_iter()
        .map(|r| r.expect("no error expected"))
        .collect()
}

#[test]
fn line_endings_lf_cr_crlf() {
    for eol in ["\n", "\r", "\r\n"] {
        let input = format!("event: a{eol}data: 1{eol}data: 2{eol}{eol}data: 3{eol}{eol}");
        assert_eq!(
            events(input.as_bytes()),
            vec![ev("a", "1\n2", None), ev("message", "3", None)],
            "eol {eol:?}"
        );
    }
}

#[test]
fn mixed_line_endings() {
    assert_eq!(
        events(b"data: a\rdata: b\ndata: c\r\n\r\ndata: d\n\r"),
        vec![ev("message", "a\nb\nc", None), ev("message", "d", None)]
    );
}

#[test]
fn crlf_split_across_chunks_is_one_line_end() {
    // Were the LF a second line end, "a" would be dispatched alone.
    let (out, end) = run(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
    assert_eq!(out, vec![Ok(ev("message", "a\nb", None))]);
    assert_eq!(end, Ok(()));
}

#[test]
fn cr_at_chunk_end_completes_the_line_immediately() {
    let mut dec = Decoder::new();
    dec.feed(b"data: a\r\r");
    let e = dec
        .next_event()
        .expect("dispatched without waiting")
        .unwrap();
    assert_eq!(e.data(), "a");
    dec.feed(b"\ndata: b\n\n");
    // That LF ends the blank line "\r", it is not a second blank line.
    assert_eq!(dec.next_event().unwrap().unwrap().data(), "b");
    assert!(dec.next_event().is_none());
    assert_eq!(dec.finish(), Ok(()));
}

#[test]
fn cr_then_other_byte_across_chunks() {
    let (out, end) = run(&[b"data: a\r", b"data: b\r", b"\r"]);
    assert_eq!(out, vec![Ok(ev("message", "a\nb", None))]);
    assert_eq!(end, Ok(()));
}

#[test]
fn bom_is_skipped_whole_and_split() {
    let input = b"\xEF\xBB\xBFdata: x\n\n";
    assert_eq!(events(input), vec![ev("message", "x", None)]);
    let (out, _) = run(&[b"\xEF", b"\xBB", b"\xBFdata: x\n\n"]);
    assert_eq!(out, vec![Ok(ev("message", "x", None))]);
}

#[test]
fn only_one_bom_is_skipped() {
    assert_eq!(
        events(b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\ndata: y\n\n"),
        vec![ev("message", "y", None)]
    );
}

#[test]
fn partial_bom_prefix_is_field_name_bytes() {
    // "\xEF\xBBdata" is an unknown field, not a BOM followed by data.
    assert_eq!(
        events(b"\xEF\xBBdata: x\n\ndata: y\n\n"),
        vec![ev("message", "y", None)]
    );
}

#[test]
fn bom_only_stream_is_clean() {
    assert_eq!(run(&[b"\xEF\xBB\xBF"]), (vec![], Ok(())));
    assert_eq!(
        run(&[b"\xEF\xBB"]),
        (vec![], Err(SseError::Truncated { pending: 2 }))
    );
}

#[test]
fn comments_are_ignored() {
    assert_eq!(
        events(b": hello\n:\ndata: a\n: in between\ndata: b\n\n:\n\n"),
        vec![ev("message", "a\nb", None)]
    );
}

#[test]
fn default_type_is_message_and_type_resets_per_event() {
    let got = {
        let mut dec = Decoder::new();
        dec.feed(b"event: x\ndata: 1\n\ndata: 2\n\n");
        let a = dec.next_event().unwrap().unwrap();
        let b = dec.next_event().unwrap().unwrap();
        assert!(a.has_event_type());
        assert!(!b.has_event_type());
        (a.event_type().to_owned(), b.event_type().to_owned())
    };
    assert_eq!(got, ("x".to_owned(), "message".to_owned()));
}

#[test]
fn empty_event_field_means_message() {
    assert_eq!(
        events(b"event: x\nevent\ndata: 1\n\n"),
        vec![ev("message", "1", None)]
    );
}

#[test]
fn event_without_data_is_not_dispatched_and_type_is_dropped() {
    assert_eq!(
        events(b"event: x\n\ndata: 1\n\n"),
        vec![ev("message", "1", None)]
    );
}

#[test]
fn data_without_colon_is_empty_data() {
    assert_eq!(events(b"data\n\n"), vec![ev("message", "", None)]);
    assert_eq!(events(b"data\ndata\n\n"), vec![ev("message", "\n", None)]);
    assert_eq!(events(b"data:\n\n"), vec![ev("message", "", None)]);
}

#[test]
fn space_handling() {
    assert_eq!(
        events(b"data:x\n\ndata: x\n\ndata:  x\n\ndata: \n\ndata:\tx\n\n"),
        vec![
            ev("message", "x", None),
            ev("message", "x", None),
            ev("message", " x", None),
            ev("message", "", None),
            ev("message", "\tx", None),
        ]
    );
    assert_eq!(events(b"event:  t\ndata: x\n\n"), vec![ev(" t", "x", None)]);
}

#[test]
fn field_names_are_exact() {
    // "data " (trailing space), " data", "Data", "dat" and "datas" are unknown.
    assert_eq!(
        events(b"data : a\n data: b\nData: c\ndat: d\ndatas: e\ndata\xC2\xA0: f\n\ndata: g\n\n"),
        vec![ev("message", "g", None)]
    );
}

#[test]
fn value_keeps_later_colons() {
    assert_eq!(
        events(b"data: a: b:c\n\n"),
        vec![ev("message", "a: b:c", None)]
    );
}

#[test]
fn id_persists_and_is_reset_by_empty_value() {
    assert_eq!(
        events(b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 2\n\ndata: d\n\nid:\ndata: e\n\n"),
        vec![
            ev("message", "a", Some("1")),
            ev("message", "b", Some("1")),
            ev("message", "c", None),
            ev("message", "d", Some("2")),
            ev("message", "e", None),
        ]
    );
}

#[test]
fn id_with_nul_is_ignored() {
    assert_eq!(
        events(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n"),
        vec![ev("message", "a", Some("1")), ev("message", "b", Some("1"))]
    );
}

#[test]
fn id_after_data_in_same_frame_applies() {
    assert_eq!(
        events(b"data: a\nid: 9\n\n"),
        vec![ev("message", "a", Some("9"))]
    );
}

#[test]
fn invalid_utf8_id_is_lossy() {
    assert_eq!(
        events(b"id: a\xFF\ndata: x\n\n"),
        vec![ev("message", "x", Some("a\u{FFFD}"))]
    );
}

#[test]
fn last_event_id_is_committed_at_blank_line() {
    let mut dec = Decoder::new();
    dec.feed(b"id: 1\n\nid: 2\ndata: x\n");
    assert!(dec.next_event().is_none());
    assert_eq!(dec.last_event_id(), Some("1"));
    // The unterminated frame never took effect: reconnect with id 1.
    assert_eq!(dec.finish(), Err(SseError::Truncated { pending: 12 }));
    assert_eq!(dec.last_event_id(), Some("1"));
}

#[test]
fn retry_accepts_digits_only() {
    let mut dec = Decoder::new();
    assert_eq!(dec.retry(), None);
    let cases: &[(&[u8], Option<u64>)] = &[
        (b"retry: 1500\n", Some(1500)),
        (b"retry: 1x\n", Some(1500)),
        (b"retry: -1\n", Some(1500)),
        (b"retry: +1\n", Some(1500)),
        (b"retry: 1.5\n", Some(1500)),
        (b"retry:  7\n", Some(1500)),
        (b"retry\n", Some(1500)),
        (b"retry:\n", Some(1500)),
        (b"retry:007\n", Some(7)),
        (b"retry: 0\n", Some(0)),
        (b"retry: 99999999999999999999999999\n", Some(u64::MAX)),
    ];
    for (line, want) in cases {
        dec.feed(line);
        assert!(dec.next_event().is_none());
        assert_eq!(dec.retry(), *want, "{}", String::from_utf8_lossy(line));
    }
}

#[test]
fn unknown_fields_are_ignored() {
    assert_eq!(
        events(b"foo: bar\ndata: a\nretryx: 5\nevents: q\nids: 4\nsomething\n\n"),
        vec![ev("message", "a", None)]
    );
}

#[test]
fn frame_cut_at_eof_is_not_dispatched() {
    let (out, end) = run(&[b"data: a\n\ndata: b\n"]);
    assert_eq!(out, vec![Ok(ev("message", "a", None))]);
    assert_eq!(end, Err(SseError::Truncated { pending: 7 }));
}

#[test]
fn partial_line_at_eof_is_truncated() {
    assert_eq!(
        run(&[b"data: a\n\ndat"]).1,
        Err(SseError::Truncated { pending: 3 })
    );
    assert!(run(&[b": comment without newline"]).1.is_err());
    assert_eq!(
        run(&[b"id: 3\n"]).1,
        Err(SseError::Truncated { pending: 5 })
    );
}

#[test]
fn clean_eof() {
    assert_eq!(run(&[]), (vec![], Ok(())));
    assert_eq!(run(&[b"data: a\n\n"]).1, Ok(()));
    assert_eq!(run(&[b"data: a\r\n\r\n"]).1, Ok(()));
    assert_eq!(run(&[b"data: a\r\n\r"]).1, Ok(()));
    // Comment lines form no event.
    assert_eq!(run(&[b"data: a\n\n: keep-alive\n"]).1, Ok(()));
}

#[test]
fn finish_readies_decoder_for_a_new_stream() {
    let mut dec = Decoder::new();
    let (out, end) = run_with(
        &mut dec,
        &[b"\xEF\xBB\xBFid: 5\nretry: 10\ndata: a\n\ndata: b"],
    );
    assert_eq!(out, vec![Ok(ev("message", "a", Some("5")))]);
    assert_eq!(end, Err(SseError::Truncated { pending: 7 }));
    // A reconnection: stream state survives, the BOM is skipped again.
    let (out, end) = run_with(&mut dec, &[b"\xEF\xBB\xBFdata: c\n\n"]);
    assert_eq!(out, vec![Ok(ev("message", "c", Some("5")))]);
    assert_eq!(end, Ok(()));
    assert_eq!(dec.retry(), Some(10));
    assert_eq!(dec.last_event_id(), Some("5"));
}

#[test]
fn recorded_worker_framing() {
    let input = concat!(
        "event: run-spawn\n",
        "data: {\"type\":\"run-spawn\",\"runId\":\"run_a\",\"agentId\":\"echo\",\"seq\":1}\n",
        "id: 1\n",
        "\n",
        "event: run-output\n",
        "data: {\"type\":\"run-output\",\"runId\":\"run_a\",\"seq\":2,\"text\":\"hi\"}\n",
        "id: 2\n",
        "\n",
        ": keep-alive\n",
        "\n",
        "event: run-exit\n",
        "data: {\"type\":\"run-exit\",\"runId\":\"run_a\",\"seq\":3,\"code\":0}\n",
        "id: 3\n",
        "\n",
    );
    assert_eq!(
        events(input.as_bytes()),
        vec![
            ev(
                "run-spawn",
                r#"{"type":"run-spawn","runId":"run_a","agentId":"echo","seq":1}"#,
                Some("1")
            ),
            ev(
                "run-output",
                r#"{"type":"run-output","runId":"run_a","seq":2,"text":"hi"}"#,
                Some("2")
            ),
            ev(
                "run-exit",
                r#"{"type":"run-exit","runId":"run_a","seq":3,"code":0}"#,
                Some("3")
            ),
        ]
    );
}

#[test]
fn event_new_matches_decoded_event() {
    let mut dec = Decoder::new();
    dec.feed(b"event: ping\ndata: {}\nid: 4\n\n");
    let got = dec.next_event().unwrap().unwrap();
    assert_eq!(got, Event::new("ping", "{}").with_id("4"));
    assert_eq!(got.data_bytes().as_ref(), b"{}");
    assert_eq!(got.into_data().as_ref(), b"{}");
}

#[test]
fn data_keeps_raw_bytes_and_decodes_lossily() {
    let mut dec = Decoder::new();
    dec.feed(b"data: a\xFFb\0c\n\n");
    let e = dec.next_event().unwrap().unwrap();
    assert_eq!(e.data_bytes().as_ref(), b"a\xFFb\0c");
    assert_eq!(e.data(), "a\u{FFFD}b\0c");
}

#[test]
fn many_events_in_one_chunk_and_one_event_over_many_chunks() {
    let mut input = Vec::new();
    for i in 0..1000 {
        input.extend_from_slice(format!("id: {i}\ndata: {i}\n\n").as_bytes());
    }
    let got = events(&input);
    assert_eq!(got.len(), 1000);
    assert_eq!(got[999], ev("message", "999", Some("999")));
}

#[test]
fn buffer_is_released_after_events() {
    let mut dec = Decoder::new();
    for _ in 0..1000 {
        dec.feed(b"event: e\ndata: 0123456789\nid: 1\n\n: c\n");
        while let Some(r) = dec.next_event() {
            r.unwrap();
        }
        assert_eq!(dec.buffered_len(), 0);
    }
}

#[test]
fn multi_line_data_counts_in_buffered_len_until_dispatch() {
    let mut dec = Decoder::new();
    dec.feed(b"data: aaaa\ndata: bbbb\n");
    assert!(dec.next_event().is_none());
    assert_eq!(dec.buffered_len(), 9);
    dec.feed(b"\n");
    assert_eq!(dec.next_event().unwrap().unwrap().data(), "aaaa\nbbbb");
    assert_eq!(dec.buffered_len(), 0);
}

#[test]
fn scanning_is_linear_for_one_byte_chunks() {
    const LEN: usize = 8 * 1024 * 1024;
    let mut dec = Decoder::new();
    let mut input = b"data: ".to_vec();
    input.resize(LEN, b'x');
    input.extend_from_slice(b"\n\n");
    for byte in input.chunks(1) {
        dec.feed(byte);
        while let Some(r) = dec.next_event() {
            assert_eq!(r.unwrap().data_bytes().len(), LEN - 6);
        }
    }
    assert_eq!(dec.finish(), Ok(()));
    assert!(
        dec.scanned_bytes() <= 2 * input.len() as u64,
        "scanned {} bytes for {} input bytes",
        dec.scanned_bytes(),
        input.len()
    );
}

#[test]
fn scanning_is_linear_for_many_short_lines_in_small_chunks() {
    let mut input = Vec::new();
    for i in 0..20_000 {
        input.extend_from_slice(format!("data: {i}\r\n:c\r\n\r\n").as_bytes());
    }
    for size in [1, 3, 7, 64, 4096] {
        let mut dec = Decoder::new();
        let mut n = 0;
        for chunk in input.chunks(size) {
            dec.feed(chunk);
            while let Some(r) = dec.next_event() {
                r.unwrap();
                n += 1;
            }
        }
        assert_eq!(n, 20_000);
        assert!(
            dec.scanned_bytes() <= input.len() as u64,
            "chunk size {size}"
        );
    }
}

#[test]
fn oversized_line_fails_once_with_bounded_memory() {
    const LIMIT: usize = 1024;
    const CHUNK: usize = 100;
    let mut dec = Decoder::with_max_event_size(LIMIT);
    dec.feed(b"data: before\n\ndata: ");
    let mut out = Vec::new();
    let line = vec![b'y'; 100 * 1024];
    for chunk in line.chunks(CHUNK) {
        dec.feed(chunk);
        assert!(
            dec.buffered_len() <= LIMIT + CHUNK,
            "buffered {}",
            dec.buffered_len()
        );
        while let Some(r) = dec.next_event() {
            out.push(r.map(|e| summary(&e)));
        }
    }
    assert_eq!(
        out,
        vec![
            Ok(ev("message", "before", None)),
            Err(SseError::EventTooLarge { limit: LIMIT })
        ]
    );
    assert_eq!(dec.buffered_len(), 0);
    dec.feed(b"\n\ndata: after\n\n");
    assert_eq!(dec.buffered_len(), 0);
    assert!(dec.next_event().is_none());
    assert_eq!(dec.finish(), Ok(()));
    assert!(dec.next_event().is_none());
}

#[test]
fn oversized_event_from_many_small_data_lines() {
    let mut dec = Decoder::with_max_event_size(100);
    let mut errors = 0;
    for _ in 0..50 {
        dec.feed(b"data: 0123456789\n");
        while let Some(r) = dec.next_event() {
            assert_eq!(r, Err(SseError::EventTooLarge { limit: 100 }));
            errors += 1;
        }
    }
    assert_eq!(errors, 1);
}

#[test]
fn events_before_the_error_come_first_within_one_chunk() {
    let mut input = b"data: a\n\ndata: b\n\n".to_vec();
    input.extend(std::iter::repeat_n(b'z', 200));
    input.extend_from_slice(b"\n\ndata: c\n\n");
    let (out, end) = run_with(&mut Decoder::with_max_event_size(64), &[&input]);
    assert_eq!(
        out,
        vec![
            Ok(ev("message", "a", None)),
            Ok(ev("message", "b", None)),
            Err(SseError::EventTooLarge { limit: 64 })
        ]
    );
    assert_eq!(end, Ok(()));
}

#[test]
fn event_at_exactly_the_limit_is_accepted() {
    // The limit covers the event's data and type so far plus the raw line being read.
    let mut dec = Decoder::with_max_event_size(10);
    dec.feed(b"data:12345\n\ndata:123\ndata:12\n\n");
    assert_eq!(dec.next_event().unwrap().unwrap().data(), "12345");
    assert_eq!(dec.next_event().unwrap().unwrap().data(), "123\n12");
    dec.feed(b"data:123456\n\n");
    assert_eq!(
        dec.next_event(),
        Some(Err(SseError::EventTooLarge { limit: 10 }))
    );
}

#[test]
fn default_limit_constant() {
    assert_eq!(DEFAULT_MAX_EVENT_SIZE, 16 * 1024 * 1024);
    let dec = Decoder::default();
    assert_eq!(dec.buffered_len(), 0);
    assert_eq!(dec.last_event_id(), None);
}

#[test]
fn decoder_and_event_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Decoder>();
    assert_send_sync::<Event>();
    assert_send_sync::<SseError>();
}

/// Lines that are not `data` wait aside while cut (comments, unknown
/// fields); chunks fed in place take other paths than copied ones. Each
/// combination stays linear for a long line fed one byte at a time.
#[test]
fn scanning_is_linear_for_every_cut_line_kind_and_feed() {
    const LEN: usize = 2 * 1024 * 1024;
    for prefix in [&b"data: "[..], b": ", b"x-unknown: ", b"data:"] {
        for in_place in [false, true] {
            let mut input = prefix.to_vec();
            input.resize(LEN, b'x');
            input.extend_from_slice(b"\ndata: end\n\n");
            let mut dec = Decoder::new();
            let mut events = 0;
            for byte in input.chunks(1) {
                if in_place {
                    dec.feed_bytes(bytes::Bytes::copy_from_slice(byte));
                } else {
                    dec.feed(byte);
                }
                while let Some(r) = dec.next_frame() {
                    r.unwrap();
                    events += 1;
                }
            }
            assert_eq!(dec.finish(), Ok(()));
            assert_eq!(events, 1, "{prefix:?}");
            assert!(
                dec.scanned_bytes() <= 2 * input.len() as u64,
                "{prefix:?} in place {in_place}: scanned {} bytes for {}",
                dec.scanned_bytes(),
                input.len()
            );
        }
    }
}
