//! Width-aware word wrapping of styled text, terminal-free.
//!
//! Our own instead of ratatui's `Wrap` or the `textwrap` crate: ratatui's
//! wrapper only breaks at spaces (Chinese runs never break) and can panic on
//! wide characters in narrow areas (ratatui #2679); `textwrap` has no notion
//! of styled spans. Rules here: break at spaces, between any two CJK
//! characters, and inside a word only when the word alone is wider than the
//! line. Widths come from `unicode-width`, so a CJK character counts 2.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// What a piece of text is, so a front end can style it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Math,
    Heading,
    Title,
    Dim,
    Label,
    Link,
    Marker,
    Highlight,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub kind: Kind,
    pub text: String,
}

impl Span {
    pub fn new(kind: Kind, text: impl Into<String>) -> Span {
        Span {
            kind,
            text: text.into(),
        }
    }
}

/// A wrapped line: spans whose total width fits the requested width.
pub type Line = Vec<Span>;

pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF |
        0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF |
        0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x2FFFD)
}

/// Split styled text into atoms: words, single spaces, single CJK characters.
/// A math span is one atom, so a short formula is never split across lines.
fn atoms(spans: &[Span]) -> Vec<(Kind, String, bool)> {
    let mut out: Vec<(Kind, String, bool)> = Vec::new();
    for span in spans {
        if span.kind == Kind::Math && !span.text.trim().is_empty() {
            let t = span.text.as_str();
            if t.starts_with(char::is_whitespace) {
                out.push((Kind::Text, " ".to_string(), true));
            }
            out.push((span.kind, t.trim().to_string(), false));
            if t.ends_with(char::is_whitespace) {
                out.push((Kind::Text, " ".to_string(), true));
            }
            continue;
        }
        let mut word = String::new();
        for c in span.text.chars() {
            if c.is_whitespace() {
                if !word.is_empty() {
                    out.push((span.kind, std::mem::take(&mut word), false));
                }
                out.push((span.kind, " ".to_string(), true));
            } else if is_cjk(c) {
                if !word.is_empty() {
                    out.push((span.kind, std::mem::take(&mut word), false));
                }
                out.push((span.kind, c.to_string(), false));
            } else {
                word.push(c);
            }
        }
        if !word.is_empty() {
            out.push((span.kind, word, false));
        }
    }
    out
}

/// Append to the last span of `line` when the kind matches, else push.
fn push(line: &mut Line, kind: Kind, text: &str) {
    match line.last_mut() {
        Some(last) if last.kind == kind => last.text.push_str(text),
        _ => line.push(Span::new(kind, text)),
    }
}

/// Wrap `spans` into lines of at most `width` columns. The first line starts
/// with `first` (e.g. a bullet), later lines with `rest` (its indentation).
/// Width 0 yields no lines. Never panics.
pub fn wrap(spans: &[Span], width_cols: usize, first: &[Span], rest: &[Span]) -> Vec<Line> {
    if width_cols == 0 {
        return Vec::new();
    }
    let prefix_width = |p: &[Span]| p.iter().map(|s| width(&s.text)).sum::<usize>();
    let start_line = |p: &[Span]| -> (Line, usize) {
        let w = prefix_width(p);
        if w >= width_cols {
            (Vec::new(), 0) // no room for the prefix: drop it
        } else {
            (p.to_vec(), w)
        }
    };
    let mut lines = Vec::new();
    let (mut line, mut used) = start_line(first);
    let mut content_on_line = false;
    let mut pending_space: Option<Kind> = None;
    let mut queue: std::collections::VecDeque<_> = atoms(spans).into();
    while let Some((kind, text, is_space)) = queue.pop_front() {
        if kind == Kind::Math && !is_space && text.contains(' ') {
            // A formula too long for the rest of this line moves to the next;
            // one too long for any line is broken at its spaces instead.
            let avail = width_cols.saturating_sub(prefix_width(rest));
            if width(&text) > avail {
                let pieces = atoms(&[Span::new(Kind::Text, text)]);
                for (_, t, sp) in pieces.into_iter().rev() {
                    queue.push_front((Kind::Math, t, sp));
                }
                continue;
            }
        }
        if is_space {
            if content_on_line {
                pending_space = Some(kind);
            }
            continue;
        }
        let w = width(&text);
        let space = usize::from(pending_space.is_some());
        if content_on_line && used + space + w > width_cols {
            lines.push(std::mem::take(&mut line));
            (line, used) = start_line(rest);
            content_on_line = false;
            pending_space = None;
        }
        if let Some(k) = pending_space.take() {
            push(&mut line, k, " ");
            used += 1;
        }
        if used + w <= width_cols {
            push(&mut line, kind, &text);
            used += w;
        } else {
            // A word wider than the line: break it by characters.
            for c in text.chars() {
                let cw = char_width(c);
                if used + cw > width_cols && used > 0 && (content_on_line || !line.is_empty()) {
                    lines.push(std::mem::take(&mut line));
                    (line, used) = start_line(rest);
                    if used + cw > width_cols {
                        // Not even one character fits after the indent: drop it.
                        line.clear();
                        used = 0;
                    }
                }
                if cw > width_cols {
                    continue; // a wide char in a 1-column area cannot be shown
                }
                let mut buf = [0u8; 4];
                push(&mut line, kind, c.encode_utf8(&mut buf));
                used += cw;
                content_on_line = true;
            }
        }
        content_on_line = true;
    }
    if content_on_line || !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The plain text of a line.
pub fn line_text(line: &Line) -> String {
    line.iter().map(|s| s.text.as_str()).collect()
}

/// Cut `s` to at most `max` columns, ending with `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = char_width(c);
        if used + cw + 1 > max {
            break;
        }
        out.push(c);
        used += cw;
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line]) -> Vec<String> {
        lines.iter().map(line_text).collect()
    }

    fn t(s: &str) -> Vec<Span> {
        vec![Span::new(Kind::Text, s)]
    }

    #[test]
    fn wraps_at_spaces() {
        let l = wrap(&t("the quick brown fox jumps"), 10, &[], &[]);
        assert_eq!(plain(&l), vec!["the quick", "brown fox", "jumps"]);
    }

    #[test]
    fn wraps_cjk_between_characters() {
        let l = wrap(&t("隐马尔可夫模型是生成模型"), 8, &[], &[]);
        assert_eq!(plain(&l), vec!["隐马尔可", "夫模型是", "生成模型"]);
        for line in &l {
            assert!(width(&line_text(line)) <= 8);
        }
    }

    #[test]
    fn mixed_and_prefixes() {
        let bullet = [Span::new(Kind::Marker, "• ")];
        let indent = [Span::new(Kind::Text, "  ")];
        let l = wrap(
            &t("information gain (信息增益) picks splits"),
            14,
            &bullet,
            &indent,
        );
        let p = plain(&l);
        assert_eq!(p[0], "• information");
        assert!(p.iter().all(|s| width(s) <= 14), "{p:?}");
        assert!(p[1].starts_with("  "));
    }

    #[test]
    fn inline_math_stays_on_one_line_when_it_fits() {
        let spans = vec![
            Span::new(Kind::Text, "so that "),
            Span::new(Kind::Math, "H(Y | X) ≤ H(Y)"),
            Span::new(Kind::Text, " holds."),
        ];
        let l = wrap(&spans, 20, &[], &[]);
        assert_eq!(plain(&l), vec!["so that", "H(Y | X) ≤ H(Y)", "holds."]);
        // Too long for any line: broken at its spaces, still within width.
        let l = wrap(&spans, 10, &[], &[]);
        assert!(
            l.iter().all(|x| width(&line_text(x)) <= 10),
            "{:?}",
            plain(&l)
        );
        assert!(
            plain(&l).contains(&"H(Y | X) ≤".to_string()),
            "{:?}",
            plain(&l)
        );
    }

    #[test]
    fn long_words_are_broken() {
        let l = wrap(&t("abcdefghij"), 4, &[], &[]);
        assert_eq!(plain(&l), vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn every_width_fits_and_never_panics() {
        let text = "Entropy 熵 H(X) = −∑ₓ p(x) log p(x); 互信息 I(X;Y) ≥ 0 and KL(p‖q) ≥ 0. 隐马尔可夫模型";
        for w in 0..40 {
            for line in wrap(&t(text), w, &[Span::new(Kind::Marker, "• ")], &t("  ")) {
                assert!(width(&line_text(&line)) <= w, "width {w}: {line:?}");
            }
        }
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("hello", 10), "hello");
        assert_eq!(truncate("hello world", 6), "hello…");
        assert_eq!(truncate("信息论", 4), "信…");
        assert_eq!(truncate("信息论", 0), "");
    }
}
