//! The picture panel: decision regions, a PCA projection, or the
//! tagging / casino views.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::Span as TSpan;
use ratatui::widgets::canvas::{Canvas, Points};
use ratatui::widgets::{Paragraph, Widget};

use super::*;
use crate::experiment::Picture;
use crate::tui::experiment::ExperimentPane;
use crate::tui::theme::{Theme, POINT_GLYPHS, REGION_GLYPHS, TEST_GLYPHS};

/// The picture panel as a widget.
pub struct PicturePanel<'a> {
    pub pane: &'a ExperimentPane,
    pub theme: Theme,
}

impl Widget for PicturePanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        render_picture(self.pane, area, buf, self.theme);
    }
}

pub(super) fn render_picture(pane: &ExperimentPane, area: Rect, buf: &mut Buffer, theme: Theme) {
    if let Some(r) = &pane.report {
        if let Some(c) = r.casino() {
            CasinoPanel { casino: c, theme }.render(area, buf);
            return;
        }
        if let Some(t) = r.tagging() {
            // The learned transitions beside the sentences when both fit.
            let mut area = area;
            if let Some(tr) = &t.transitions {
                let w = transitions_width(tr);
                if area.width >= w + 24 && area.height >= 6 {
                    let [left, right] = ratatui::layout::Layout::horizontal([
                        ratatui::layout::Constraint::Min(0),
                        ratatui::layout::Constraint::Length(w),
                    ])
                    .areas(area);
                    TransitionsPanel {
                        transitions: tr,
                        theme,
                    }
                    .render(right, buf);
                    area = left;
                }
            }
            TaggedPanel {
                pane,
                tagging: t,
                theme,
            }
            .render(area, buf);
            return;
        }
    }
    let Some(pic) = pane.report.as_ref().and_then(|r| r.picture()) else {
        let b = theme.block("Picture", false);
        let inner = b.inner(area);
        b.render(area, buf);
        Paragraph::new("decision regions (2-D data) or PCA projection appear after a run")
            .render(inner, buf);
        return;
    };
    if pic.points.is_empty() || area.width < 6 || area.height < 4 {
        theme.block("Picture", false).render(area, buf);
        return;
    }
    let class_names = &pane
        .report
        .as_ref()
        .map_or(&[][..], |r| r.classes.as_slice());
    let title = if !theme.color {
        // No colours: each class has its glyphs, named in the title.
        let key: Vec<String> = (0..pic.classes.iter().max().map_or(1, |m| m + 1))
            .map(|c| {
                let g = POINT_GLYPHS[c % POINT_GLYPHS.len()];
                let name = class_names
                    .get(c)
                    .map_or_else(|| c.to_string(), Clone::clone);
                format!("{g} {name}")
            })
            .collect();
        let what = if pic.grid.is_some() {
            "Decision regions · "
        } else {
            ""
        };
        format!(
            "{what}{} vs {} · {} · CAPS test",
            pic.axes[0],
            pic.axes[1],
            key.join("  ")
        )
    } else if pic.grid.is_some() {
        format!(
            "Decision regions · {} vs {} · ■ test",
            pic.axes[0], pic.axes[1]
        )
    } else {
        format!("{} vs {}", pic.axes[0], pic.axes[1])
    };
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in &pic.points {
        x0 = x0.min(p[0]);
        x1 = x1.max(p[0]);
        y0 = y0.min(p[1]);
        y1 = y1.max(p[1]);
    }
    if let Some(g) = &pic.grid {
        (x0, x1, y0, y1) = (g.x.0, g.x.1, g.y.0, g.y.1);
    }
    if x0.partial_cmp(&x1) != Some(std::cmp::Ordering::Less) {
        x1 = x0 + 1.0;
    }
    if y0.partial_cmp(&y1) != Some(std::cmp::Ordering::Less) {
        y1 = y0 + 1.0;
    }
    if !theme.color {
        let b = theme.block(&title, false);
        let inner = b.inner(area);
        b.render(area, buf);
        render_glyphs(pic, [x0, x1, y0, y1], inner, buf);
        return;
    }
    let n_classes = pic.classes.iter().max().map_or(1, |m| m + 1);
    let mut by_class: Vec<Vec<(f64, f64)>> = vec![Vec::new(); n_classes.max(1)];
    let mut test_by_class: Vec<Vec<(f64, f64)>> = vec![Vec::new(); n_classes.max(1)];
    for ((p, &c), &t) in pic.points.iter().zip(&pic.classes).zip(&pic.is_test) {
        if t {
            test_by_class[c.min(n_classes - 1)].push((p[0], p[1]));
        } else {
            by_class[c.min(n_classes - 1)].push((p[0], p[1]));
        }
    }
    let mut regions: Vec<Vec<(f64, f64)>> = Vec::new();
    if let Some(g) = &pic.grid {
        let k = g.cells.iter().max().map_or(1, |m| m + 1);
        regions = vec![Vec::new(); k];
        for r in 0..g.rows {
            for c in 0..g.cols {
                let cls = g.cells[r * g.cols + c];
                let x = g.x.0 + (g.x.1 - g.x.0) * (c as f64 + 0.5) / g.cols as f64;
                let y = g.y.1 - (g.y.1 - g.y.0) * (r as f64 + 0.5) / g.rows as f64;
                regions[cls].push((x, y));
            }
        }
    }
    Canvas::default()
        .block(theme.block(&title, false))
        .marker(Marker::Braille)
        .x_bounds([x0, x1])
        .y_bounds([y0, y1])
        .paint(|ctx| {
            if theme.color {
                for (c, pts) in regions.iter().enumerate() {
                    ctx.draw(&Points {
                        coords: pts,
                        color: crate::tui::theme::REGION[c % crate::tui::theme::REGION.len()],
                    });
                }
            }
            ctx.layer();
            for (c, pts) in by_class.iter().enumerate() {
                ctx.draw(&Points {
                    coords: pts,
                    color: theme.class(c),
                });
            }
            ctx.layer();
            for (c, pts) in test_by_class.iter().enumerate() {
                for &(x, y) in pts {
                    ctx.print(x, y, TSpan::styled("■", Style::new().fg(theme.class(c))));
                }
            }
        })
        .render(area, buf);
}

/// The picture without colours: every cell of the area shows the texture of
/// the class predicted there (decision regions), and points are drawn over
/// it with their class's glyph (capitals for test rows).
fn render_glyphs(pic: &Picture, bounds: [f64; 4], area: Rect, buf: &mut Buffer) {
    let [x0, x1, y0, y1] = bounds;
    let (w, h) = (usize::from(area.width), usize::from(area.height));
    if w == 0 || h == 0 {
        return;
    }
    if let Some(g) = &pic.grid {
        for cy in 0..h {
            for cx in 0..w {
                let x = x0 + (x1 - x0) * (cx as f64 + 0.5) / w as f64;
                let y = y1 - (y1 - y0) * (cy as f64 + 0.5) / h as f64;
                let gc = (((x - g.x.0) / (g.x.1 - g.x.0)) * g.cols as f64).floor();
                let gr = (((g.y.1 - y) / (g.y.1 - g.y.0)) * g.rows as f64).floor();
                if gc < 0.0 || gr < 0.0 {
                    continue;
                }
                let (gc, gr) = (gc as usize, gr as usize);
                if let Some(&cls) = (gc < g.cols)
                    .then(|| g.cells.get(gr * g.cols + gc))
                    .flatten()
                {
                    let glyph = REGION_GLYPHS[cls % REGION_GLYPHS.len()];
                    buf[(area.x + cx as u16, area.y + cy as u16)].set_char(glyph);
                }
            }
        }
    }
    let cell = |v: f64, lo: f64, hi: f64, n: usize| -> Option<usize> {
        let f = (v - lo) / (hi - lo);
        (0.0..=1.0)
            .contains(&f)
            .then(|| ((f * n as f64) as usize).min(n - 1))
    };
    // Training points first, test points over them.
    for pass_test in [false, true] {
        for ((p, &c), &t) in pic.points.iter().zip(&pic.classes).zip(&pic.is_test) {
            if t != pass_test {
                continue;
            }
            let (Some(cx), Some(cy)) = (cell(p[0], x0, x1, w), cell(p[1], y0, y1, h)) else {
                continue;
            };
            let glyphs = if t { &TEST_GLYPHS } else { &POINT_GLYPHS };
            let cy = h - 1 - cy;
            buf[(area.x + cx as u16, area.y + cy as u16)]
                .set_char(glyphs[c % glyphs.len()])
                .set_style(Style::new().add_modifier(ratatui::style::Modifier::BOLD));
        }
    }
}
