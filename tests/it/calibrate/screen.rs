//! What the workbench shows of a calibration.

use std::collections::BTreeMap;

use crate::support::workbench::example_offline;
use budgie::app::{Msg, update};
use budgie::registry::{Calibration, Measured, Structural, install_calibration};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// A model id no other test uses: the calibration installed here is process-wide.
const CALIBRATED: &str = "claude-t";

#[test]
fn the_model_panel_says_when_the_model_was_calibrated() {
    let measured = |value: f64| Measured {
        value,
        date: "2026-12-04".into(),
        api_model: CALIBRATED.into(),
        probes: 2,
    };
    let mut calibration = Calibration {
        frame: Some(measured(9.0)),
        ..Default::default()
    };
    calibration
        .constants
        .insert(Structural::TurnSeparator, measured(4.0));
    assert!(
        install_calibration(BTreeMap::from([(CALIBRATED.to_string(), calibration)])),
        "only this test installs a calibration"
    );
    let mut m = example_offline();
    m.ws.request.model = CALIBRATED.into();
    update(&mut m, Msg::Resize(160, 48));
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("test backend");
    terminal.draw(|f| budgie::ui::view(&m, f)).expect("draws");
    let buffer = terminal.backend().buffer().clone();
    let screen: String = (0..48)
        .map(|y| {
            (0..160)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
                + "\n"
        })
        .collect();
    // The model is not in the registry: its display name is its id.
    assert!(
        screen.contains("claude-t (unknown) · calibrated 2026-12-04"),
        "{screen}"
    );
}
