//! The card browser overlay (`C`): counts, the due forecast and recall per
//! week on top, then one line per card that passes the filter.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::widgets::{Block, Borders, Widget};

use crate::quiz::schedule;
use crate::text::{self, Kind, Span};
use crate::tui::app::App;
use crate::tui::cards::sparkline;
use crate::tui::theme::Theme;
use crate::tui::view::{centered, clear_popup, to_tline};

impl App {
    pub(crate) fn render_cards(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let Some(b) = &self.cards else { return };
        let now = self.now.utc;
        let popup = centered(area, 96, 90);
        clear_popup(popup, buf);
        let title = format!(
            " Cards · {} of {} shown{} ",
            b.shown.len(),
            b.rows.len(),
            if b.filter.is_empty() {
                String::new()
            } else {
                format!(" · filter: {}", b.filter)
            }
        );
        let block = Block::new()
            .borders(Borders::ALL)
            .border_style(theme.fg(Color::Magenta))
            .title(text::truncate(
                &title,
                usize::from(popup.width.saturating_sub(2)),
            ));
        let inner = block.inner(popup);
        block.render(popup, buf);
        let w = usize::from(inner.width);
        if w == 0 || inner.height == 0 {
            return;
        }
        let mut lines: Vec<Vec<Span>> = Vec::new();
        let (c, suspended, buried) = b.counts(now);
        lines.push(vec![Span::new(
            Kind::Text,
            format!(
                "{} new · {} learning · {} review · {suspended} suspended · {buried} buried today",
                c.new, c.learning, c.review
            ),
        )]);
        let forecast = b.forecast(now);
        let counts: Vec<f64> = forecast.iter().map(|d| d.1 as f64).collect();
        let total: usize = forecast.iter().map(|d| d.1).sum();
        lines.push(vec![
            Span::new(Kind::Dim, "due, 14 days  "),
            Span::new(Kind::Heading, format!("|{}|", sparkline(&counts))),
            Span::new(
                Kind::Dim,
                format!(
                    " today {} · in 14 days {total}",
                    forecast.first().map_or(0, |d| d.1)
                ),
            ),
        ]);
        let recall = b.recall(now);
        let shares: Vec<f64> = recall
            .iter()
            .map(|r| {
                if r.reviews == 0 {
                    0.0
                } else {
                    r.passed as f64 / r.reviews as f64
                }
            })
            .collect();
        let (passed, reviews) = recall
            .iter()
            .fold((0, 0), |(p, n), r| (p + r.passed, n + r.reviews));
        lines.push(vec![
            Span::new(Kind::Dim, "recall, 8 wks "),
            Span::new(Kind::Heading, format!("|{}|", sparkline(&shares))),
            Span::new(
                Kind::Dim,
                if reviews == 0 {
                    " no reviews of seen cards yet".to_string()
                } else {
                    format!(
                        " {:.0}% of {reviews} (this week {})",
                        100.0 * passed as f64 / reviews as f64,
                        recall.last().filter(|r| r.reviews > 0).map_or(
                            "-".to_string(),
                            |r| format!("{:.0}%", 100.0 * r.passed as f64 / r.reviews as f64)
                        )
                    )
                },
            ),
        ]);
        match (&b.message, self.cards_typing) {
            (_, true) => lines.push(vec![Span::new(
                Kind::Heading,
                format!("filter: {}█", b.filter),
            )]),
            (Some(m), false) => lines.push(vec![Span::new(Kind::Heading, m.clone())]),
            (None, false) => lines.push(Vec::new()),
        }
        let head = lines.len();
        let rows_room = usize::from(inner.height).saturating_sub(head);
        // Keep the cursor in view.
        let first = b.cursor.saturating_sub(rows_room.saturating_sub(1));
        for (n, &i) in b.shown.iter().enumerate().skip(first).take(rows_room) {
            let r = &b.rows[i];
            let state = b.state(&r.id, now);
            let due = match (state, b.due(&r.id)) {
                (schedule_state, Some(d)) if schedule_state != crate::tui::cards::RowState::New => {
                    schedule::local_day(d).format("%m-%d").to_string()
                }
                _ => "-".to_string(),
            };
            let mark = if n == b.cursor { "▶ " } else { "  " };
            let line = format!(
                "{mark}{:<9} {:>5}  {:<10} {}  · {}",
                state.name(),
                due,
                r.kind,
                r.id,
                r.topic
            );
            let kind = if n == b.cursor {
                Kind::Heading
            } else {
                Kind::Text
            };
            lines.push(vec![Span::new(kind, text::truncate(&line, w))]);
        }
        if b.shown.is_empty() {
            lines.push(vec![Span::new(
                Kind::Dim,
                "no card matches the filter (Esc clears it)",
            )]);
        }
        for (n, line) in lines.iter().take(usize::from(inner.height)).enumerate() {
            buf.set_line(
                inner.x,
                inner.y + n as u16,
                &to_tline(line, theme),
                inner.width,
            );
        }
    }
}
