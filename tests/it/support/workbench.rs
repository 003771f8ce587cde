//! Helpers shared by the workbench tests.

use std::time::Instant;

use budgie::app::{Model, Msg, Options, example};
use budgie::config::Settings;
use budgie::workspace::Workspace;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// The example workspace, counting offline ("no API key").
pub fn example_offline() -> Model {
    model(example::example(), Some("no API key"))
}

/// The example workspace with exact counting available.
pub fn example_online() -> Model {
    model(example::example(), None)
}

pub fn model(ws: Workspace, offline: Option<&str>) -> Model {
    let options = Options {
        settings: Settings::default(),
        offline_reason: offline.map(str::to_string),
        ..Default::default()
    };
    let mut m = Model::new(ws, options, Instant::now());
    budgie::app::update(&mut m, Msg::Resize(160, 48));
    m
}

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Msg {
    let mods = if c.is_ascii_uppercase() || "?~!@#$%^&*()_+{}|:\"<>".contains(c) {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Msg::Key(KeyEvent::new(KeyCode::Char(c), mods))
}

pub fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Send `msgs` in order; return every effect.
pub fn send(m: &mut Model, msgs: impl IntoIterator<Item = Msg>) -> Vec<budgie::app::Effect> {
    msgs.into_iter()
        .flat_map(|msg| budgie::app::update(m, msg))
        .collect()
}

pub fn type_text(m: &mut Model, text: &str) -> Vec<budgie::app::Effect> {
    send(m, text.chars().map(ch))
}

/// The offline count computed from scratch by the estimator (the independent reference).
pub fn full_estimate(m: &Model) -> u64 {
    budgie::estimate::estimate(&m.ws.to_request()).input_tokens
}
