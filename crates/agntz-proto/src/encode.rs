//! Percent-encoding of path segments and form-encoding of query strings.

use std::fmt;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986 unreserved characters is encoded, so an id such as
/// `run/has slash` or `x?y#z` stays one path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A path segment, percent-encoded when displayed.
///
/// `.` and `..` cannot be sent as segments at all (URL parsers resolve them,
/// even as `%2E%2E`); operations reject such ids before encoding.
pub struct Segment<'a>(pub &'a str);

impl fmt::Display for Segment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&utf8_percent_encode(self.0, SEGMENT), f)
    }
}

/// Appends `?k=v&...` (form-encoded: space as `+`) when `pairs` is non-empty;
/// nothing at all otherwise (no bare `?`).
pub fn append_query<'a, I>(path: &mut String, pairs: I)
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut pairs = pairs.into_iter().peekable();
    if pairs.peek().is_none() {
        return;
    }
    path.push('?');
    let start = path.len();
    let mut ser = form_urlencoded::Serializer::for_suffix(std::mem::take(path), start);
    ser.extend_pairs(pairs);
    *path = ser.finish();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_stay_one_segment() {
        let cases = [
            ("run_abc", "run_abc"),
            ("run/has slash", "run%2Fhas%20slash"),
            ("../admin", "..%2Fadmin"),
            ("x?y#z", "x%3Fy%23z"),
            ("...", "..."),
            ("a%b", "a%25b"),
            ("héllo", "h%C3%A9llo"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(Segment(raw).to_string(), want, "{raw}");
        }
    }

    #[test]
    fn query_is_form_encoded_and_omitted_when_empty() {
        let mut p = String::from("/runs");
        append_query(&mut p, std::iter::empty());
        assert_eq!(p, "/runs");
        append_query(&mut p, [("agentId", "alpha/beta"), ("q", "a b")]);
        assert_eq!(p, "/runs?agentId=alpha%2Fbeta&q=a+b");
    }
}
