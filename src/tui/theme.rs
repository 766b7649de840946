//! The one theme: every colour and style the reader, the experiment pane
//! and the quiz use. Under `NO_COLOR` there are no colours at all;
//! modifiers (bold, reversed, underlined) still mark things.

use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Borders};

use crate::text::Kind;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

/// Colours for classes, chosen to be told apart on dark and light themes.
pub const PALETTE: [Color; 10] = [
    Color::LightBlue,
    Color::LightRed,
    Color::LightGreen,
    Color::Yellow,
    Color::LightMagenta,
    Color::LightCyan,
    Color::Rgb(255, 165, 0),
    Color::Rgb(160, 120, 255),
    Color::Rgb(150, 150, 150),
    Color::Rgb(200, 255, 120),
];

/// Darker versions of the palette for decision-region backgrounds.
pub const REGION: [Color; 10] = [
    Color::Rgb(20, 40, 90),
    Color::Rgb(90, 25, 25),
    Color::Rgb(20, 70, 30),
    Color::Rgb(80, 70, 10),
    Color::Rgb(75, 20, 75),
    Color::Rgb(15, 70, 75),
    Color::Rgb(90, 55, 0),
    Color::Rgb(50, 35, 90),
    Color::Rgb(50, 50, 50),
    Color::Rgb(60, 80, 30),
];

/// Under NO_COLOR, the glyph of a class's training points (test points:
/// [`TEST_GLYPHS`]) and the texture of its decision region.
pub const POINT_GLYPHS: [char; 10] = ['o', 'x', '+', 's', 'v', 'z', 'n', 'w', 'e', 'u'];
pub const TEST_GLYPHS: [char; 10] = ['O', 'X', '#', 'S', 'V', 'Z', 'N', 'W', 'E', 'U'];
pub const REGION_GLYPHS: [char; 10] = [' ', '·', '░', ':', '▒', '-', '=', '~', '\'', '"'];

impl Theme {
    /// Colours unless `NO_COLOR` is set (to anything but the empty string).
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    /// A foreground colour, or plain text under NO_COLOR.
    pub fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// The style of a kind of note text.
    pub fn kind(&self, k: Kind) -> Style {
        match k {
            Kind::Text => Style::new(),
            Kind::Math => self.fg(Color::Yellow),
            Kind::Heading => self.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            Kind::Title => self.fg(Color::LightGreen).add_modifier(Modifier::BOLD),
            Kind::Dim => self.fg(Color::DarkGray),
            Kind::Label => Style::new().add_modifier(Modifier::ITALIC),
            Kind::Link => self.fg(Color::Blue).add_modifier(Modifier::UNDERLINED),
            Kind::Marker => self.fg(Color::Cyan),
            Kind::Highlight => Style::new().add_modifier(Modifier::REVERSED),
        }
    }

    /// The quieter styles of a quiz card (headings bold, not coloured).
    pub fn card_kind(&self, k: Kind) -> Style {
        match k {
            Kind::Math => self.fg(Color::Yellow),
            Kind::Heading | Kind::Title => Style::new().add_modifier(Modifier::BOLD),
            Kind::Dim => self.fg(Color::DarkGray),
            Kind::Highlight => Style::new().add_modifier(Modifier::REVERSED),
            Kind::Label => Style::new().add_modifier(Modifier::ITALIC),
            _ => Style::new(),
        }
    }

    /// A pane border: bold (and cyan) when focused.
    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            self.fg(Color::DarkGray)
        }
    }

    /// A bordered block titled ` title `.
    pub fn block(&self, title: &str, focused: bool) -> Block<'static> {
        Block::new()
            .borders(Borders::ALL)
            .border_style(self.border(focused))
            .title(format!(" {title} "))
    }

    /// The colour of class `c` (no colour under NO_COLOR).
    pub fn class(&self, c: usize) -> Color {
        if self.color {
            PALETTE[c % PALETTE.len()]
        } else {
            Color::Reset
        }
    }

    /// The status line's text.
    pub fn status(&self) -> Style {
        self.fg(Color::Gray).add_modifier(Modifier::DIM)
    }

    /// A selected (or still-to-be-replaced) text value.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_means_no_colours_but_modifiers_stay() {
        let t = Theme { color: false };
        assert_eq!(t.fg(Color::Red), Style::new());
        assert_eq!(t.class(3), Color::Reset);
        assert!(t.border(true).add_modifier.contains(Modifier::BOLD));
        assert_eq!(t.border(true).fg, None);
        let c = Theme { color: true };
        assert_eq!(c.border(true).fg, Some(Color::Cyan));
    }
}
