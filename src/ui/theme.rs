//! Styles for each theme. `Mono` (also forced by `NO_COLOR`) uses no colours at all, only
//! bold, reverse and underline, so meaning survives without colour.

use ratatui::style::{Color, Modifier, Style};

use crate::app::Level;
use crate::config::Theme;

#[derive(Debug, Clone, Copy)]
pub struct Styles {
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub border_focused: Style,
    pub selected: Style,
    pub user: Style,
    pub assistant: Style,
    pub system: Style,
    pub notice: Style,
    pub error: Style,
    pub exact: Style,
    pub key: Style,
}

impl Styles {
    pub fn new(theme: Theme) -> Styles {
        let plain = Style::default();
        match theme {
            Theme::Mono => Styles {
                text: plain,
                dim: plain,
                title: plain.add_modifier(Modifier::BOLD),
                border: plain,
                border_focused: plain.add_modifier(Modifier::BOLD),
                selected: plain.add_modifier(Modifier::REVERSED),
                user: plain.add_modifier(Modifier::BOLD),
                assistant: plain.add_modifier(Modifier::BOLD),
                system: plain.add_modifier(Modifier::BOLD),
                notice: plain.add_modifier(Modifier::BOLD),
                error: plain.add_modifier(Modifier::BOLD),
                exact: plain.add_modifier(Modifier::BOLD),
                key: plain.add_modifier(Modifier::BOLD),
            },
            Theme::Dark | Theme::Light => {
                let dim = if theme == Theme::Dark {
                    Color::DarkGray
                } else {
                    Color::Gray
                };
                Styles {
                    text: plain,
                    dim: plain.fg(dim),
                    title: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
                    border: plain.fg(dim),
                    border_focused: plain.fg(Color::Cyan),
                    selected: plain.add_modifier(Modifier::REVERSED),
                    user: plain.fg(Color::Green).add_modifier(Modifier::BOLD),
                    assistant: plain.fg(Color::Magenta).add_modifier(Modifier::BOLD),
                    system: plain.fg(Color::Blue).add_modifier(Modifier::BOLD),
                    notice: plain.fg(Color::Yellow),
                    error: plain.fg(Color::Red).add_modifier(Modifier::BOLD),
                    exact: plain.fg(Color::Green),
                    key: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
                }
            }
        }
    }
}

/// The colour of a budget level (75 % / 90 % / over). In mono, over is bold and reversed.
pub fn level_style(theme: Theme, level: Level) -> Style {
    let plain = Style::default();
    match (theme, level) {
        (Theme::Mono, Level::Over) => plain.add_modifier(Modifier::BOLD | Modifier::REVERSED),
        (Theme::Mono, Level::Danger) => plain.add_modifier(Modifier::BOLD),
        (Theme::Mono, _) => plain,
        (_, Level::Ok) => plain.fg(Color::Green),
        (_, Level::Warn) => plain.fg(Color::Yellow),
        (_, Level::Danger) => plain.fg(Color::LightRed),
        (_, Level::Over) => plain.fg(Color::Red).add_modifier(Modifier::BOLD),
    }
}
