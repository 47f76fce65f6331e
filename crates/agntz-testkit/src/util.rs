//! Small helpers: identifiers, clocks, cancellable waits, timestamps,
//! base64url and JSON values and errors.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

static RNG_STATE: AtomicU64 = AtomicU64::new(0);
static LAST_MS: AtomicU64 = AtomicU64::new(0);

/// A non-cryptographic random `u64` (splitmix64 over a time-seeded counter).
pub(crate) fn random_u64() -> u64 {
    if RNG_STATE.load(Ordering::Relaxed) == 0 {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15)
            ^ (std::process::id() as u64).rotate_left(32);
        let _ = RNG_STATE.compare_exchange(0, seed | 1, Ordering::Relaxed, Ordering::Relaxed);
    }
    let mut z = RNG_STATE
        .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const NANOID_ALPHABET: &[u8; 64] =
    b"ModuleSymbhasOwnPr-0123456789ABCDEFGHNRVfgctiUvz_KqYTJkLxpZXIjQW";

/// `len` random characters from the URL-safe nanoid alphabet.
pub(crate) fn nanoid(len: usize) -> String {
    (0..len)
        .map(|_| NANOID_ALPHABET[(random_u64() % 64) as usize] as char)
        .collect()
}

/// `len` random lower-case hex characters.
pub(crate) fn hex(len: usize) -> String {
    (0..len)
        .map(|_| char::from_digit((random_u64() % 16) as u32, 16).unwrap_or('0'))
        .collect()
}

/// Current wall-clock time in epoch milliseconds.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Strictly increasing epoch milliseconds (ties are bumped by 1 ms) so that
/// "newest first" orderings are stable even for runs started in the same ms.
pub(crate) fn monotonic_ms() -> u64 {
    let now = now_ms();
    let mut last = LAST_MS.load(Ordering::Relaxed);
    loop {
        let next = if now > last { now } else { last + 1 };
        match LAST_MS.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(actual) => last = actual,
        }
    }
}

/// Waits `delay` in steps of at most 10 ms, asking `running` before each
/// step (so a cancel is seen within 10 ms); `false` as soon as it says no.
pub(crate) async fn sleep_while(delay: Duration, mut running: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + delay;
    loop {
        if !running() {
            return false;
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return true;
        }
        tokio::time::sleep((deadline - now).min(Duration::from_millis(10))).await;
    }
}

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ` (like JS `toISOString`).
pub(crate) fn iso(ms: u64) -> String {
    let secs = ms / 1000;
    let millis = ms % 1000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = (z - era * 146_097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = (y - era * 400) as u64;
    let mp = if m > 2 { m - 3 } else { m + 9 } as u64;
    let doy = (153 * mp + 2) / 5 + d as u64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe as i64 - 719_468
}

/// Parses an ISO-8601 UTC timestamp (`YYYY-MM-DD[THH:MM[:SS[.fff]]][Z]`) to epoch ms.
pub(crate) fn parse_iso(s: &str) -> Option<u64> {
    let s = s.trim().trim_end_matches('Z');
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut dp = date.split('-');
    let y: i64 = dp.next()?.parse().ok()?;
    let m: u32 = dp.next()?.parse().ok()?;
    let d: u32 = dp.next()?.parse().ok()?;
    if dp.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms_of_day = 0u64;
    if let Some(t) = time {
        let (hms, frac) = match t.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (t, None),
        };
        let mut tp = hms.split(':');
        let h: u64 = tp.next()?.parse().ok()?;
        let mi: u64 = tp.next().unwrap_or("0").parse().ok()?;
        let se: u64 = tp.next().unwrap_or("0").parse().ok()?;
        let mut frac_ms = 0u64;
        if let Some(f) = frac {
            let digits: String = f.chars().take(3).collect();
            let padded = format!("{digits:0<3}");
            frac_ms = padded.parse().ok()?;
        }
        ms_of_day = ((h * 60 + mi) * 60 + se) * 1000 + frac_ms;
    }
    let days = days_from_civil(y, m, d);
    if days < 0 {
        return None;
    }
    Some(days as u64 * 86_400_000 + ms_of_day)
}

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Unpadded base64url encoding.
pub(crate) fn b64url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = ((b[0] as u32) << 16) | ((b[1] as u32) << 8) | b[2] as u32;
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(B64URL[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes base64url (padding optional); `None` when malformed.
pub(crate) fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = B64URL.iter().position(|&x| x == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// A string value, unless absent, not a string, or empty.
pub(crate) fn non_empty_str(v: Option<&serde_json::Value>) -> Option<String> {
    v.and_then(serde_json::Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A raw JSON `null`.
pub(crate) fn raw_null() -> Box<serde_json::value::RawValue> {
    serde_json::value::RawValue::from_string("null".to_string()).expect("null is valid JSON")
}

/// Raw JSON for any serializable value (`null` if it cannot be serialized).
pub(crate) fn raw<T: serde::Serialize + ?Sized>(v: &T) -> Box<serde_json::value::RawValue> {
    serde_json::value::to_raw_value(v).unwrap_or_else(|_| raw_null())
}

/// Parses a request body as JSON, returning a JavaScript-style parser message on failure
/// (the reference worker answers such bodies with 500 and the parser's message).
pub(crate) fn parse_json_body(body: &[u8]) -> Result<serde_json::Value, String> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(v) => Ok(v),
        Err(e) => {
            let text = String::from_utf8_lossy(body);
            let trimmed = text.trim_end();
            if trimmed.is_empty() {
                return Err("Unexpected end of JSON input".to_string());
            }
            if e.is_eof() {
                if trimmed.ends_with(',') || trimmed.ends_with('{') {
                    return Err(format!(
                        "Expected double-quoted property name in JSON at position {}",
                        text.len()
                    ));
                }
                return Err("Unexpected end of JSON input".to_string());
            }
            let pos = byte_offset(&text, e.line(), e.column());
            Err(format!("Unexpected token in JSON at position {pos}"))
        }
    }
}

fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            return offset + column.saturating_sub(1);
        }
        offset += l.len() + 1;
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_roundtrip() {
        assert_eq!(iso(1_795_896_514_194), "2026-11-28T20:08:34.194Z");
        assert_eq!(
            parse_iso("2026-11-28T20:08:34.194Z"),
            Some(1_795_896_514_194)
        );
        assert_eq!(parse_iso("2026-01-01"), Some(1_767_225_600_000));
        assert_eq!(parse_iso("nope"), None);
    }

    #[test]
    fn base64url_roundtrip() {
        let s = r#"{"startedAt":1795896514137,"id":"run_RbO5hHdQP-2m"}"#;
        let enc = b64url_encode(s.as_bytes());
        assert_eq!(
            enc,
            "eyJzdGFydGVkQXQiOjE3OTU4OTY1MTQxMzcsImlkIjoicnVuX1JiTzVoSGRRUC0ybSJ9"
        );
        assert_eq!(b64url_decode(&enc).unwrap(), s.as_bytes());
        assert!(b64url_decode("!!").is_none());
    }

    #[test]
    fn json_errors_look_like_javascript() {
        assert_eq!(
            parse_json_body(br#"{"agentId":"echo","#).unwrap_err(),
            "Expected double-quoted property name in JSON at position 18"
        );
        assert_eq!(
            parse_json_body(b"").unwrap_err(),
            "Unexpected end of JSON input"
        );
    }
}
