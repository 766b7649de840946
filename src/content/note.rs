//! A topic as a readable note: the body's light markup (paragraphs, `## `
//! headings, `- ` bullets, `1. ` items, `$…$` and `$$…$$` math) turned into
//! blocks, then wrapped to any width. Used by the TUI reader and `mlwb show`.

use super::{Library, Topic};
use crate::mathtext;
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
                    body.push(' ');
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

/// The whole note of a topic as blocks: title, path, body, formulas,
/// interview angle, subtopics and numbered references.
pub fn blocks(lib: &Library, topic: &Topic) -> Vec<Block> {
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
    out.extend(markup(&topic.body));
    if !topic.formulas.is_empty() {
        out.push(Block::Blank);
        out.push(Block::Heading("Key formulas".into()));
        for f in &topic.formulas {
            out.push(Block::Para {
                spans: vec![Span::new(Kind::Label, f.label.clone())],
                first: vec![Span::new(Kind::Marker, "• ")],
                rest: vec![Span::new(Kind::Text, "  ")],
            });
            out.push(Block::Math(mathtext::to_unicode(&f.tex)));
        }
    }
    if !topic.interview.trim().is_empty() {
        out.push(Block::Blank);
        out.push(Block::Heading("Interview angle".into()));
        out.extend(markup(&topic.interview));
    }
    if !topic.children.is_empty() {
        out.push(Block::Blank);
        out.push(Block::Heading("Subtopics".into()));
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
        out.push(Block::Heading("References".into()));
        for (n, r) in topic.refs.iter().enumerate() {
            let marker = format!("[{}] ", n + 1);
            let indent = " ".repeat(marker.len());
            out.push(Block::Para {
                spans: vec![
                    Span::new(Kind::Text, r.title.clone()),
                    Span::new(Kind::Text, " "),
                    Span::new(Kind::Link, r.url.clone()),
                ],
                first: vec![Span::new(Kind::Marker, marker)],
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
            Block::Heading(h) => lines.extend(text::wrap(
                &[Span::new(Kind::Heading, h.clone())],
                width,
                &[],
                &[],
            )),
            Block::Para { spans, first, rest } => {
                lines.extend(text::wrap(spans, width, first, rest))
            }
            Block::Math(m) => {
                let pad = [Span::new(Kind::Text, "    ")];
                lines.extend(text::wrap(
                    &[Span::new(Kind::Math, m.clone())],
                    width,
                    &pad,
                    &pad,
                ))
            }
        }
    }
    lines
}

/// The note as plain text wrapped at `width` (for `mlwb show`).
pub fn plain(lib: &Library, topic: &Topic, width: usize) -> String {
    let mut s = String::new();
    for line in layout(&blocks(lib, topic), width) {
        s.push_str(text::line_text(&line).trim_end());
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
