//! Large bodies without a `Content-Length`, sent in many HTTP chunks: the
//! client keeps them as the chunks it read and decodes across them (a body
//! this size is never joined); the value, or the typed error, is the one
//! the same body gives in one piece.

use agntz_proto::types::RunFilter;
use agntz_proto::{Error, Transport};

use crate::server::{Reply, Server};
use crate::{client, Make, KEY};

/// A run record whose `input` is `len` bytes long, with escapes and
/// multi-byte characters all along it.
fn big_run(len: usize) -> (String, String) {
    let unit = "caf\u{e9} \u{2713} \u{1f600} ";
    let mut input = String::new();
    while input.len() < len {
        input.push_str(unit);
        input.push_str("\"quoted\" \\ ");
    }
    let body = serde_json::json!({
        "id": "run_1", "rootId": "run_1", "agentId": "a", "status": "completed",
        "input": input, "startedAt": 1, "depth": 0,
    })
    .to_string();
    (body, input)
}

pub async fn a_large_json_body_in_chunks_decodes<T: Transport>(make: Make<T>) {
    let (body, input) = big_run(1 << 20);
    for size in [16 * 1024, 1000, 100] {
        let body = body.clone();
        let server = Server::start(move |_, _| {
            Reply::with(200, "application/json", body.clone()).in_chunks(size)
        })
        .await;
        let client = client(make, &server.base_url(), 0);
        let run = client.runs().get("run_1").await.expect("the run");
        assert_eq!(run.id, "run_1", "{size} B chunks");
        assert!(run.input == input, "{size} B chunks: input differs");
    }
}

pub async fn a_large_page_in_chunks_decodes<T: Transport>(make: Make<T>) {
    let row = r#"{"id":"run_\u00e9","rootId":"r","agentId":"a","status":"completed","input":"x","startedAt":1,"depth":0}"#;
    let rows = (1 << 20) / row.len();
    let body = format!(
        r#"{{"rows":[{}],"cursor":"next"}}"#,
        vec![row; rows].join(",")
    );
    let server = Server::start(move |_, _| {
        Reply::with(200, "application/json", body.clone()).in_chunks(4000)
    })
    .await;
    let client = client(make, &server.base_url(), 0);
    let page = client
        .runs()
        .list(RunFilter::new())
        .await
        .expect("the page");
    assert_eq!(page.rows.len(), rows);
    assert!(page.rows.iter().all(|r| r.id == "run_\u{e9}"));
    assert_eq!(page.next_cursor.as_deref(), Some("next"));
}

pub async fn a_large_error_body_in_chunks_is_a_typed_error<T: Transport>(make: Make<T>) {
    let details = "d".repeat(1 << 20);
    let body = format!(r#"{{"error":"too much","code":"BIG","details":"{details}"}}"#);
    let server = Server::start(move |_, _| {
        Reply::with(409, "application/json", body.clone()).in_chunks(8000)
    })
    .await;
    let client = client(make, &server.base_url(), 0);
    let err = client.runs().get("run_1").await.expect_err("409");
    let api = err.api().expect("an API error");
    assert_eq!(
        (api.message.as_str(), err.code()),
        ("too much", Some("BIG"))
    );
    assert_eq!(
        api.details.as_ref().and_then(|d| d.as_str()).map(str::len),
        Some(1 << 20)
    );
}

pub async fn a_large_bad_body_in_chunks_keeps_a_bounded_scrubbed_prefix<T: Transport>(
    make: Make<T>,
) {
    // Not JSON, with the key echoed across the point where the kept
    // prefix ends (64 KiB).
    let mut body = "x".repeat(64 * 1024 - 17);
    body.push_str(KEY);
    body.push_str(&"y".repeat(1 << 20));
    let server = Server::start(move |_, _| {
        Reply::with(200, "application/json", body.clone()).in_chunks(16 * 1024)
    })
    .await;
    let client = client(make, &server.base_url(), 0);
    let err = client.runs().get("run_1").await.expect_err("not JSON");
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert!(
        decode.body.len() <= 64 * 1024,
        "kept {} bytes",
        decode.body.len()
    );
    assert!(decode.body.starts_with(b"xxxx"));
    let shown = format!("{err:?} {:?}", String::from_utf8_lossy(&decode.body));
    assert!(!shown.contains("s3"), "the cut key survived: {shown}");
}
