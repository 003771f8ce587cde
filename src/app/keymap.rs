//! Key bindings: `assets/keymap.toml` compiled in, optionally overridden by the user's file
//! (`keymap = "…"` in config.toml). A key maps to a `Command` within a scope: the panes
//! (anywhere, while typing, in navigation) and each window over them (help, model picker,
//! prompts, tool editor, the cost views). Only typing itself is not a binding.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Everywhere, including while typing.
    Global,
    /// While an editor has the keys.
    Editor,
    /// In navigation.
    Navigate,
    /// In the help window.
    Help,
    /// In the model picker (typing filters).
    ModelPicker,
    /// In a one-line prompt: budget, thinking, a path (typing edits it).
    Prompt,
    /// In the tool editor (typing edits the JSON).
    ToolEditor,
    /// In the model comparison and the prompt-cache view.
    Costs,
    /// In the open window: recent files and a path (typing edits the path).
    Open,
    /// In a window that shows text to read: a block, a tool, an attachment, the messages.
    Viewer,
    /// The question asked before unsaved changes would be left behind (quit, open).
    Unsaved,
    /// The question asked before saving over a file that exists.
    Overwrite,
}

impl Scope {
    pub const ALL: [Scope; 12] = [
        Scope::Global,
        Scope::Editor,
        Scope::Navigate,
        Scope::Help,
        Scope::ModelPicker,
        Scope::Prompt,
        Scope::ToolEditor,
        Scope::Costs,
        Scope::Open,
        Scope::Viewer,
        Scope::Unsaved,
        Scope::Overwrite,
    ];

    /// The section name in the keymap file.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Editor => "editor",
            Scope::Navigate => "navigate",
            Scope::Help => "help",
            Scope::ModelPicker => "model_picker",
            Scope::Prompt => "prompt",
            Scope::ToolEditor => "tool_editor",
            Scope::Costs => "costs",
            Scope::Open => "open",
            Scope::Viewer => "viewer",
            Scope::Unsaved => "unsaved",
            Scope::Overwrite => "overwrite",
        }
    }

    fn from_name(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Anywhere",
            Scope::Editor => "While typing",
            Scope::Navigate => "In navigation (Esc)",
            Scope::Help => "In this help",
            Scope::ModelPicker => "In the model picker (type to filter)",
            Scope::Prompt => "In a prompt (budget, thinking, paths)",
            Scope::ToolEditor => "In the tool editor",
            Scope::Costs => "In the model comparison and the cache view",
            Scope::Open => "In the open window (type a path or pick a recent file)",
            Scope::Viewer => "Reading a block, a tool, an attachment or the messages",
            Scope::Unsaved => "Asked about unsaved changes",
            Scope::Overwrite => "Asked before replacing a file",
        }
    }
}

/// Declares `Command` with its name in the keymap file and what the help says it does.
macro_rules! commands {
    ($($variant:ident $name:literal $describe:literal,)*) => {
        /// What a key is bound to.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Command {
            $($variant,)*
        }

        impl Command {
            pub const ALL: &'static [Command] = &[$(Command::$variant,)*];

            pub fn name(self) -> &'static str {
                match self {
                    $(Command::$variant => $name,)*
                }
            }

            /// What the help screen says the command does.
            pub fn describe(self) -> &'static str {
                match self {
                    $(Command::$variant => $describe,)*
                }
            }
        }
    };
}

commands! {
    Quit "quit" "quit (asks first when there are unsaved changes)",
    QuitHint "quit_hint" "say how to quit (Ctrl-C does not quit)",
    Save "save" "save (asks for a name the first time)",
    SaveAs "save_as" "save under another name",
    Open "open" "open a file: recent files, or type a path",
    NextPane "next_pane" "next pane (request, tools, attachments)",
    PrevPane "prev_pane" "previous pane",
    Help "help" "this help",
    Navigate "navigate" "leave the editor for navigation",
    Edit "edit" "edit the selected block, tool (its JSON) or attachment (another file)",
    ExternalEdit "external_edit" "edit the selected block or tool in your editor ($VISUAL, $EDITOR)",
    View "view" "read the selected block, tool or attachment in full",
    Log "log" "read every message and error in full",
    Up "up" "select the block or item above",
    Down "down" "select the block or item below",
    First "first" "select the first block or item",
    Last "last" "select the last block or item",
    PageUp "page_up" "up a page",
    PageDown "page_down" "down a page",
    NewTurn "new_turn" "add a turn after this one (other role)",
    DeleteTurn "delete_turn" "delete the selected turn",
    Undo "undo" "undo a change to turns, tools, attachments, model, thinking, budget",
    Redo "redo" "redo what was undone",
    SwitchRole "switch_role" "switch the turn between user and assistant",
    Tools "tools" "go to the tools pane",
    Attach "attach" "attach an image or PDF by path",
    Model "model" "choose the model (type to filter)",
    Budget "budget" "set the token budget",
    Thinking "thinking" "thinking on/off and its budget",
    Export "export" "export the request JSON to a file",
    Recount "recount" "ask for the exact count again now",
    Toggle "toggle" "switch the selected tool or attachment on or off",
    Remove "remove" "remove the selected tool or attachment (undo brings it back)",
    ToolFromFile "tool_from_file" "add a tool from a JSON file",
    NewTool "new_tool" "write a new tool in a JSON editor",
    Discard "discard" "discard the unsaved changes",
    Cancel "cancel" "close the window, changing nothing",
    Confirm "confirm" "accept",
    Complete "complete" "complete the path typed",
    Compare "compare" "compare models: tokens, fit, cost",
    CachePlan "cache_plan" "prompt cache: breakpoints, minimums, costs",
    Breakpoint "breakpoint" "put/remove a cache breakpoint here",
    CountExactly "count_exactly" "count the figures shown exactly (API)",
    Attribute "attribute" "count each section exactly (again: stop)",
}

impl Command {
    /// What the command does where it is bound (moving up in the help scrolls it).
    pub fn describe_in(self, scope: Scope) -> &'static str {
        match (scope, self) {
            (Scope::Help | Scope::Viewer, Command::Up) => "scroll up a line",
            (Scope::Help | Scope::Viewer, Command::Down) => "scroll down a line",
            (Scope::Help | Scope::Viewer, Command::First) => "go to the top",
            (Scope::Help | Scope::Viewer, Command::Last) => "go to the end",
            (Scope::ModelPicker, Command::Up) => "select the model above",
            (Scope::ModelPicker, Command::Down) => "select the model below",
            (Scope::ModelPicker, Command::Confirm) => "use the selected model",
            (Scope::Prompt, Command::Confirm) => "accept what is typed",
            (Scope::ToolEditor, Command::Confirm) => "add (or replace) the tool written",
            (Scope::Costs, Command::Up) => "scroll up a line",
            (Scope::Costs, Command::Down) => "scroll down a line",
            (Scope::Costs, Command::Compare) => "switch to the model comparison",
            (Scope::Costs, Command::CachePlan) => "switch to the cache view",
            (Scope::Editor, Command::Undo) => "undo typing (with none left, the last change)",
            (Scope::Editor, Command::Redo) => "redo typing (with none left, the last change)",
            (Scope::Open, Command::Up) => "select the recent file above",
            (Scope::Open, Command::Down) => "select the recent file below",
            (Scope::Open, Command::Confirm) => "open the selected file, or the path typed",
            (Scope::Unsaved, Command::Save) => "save, then go on",
            (Scope::Unsaved, Command::Discard) => "discard the changes, then go on",
            (Scope::Unsaved, Command::Cancel) => "stay, changing nothing",
            (Scope::Overwrite, Command::Confirm) => "replace the file",
            (Scope::Overwrite, Command::Cancel) => "choose another name",
            _ => self.describe(),
        }
    }

    fn from_name(name: &str) -> Option<Command> {
        Command::ALL.iter().copied().find(|c| c.name() == name)
    }
}

/// A key with its modifiers, normalised (Shift is folded into characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub mods: u8,
}

/// `KeyCode` with an ordering, so bindings can live in a BTreeMap and list stably.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Named(u8),
}

const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("space", KeyCode::Char(' ')),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("delete", KeyCode::Delete),
    ("backspace", KeyCode::Backspace),
];

const CTRL: u8 = 1;
const ALT: u8 = 2;
const SHIFT: u8 = 4;

impl Key {
    pub fn from_event(key: &KeyEvent) -> Option<Key> {
        let mut mods = 0;
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            mods |= CTRL;
        }
        if key.modifiers.contains(KeyModifiers::ALT) {
            mods |= ALT;
        }
        if key.modifiers.contains(KeyModifiers::SHIFT) {
            mods |= SHIFT;
        }
        let code = match key.code {
            KeyCode::Char(c) => {
                mods &= !SHIFT;
                let c = if mods & CTRL != 0 {
                    c.to_ascii_lowercase()
                } else {
                    c
                };
                if c == ' ' {
                    KeyCodeOrd::Named(named_index(KeyCode::Char(' '))?)
                } else {
                    KeyCodeOrd::Char(c)
                }
            }
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::BackTab => {
                mods &= !SHIFT;
                KeyCodeOrd::Named(named_index(KeyCode::BackTab)?)
            }
            other => KeyCodeOrd::Named(named_index(other)?),
        };
        Some(Key { code, mods })
    }

    /// Parse "ctrl-s", "shift-tab", "?", "T", "f1".
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut mods = 0;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.chars().count() > 1 && lower.starts_with("ctrl-") {
                mods |= CTRL;
                rest = &rest[5..];
            } else if rest.chars().count() > 1 && lower.starts_with("alt-") {
                mods |= ALT;
                rest = &rest[4..];
            } else if rest.chars().count() > 1 && lower.starts_with("shift-") {
                mods |= SHIFT;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                mods &= !SHIFT;
                let c = if mods & CTRL != 0 {
                    c.to_ascii_lowercase()
                } else {
                    c
                };
                if c == ' ' {
                    KeyCodeOrd::Named(named_index(KeyCode::Char(' ')).unwrap_or(0))
                } else {
                    KeyCodeOrd::Char(c)
                }
            }
            _ => {
                let lower = rest.to_ascii_lowercase();
                if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    KeyCodeOrd::F(n)
                } else if let Some(i) = NAMED.iter().position(|(name, _)| *name == lower) {
                    if lower == "tab" && mods & SHIFT != 0 {
                        mods &= !SHIFT;
                        KeyCodeOrd::Named(named_index(KeyCode::BackTab).unwrap_or(0))
                    } else {
                        KeyCodeOrd::Named(i as u8)
                    }
                } else {
                    return Err(format!("`{text}` is not a key"));
                }
            }
        };
        Ok(Key { code, mods })
    }

    /// "ctrl-s", "?", "space".
    pub fn display(&self) -> String {
        let mut out = String::new();
        if self.mods & CTRL != 0 {
            out.push_str("Ctrl-");
        }
        if self.mods & ALT != 0 {
            out.push_str("Alt-");
        }
        if self.mods & SHIFT != 0 {
            out.push_str("Shift-");
        }
        match self.code {
            KeyCodeOrd::Char(c) => {
                if self.mods & CTRL != 0 {
                    out.push(c.to_ascii_uppercase())
                } else {
                    out.push(c)
                }
            }
            KeyCodeOrd::F(n) => out.push_str(&format!("F{n}")),
            KeyCodeOrd::Named(i) => {
                let name = NAMED.get(usize::from(i)).map_or("?", |(n, _)| n);
                out.push_str(match name {
                    "backtab" => "Shift-Tab",
                    "enter" => "Enter",
                    "esc" => "Esc",
                    "tab" => "Tab",
                    "space" => "Space",
                    "up" => "↑",
                    "down" => "↓",
                    "left" => "←",
                    "right" => "→",
                    "delete" => "Del",
                    "backspace" => "Backspace",
                    "pageup" => "PgUp",
                    "pagedown" => "PgDn",
                    "home" => "Home",
                    "end" => "End",
                    other => other,
                });
            }
        }
        out
    }
}

fn named_index(code: KeyCode) -> Option<u8> {
    NAMED.iter().position(|(_, c)| *c == code).map(|i| i as u8)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    /// Each key's command, and where the key stands in the command's list in the file (the
    /// first listed is the one hints show).
    bindings: BTreeMap<(Scope, Key), (Command, usize)>,
}

impl Default for Keymap {
    fn default() -> Self {
        // The compiled-in file is ours and tested; an empty map would still let Ctrl-Q work
        // through the runtime's own fallback.
        Keymap::parse(DEFAULT_KEYMAP)
            .map(|(k, _)| k)
            .unwrap_or(Keymap {
                bindings: BTreeMap::new(),
            })
    }
}

impl Keymap {
    /// Parse a keymap file; returns the map and a warning per entry it could not use.
    pub fn parse(text: &str) -> Result<(Keymap, Vec<String>), String> {
        let mut map = Keymap {
            bindings: BTreeMap::new(),
        };
        let warnings = map.merge(text)?;
        Ok((map, warnings))
    }

    /// The defaults, overridden by the user's file text: a command named in a section loses
    /// its default keys in that section.
    pub fn with_overrides(text: &str) -> Result<(Keymap, Vec<String>), String> {
        let mut map = Keymap::default();
        let warnings = map.merge(text)?;
        Ok((map, warnings))
    }

    fn merge(&mut self, text: &str) -> Result<Vec<String>, String> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| format!("not valid TOML: {}", e.message()))?;
        let mut warnings = Vec::new();
        for (section, value) in &table {
            let Some(scope) = Scope::from_name(section) else {
                let known: Vec<&str> = Scope::ALL.iter().map(|s| s.name()).collect();
                warnings.push(format!(
                    "[{section}]: unknown section (known: {})",
                    known.join(", ")
                ));
                continue;
            };
            let Some(entries) = value.as_table() else {
                warnings.push(format!("[{section}] must be a table"));
                continue;
            };
            for (name, keys) in entries {
                let Some(command) = Command::from_name(name) else {
                    warnings.push(format!("[{section}] {name}: unknown command"));
                    continue;
                };
                let keys: Vec<&str> = match keys {
                    toml::Value::String(s) => vec![s.as_str()],
                    toml::Value::Array(a) => a.iter().filter_map(|v| v.as_str()).collect(),
                    _ => {
                        warnings.push(format!("[{section}] {name}: must be a list of keys"));
                        continue;
                    }
                };
                self.bindings
                    .retain(|(s, _), (c, _)| !(*s == scope && *c == command));
                for (position, key) in keys.into_iter().enumerate() {
                    match Key::parse(key) {
                        Ok(k) => {
                            self.bindings.insert((scope, k), (command, position));
                        }
                        Err(e) => warnings.push(format!("[{section}] {name}: {e}")),
                    }
                }
            }
        }
        Ok(warnings)
    }

    pub fn lookup(&self, scope: Scope, key: &KeyEvent) -> Option<Command> {
        let k = Key::from_event(key)?;
        self.bindings.get(&(scope, k)).map(|(command, _)| *command)
    }

    /// The keys bound to `command` in `scope`, in the keymap file's order, for hints and
    /// help ("Ctrl-S").
    pub fn keys_for(&self, scope: Scope, command: Command) -> Vec<String> {
        let mut keys: Vec<(usize, String)> = self
            .bindings
            .iter()
            .filter(|((s, _), (c, _))| *s == scope && *c == command)
            .map(|((_, k), (_, position))| (*position, k.display()))
            .collect();
        keys.sort();
        keys.into_iter().map(|(_, k)| k).collect()
    }

    /// The first key for `command`, looked up in `scope` then globally.
    pub fn hint(&self, scope: Scope, command: Command) -> Option<String> {
        self.keys_for(scope, command)
            .into_iter()
            .next()
            .or_else(|| self.keys_for(Scope::Global, command).into_iter().next())
    }

    /// Every binding, grouped by scope and command, in a stable order (the help screen).
    pub fn all(&self) -> Vec<(Scope, Command, Vec<String>)> {
        let mut grouped: BTreeMap<(Scope, Command), Vec<(usize, String)>> = BTreeMap::new();
        for ((scope, key), (command, position)) in &self.bindings {
            grouped
                .entry((*scope, *command))
                .or_default()
                .push((*position, key.display()));
        }
        grouped
            .into_iter()
            .map(|((s, c), mut keys)| {
                keys.sort();
                (s, c, keys.into_iter().map(|(_, k)| k).collect())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn the_default_keymap_parses_without_warnings() {
        let (map, warnings) = Keymap::parse(DEFAULT_KEYMAP).expect("valid");
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            map.lookup(
                Scope::Global,
                &press(KeyCode::Char('q'), KeyModifiers::CONTROL)
            ),
            Some(Command::Quit)
        );
        assert_eq!(
            map.lookup(
                Scope::Navigate,
                &press(KeyCode::Char('?'), KeyModifiers::SHIFT)
            ),
            Some(Command::Help)
        );
        assert_eq!(
            map.lookup(Scope::Global, &press(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Command::PrevPane)
        );
        assert_eq!(
            map.lookup(
                Scope::Navigate,
                &press(KeyCode::Char(' '), KeyModifiers::NONE)
            ),
            Some(Command::Toggle)
        );
    }

    #[test]
    fn every_command_has_a_default_key() {
        let map = Keymap::default();
        let bound: Vec<Command> = map.all().into_iter().map(|(_, c, _)| c).collect();
        for command in Command::ALL {
            assert!(bound.contains(command), "{command:?} has no key");
        }
    }

    #[test]
    fn an_override_replaces_only_the_named_command() {
        let (map, warnings) =
            Keymap::with_overrides("[navigate]\nnew_turn = [\"N\"]\nbogus = [\"z\"]\n")
                .expect("valid");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("bogus"));
        let n = press(KeyCode::Char('n'), KeyModifiers::NONE);
        let big_n = press(KeyCode::Char('N'), KeyModifiers::SHIFT);
        assert_eq!(map.lookup(Scope::Navigate, &n), None);
        assert_eq!(map.lookup(Scope::Navigate, &big_n), Some(Command::NewTurn));
        assert_eq!(
            map.lookup(
                Scope::Navigate,
                &press(KeyCode::Char('d'), KeyModifiers::NONE)
            ),
            Some(Command::DeleteTurn)
        );
    }

    #[test]
    fn bad_keys_are_named() {
        let (_, warnings) = Keymap::parse("[global]\nquit = [\"ctrl-nothing\"]\n").expect("toml");
        assert!(warnings[0].contains("ctrl-nothing"), "{warnings:?}");
    }
}
