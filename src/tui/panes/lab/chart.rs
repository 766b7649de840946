//! A lab's line chart: Braille lines on a canvas (coloured when colour is
//! on), each series' points marked with its own glyph (`o x + * # @ % &`),
//! a legend with each series' last value, y labels at the top and bottom
//! (powers of ten on a log scale) and the x range under the plot.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::{Canvas, Line as CLine};
use ratatui::widgets::Widget;

use super::pick;
use crate::labs::format::num;
use crate::labs::Chart;
use crate::settings::Lang;
use crate::tui::theme::{Theme, PALETTE};

/// The marker of series `i` (they read without colour).
pub const GLYPHS: [char; 8] = ['o', 'x', '+', '*', '#', '@', '%', '&'];

/// Points of a series as drawn: log10 of y on a log chart (non-positive and
/// non-finite values are left out).
fn drawn(points: &[[f64; 2]], log_y: bool) -> Vec<(f64, f64)> {
    points
        .iter()
        .filter_map(|&[x, y]| {
            let y = if log_y {
                if y > 0.0 {
                    y.log10()
                } else {
                    return None;
                }
            } else {
                y
            };
            (x.is_finite() && y.is_finite()).then_some((x, y))
        })
        .collect()
}

/// An x value for an axis: whole numbers without decimals.
fn x_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        num(x)
    }
}

pub fn render(c: &Chart, area: Rect, buf: &mut Buffer, theme: Theme, lang: Lang) {
    let title = format!(
        "{}{}",
        pick(&c.title, lang),
        if c.log_y { " · log y" } else { "" }
    );
    let b = theme.block(
        &crate::text::truncate(&title, usize::from(area.width.saturating_sub(4))),
        false,
    );
    let inner = b.inner(area);
    b.render(area, buf);
    if inner.height < 3 || inner.width < 12 {
        return;
    }
    let sets: Vec<Vec<(f64, f64)>> = c.series.iter().map(|s| drawn(&s.points, c.log_y)).collect();
    // The legend: glyph, name and last value of each series, wrapped.
    let mut legend: Vec<Line> = vec![Line::default()];
    let mut used = 0usize;
    for (i, s) in c.series.iter().enumerate() {
        let last = s.points.last().map_or(f64::NAN, |p| p[1]);
        let text = format!("{} {} {}", GLYPHS[i % GLYPHS.len()], s.name, num(last));
        let w = crate::text::width(&text) + 2;
        if used > 0 && used + w > usize::from(inner.width) {
            legend.push(Line::default());
            used = 0;
        }
        let style = theme.fg(PALETTE[i % PALETTE.len()]);
        if let Some(l) = legend.last_mut() {
            l.spans.push(Span::styled(text, style));
            l.spans.push(Span::raw("  "));
        }
        used += w;
    }
    let legend_h = (legend.len() as u16).min(inner.height.saturating_sub(3));
    for (i, l) in legend.iter().take(usize::from(legend_h)).enumerate() {
        buf.set_line(inner.x, inner.y + i as u16, l, inner.width);
    }
    let all: Vec<(f64, f64)> = sets.iter().flatten().copied().collect();
    let plot = Rect::new(
        inner.x,
        inner.y + legend_h,
        inner.width,
        inner.height - legend_h,
    );
    if all.is_empty() {
        buf.set_stringn(
            plot.x,
            plot.y,
            "no points yet",
            usize::from(plot.width),
            Style::new(),
        );
        return;
    }
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in &all {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    if x1 <= x0 {
        x0 -= 1.0;
        x1 += 1.0;
    }
    if y1 <= y0 {
        let pad = if y0 == 0.0 { 1.0 } else { y0.abs() * 0.1 };
        y0 -= pad;
        y1 += pad;
    }
    let ylab = |v: f64| if c.log_y { num(10f64.powf(v)) } else { num(v) };
    let (top, bottom) = (ylab(y1), ylab(y0));
    let lw = crate::text::width(&top).max(crate::text::width(&bottom)) as u16 + 1;
    if plot.width <= lw + 4 || plot.height < 2 {
        return;
    }
    // y labels left of the plot, x range on the last row.
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
    let xl = x_text(x0);
    let xr = x_text(x1);
    let label = format!("{} → ", c.x_label);
    let gw = usize::from(graph.width);
    buf.set_stringn(graph.x, axis_y, &xl, gw, dim);
    let mid = format!("{label}{}", c.y_label);
    let mid_w = crate::text::width(&mid);
    if crate::text::width(&xl) + mid_w + crate::text::width(&xr) + 4 <= gw {
        let mx = graph.x + ((gw - mid_w) / 2) as u16;
        buf.set_stringn(mx, axis_y, &mid, mid_w, dim);
    }
    let xr_w = crate::text::width(&xr);
    if xr_w < gw {
        buf.set_stringn(graph.x + (gw - xr_w) as u16, axis_y, &xr, xr_w, dim);
    }
    let color = theme.color;
    Canvas::default()
        .marker(Marker::Braille)
        .x_bounds([x0, x1])
        .y_bounds([y0, y1])
        .paint(|ctx| {
            for (i, pts) in sets.iter().enumerate() {
                let col = if color {
                    PALETTE[i % PALETTE.len()]
                } else {
                    Color::Reset
                };
                for w in pts.windows(2) {
                    ctx.draw(&CLine {
                        x1: w[0].0,
                        y1: w[0].1,
                        x2: w[1].0,
                        y2: w[1].1,
                        color: col,
                    });
                }
            }
            ctx.layer();
            // Markers: at most ~12 per series, staggered so series that
            // share x values do not hide each other's glyphs.
            for (i, pts) in sets.iter().enumerate() {
                let step = pts.len().div_ceil(12).max(1);
                let glyph = GLYPHS[i % GLYPHS.len()].to_string();
                for (k, &(x, y)) in pts.iter().enumerate() {
                    if (k + i) % step == 0 || k + 1 == pts.len() {
                        let style = if color {
                            Style::new().fg(PALETTE[i % PALETTE.len()])
                        } else {
                            Style::new()
                        };
                        ctx.print(x, y, Span::styled(glyph.clone(), style));
                    }
                }
            }
        })
        .render(graph, buf);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_scale_drops_what_it_cannot_draw() {
        let p = [[1.0, 100.0], [2.0, 0.0], [3.0, f64::NAN], [4.0, 0.01]];
        assert_eq!(drawn(&p, true), vec![(1.0, 2.0), (4.0, -2.0)]);
        assert_eq!(drawn(&p, false).len(), 3);
    }
}
