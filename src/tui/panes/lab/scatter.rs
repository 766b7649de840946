//! A lab's scatter plot: every point its group's marker glyph (`o x + * …`,
//! coloured when colour is on) on a Braille canvas, a legend naming each
//! group with its marker and number of points, the y range at the left and
//! the x range under the plot.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::{Canvas, Points};
use ratatui::widgets::Widget;

use super::pick;
use crate::labs::format::{num, scatter_bounds, MARKERS};
use crate::labs::Scatter;
use crate::settings::Lang;
use crate::tui::theme::{Theme, PALETTE};

pub fn render(s: &Scatter, area: Rect, buf: &mut Buffer, theme: Theme, lang: Lang) {
    let b = theme.block(
        &crate::text::truncate(
            &pick(&s.title, lang),
            usize::from(area.width.saturating_sub(4)),
        ),
        false,
    );
    let inner = b.inner(area);
    b.render(area, buf);
    if inner.height < 4 || inner.width < 12 {
        return;
    }
    let style_of = |i: usize| {
        if theme.color {
            Style::new().fg(PALETTE[i % PALETTE.len()])
        } else {
            Style::new()
        }
    };
    let mut legend: Vec<Line> = vec![Line::default()];
    let mut used = 0usize;
    for (i, g) in s.groups.iter().enumerate() {
        let text = format!(
            "{} {} ({})",
            MARKERS[i % MARKERS.len()],
            g.name,
            g.points.len()
        );
        let w = crate::text::width(&text) + 2;
        if used > 0 && used + w > usize::from(inner.width) {
            legend.push(Line::default());
            used = 0;
        }
        if let Some(l) = legend.last_mut() {
            l.spans.push(Span::styled(text, style_of(i)));
            l.spans.push(Span::raw("  "));
        }
        used += w;
    }
    let legend_h = (legend.len() as u16).min(inner.height.saturating_sub(3));
    for (i, l) in legend.iter().take(usize::from(legend_h)).enumerate() {
        buf.set_line(inner.x, inner.y + i as u16, l, inner.width);
    }
    let plot = Rect::new(
        inner.x,
        inner.y + legend_h,
        inner.width,
        inner.height - legend_h,
    );
    let Some((x0, x1, y0, y1)) = scatter_bounds(s) else {
        buf.set_stringn(
            plot.x,
            plot.y,
            "no points yet",
            usize::from(plot.width),
            Style::new(),
        );
        return;
    };
    let (top, bottom) = (num(y1), num(y0));
    let lw = crate::text::width(&top).max(crate::text::width(&bottom)) as u16 + 1;
    if plot.width <= lw + 4 || plot.height < 2 {
        return;
    }
    let graph = Rect::new(plot.x + lw, plot.y, plot.width - lw, plot.height - 1);
    let dim = theme.fg(Color::DarkGray);
    buf.set_stringn(plot.x, graph.y, &top, usize::from(lw), dim);
    buf.set_stringn(
        plot.x,
        graph.y + graph.height.saturating_sub(1),
        &bottom,
        usize::from(lw),
        dim,
    );
    let axis_y = plot.y + plot.height - 1;
    let gw = usize::from(graph.width);
    let (xl, xr) = (num(x0), num(x1));
    buf.set_stringn(graph.x, axis_y, &xl, gw, dim);
    let mid = format!("{} → · {} ↑", s.x_label, s.y_label);
    let mid_w = crate::text::width(&mid);
    if crate::text::width(&xl) + mid_w + crate::text::width(&xr) + 4 <= gw {
        buf.set_stringn(
            graph.x + ((gw - mid_w) / 2) as u16,
            axis_y,
            &mid,
            mid_w,
            dim,
        );
    }
    let xr_w = crate::text::width(&xr);
    if xr_w < gw {
        buf.set_stringn(graph.x + (gw - xr_w) as u16, axis_y, &xr, xr_w, dim);
    }
    // A little margin so the markers at the edges stay inside.
    let (px, py) = ((x1 - x0) * 0.02, (y1 - y0) * 0.04);
    Canvas::default()
        .marker(Marker::Braille)
        .x_bounds([x0 - px, x1 + px])
        .y_bounds([y0 - py, y1 + py])
        .paint(|ctx| {
            for (i, g) in s.groups.iter().enumerate() {
                let coords: Vec<(f64, f64)> = g
                    .points
                    .iter()
                    .filter(|p| p[0].is_finite() && p[1].is_finite())
                    .map(|p| (p[0], p[1]))
                    .collect();
                if theme.color {
                    ctx.draw(&Points {
                        coords: &coords,
                        color: PALETTE[i % PALETTE.len()],
                    });
                }
            }
            ctx.layer();
            for (i, g) in s.groups.iter().enumerate() {
                let glyph = MARKERS[i % MARKERS.len()].to_string();
                for p in g
                    .points
                    .iter()
                    .filter(|p| p[0].is_finite() && p[1].is_finite())
                {
                    ctx.print(p[0], p[1], Span::styled(glyph.clone(), style_of(i)));
                }
            }
        })
        .render(graph, buf);
}
