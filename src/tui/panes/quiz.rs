//! Drawing the quiz: the card, what has been revealed, the verdict, the grades.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::widgets::{Block, Borders, Widget};

use crate::content::note::inline;
use crate::content::{Card, ErrorKind};
use crate::content::{CardKind, Text};
use crate::mathtext;
use crate::quiz::interview::{self, LineStatus};
use crate::settings::Lang;
use crate::text::{self, Kind, Line, Span};
use crate::tui::quiz::{Drill, Phase, QuizSession};
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
    /// The clock, for a mock interview's time left.
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Widget for QuizPanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        render(
            self.quiz, area, buf, self.theme, self.lang, self.field, self.now,
        );
    }
}

fn para(lines: &mut Vec<Line>, kind: Kind, s: impl Into<String>, w: usize) {
    push_para(lines, vec![Span::new(kind, s.into())], w, "", "");
}

fn step_line(lines: &mut Vec<Line>, n: usize, math: &str, w: usize, mark: &str) {
    push_para(
        lines,
        vec![Span::new(Kind::Math, mathtext::to_unicode(math))],
        w,
        &format!("{mark}{n}. "),
        "    ",
    );
}

/// The body of a drill on a derivation card.
#[allow(clippy::too_many_arguments)]
fn render_drill(
    lines: &mut Vec<Line>,
    q: &QuizSession,
    card: &Card,
    drill: &Drill,
    typed: &str,
    lang: Lang,
    w: usize,
) {
    match drill {
        Drill::Spot {
            fault,
            cursor,
            step,
            result,
        } => {
            let shown = interview::spot_steps(card, *fault);
            match (step, result) {
                (None, _) => {
                    para(
                        lines,
                        Kind::Dim,
                        "One step is wrong. Which? (1-9, or ↑↓ and Enter)",
                        w,
                    );
                    for (i, m) in shown.iter().enumerate() {
                        let mark = if i == *cursor { "▶ " } else { "  " };
                        step_line(lines, i + 1, m, w, mark);
                    }
                }
                (Some(s), None) => {
                    step_line(lines, s + 1, shown[*s], w, "✗ ");
                    para(
                        lines,
                        Kind::Dim,
                        "What is wrong with it? (1-9, or ↑↓ and Enter)",
                        w,
                    );
                    for (i, k) in ErrorKind::ALL.into_iter().enumerate() {
                        let mark = if i == *cursor { "▶ " } else { "  " };
                        push_text(
                            lines,
                            &k.describe(),
                            lang,
                            w,
                            Vec::new(),
                            Vec::new(),
                            &format!("{mark}{}) ", i + 1),
                            "     ",
                        );
                    }
                }
                (Some(_), Some(r)) => {
                    for (i, m) in shown.iter().enumerate() {
                        let mark = if i + 1 == r.wrong_step {
                            "✗ "
                        } else if i + 1 == r.picked_step {
                            "? "
                        } else {
                            "  "
                        };
                        step_line(lines, i + 1, m, w, mark);
                    }
                    lines.push(Vec::new());
                    para(
                        lines,
                        Kind::Heading,
                        match (r.step_correct, r.kind_correct) {
                            (true, true) => "✓ right step, right reason",
                            (true, false) => "½ right step, but not that reason",
                            _ => "✗ not that step",
                        },
                        w,
                    );
                    push_text(
                        lines,
                        &r.error.describe(),
                        lang,
                        w,
                        vec![Span::new(Kind::Text, format!("step {}: ", r.wrong_step))],
                        Vec::new(),
                        "",
                        "",
                    );
                    push_para(
                        lines,
                        vec![Span::new(Kind::Math, mathtext::to_unicode(&r.correct))],
                        w,
                        "correct: ",
                        "         ",
                    );
                    push_text(lines, &r.why, lang, w, Vec::new(), Vec::new(), "", "");
                }
            }
        }
        Drill::Gap { hidden, results } => {
            para(
                lines,
                Kind::Dim,
                "Type the hidden steps (plain or LaTeX); checked at random points",
                w,
            );
            for (i, st) in card.steps.iter().enumerate() {
                match hidden.iter().position(|&g| card.gaps[g].step == i) {
                    Some(k) => {
                        let g = &card.gaps[hidden[k]];
                        let vars: Vec<&str> = g.vars.keys().map(String::as_str).collect();
                        let (body, kind) = match results.get(k) {
                            Some(r) => (
                                format!(
                                    "{} {}   {}",
                                    mathtext::to_unicode(&g.show),
                                    r.given_unicode,
                                    if r.equivalent { "✓" } else { "✗" }
                                ),
                                Kind::Math,
                            ),
                            None if k == results.len() => (
                                format!(
                                    "{} ▢   (variables: {})",
                                    mathtext::to_unicode(&g.show),
                                    vars.join(", ")
                                ),
                                Kind::Title,
                            ),
                            None => (format!("{} ▢", mathtext::to_unicode(&g.show)), Kind::Dim),
                        };
                        push_para(
                            lines,
                            vec![Span::new(kind, body)],
                            w,
                            &format!("{}. ", i + 1),
                            "   ",
                        );
                        if let Some(r) = results.get(k) {
                            para(lines, Kind::Dim, format!("   {}", r.message), w);
                            if !r.equivalent || q.phase == Phase::Answer {
                                para(
                                    lines,
                                    Kind::Text,
                                    format!("   expected {}", r.expected_unicode),
                                    w,
                                );
                            }
                        }
                    }
                    None => step_line(lines, i + 1, &st.math, w, ""),
                }
            }
            if q.phase == Phase::Question {
                para(lines, Kind::Title, format!("your answer: {typed}"), w);
                para(
                    lines,
                    Kind::Math,
                    format!("preview: {}", interview::preview(&q.input)),
                    w,
                );
            }
        }
        Drill::Derive {
            kept,
            rejected,
            hints,
            report,
            gave_up,
        } => {
            let chain = interview::chain(card);
            if let Some(goal) = chain.last() {
                push_para(
                    lines,
                    vec![Span::new(
                        Kind::Math,
                        format!("{} …", mathtext::to_unicode(&goal.show)),
                    )],
                    w,
                    "goal: ",
                    "      ",
                );
            }
            para(
                lines,
                Kind::Dim,
                format!(
                    "Write one step per line; each is checked against the model chain (steps {}). H hint, a give up",
                    report.checkable.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
                ),
                w,
            );
            for l in &report.lines {
                let verdict = match &l.status {
                    LineStatus::Matches { step } => format!("✓ step {step}"),
                    LineStatus::Repeats { step } => format!("= step {step}"),
                    _ => String::new(),
                };
                push_para(
                    lines,
                    vec![
                        Span::new(Kind::Math, interview::preview(&l.text)),
                        Span::new(Kind::Dim, format!("   {verdict}")),
                    ],
                    w,
                    &format!("{}) ", l.line),
                    "   ",
                );
            }
            if let Some((text, why)) = rejected {
                push_para(
                    lines,
                    vec![Span::new(Kind::Math, interview::preview(text))],
                    w,
                    "✗  ",
                    "   ",
                );
                push_para(
                    lines,
                    vec![Span::new(Kind::Highlight, why.clone())],
                    w,
                    "   ",
                    "   ",
                );
            }
            if *hints > 0 {
                para(lines, Kind::Dim, format!("{hints} hint(s) taken"), w);
            }
            if q.phase == Phase::Question {
                para(lines, Kind::Title, format!("next line: {typed}"), w);
                para(
                    lines,
                    Kind::Math,
                    format!("preview: {}", interview::preview(&q.input)),
                    w,
                );
            } else {
                para(
                    lines,
                    Kind::Heading,
                    if *gave_up {
                        "the model derivation:"
                    } else {
                        "✓ goal reached; the model derivation:"
                    },
                    w,
                );
                let _ = kept;
                for (i, st) in card.steps.iter().enumerate() {
                    step_line(lines, i + 1, &st.math, w, "");
                }
            }
        }
    }
}

pub fn render(
    q: &QuizSession,
    area: Rect,
    buf: &mut Buffer,
    theme: Theme,
    lang: Lang,
    field: super::experiment::TextField<'_>,
    now: chrono::DateTime<chrono::Utc>,
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
        // A mock interview's clock comes first, where it is never cut.
        let left = q
            .seconds_left(now)
            .map(|s| format!("{}:{:02} left · ", s / 60, s % 60))
            .unwrap_or_default();
        format!(
            " Quiz · {left}{} · card {}/{} ",
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
        if q.mock.is_none() {
            let c = q.remaining();
            lines.push(vec![Span::new(
                Kind::Dim,
                text::truncate(
                    &format!(
                        "left: {} new · {} learning · {} review",
                        c.new, c.learning, c.review
                    ),
                    w,
                ),
            )]);
        }
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
        if let Some(f) = q.follow_up() {
            para(&mut lines, Kind::Heading, "Follow-up", w);
            push_text(
                &mut lines,
                &f.prompt,
                lang,
                w,
                Vec::new(),
                Vec::new(),
                "",
                "",
            );
            lines.push(Vec::new());
            if q.phase == Phase::Answer {
                para(&mut lines, Kind::Heading, "Model answer", w);
                push_text(
                    &mut lines,
                    &f.answer,
                    lang,
                    w,
                    Vec::new(),
                    Vec::new(),
                    "",
                    "",
                );
            } else {
                para(
                    &mut lines,
                    Kind::Dim,
                    "answer aloud or on paper, then Enter",
                    w,
                );
            }
        } else if let Some(d) = &q.drill {
            render_drill(&mut lines, q, card, d, &typed, lang, w);
        } else {
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
                            let mut also = vec!["o: order the steps"];
                            if !card.faults.is_empty() {
                                also.push("s: spot the error");
                            }
                            if !card.gaps.is_empty() {
                                also.extend(["f: fill the gap", "d: derive"]);
                            }
                            push_para(&mut lines, vec![Span::new(Kind::Dim, format!("step {} of {}: think it through, then Enter to reveal ({})", q.revealed + 1, card.steps.len(), also.join("; ")))], w, "", "");
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
        }
        if q.phase == Phase::Answer {
            lines.push(Vec::new());
            if let (Some(v), None) = (q.verdict, &q.drill) {
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
            if let (Some(e), None) = (&card.explanation, q.follow_up()) {
                push_text(&mut lines, e, lang, w, Vec::new(), Vec::new(), "", "");
            }
            let suggested = q
                .suggested_grade()
                .map(|g| format!(" (suggested: {g})"))
                .unwrap_or_default();
            push_para(
                &mut lines,
                vec![Span::new(
                    Kind::Label,
                    format!(
                        "{}{suggested}",
                        crate::quiz::schedule::grade_previews(&q.progress, &card.id, now)
                            .join(" · ")
                    ),
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
