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

/// Is `c` a CJK character (Han, kana, Hangul, full-width forms)? Lines may
/// break between two of them, and no space joins them.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF |
        0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF |
        0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x2FFFD)
}

/// Chinese punctuation that must not start a line: it stays with the text
/// before it.
fn is_closing(c: char) -> bool {
    "，。、；：！？）」』】》〉〕…％".contains(c)
}

/// Chinese punctuation that must not end a line: it stays with the text
/// after it.
fn is_opening(c: char) -> bool {
    "（「『【《〈〔".contains(c)
}

/// Split styled text into atoms: words, single spaces, single CJK characters
/// (with the Chinese punctuation that must not be parted from them).
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
        let kind = span.kind;
        let mut word = String::new();
        // Opening punctuation waiting for the character it belongs to.
        let mut open = String::new();
        let flush = |word: &mut String, out: &mut Vec<(Kind, String, bool)>| {
            if !word.is_empty() {
                out.push((kind, std::mem::take(word), false));
            }
        };
        for c in span.text.chars() {
            if c.is_whitespace() {
                flush(&mut word, &mut out);
                flush(&mut open, &mut out);
                out.push((kind, " ".to_string(), true));
            } else if is_closing(c) {
                // Onto the word or character before it, when there is one.
                if !word.is_empty() {
                    word.push(c);
                    flush(&mut word, &mut out);
                } else if !open.is_empty() {
                    open.push(c);
                } else {
                    match out.last_mut() {
                        Some((k, t, false)) if *k == kind => t.push(c),
                        _ => out.push((kind, c.to_string(), false)),
                    }
                }
            } else if is_opening(c) {
                flush(&mut word, &mut out);
                open.push(c);
            } else if is_cjk(c) {
                flush(&mut word, &mut out);
                let mut atom = std::mem::take(&mut open);
                atom.push(c);
                out.push((kind, atom, false));
            } else {
                if word.is_empty() {
                    word = std::mem::take(&mut open);
                }
                word.push(c);
            }
        }
        flush(&mut word, &mut out);
        flush(&mut open, &mut out);
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

    /// A Chinese paragraph with inline math, as a note renders it: at every
    /// width no line is too wide and no character is lost (spaces aside;
    /// at width 1 a double-width character cannot be shown at all).
    #[test]
    fn a_chinese_paragraph_with_math_fits_every_width_and_keeps_every_character() {
        let src = "交叉熵 $H(p, q) = -\\sum_x p(x) \\log q(x)$ 等于熵 $H(p)$ 加上 KL 散度 $\\mathrm{KL}(p \\| q)$；所以对 $q$ 最小化交叉熵，就是在最小化 KL 散度（吉布斯不等式保证 $\\mathrm{KL}(p \\| q) \\ge 0$），softmax 的梯度是 $p_i - y_i$。";
        let spans = crate::content::note::inline(src);
        assert!(spans.iter().any(|s| s.kind == Kind::Math));
        let visible = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
        let want: String = spans.iter().map(|s| visible(&s.text)).collect();
        let bullet = [Span::new(Kind::Marker, "• ")];
        let indent = t("  ");
        for w in 1..=60 {
            let lines = wrap(&spans, w, &[], &[]);
            for line in &lines {
                let lw = width(&line_text(line));
                assert!(lw <= w, "width {w}: {lw} columns: {}", line_text(line));
            }
            let got: String = lines.iter().map(|l| visible(&line_text(l))).collect();
            if w >= 2 {
                assert_eq!(got, want, "width {w}");
            } else {
                let narrow: String = want.chars().filter(|&c| char_width(c) <= 1).collect();
                assert_eq!(got, narrow, "width 1 keeps every narrow character");
            }
            // As a list item: the bullet and the indentation fit too.
            for line in wrap(&spans, w, &bullet, &indent) {
                assert!(width(&line_text(&line)) <= w, "width {w}: {line:?}");
            }
        }
    }

    #[test]
    fn chinese_punctuation_never_starts_or_ends_a_line_wrongly() {
        let text = "交叉熵（cross-entropy）常用作分类损失，它等于熵加上 KL 散度。因此，最小化交叉熵就是最小化 KL 散度：这一点在面试中经常被问到！「似然」一词也常出现。";
        for w in 4..=40 {
            let lines = plain(&wrap(&t(text), w, &[], &[]));
            for (i, l) in lines.iter().enumerate() {
                assert!(width(l) <= w, "width {w}: {l}");
                // Below 17 columns `（cross-entropy）` itself is broken.
                if w >= 17 && i > 0 {
                    assert!(!l.starts_with(is_closing), "width {w}: {lines:?}");
                }
                assert!(w < 17 || !l.ends_with(is_opening), "width {w}: {lines:?}");
            }
            assert_eq!(
                lines.concat().replace(' ', ""),
                text.replace(' ', ""),
                "width {w}"
            );
        }
        let l = wrap(&t("很长的一句话，然后结束。"), 6, &[], &[]);
        assert_eq!(plain(&l), vec!["很长的", "一句", "话，然", "后结", "束。"]);
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate("hello", 10), "hello");
        assert_eq!(truncate("hello world", 6), "hello…");
        assert_eq!(truncate("信息论", 4), "信…");
        assert_eq!(truncate("信息论", 0), "");
    }
}

/// Levenshtein distance in characters, for "did you mean".
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The candidate closest to `word` (case-insensitive), if it is close
/// enough to be a typo: at most a third of its length, and at least 2, edits.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod typo_tests {
    use super::closest;

    #[test]
    fn closest_finds_typos_only() {
        let names = ["svm", "iris", "gamma", "breast_cancer"];
        assert_eq!(closest("svn", names), Some("svm"));
        assert_eq!(closest("irsi", names), Some("iris"));
        assert_eq!(closest("gama", names), Some("gamma"));
        assert_eq!(closest("breast-cancer", names), Some("breast_cancer"));
        assert_eq!(closest("kmeans", names), None);
    }
}
