//! A topic as a readable note: the body's light markup (paragraphs, `## `
//! headings, `- ` bullets, `1. ` items, `$…$` and `$$…$$` math) turned into
//! blocks, then wrapped to any width. Used by the TUI reader and `mlwb show`.
//!
//! Prose is shown in the chosen [`Lang`]; for `Both`, the whole Chinese
//! text, a rule, then the whole English text (short fields: two lines).
//! Titles always show both languages: they name the topic.

use super::{Library, Text, Topic};
use crate::mathtext;
use crate::settings::Lang;
use crate::text::{self, Kind, Line, Span};

/// A block of a note before wrapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A paragraph or list item: `first` prefixes the first line (a bullet),
    /// `rest` the following ones (the matching indentation).
    Para {
        spans: Vec<Span>,
        first: Vec<Span>,
        rest: Vec<Span>,
    },
    Heading(String),
    /// A display formula, on its own indented line(s).
    Math(String),
    /// A horizontal rule across the width (between the Chinese and the
    /// English of a text shown in both languages).
    Rule,
    Blank,
}

fn para(spans: Vec<Span>) -> Block {
    Block::Para {
        spans,
        first: Vec::new(),
        rest: Vec::new(),
    }
}

/// Prose with inline `$…$` math as spans.
pub fn inline(text: &str) -> Vec<Span> {
    mathtext::split_inline(text)
        .into_iter()
        .map(|(math, s)| Span::new(if math { Kind::Math } else { Kind::Text }, s))
        .collect()
}

/// Parse the light markup of a body or interview text into blocks.
pub fn markup(src: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    // Items: (prefix, indent, text). A blank line ends a paragraph.
    let mut current: Option<(String, String)> = None; // (marker, text)
    let flush = |cur: &mut Option<(String, String)>, blocks: &mut Vec<Block>| {
        if let Some((marker, body)) = cur.take() {
            let body = body.trim().to_string();
            if marker.is_empty()
                && body.starts_with("$$")
                && body.ends_with("$$")
                && body.len() >= 4
            {
                blocks.push(Block::Math(mathtext::to_unicode(&body[2..body.len() - 2])));
            } else if marker.is_empty() {
                blocks.push(para(inline(&body)));
            } else {
                let indent = " ".repeat(text::width(&marker));
                blocks.push(Block::Para {
                    spans: inline(&body),
                    first: vec![Span::new(Kind::Marker, marker)],
                    rest: vec![Span::new(Kind::Text, indent)],
                });
            }
        }
    };
    for raw in src.lines() {
        let line = raw.trim();
        if line.is_empty() {
            flush(&mut current, &mut blocks);
            continue;
        }
        if let Some(h) = line
            .strip_prefix("## ")
            .or_else(|| line.strip_prefix("### "))
        {
            flush(&mut current, &mut blocks);
            blocks.push(Block::Heading(h.trim().to_string()));
            continue;
        }
        let item = if let Some(rest) = line.strip_prefix("- ").or_else(|| line.strip_prefix("* ")) {
            Some(("• ".to_string(), rest))
        } else {
            numbered(line).map(|(n, rest)| (format!("{n}. "), rest))
        };
        match item {
            Some((marker, rest)) => {
                flush(&mut current, &mut blocks);
                current = Some((marker, rest.to_string()));
            }
            None => match &mut current {
                Some((_, body)) => {
                    // Chinese runs on without a space across a line break.
                    let cjk_join = body.ends_with(text::is_cjk) && line.starts_with(text::is_cjk);
                    if !cjk_join {
                        body.push(' ');
                    }
                    body.push_str(line);
                }
                None => current = Some((String::new(), line.to_string())),
            },
        }
    }
    flush(&mut current, &mut blocks);
    // Blank lines between paragraphs, none between consecutive list items.
    let mut out = Vec::with_capacity(blocks.len() * 2);
    let mut prev_item = false;
    for b in blocks {
        let is_item = matches!(&b, Block::Para { first, .. } if !first.is_empty());
        if !(out.is_empty() || is_item && prev_item) {
            out.push(Block::Blank);
        }
        prev_item = is_item;
        out.push(b);
    }
    out
}

fn numbered(line: &str) -> Option<(&str, &str)> {
    let digits = line.find(|c: char| !c.is_ascii_digit())?;
    if digits == 0 || digits > 3 {
        return None;
    }
    let rest = line[digits..].strip_prefix(". ")?;
    Some((&line[..digits], rest))
}

/// A prose text in `lang` as blocks: its markup, or for `Both` the Chinese,
/// a rule and the English.
pub fn text_blocks(t: &Text, lang: Lang) -> Vec<Block> {
    let mut out = Vec::new();
    for (i, part) in t.parts(lang).into_iter().enumerate() {
        if i > 0 {
            out.extend([Block::Blank, Block::Rule, Block::Blank]);
        }
        out.extend(markup(part));
    }
    out
}

/// The whole note of a topic as blocks in `lang`: title, path, body,
/// formulas, interview angle, subtopics and numbered references.
/// A section heading in the reader's language (`both`: 中文 · English).
fn heading(lang: Lang, en: &str, zh: &str) -> String {
    match lang {
        Lang::En => en.to_string(),
        Lang::Zh => zh.to_string(),
        Lang::Both => format!("{zh} · {en}"),
    }
}

pub fn blocks(lib: &Library, topic: &Topic, lang: Lang) -> Vec<Block> {
    let mut out = Vec::new();
    let path: Vec<String> = lib
        .index_of(&topic.id)
        .map(|i| {
            lib.path_to(i)
                .into_iter()
                .map(|j| lib.topics[j].title.zh.clone())
                .collect()
        })
        .unwrap_or_default();
    out.push(Block::Para {
        spans: vec![
            Span::new(Kind::Title, topic.title.zh.clone()),
            Span::new(Kind::Dim, " · "),
            Span::new(Kind::Title, topic.title.en.clone()),
        ],
        first: Vec::new(),
        rest: Vec::new(),
    });
    out.push(para(vec![Span::new(
        Kind::Dim,
        format!(
            "{}  ({} words, id {})",
            path.join(" › "),
            topic.words(),
            topic.id
        ),
    )]));
    out.push(Block::Blank);
    out.extend(text_blocks(&topic.body, lang));
    if !topic.formulas.is_empty() {
        out.push(Block::Blank);
        out.push(Block::Heading(heading(lang, "Key formulas", "关键公式")));
        for f in &topic.formulas {
            for (i, label) in f.label.parts(lang).into_iter().enumerate() {
                let first = if i == 0 { "• " } else { "  " };
                // `$…$` in a label is rendered like inline math in a note.
                let spans = inline(label)
                    .into_iter()
                    .map(|s| match s.kind {
                        Kind::Text => Span::new(Kind::Label, s.text),
                        _ => s,
                    })
                    .collect();
                out.push(Block::Para {
                    spans,
                    first: vec![Span::new(Kind::Marker, first)],
                    rest: vec![Span::new(Kind::Text, "  ")],
                });
            }
            out.push(Block::Math(mathtext::to_unicode(&f.tex)));
        }
    }
    if !topic.terms.is_empty() {
        out.push(Block::Blank);
        out.push(Block::Heading(heading(lang, "Terms", "术语")));
        for t in &topic.terms {
            let mut spans = vec![
                Span::new(Kind::Label, format!("{} · {}", t.zh, t.en)),
                Span::new(Kind::Text, "  "),
            ];
            spans.extend(inline(&t.def.parts(lang).join("  ")));
            let titles: Vec<String> = t
                .topics
                .iter()
                .filter_map(|id| lib.index_of(id))
                .map(|j| lib.topics[j].title.zh.clone())
                .collect();
            spans.push(Span::new(Kind::Dim, format!("  → {}", titles.join("、"))));
            out.push(Block::Para {
                spans,
                first: vec![Span::new(Kind::Marker, "• ")],
                rest: vec![Span::new(Kind::Text, "  ")],
            });
        }
    }
    if !topic.interview.is_blank() {
        out.push(Block::Blank);
        out.push(Block::Heading(heading(
            lang,
            "Interview angle",
            "面试怎么问",
        )));
        out.extend(text_blocks(&topic.interview, lang));
    }
    if !topic.children.is_empty() {
        out.push(Block::Blank);
        out.push(Block::Heading(heading(lang, "Subtopics", "子主题")));
        for &c in &topic.children {
            let t = &lib.topics[c];
            out.push(Block::Para {
                spans: vec![
                    Span::new(Kind::Text, format!("{} · {}", t.title.zh, t.title.en)),
                    Span::new(Kind::Dim, format!("  ({})", t.id)),
                ],
                first: vec![Span::new(Kind::Marker, "• ")],
                rest: vec![Span::new(Kind::Text, "  ")],
            });
        }
    }
    if !topic.refs.is_empty() {
        out.push(Block::Blank);
        out.push(Block::Heading(heading(lang, "References", "参考链接")));
        for (n, r) in topic.refs.iter().enumerate() {
            let marker = format!("[{}] ", n + 1);
            let indent = " ".repeat(marker.len());
            out.push(Block::Para {
                spans: vec![Span::new(Kind::Text, r.title.clone())],
                first: vec![Span::new(Kind::Marker, marker)],
                rest: vec![Span::new(Kind::Text, indent.clone())],
            });
            // The link on a line of its own: split only when it is wider
            // than the note (the reader's 1-9 then o/y open or copy it).
            out.push(Block::Para {
                spans: vec![Span::new(Kind::Link, r.url.clone())],
                first: vec![Span::new(Kind::Text, indent.clone())],
                rest: vec![Span::new(Kind::Text, indent)],
            });
        }
    }
    out
}

/// Wrap blocks to `width` columns.
pub fn layout(blocks: &[Block], width: usize) -> Vec<Line> {
    let mut lines = Vec::new();
    for b in blocks {
        match b {
            Block::Blank => lines.push(Vec::new()),
            Block::Rule => {
                if width > 0 {
                    lines.push(vec![Span::new(Kind::Dim, "─".repeat(width))]);
                }
            }
            Block::Heading(h) => lines.extend(text::wrap(
                &[Span::new(Kind::Heading, h.clone())],
                width,
                &[],
                &[],
            )),
            Block::Para { spans, first, rest } => {
                lines.extend(text::wrap(spans, width, first, rest))
            }
            Block::Math(m) => lines.extend(layout_math(m, width)),
        }
    }
    lines
}

/// A display formula at `width`: on one line when it fits, else broken
/// before top-level `=`, `+`, `−`, `≤`, ... (or after a top-level comma),
/// never inside brackets, with continuation lines indented further. A
/// piece that alone is too wide is wrapped at its spaces.
pub fn layout_math(m: &str, width: usize) -> Vec<Line> {
    const PAD: &str = "    ";
    const MORE: &str = "        ";
    let pad = [Span::new(Kind::Text, PAD)];
    if text::width(m) + PAD.len() <= width || width <= MORE.len() + 8 {
        return text::wrap(&[Span::new(Kind::Math, m.to_string())], width, &pad, &pad);
    }
    let pieces = math_pieces(m);
    let mut lines: Vec<Line> = Vec::new();
    let mut cur = String::new();
    let flush = |cur: &mut String, lines: &mut Vec<Line>| {
        if cur.trim().is_empty() {
            return;
        }
        let lead = if lines.is_empty() { PAD } else { MORE };
        let indent = [Span::new(Kind::Text, lead)];
        lines.extend(text::wrap(
            &[Span::new(Kind::Math, cur.trim().to_string())],
            width,
            &indent,
            &indent,
        ));
        cur.clear();
    };
    for piece in pieces {
        let lead = if lines.is_empty() { PAD } else { MORE };
        if !cur.is_empty()
            && text::width(lead) + text::width(cur.trim_end()) + text::width(&piece) > width
        {
            flush(&mut cur, &mut lines);
        }
        cur.push_str(&piece);
    }
    flush(&mut cur, &mut lines);
    lines
}

/// A rendered formula cut where a break reads well: before a top-level
/// relation or `+`/`−` (surrounded by spaces) and after a top-level `, `.
fn math_pieces(m: &str) -> Vec<String> {
    const BEFORE: [&str; 11] = [
        " = ", " + ", " − ", " - ", " ≤ ", " ≥ ", " ≈ ", " < ", " > ", " ⇒ ", " ∝ ",
    ];
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    let mut rest = m;
    while let Some(c) = rest.chars().next() {
        if depth == 0 && !cur.trim().is_empty() {
            if let Some(op) = BEFORE.iter().find(|op| rest.starts_with(**op)) {
                pieces.push(std::mem::take(&mut cur));
                cur.push_str(op);
                rest = &rest[op.len()..];
                continue;
            }
        }
        match c {
            '(' | '[' | '{' | '⟨' => depth += 1,
            ')' | ']' | '}' | '⟩' => depth = (depth - 1).max(0),
            _ => {}
        }
        cur.push(c);
        rest = &rest[c.len_utf8()..];
        if depth == 0 && c == ',' && rest.starts_with(' ') {
            pieces.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        pieces.push(cur);
    }
    pieces
}

/// The note as plain text in `lang` wrapped at `width` (for `mlwb show`).
pub fn plain(lib: &Library, topic: &Topic, width: usize, lang: Lang) -> String {
    let mut s = String::new();
    for line in layout(&blocks(lib, topic, lang), width) {
        s.push_str(text::line_text(&line).trim_end());
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_formulas_break_at_top_level_operators() {
        let m = "L(θ) = ∑ᵢ log p(xᵢ, zᵢ | θ) + λ (‖w‖² + b²) − c, where c = const";
        for width in [30usize, 40, 50] {
            let lines = layout_math(m, width);
            let texts: Vec<String> = lines.iter().map(text::line_text).collect();
            assert!(texts.len() > 1, "{texts:?}");
            for t in &texts {
                assert!(text::width(t) <= width, "{width}: {t}");
                // Brackets never left open at a line end.
                let open = t.matches('(').count() as i64 - t.matches(')').count() as i64;
                assert_eq!(open, 0, "{width}: broken inside brackets: {texts:?}");
            }
            let joined: String = texts.iter().map(|t| t.trim()).collect::<Vec<_>>().join(" ");
            assert_eq!(
                joined.split_whitespace().collect::<Vec<_>>(),
                m.split_whitespace().collect::<Vec<_>>()
            );
            assert!(
                texts[1].starts_with("        "),
                "continuations indented: {texts:?}"
            );
        }
        assert_eq!(layout_math("a = b", 40).len(), 1);
    }

    #[test]
    fn markup_blocks() {
        let b = markup("First para\ncontinues $x^2$.\n\n## Head\n- one\n- two\n  more\n1. first\n\n$$ a \\le b $$\n");
        let kinds: Vec<&str> = b
            .iter()
            .map(|b| match b {
                Block::Para { first, .. } if first.is_empty() => "p",
                Block::Para { .. } => "item",
                Block::Heading(_) => "h",
                Block::Math(_) => "math",
                Block::Rule => "rule",
                Block::Blank => "_",
            })
            .collect();
        assert_eq!(
            kinds,
            vec!["p", "_", "h", "_", "item", "item", "item", "_", "math"]
        );
        match &b[0] {
            Block::Para { spans, .. } => {
                assert_eq!(spans[1], Span::new(Kind::Math, "x²"));
                assert_eq!(spans[0].text, "First para continues ");
            }
            other => panic!("{other:?}"),
        }
        match &b[5] {
            Block::Para { spans, .. } => assert_eq!(spans[0].text, "two more"),
            other => panic!("{other:?}"),
        }
        assert_eq!(b[8], Block::Math("a ≤ b".into()));
    }

    #[test]
    fn chinese_lines_join_without_a_space() {
        let b = markup("用为 $q$ 设计的编码去\n编码服从\n$p$ 的事件。\n- 一\n  二\nEnglish\ntext");
        let texts: Vec<String> = b
            .iter()
            .filter_map(|b| match b {
                Block::Para { spans, .. } => Some(text::line_text(spans)),
                _ => None,
            })
            .collect();
        assert_eq!(
            texts,
            vec![
                "用为 q 设计的编码去编码服从 p 的事件。",
                "一二 English text"
            ]
        );
    }

    #[test]
    fn both_languages_show_chinese_a_rule_then_english() {
        let t = Text::Both {
            en: "Entropy.".into(),
            zh: "熵。".into(),
        };
        let kinds = |lang| {
            text_blocks(&t, lang)
                .iter()
                .map(|b| match b {
                    Block::Para { spans, .. } => text::line_text(spans),
                    Block::Rule => "rule".into(),
                    Block::Blank => "_".into(),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds(Lang::Zh), vec!["熵。"]);
        assert_eq!(kinds(Lang::En), vec!["Entropy."]);
        assert_eq!(
            kinds(Lang::Both),
            vec!["熵。", "_", "rule", "_", "Entropy."]
        );
        // One language only: shown once whatever the setting.
        let same = Text::Same("$x$".into());
        assert_eq!(text_blocks(&same, Lang::Both).len(), 1);
        let rule = layout(&[Block::Rule], 5);
        assert_eq!(text::line_text(&rule[0]), "─────");
        assert!(layout(&[Block::Rule], 0).is_empty());
    }
}
