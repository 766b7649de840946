//! Export a topic's cards (or all of them) to Markdown and to an Anki deck.
//!
//! Derivations become numbered step lists; every formula is given twice,
//! as Unicode (readable anywhere) and as LaTeX (Markdown renderers and
//! Anki's MathJax typeset it). Files are written atomically
//! ([`write_atomic`]): a temporary file beside the target, then a rename.
//!
//! The `.apkg` is built by genanki-rs, the Rust port of the genanki library
//! most Anki deck generators use: it writes Anki's collection schema
//! (`collection.anki2`, SQLite, with the `col`, `notes` and `cards` rows)
//! and zips it with the `media` map. Writing that schema ourselves would
//! mean owning Anki's collection JSON (models, decks, deck configs); the
//! cost of the crate is SQLite compiled from C once (about a minute on two
//! cores, then cached).

use std::io::Write as _;
use std::path::Path;

use crate::content::{Card, CardKind, Library, Text};
use crate::mathtext;
use crate::settings::Lang;

use super::{deck, generators, DeckCard};

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Apkg,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, String> {
        match s.trim().to_lowercase().as_str() {
            "md" | "markdown" => Ok(Format::Markdown),
            "apkg" | "anki" => Ok(Format::Apkg),
            o => Err(format!("--format `{o}`: expected md or apkg")),
        }
    }
}

/// A prose field in `lang`: one text, or the Chinese then the English.
fn prose(t: &Text, lang: Lang, sep: &str) -> String {
    t.parts(lang).join(sep)
}

/// A formula as Unicode and LaTeX, in Markdown.
fn md_math(tex: &str) -> String {
    format!("{}  \n   $${}$$", mathtext::to_unicode(tex), tex.trim())
}

/// The cards of `topic`'s subtree (every card when `None`), in tree order.
pub fn cards<'a>(lib: &'a Library, topic: Option<&str>) -> Result<Vec<DeckCard<'a>>, String> {
    let d = deck(lib, topic, None)?;
    if d.is_empty() {
        return Err(match topic {
            Some(t) => format!("topic `{t}` and its subtopics have no cards"),
            None => "the map has no cards".into(),
        });
    }
    Ok(d)
}

/// The cards as a Markdown document.
pub fn markdown(lib: &Library, topic: Option<&str>, lang: Lang) -> Result<String, String> {
    let cards = cards(lib, topic)?;
    let mut out = String::new();
    out.push_str(&format!(
        "# mlwb cards: {}\n\n{} card(s). Formulas are given in Unicode, then in LaTeX.\n",
        topic.unwrap_or("the whole map"),
        cards.len()
    ));
    let mut last_topic = "";
    for c in &cards {
        if c.topic != last_topic {
            last_topic = c.topic;
            let title = lib
                .index_of(c.topic)
                .map(|i| {
                    let t = &lib.topics[i].title;
                    match lang {
                        Lang::Zh => t.zh.clone(),
                        Lang::En => t.en.clone(),
                        Lang::Both => format!("{} · {}", t.zh, t.en),
                    }
                })
                .unwrap_or_default();
            out.push_str(&format!("\n## {title} (`{}`)\n", c.topic));
        }
        out.push_str(&md_card(c.card, lang));
    }
    Ok(out)
}

fn md_card(card: &Card, lang: Lang) -> String {
    let mut s = format!(
        "\n### {} ({})\n\n{}\n",
        card.id,
        format!("{:?}", card.kind).to_lowercase(),
        prose(&card.prompt, lang, "\n\n")
    );
    match card.kind {
        CardKind::Derivation => {
            s.push('\n');
            for (i, st) in card.steps.iter().enumerate() {
                s.push_str(&format!(
                    "{}. {}  \n   because {}\n",
                    i + 1,
                    md_math(&st.math),
                    prose(&st.why, lang, " / ")
                ));
            }
            if !card.faults.is_empty() {
                s.push_str("\nSpot the error (authored faulty steps):\n\n");
                for f in &card.faults {
                    s.push_str(&format!(
                        "- step {} written as {}  \n  ({}) {}\n",
                        f.step + 1,
                        md_math(&f.math).replace("\n   ", "\n  "),
                        super::interview::kind_name(f.error),
                        prose(&f.why, lang, " / ")
                    ));
                }
            }
        }
        CardKind::Choice => {
            s.push('\n');
            for (i, o) in card.options.iter().enumerate() {
                let tick = if card.correct == Some(i) { " ✓" } else { "" };
                s.push_str(&format!("{}. {}{tick}\n", i + 1, prose(o, lang, " / ")));
            }
        }
        CardKind::Numeric => {
            if let Some(p) = card
                .generator
                .as_deref()
                .and_then(|g| generators::generate(g, 0))
            {
                s.push_str(&format!(
                    "\nExample: {}\n\nSolution: {}\n",
                    p.prompt, p.solution
                ));
            }
        }
        CardKind::Cloze | CardKind::Open => {
            if let Some(a) = &card.answer {
                s.push_str(&format!("\n**Answer:** {}\n", prose(a, lang, " / ")));
            }
        }
    }
    if let Some(e) = &card.explanation {
        s.push_str(&format!("\n{}\n", prose(e, lang, "\n\n")));
    }
    for f in &card.follow_ups {
        s.push_str(&format!(
            "\n- Follow-up: {}  \n  Answer: {}\n",
            prose(&f.prompt, lang, " / "),
            prose(&f.answer, lang, " / ")
        ));
    }
    s
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Prose with its inline `$...$` math as MathJax `\(...\)`.
fn html_prose(t: &Text, lang: Lang) -> String {
    t.parts(lang)
        .into_iter()
        .map(|p| {
            mathtext::split_inline(p)
                .into_iter()
                .map(|(math, piece)| {
                    if math {
                        format!("\\({}\\)", html(&piece))
                    } else {
                        html(&piece)
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

/// A display formula: Unicode, then LaTeX for MathJax.
fn html_math(tex: &str) -> String {
    format!(
        "<div class=uni>{}</div><div class=tex>\\[{}\\]</div>",
        html(&mathtext::to_unicode(tex)),
        html(tex.trim())
    )
}

/// The front and back of a card, as Anki fields (HTML).
pub fn anki_fields(card: &Card, lang: Lang) -> (String, String) {
    let mut front = html_prose(&card.prompt, lang);
    let mut back = String::new();
    match card.kind {
        CardKind::Derivation => {
            back.push_str("<ol>");
            for st in &card.steps {
                back.push_str(&format!(
                    "<li>{}<div class=why>{}</div></li>",
                    html_math(&st.math),
                    html_prose(&st.why, lang)
                ));
            }
            back.push_str("</ol>");
        }
        CardKind::Choice => {
            front.push_str("<ol>");
            for o in &card.options {
                front.push_str(&format!("<li>{}</li>", html_prose(o, lang)));
            }
            front.push_str("</ol>");
            if let Some(i) = card.correct {
                if let Some(o) = card.options.get(i) {
                    back.push_str(&format!("{}. {}", i + 1, html_prose(o, lang)));
                }
            }
        }
        CardKind::Numeric => {
            if let Some(p) = card
                .generator
                .as_deref()
                .and_then(|g| generators::generate(g, 0))
            {
                front.push_str(&format!("<p>{}</p>", html(&p.prompt)));
                back.push_str(&html(&p.solution));
            }
        }
        CardKind::Cloze | CardKind::Open => {
            if let Some(a) = &card.answer {
                back.push_str(&html_prose(a, lang));
            }
        }
    }
    if let Some(e) = &card.explanation {
        back.push_str(&format!("<p>{}</p>", html_prose(e, lang)));
    }
    for f in &card.follow_ups {
        back.push_str(&format!(
            "<p><b>Follow-up:</b> {}<br>{}</p>",
            html_prose(&f.prompt, lang),
            html_prose(&f.answer, lang)
        ));
    }
    (front, back)
}

/// A stable 63-bit id from text (FNV-1a): the same deck id every export,
/// so Anki updates the deck instead of adding a second one.
fn stable_id(s: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h >> 1) as i64
}

/// The note type of every exported card: Front, Back and the card id.
fn model() -> genanki_rs::Model {
    use genanki_rs::{Field, Model, Template};
    Model::new(
        1_764_000_017,
        "mlwb card",
        vec![Field::new("Front"), Field::new("Back"), Field::new("Card")],
        vec![Template::new("Card 1")
            .qfmt("{{Front}}")
            .afmt("{{FrontSide}}<hr id=answer>{{Back}}<div class=id>{{Card}}</div>")],
    )
    .css(".card { font-family: sans-serif; font-size: 18px; } .uni { font-family: monospace; } .why { color: #666; font-size: 15px; } .id { color: #aaa; font-size: 12px; }")
}

/// The cards as an Anki package (`.apkg` bytes): one deck named after the
/// topic, one note per card (guid `mlwb:<card id>`), tagged with its topic
/// and kind.
pub fn apkg(lib: &Library, topic: Option<&str>, lang: Lang) -> Result<Vec<u8>, String> {
    let cards = cards(lib, topic)?;
    let name = match topic {
        Some(t) => format!("mlwb::{t}"),
        None => "mlwb".to_string(),
    };
    let mut d = genanki_rs::Deck::new(
        stable_id(&name),
        &name,
        "Cards exported from mlwb, the terminal study workbench for machine learning",
    );
    for c in &cards {
        let (front, back) = anki_fields(c.card, lang);
        let note = genanki_rs::Note::new(model(), vec![&front, &back, &c.card.id])
            .map_err(|e| format!("card `{}`: {e}", c.card.id))?
            .guid(format!("mlwb:{}", c.card.id))
            .tags([
                c.topic.to_string(),
                format!("{:?}", c.card.kind).to_lowercase(),
            ]);
        d.add_note(note);
    }
    let mut package = genanki_rs::Package::new(vec![d], Vec::new()).map_err(|e| e.to_string())?;
    let mut buf = std::io::Cursor::new(Vec::new());
    package
        .write(&mut buf)
        .map_err(|e| format!("writing the Anki package: {e}"))?;
    Ok(buf.into_inner())
}

/// Write `bytes` to `path` atomically: a temporary file in the same
/// directory, flushed, then renamed over `path`. A failure leaves `path`
/// as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("{}: cannot write here: {e}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_positive() {
        assert_eq!(stable_id("mlwb"), stable_id("mlwb"));
        assert_ne!(stable_id("mlwb::a"), stable_id("mlwb::b"));
        assert!(stable_id("x") >= 0);
    }

    #[test]
    fn atomic_writes_replace_whole_files_and_leave_no_temporaries() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("out.md");
        write_atomic(&p, b"one").expect("write");
        write_atomic(&p, b"two").expect("write");
        assert_eq!(std::fs::read(&p).expect("read"), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).expect("ls").count(), 1);
        assert!(write_atomic(&dir.path().join("no/such/dir/x"), b"x").is_err());
    }

    #[test]
    fn html_is_escaped_and_math_goes_to_mathjax() {
        let t = Text::Same("if $a < b$ then x & y".into());
        let h = html_prose(&t, Lang::En);
        assert!(h.contains("\\(a &lt; b\\)"), "{h}");
        assert!(h.contains("x &amp; y"), "{h}");
    }
}
