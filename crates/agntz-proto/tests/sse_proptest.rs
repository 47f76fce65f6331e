//! Property tests: chunking never changes the result, and the decoder
//! agrees with a naive whole-input model of the WHATWG rules.

use agntz_proto::sse::{Decoder, SseError};
use proptest::prelude::*;
use proptest::sample::Index;

/// Everything observable about one decoding run.
#[derive(Debug, PartialEq, Eq)]
struct Run {
    items: Vec<Result<Item, SseError>>,
    end: Result<(), SseError>,
    retry: Option<u64>,
    last_event_id: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
struct Item {
    event_type: String,
    has_type: bool,
    data: Vec<u8>,
    id: Option<String>,
}

/// Feeds `input` cut at `cuts` (sorted positions), draining after each chunk.
fn run(input: &[u8], cuts: &[usize], max: usize) -> Run {
    let mut dec = Decoder::with_max_event_size(max);
    let mut items = Vec::new();
    let mut from = 0;
    for &to in cuts.iter().chain(std::iter::once(&input.len())) {
        dec.feed(&input[from..to]);
        from = to;
        while let Some(r) = dec.next_event() {
            items.push(r.map(|e| Item {
                event_type: e.event_type().to_owned(),
                has_type: e.has_event_type(),
                data: e.data_bytes().to_vec(),
                id: e.id().map(str::to_owned),
            }));
        }
    }
    let end = dec.finish();
    Run {
        items,
        end,
        retry: dec.retry(),
        last_event_id: dec.last_event_id().map(str::to_owned),
    }
}

fn cut_points(len: usize, idx: &[Index]) -> Vec<usize> {
    let mut cuts: Vec<usize> = idx.iter().map(|i| i.index(len + 1)).collect();
    cuts.sort_unstable();
    cuts
}

/// A direct transcription of the WHATWG algorithm over the whole input.
fn reference(input: &[u8]) -> Run {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'\n' => {
                lines.push(&input[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&input[start..i]);
                if input.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let tail = &input[start..];

    let lossy = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (mut data, mut event_type, mut id_buf) = (Vec::new(), Vec::new(), Vec::new());
    let (mut last_id, mut retry, mut frame_bytes) = (Vec::new(), None, 0);
    let mut items = Vec::new();
    for line in lines {
        if line.is_empty() {
            last_id = id_buf.clone();
            frame_bytes = 0;
            if data.is_empty() {
                event_type.clear();
                continue;
            }
            data.pop();
            items.push(Ok(Item {
                event_type: if event_type.is_empty() {
                    "message".to_owned()
                } else {
                    lossy(&event_type)
                },
                has_type: !event_type.is_empty(),
                data: std::mem::take(&mut data),
                id: (!last_id.is_empty()).then(|| lossy(&last_id)),
            }));
            event_type.clear();
            continue;
        }
        if line[0] == b':' {
            continue;
        }
        frame_bytes += line.len();
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(c) => {
                let v = &line[c + 1..];
                (&line[..c], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match name {
            b"event" => event_type = value.to_vec(),
            b"data" => {
                data.extend_from_slice(value);
                data.push(b'\n');
            }
            b"id" if !value.contains(&0) => id_buf = value.to_vec(),
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                retry = Some(value.iter().fold(0u64, |n, d| {
                    n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                }));
            }
            _ => {}
        }
    }
    let pending = frame_bytes + tail.len();
    Run {
        items,
        end: if pending == 0 {
            Ok(())
        } else {
            Err(SseError::Truncated { pending })
        },
        retry,
        last_event_id: (!last_id.is_empty()).then(|| lossy(&last_id)),
    }
}

/// Bytes from an alphabet dense in SSE syntax.
fn sse_ish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let alphabet: Vec<u8> = b"\r\n\r\n: :dataeventidretry0123\0\xEF\xBB\xBF\xFFx".to_vec();
    prop::collection::vec(prop::sample::select(alphabet), 0..300)
}

/// Streams built from a grammar of SSE lines with random line endings.
fn sse_lines() -> impl Strategy<Value = Vec<u8>> {
    let name = prop::sample::select(vec![
        "data",
        "data",
        "data",
        "event",
        "id",
        "retry",
        "",
        ":",
        ": comment",
        "dat",
        "data ",
        "\u{FEFF}data",
        "foo",
        "Data",
    ]);
    let sep = prop::sample::select(vec![":", ": ", ":  ", "", ":\t"]);
    let value = prop::sample::select(vec![
        "",
        "x",
        "run-spawn",
        "{\"seq\":1}",
        "12",
        "007",
        "1x",
        " ",
        "a\0b",
        "\u{2603}",
        "\u{FFFD}",
        "a:b",
    ]);
    let eol = prop::sample::select(vec!["\n", "\r", "\r\n", "\n\n", "\r\r", "\r\n\r\n"]);
    let line = (name, sep, value, eol).prop_map(|(n, s, v, e)| format!("{n}{s}{v}{e}"));
    (
        any::<bool>(),
        prop::collection::vec(line, 0..40),
        0usize..3,
        any::<bool>(),
    )
        .prop_map(|(bom, lines, cut_tail, invalid)| {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
            for l in &lines {
                out.extend_from_slice(l.as_bytes());
            }
            if invalid {
                out.extend_from_slice(b"data: \xC3(\xFF\n\n");
            }
            // Sometimes end mid-line or mid-frame.
            out.truncate(out.len().saturating_sub(cut_tail));
            out
        })
}

fn limits() -> impl Strategy<Value = usize> {
    prop_oneof![Just(agntz_proto::sse::DEFAULT_MAX_EVENT_SIZE), 0usize..40]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn chunking_is_invisible_for_grammar_streams(
        input in sse_lines(),
        idx in prop::collection::vec(any::<Index>(), 0..10),
        max in limits(),
    ) {
        let cuts = cut_points(input.len(), &idx);
        prop_assert_eq!(run(&input, &cuts, max), run(&input, &[], max));
    }

    #[test]
    fn chunking_is_invisible_for_sse_ish_bytes(
        input in sse_ish_bytes(),
        idx in prop::collection::vec(any::<Index>(), 0..10),
        max in limits(),
    ) {
        let cuts = cut_points(input.len(), &idx);
        prop_assert_eq!(run(&input, &cuts, max), run(&input, &[], max));
    }

    #[test]
    fn byte_at_a_time_matches_whole(input in sse_lines(), max in limits()) {
        let cuts: Vec<usize> = (0..=input.len()).collect();
        prop_assert_eq!(run(&input, &cuts, max), run(&input, &[], max));
    }

    #[test]
    fn matches_reference_model_for_grammar_streams(
        input in sse_lines(),
        idx in prop::collection::vec(any::<Index>(), 0..10),
    ) {
        let cuts = cut_points(input.len(), &idx);
        prop_assert_eq!(run(&input, &cuts, usize::MAX), reference(&input));
    }

    #[test]
    fn matches_reference_model_for_sse_ish_bytes(input in sse_ish_bytes()) {
        prop_assert_eq!(run(&input, &[], usize::MAX), reference(&input));
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        input in prop::collection::vec(any::<u8>(), 0..1024),
        idx in prop::collection::vec(any::<Index>(), 0..10),
        max in limits(),
    ) {
        let cuts = cut_points(input.len(), &idx);
        prop_assert_eq!(run(&input, &cuts, max), run(&input, &[], max));
    }

    #[test]
    fn arbitrary_bytes_match_reference(input in prop::collection::vec(any::<u8>(), 0..512)) {
        prop_assert_eq!(run(&input, &[], usize::MAX), reference(&input));
    }

    #[test]
    fn errors_are_final(input in sse_lines(), max in 0usize..40) {
        let got = run(&input, &[], max);
        if let Some(pos) = got.items.iter().position(Result::is_err) {
            prop_assert_eq!(pos, got.items.len() - 1, "nothing after an error");
            prop_assert_eq!(&got.items[pos], &Err(SseError::EventTooLarge { limit: max }));
            prop_assert_eq!(got.end, Ok(()));
        }
    }
}
