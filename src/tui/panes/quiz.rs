//! Drawing the quiz: the card, what has been revealed, the verdict, the grades.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::widgets::{Block, Borders, Widget};

use crate::content::note::inline;
use crate::content::{CardKind, Text};
use crate::mathtext;
use crate::settings::Lang;
use crate::text::{self, Kind, Line, Span};
use crate::tui::quiz::{Phase, QuizSession};
use crate::tui::theme::Theme;

fn push_para(lines: &mut Vec<Line>, spans: Vec<Span>, width: usize, first: &str, rest: &str) {
    lines.extend(text::wrap(
        &spans,
        width,
        &[Span::new(Kind::Marker, first)],
        &[Span::new(Kind::Text, rest)],
    ));
}

/// A prose field in `lang`: one paragraph, or (both languages) the Chinese
/// then the English, each its own paragraph. `head` starts the first one
/// (after `first`); the second starts at the same column; `tail` ends the last.
#[allow(clippy::too_many_arguments)]
fn push_text(
    lines: &mut Vec<Line>,
    t: &Text,
    lang: Lang,
    width: usize,
    head: Vec<Span>,
    tail: Vec<Span>,
    first: &str,
    rest: &str,
) {
    let parts = t.parts(lang);
    let n = parts.len();
    let pad =
        " ".repeat(text::width(first) + head.iter().map(|s| text::width(&s.text)).sum::<usize>());
    for (i, part) in parts.into_iter().enumerate() {
        let mut spans = if i == 0 { head.clone() } else { Vec::new() };
        spans.extend(inline(part));
        if i + 1 == n {
            spans.extend(tail.iter().cloned());
        }
        push_para(lines, spans, width, if i == 0 { first } else { &pad }, rest);
    }
}

/// The quiz pane as a widget.
pub struct QuizPanel<'a> {
    pub quiz: &'a QuizSession,
    pub theme: Theme,
    pub lang: Lang,
    /// The answer being typed, if any.
    pub field: super::experiment::TextField<'a>,
}

impl Widget for QuizPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        render(self.quiz, area, buf, self.theme, self.lang, self.field);
    }
}

pub fn render(
    q: &QuizSession,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
    lang: Lang,
    field: super::experiment::TextField<'_>,
) {
    // The answer being typed, with its cursor.
    let typed = match field {
        Some((input, _)) => {
            let v = input.value();
            let at = v
                .char_indices()
                .nth(input.cursor())
                .map_or(v.len(), |(i, _)| i);
            if at == v.len() {
                format!("{v}█")
            } else {
                format!("{}▏{}", &v[..at], &v[at..])
            }
        }
        None => q.input.clone(),
    };
    let border = theme.fg(Color::Magenta);
    let title = if q.finished {
        " Quiz · summary · Esc close ".to_string()
    } else {
        format!(
            " Quiz · {} · card {}/{} ",
            q.title,
            q.index + 1,
            q.queue.len()
        )
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(border)
        .title(text::truncate(
            &title,
            usize::from(area.width.saturating_sub(2)),
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let w = usize::from(inner.width);
    if w == 0 || inner.height == 0 {
        return;
    }
    let mut lines: Vec<Line> = Vec::new();
    if q.finished {
        for s in q.summary() {
            push_para(&mut lines, vec![Span::new(Kind::Text, s)], w, "• ", "  ");
        }
    } else if let Some((topic, card)) = q.current() {
        let kind = format!("{:?}", card.kind).to_lowercase();
        lines.push(vec![Span::new(
            Kind::Dim,
            text::truncate(&format!("{kind} · {} · topic {topic}", card.id), w),
        )]);
        lines.push(Vec::new());
        let prompt = match (&card.kind, &q.problem) {
            (CardKind::Numeric, Some(p)) => Text::Same(p.prompt.clone()),
            _ => card.prompt.clone(),
        };
        push_text(&mut lines, &prompt, lang, w, Vec::new(), Vec::new(), "", "");
        lines.push(Vec::new());
        match card.kind {
            CardKind::Derivation => {
                if let (Some(order), Phase::Question) = (&q.shuffled, q.phase) {
                    push_para(
                        &mut lines,
                        vec![Span::new(
                            Kind::Dim,
                            "Put these in order: type their numbers, then Enter",
                        )],
                        w,
                        "",
                        "",
                    );
                    for (n, &i) in order.iter().enumerate() {
                        push_para(
                            &mut lines,
                            vec![Span::new(
                                Kind::Math,
                                mathtext::to_unicode(&card.steps[i].math),
                            )],
                            w,
                            &format!("{}) ", n + 1),
                            "   ",
                        );
                    }
                    push_para(
                        &mut lines,
                        vec![Span::new(Kind::Title, format!("order: {typed}"))],
                        w,
                        "",
                        "",
                    );
                } else {
                    for (i, st) in card.steps.iter().enumerate().take(q.revealed) {
                        push_para(
                            &mut lines,
                            vec![Span::new(Kind::Math, mathtext::to_unicode(&st.math))],
                            w,
                            &format!("{}. ", i + 1),
                            "   ",
                        );
                        let because = vec![Span::new(Kind::Dim, "because ")];
                        push_text(
                            &mut lines,
                            &st.why,
                            lang,
                            w,
                            because,
                            Vec::new(),
                            "   ",
                            "   ",
                        );
                    }
                    if q.phase == Phase::Question {
                        push_para(&mut lines, vec![Span::new(Kind::Dim, format!("step {} of {}: think it through, then Enter to reveal (o: order the steps instead)", q.revealed + 1, card.steps.len()))], w, "", "");
                    }
                }
            }
            CardKind::Choice => {
                for (i, o) in card.options.iter().enumerate() {
                    let mut tick = Vec::new();
                    if q.phase == Phase::Answer && card.correct == Some(i) {
                        tick.push(Span::new(Kind::Title, "  ✓"));
                    }
                    let n = format!("{}) ", i + 1);
                    push_text(&mut lines, o, lang, w, Vec::new(), tick, &n, "   ");
                }
            }
            CardKind::Cloze | CardKind::Numeric => {
                if q.phase == Phase::Question {
                    push_para(
                        &mut lines,
                        vec![Span::new(Kind::Title, format!("your answer: {typed}"))],
                        w,
                        "",
                        "",
                    );
                    push_para(
                        &mut lines,
                        vec![Span::new(Kind::Dim, "Enter to type, Enter again to submit")],
                        w,
                        "",
                        "",
                    );
                } else {
                    push_para(
                        &mut lines,
                        vec![Span::new(Kind::Text, format!("you answered: {}", q.input))],
                        w,
                        "",
                        "",
                    );
                    match (&card.kind, &q.problem) {
                        (CardKind::Numeric, Some(p)) => {
                            push_para(&mut lines, inline(&p.solution), w, "", "")
                        }
                        _ => push_text(
                            &mut lines,
                            card.answer.as_ref().unwrap_or(&Text::Same(String::new())),
                            lang,
                            w,
                            vec![Span::new(Kind::Text, "answer: ")],
                            Vec::new(),
                            "",
                            "",
                        ),
                    }
                }
            }
            CardKind::Open => {
                if q.phase == Phase::Answer {
                    push_para(
                        &mut lines,
                        vec![Span::new(Kind::Heading, "Model answer")],
                        w,
                        "",
                        "",
                    );
                    if let Some(a) = &card.answer {
                        push_text(&mut lines, a, lang, w, Vec::new(), Vec::new(), "", "");
                    }
                } else {
                    push_para(
                        &mut lines,
                        vec![Span::new(
                            Kind::Dim,
                            "answer in your head or on paper, then Enter",
                        )],
                        w,
                        "",
                        "",
                    );
                }
            }
        }
        if q.phase == Phase::Answer {
            lines.push(Vec::new());
            if let Some(v) = q.verdict {
                push_para(
                    &mut lines,
                    vec![Span::new(
                        Kind::Heading,
                        if v { "✓ correct" } else { "✗ not quite" },
                    )],
                    w,
                    "",
                    "",
                );
            }
            if let Some(e) = &card.explanation {
                push_text(&mut lines, e, lang, w, Vec::new(), Vec::new(), "", "");
            }
            push_para(
                &mut lines,
                vec![Span::new(
                    Kind::Label,
                    "grade: 1 again · 2 hard · 3 good · 4 easy",
                )],
                w,
                "",
                "",
            );
        }
        if let Some(m) = &q.message {
            push_para(
                &mut lines,
                vec![Span::new(Kind::Highlight, m.clone())],
                w,
                "",
                "",
            );
        }
    }
    let theme_style = |k: Kind| theme.card_kind(k);
    // Keep the end (answer, grades) visible when the card is long.
    let h = usize::from(inner.height);
    let skip = lines.len().saturating_sub(h);
    for (n, line) in lines.iter().skip(skip).take(h).enumerate() {
        let mut x = inner.x;
        for sp in line {
            let used = text::width(&sp.text) as u16;
            let room = inner.x + inner.width - x;
            buf.set_stringn(
                x,
                inner.y + n as u16,
                &sp.text,
                usize::from(room),
                theme_style(sp.kind),
            );
            x = x.saturating_add(used).min(inner.x + inner.width);
            if x >= inner.x + inner.width {
                break;
            }
        }
    }
}
