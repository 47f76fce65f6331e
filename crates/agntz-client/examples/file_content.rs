//! Content from files and bytes: run an agent on a local image file and an
//! audio clip held in memory. The client uploads both as artifacts (at most
//! four at a time, with the run's `artifactTtlSeconds` as their lifetime)
//! and sends the run with `artifactId` blocks; a bad block (here a missing
//! file) fails before anything is sent.
//!
//! Runs offline against the in-process mock worker.
//!
//! ```text
//! cargo run -p agntz-client --example file_content
//! ```

use agntz_client::{
    AgntzClient, ContentBlock, ContentErrorKind, Error, ImageDetail, Retention, RunRequest,
};
use agntz_testkit::TestWorker;

/// A 1x1 transparent PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// A tenth of a second of 8 kHz, 8-bit mono silence as a WAV file.
fn wav_silence() -> Vec<u8> {
    let samples = 800u32;
    let mut wav = Vec::with_capacity(44 + samples as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + samples).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes()); // sample rate
    wav.extend_from_slice(&8000u32.to_le_bytes()); // byte rate
    wav.extend_from_slice(&1u16.to_le_bytes()); // block align
    wav.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&samples.to_le_bytes());
    wav.resize(44 + samples as usize, 0x80);
    wav
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let worker = TestWorker::start().await?;
    let client = AgntzClient::new(worker.api_key(), worker.base_url())?;

    let dir = std::env::temp_dir().join(format!("agntz-file-content-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let image = dir.join("pixel.png");
    std::fs::write(&image, PNG)?;

    // The image's media type comes from its extension; the audio's is given.
    let request = RunRequest::new("echo")
        .content([
            ContentBlock::text("What is in this picture, and what do you hear?"),
            ContentBlock::image_file(&image).detail(ImageDetail::Low),
            ContentBlock::audio_bytes(wav_silence(), "audio/wav"),
        ])
        .retention(Retention::new().artifact_ttl_seconds(600));
    let result = client.agents().run(request).await?;
    println!("run {}: {}", result.run_id, result.output);

    // What was sent: the blocks now name artifacts, which the worker keeps
    // until their TTL.
    for sent in worker.requests() {
        println!("sent {} {}", sent.method, sent.path);
        if sent.path == "/run" {
            let body = sent.body_json().ok_or("a JSON run body")?;
            for block in body["content"].as_array().ok_or("content blocks")? {
                if let Some(id) = block["artifactId"].as_str() {
                    let stored = client.artifacts().get(id).await?;
                    println!(
                        "  {} block -> {} ({}, {} bytes, expires {})",
                        block["type"].as_str().unwrap_or("?"),
                        stored.id,
                        stored.media_type,
                        stored.size_bytes,
                        stored.expires_at
                    );
                }
            }
        }
    }

    // A missing file is a typed error, and nothing reaches the worker.
    worker.clear_requests();
    let missing = RunRequest::new("echo").content([
        ContentBlock::image_file(&image),
        ContentBlock::image_file(dir.join("missing.jpg")),
    ]);
    match client.agents().run(missing).await {
        Err(Error::Content(e)) if e.kind() == ContentErrorKind::FileNotFound => {
            println!("refused before sending: {e}");
            assert!(worker.requests().is_empty());
        }
        other => return Err(format!("expected a missing-file error, got {other:?}").into()),
    }

    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
