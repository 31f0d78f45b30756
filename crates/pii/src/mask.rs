//! The one masking of personal data. Classify blanks the spans it found so
//! features, reasons and rumour signatures never see the values; the console
//! labels the spans the classifier sent, because operators answer publicly
//! and must not copy a phone number or an Aadhaar number into a reply, and
//! screens are seen over shoulders.

/// How a masked span is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cover {
    /// Spaces, byte for byte, so every offset after the span still holds.
    Blank,
    /// `[kind]`, for a person to read.
    Label,
}

impl Cover {
    fn write(self, out: &mut String, kind: &str, bytes: usize) {
        match self {
            Cover::Blank => out.extend(std::iter::repeat_n(' ', bytes)),
            Cover::Label => {
                out.push('[');
                out.push_str(kind);
                out.push(']');
            }
        }
    }
}

/// `text` with every span covered. A span is `(start, end, kind)`: UTF-8
/// byte offsets and the kind's slug, in any order. One that is out of range,
/// overlaps the one before or is not on a character boundary (spans may come
/// off the wire) covers from its start to the end of the text rather than
/// risking a leak.
pub fn mask<'k>(text: &str, spans: impl IntoIterator<Item = (usize, usize, &'k str)>, cover: Cover) -> String {
    let mut spans: Vec<(usize, usize, &str)> = spans.into_iter().collect();
    spans.sort_by_key(|s| s.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for (start, end, kind) in spans {
        let valid = start >= at && start <= end && end <= text.len();
        if !valid || !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            let start = start.min(text.len());
            let from = if start >= at && text.is_char_boundary(start) { start } else { at };
            out.push_str(&text[at..from]);
            cover.write(&mut out, kind, text.len() - from);
            return out;
        }
        out.push_str(&text[at..start]);
        cover.write(&mut out, kind, end - start);
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_spans_in_devanagari_text() {
        let text = "मेरा नंबर 9829012345 है";
        let start = text.find('9').unwrap();
        assert_eq!(mask(text, [(start, start + 10, "phone")], Cover::Label), "मेरा नंबर [phone] है");
    }

    #[test]
    fn blanking_keeps_offsets() {
        let text = "नंबर 9829012345 पर, UPI a@okaxis";
        let masked = mask(text, crate::detect(text).iter().map(crate::PiiSpan::parts), Cover::Blank);
        assert_eq!(masked.len(), text.len());
        assert_eq!(masked, format!("नंबर {} पर, UPI {}", " ".repeat(10), " ".repeat(8)));
    }

    #[test]
    fn a_bad_span_masks_the_rest_instead_of_leaking() {
        let text = "call 98290 12345 now";
        assert_eq!(mask(text, [(5, 99, "phone")], Cover::Label), "call [phone]");
        assert_eq!(mask(text, [(5, 99, "phone")], Cover::Blank), format!("call {}", " ".repeat(15)));
        // Inside a multi-byte character.
        assert_eq!(mask("नंबर", [(1, 3, "phone")], Cover::Label), "[phone]");
        // Overlapping the span before.
        assert_eq!(mask(text, [(5, 10, "phone"), (8, 16, "phone")], Cover::Label), "call [phone][phone]");
        assert_eq!(mask("no data", [], Cover::Label), "no data");
    }
}
