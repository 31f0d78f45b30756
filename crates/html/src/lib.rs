//! HTML escaping for text and quoted attribute values, shared by the
//! console's pages, HQ's printed report (metrics) and the simulator's
//! YouTube `textDisplay`.
//!
//! Hand-written rather than the `html-escape` crate: that crate writes `'`
//! as `&#x27;`, while the console's pages and YouTube's `textDisplay` use
//! `&#39;`, and a dozen lines do not earn a dependency.
//!
//! `Esc` is a `Display` wrapper, so `format!`/`write!` templates escape in
//! place without an intermediate `String`.

use std::fmt::{self, Display};

/// Escapes `&<>"'` for text and quoted attribute values.
pub struct Esc<'a>(pub &'a str);

pub fn esc(s: &str) -> Esc<'_> {
    Esc(s)
}

impl Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut last = 0;
        for (i, c) in self.0.char_indices() {
            let rep = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => continue,
            };
            f.write_str(&self.0[last..i])?;
            f.write_str(rep)?;
            last = i + c.len_utf8();
        }
        f.write_str(&self.0[last..])
    }
}
