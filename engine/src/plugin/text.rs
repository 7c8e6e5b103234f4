//! Text that crosses the plugin boundary: what a plugin may return, and how text the host
//! cannot refuse (names in a trap's backtrace) is made safe to print.
//!
//! Terminal escapes (ESC, OSC titles), carriage returns and line breaks in a table cell, and
//! bidirectional overrides that make text read differently than it is stored are all ways for
//! a plugin to forge what an auditor sees. Plugin results with such characters are refused;
//! host messages that quote plugin-controlled names escape them.

/// Characters that change how text is displayed rather than what it says: the C0 and C1
/// controls, DEL, and the Unicode bidirectional formatting characters.
pub(crate) fn is_forbidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

/// Text a plugin may return: not blank, at most `max` bytes, no forbidden character.
pub(crate) fn check(text: &str, max: usize) -> Result<(), &'static str> {
    if text.trim().is_empty() {
        Err("is empty")
    } else if text.len() > max {
        Err("is longer than the limit (`max_text`)")
    } else if text.chars().any(is_forbidden) {
        Err("holds control or bidirectional formatting characters")
    } else {
        Ok(())
    }
}

/// One line of printable text: line breaks become `; `, other forbidden characters are
/// written as `\u{..}` escapes, and the result is cut at `max` bytes (on a char boundary).
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    let mut pending_break = false;
    for c in text.chars() {
        if out.len() >= max {
            out.push('…');
            break;
        }
        if c == '\n' || c == '\r' {
            pending_break = !out.is_empty();
            continue;
        }
        if pending_break {
            out.push_str("; ");
            pending_break = false;
        }
        if is_forbidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_escapes_line_breaks_and_bidi_overrides() {
        for bad in [
            "\u{1b}[2J cleared",
            "\u{1b}]0;title\u{7}",
            "a\r\nb",
            "tab\there",
            "\u{202E}txt.exe",
            "\u{9b}31m",
        ] {
            assert!(check(bad, 100).is_err(), "{bad:?}");
        }
        assert!(check("Plain text, with ünïcödé — fine.", 100).is_ok());
        assert_eq!(check("   ", 100), Err("is empty"));
        assert!(check("long", 3).is_err());
    }

    #[test]
    fn one_line_escapes_and_joins_lines() {
        assert_eq!(
            one_line("error while executing\n  0: \u{1b}[31mevil\r\n", 200),
            "error while executing; 0: \\u{1b}[31mevil"
        );
        assert!(one_line(&"x".repeat(100), 10).len() < 20);
    }
}
