//! Text inside HTML and XML (the HTML report, `check --format junit`): one escaper for both.

/// `text` as the content of an element or a quoted attribute: `&`, `<`, `>`, `"` and `'` as
/// entities, and the control characters XML 1.0 cannot hold at all (all but tab, newline and
/// carriage return) as U+FFFD, so that the document always parses.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() && (c as u32) < 0x20 => out.push('\u{fffd}'),
            '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_characters_xml_cannot_hold_are_escaped() {
        let cases = [
            ("plain", "plain"),
            (
                "<script>a&b</script>",
                "&lt;script&gt;a&amp;b&lt;/script&gt;",
            ),
            ("say \"hi\" 'x'", "say &quot;hi&quot; &#39;x&#39;"),
            ("bell\u{7}esc\u{1b}", "bell\u{fffd}esc\u{fffd}"),
            ("tab\tline\n", "tab\tline\n"),
            ("\u{202e}kept", "\u{202e}kept"),
        ];
        for (text, escaped) in cases {
            assert_eq!(escape(text), escaped, "{text:?}");
        }
    }
}
