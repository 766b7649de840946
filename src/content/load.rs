//! Reading topic files: YAML -> [`Topic`]s, with every problem located.

use std::path::Path;

use super::schema::{RawTopic, TopicFile, FORMAT_VERSION, OLDEST_FORMAT_VERSION};
use super::{Problem, Severity, Source, Topic};

/// One input file: its text, or the problem that kept us from reading it.
pub enum Input {
    Text { name: String, text: String },
    Unreadable(Problem),
}

/// Read `path`: a directory (every `*.yaml`/`*.yml` in it, sorted by name) or
/// one file. A file that cannot be read is reported, not fatal.
pub fn read_path(path: &Path) -> Result<Vec<Input>, Problem> {
    let fail = |file: &Path, line: usize, col: usize, msg: String| Problem {
        file: file.display().to_string(),
        line,
        col,
        severity: Severity::Error,
        message: msg,
    };
    let meta =
        std::fs::metadata(path).map_err(|e| fail(path, 1, 1, format!("cannot read: {e}")))?;
    let mut paths = Vec::new();
    if meta.is_dir() {
        let entries =
            std::fs::read_dir(path).map_err(|e| fail(path, 1, 1, format!("cannot list: {e}")))?;
        for entry in entries.flatten() {
            let p = entry.path();
            let is_yaml = p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e == "yaml" || e == "yml");
            if is_yaml && p.is_file() {
                paths.push(p);
            }
        }
        paths.sort();
        if paths.is_empty() {
            return Err(fail(
                path,
                1,
                1,
                "no *.yaml topic files in this directory".into(),
            ));
        }
    } else {
        paths.push(path.to_path_buf());
    }
    Ok(paths
        .into_iter()
        .map(|p| match std::fs::read(&p) {
            Err(e) => Input::Unreadable(fail(&p, 1, 1, format!("cannot read: {e}"))),
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Input::Text {
                    name: p.display().to_string(),
                    text,
                },
                Err(e) => {
                    let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                    let line = upto.iter().filter(|&&b| b == b'\n').count() + 1;
                    let col = upto.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
                    Input::Unreadable(fail(&p, line, col, "file is not valid UTF-8".into()))
                }
            },
        })
        .collect())
}

/// Parse one file. Topics that deserialize are returned even when others in
/// the same file do not.
pub fn parse_file(name: &str, text: &str) -> (Vec<Topic>, Vec<Problem>) {
    let mut problems = Vec::new();
    let err = |line: usize, col: usize, message: String| Problem {
        file: name.to_string(),
        line,
        col,
        severity: Severity::Error,
        message,
    };
    if text.trim().is_empty() {
        problems.push(err(
            1,
            1,
            format!("empty file: expected `format: {FORMAT_VERSION}` and `topics:`"),
        ));
        return (Vec::new(), problems);
    }
    let (format, raws): (u32, Vec<RawTopic>) = match serde_yaml::from_str::<TopicFile>(text) {
        Ok(file) => {
            if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&file.format) {
                let (l, c) = find_key(text, "format").unwrap_or((1, 1));
                problems.push(err(
                    l,
                    c,
                    format!(
                        "unsupported format version {} (this mlwb reads versions {})",
                        file.format,
                        (OLDEST_FORMAT_VERSION..=FORMAT_VERSION)
                            .map(|v| v.to_string())
                            .collect::<Vec<_>>()
                            .join(" and ")
                    ),
                ));
                return (Vec::new(), problems);
            }
            (file.format, file.topics)
        }
        Err(e) => {
            let (l, c) = e
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((1, 1));
            problems.push(err(l, c, clean_message(&e.to_string(), l, c)));
            // Salvage: re-read as plain YAML and keep every topic that is valid.
            salvage(name, text, l, &mut problems)
        }
    };
    let mut used_lines = Vec::new();
    let topics = raws
        .into_iter()
        .map(|r| {
            let line = find_id_line(text, &r.id, &used_lines).unwrap_or(1);
            used_lines.push(line);
            Topic {
                id: r.id,
                parent: r.parent,
                title: r.title,
                body: r.body,
                formulas: r.formulas,
                interview: r.interview,
                refs: r.refs,
                experiments: r.experiments,
                cards: r.cards,
                terms: r.terms,
                source: Source {
                    file: name.to_string(),
                    line,
                    format,
                },
                children: Vec::new(),
                parent_index: None,
            }
        })
        .collect();
    (topics, problems)
}

/// When the typed parse fails, keep the topics that are valid on their own
/// (with the file's format version).
fn salvage(
    name: &str,
    text: &str,
    first_err_line: usize,
    problems: &mut Vec<Problem>,
) -> (u32, Vec<RawTopic>) {
    let nothing = (FORMAT_VERSION, Vec::new());
    let Ok(value) = serde_yaml::from_str::<serde_yaml::Value>(text) else {
        return nothing; // a syntax error: nothing can be trusted
    };
    let format = value
        .get("format")
        .and_then(|v| v.as_u64())
        .and_then(|v| u32::try_from(v).ok())
        .filter(|v| (OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(v));
    let Some(format) = format else {
        return nothing;
    };
    let Some(items) = value.get("topics").and_then(|t| t.as_sequence()) else {
        return nothing;
    };
    let mut kept = Vec::new();
    let mut used = Vec::new();
    for item in items {
        let id = item.get("id").and_then(|v| v.as_str()).map(str::to_string);
        let line = id
            .as_deref()
            .and_then(|id| find_id_line(text, id, &used))
            .unwrap_or(first_err_line);
        used.push(line);
        match serde_yaml::from_value::<RawTopic>(item.clone()) {
            Ok(t) => kept.push(t),
            Err(e) => {
                let block_end = next_id_line(text, line);
                let label = format!("topic `{}`", id.as_deref().unwrap_or("?"));
                let first = problems
                    .iter_mut()
                    .find(|p| p.file == name && p.line >= line && p.line < block_end);
                if let Some(p) = first {
                    // The typed parse already located this one precisely;
                    // name the topic instead of serde's `topics[N]` path.
                    if let Some(rest) = p.message.strip_prefix("topics[") {
                        let rest = rest.split_once(']').map_or(rest, |(_, r)| r);
                        let rest = rest.trim_start_matches(['.', ':', ' ']);
                        p.message = format!("{label}: {rest}");
                    }
                } else {
                    problems.push(Problem {
                        file: name.to_string(),
                        line,
                        col: 1,
                        severity: Severity::Error,
                        message: format!("{label}: {}", clean_message(&e.to_string(), 0, 0)),
                    });
                }
            }
        }
    }
    if !kept.is_empty() || !items.is_empty() {
        // Tell the reader that the file was only partly used.
        if let Some(p) = problems
            .iter_mut()
            .find(|p| p.file == name && p.line == first_err_line)
        {
            if !p.message.ends_with("skipped") {
                p.message.push_str("; this topic is skipped");
            }
        }
    }
    (format, kept)
}

/// serde_yaml puts " at line L column C" of the error into its message; we
/// print that location in front, so drop it there (other locations stay).
fn clean_message(msg: &str, line: usize, col: usize) -> String {
    msg.replacen(&format!(" at line {line} column {col}"), "", 1)
        .trim()
        .to_string()
}

/// 1-based line of the `id: <id>` key of a topic, skipping lines already
/// given to earlier topics with the same id.
pub fn find_id_line(text: &str, id: &str, used: &[usize]) -> Option<usize> {
    text.lines().enumerate().find_map(|(i, line)| {
        let t = line.trim_start().trim_start_matches("- ").trim_start();
        let v = t.strip_prefix("id:")?.trim();
        let v = v.trim_matches(|c| c == '"' || c == '\'');
        (v == id && !used.contains(&(i + 1))).then_some(i + 1)
    })
}

/// The line of the next `id:` key after `line`, or one past the end.
pub fn next_id_line(text: &str, line: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(line)
        .find(|(_, l)| {
            l.trim_start()
                .trim_start_matches("- ")
                .trim_start()
                .starts_with("id:")
        })
        .map(|(i, _)| i + 1)
        .unwrap_or(text.lines().count() + 1)
}

/// 1-based (line, col) of the first top-level-ish `key:`.
fn find_key(text: &str, key: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let col = line.len() - line.trim_start().len();
        line.trim_start()
            .starts_with(&format!("{key}:"))
            .then_some((i + 1, col + 1))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "format: 1\ntopics:\n  - id: a\n    title: {zh: 甲, en: A}\n    body: hello\n    interview: q\n  - id: b\n    parent: a\n    title: {zh: 乙, en: B}\n    body: world\n    interview: q\n";

    #[test]
    fn parses_and_locates_ids() {
        let (t, p) = parse_file("x.yaml", GOOD);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].source.line, 3);
        assert_eq!(t[1].source.line, 7);
        assert_eq!(t[1].parent.as_deref(), Some("a"));
    }

    #[test]
    fn unknown_field_is_located_and_other_topics_survive() {
        let text = GOOD.replace("    body: world\n", "    body: world\n    colour: red\n");
        let (t, p) = parse_file("x.yaml", &text);
        assert_eq!(t.len(), 1, "the valid topic is kept");
        assert_eq!(t[0].id, "a");
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].line, 11);
        assert!(
            p[0].message.contains("unknown field `colour`"),
            "{}",
            p[0].message
        );
    }

    #[test]
    fn syntax_error_names_line() {
        let (t, p) = parse_file("x.yaml", "format: 1\ntopics:\n  - id: a\n   title: [\n");
        assert!(t.is_empty());
        assert_eq!(p.len(), 1);
        assert!(p[0].line >= 3, "{:?}", p[0]);
    }

    #[test]
    fn wrong_version_and_empty() {
        let (_, p) = parse_file("x.yaml", &GOOD.replace("format: 1", "format: 7"));
        assert_eq!((p[0].line, p[0].col), (1, 1));
        assert!(p[0].message.contains("unsupported format version 7"));
        let (t, p) = parse_file("x.yaml", &GOOD.replace("format: 1", "format: 2"));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(t[0].source.format, 2);
        let (_, p) = parse_file("x.yaml", "  \n");
        assert!(p[0].message.contains("empty file"));
    }

    #[test]
    fn locate_in_block() {
        assert_eq!(next_id_line(GOOD, 3), 7);
    }
}
