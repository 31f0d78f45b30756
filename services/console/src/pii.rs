//! Personal data the classifier found in a post, masked before it is shown:
//! operators answer publicly and must not copy a phone number or an Aadhaar
//! number into a reply, and screens are seen over shoulders.

use tvarit_proto::v1::PiiSpan;

/// The text with every span replaced by `[kind]`. Spans are UTF-8 byte
/// offsets; one that is out of range, overlapping or not on a character
/// boundary masks from its start to the end of the text rather than
/// risking a leak.
pub fn mask(text: &str, spans: &[PiiSpan]) -> String {
    let mut spans: Vec<&PiiSpan> = spans.iter().collect();
    spans.sort_by_key(|s| s.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for s in spans {
        let (start, end) = (s.start as usize, s.end as usize);
        let valid = start >= at && start <= end && end <= text.len();
        if !valid || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            let from =
                if start >= at && text.is_char_boundary(start.min(text.len())) { start.min(text.len()) } else { at };
            out.push_str(&text[at..from]);
            out.push_str(&format!("[{}]", s.kind));
            return out;
        }
        out.push_str(&text[at..start]);
        out.push_str(&format!("[{}]", s.kind));
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(kind: &str, start: u32, end: u32) -> PiiSpan {
        PiiSpan { kind: kind.into(), start, end }
    }

    #[test]
    fn masks_spans_in_devanagari_text() {
        let text = "मेरा नंबर 9829012345 है";
        let start = text.find('9').unwrap() as u32;
        assert_eq!(mask(text, &[span("phone", start, start + 10)]), "मेरा नंबर [phone] है");
    }

    #[test]
    fn a_bad_span_masks_the_rest_instead_of_leaking() {
        let text = "call 98290 12345 now";
        assert_eq!(mask(text, &[span("phone", 5, 99)]), "call [phone]");
        // Inside a multi-byte character.
        assert_eq!(mask("नंबर", &[span("phone", 1, 3)]), "[phone]");
        assert_eq!(mask("no data", &[]), "no data");
    }
}
