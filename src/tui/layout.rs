//! Screen layout, shared by `view` (drawing) and `update` (mouse hit tests,
//! page sizes), so both always agree.

use ratatui::layout::Rect;

/// Below this size the reader shows only a "terminal too small" notice.
pub const MIN_WIDTH: u16 = 24;
pub const MIN_HEIGHT: u16 = 6;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub too_small: bool,
    pub full: Rect,
    pub tree: Rect,
    pub tree_inner: Rect,
    pub note: Rect,
    pub note_inner: Rect,
    pub status: Rect,
}

fn inner(r: Rect) -> Rect {
    Rect {
        x: r.x.saturating_add(1),
        y: r.y.saturating_add(1),
        width: r.width.saturating_sub(2),
        height: r.height.saturating_sub(2),
    }
}

pub fn areas(width: u16, height: u16) -> Areas {
    let full = Rect::new(0, 0, width, height);
    if width < MIN_WIDTH || height < MIN_HEIGHT {
        return Areas {
            too_small: true,
            full,
            ..Areas::default()
        };
    }
    let main_h = height - 1;
    let tree_w = if width < 60 {
        width / 2
    } else {
        (width * 32 / 100).clamp(26, 44)
    };
    let tree = Rect::new(0, 0, tree_w, main_h);
    let note = Rect::new(tree_w, 0, width - tree_w, main_h);
    Areas {
        too_small: false,
        full,
        tree,
        tree_inner: inner(tree),
        note,
        note_inner: inner(note),
        status: Rect::new(0, main_h, width, 1),
    }
}

/// The same screen with the right pane over the whole width (`z`: zoom).
pub fn zoomed(a: Areas) -> Areas {
    if a.too_small {
        return a;
    }
    let note = Rect::new(0, 0, a.full.width, a.note.height);
    Areas {
        tree: Rect::new(0, 0, 0, a.note.height),
        tree_inner: Rect::new(0, 0, 0, 0),
        note,
        note_inner: inner(note),
        ..a
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_tile_the_screen() {
        for w in 0..200 {
            for h in 0..60 {
                let a = areas(w, h);
                if a.too_small {
                    continue;
                }
                assert_eq!(a.tree.width + a.note.width, w);
                assert_eq!(a.tree.height + a.status.height, h);
                assert!(a.note_inner.width > 0 && a.tree_inner.width > 0);
            }
        }
    }
}
