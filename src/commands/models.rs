//! `budgie models`: the models budgie knows, and with a key the ones the API lists.

use crate::cli::Common;
use crate::estimate::Registry;

pub fn run(_common: &Common, json: bool) -> i32 {
    for m in Registry::builtin().models() {
        if json {
            let line = serde_json::json!({
                "id": m.id,
                "display_name": m.display_name,
                "family": m.family.name(),
                "context_window": m.context_window,
                "max_output": m.max_output,
                "input_price_per_mtok": m.input_price_per_mtok,
            });
            println!("{line}");
        } else {
            println!(
                "{:<22} {:<18} family {:<6} context {:>9}  ${}/MTok in",
                m.id,
                m.display_name,
                m.family.name(),
                m.context_window,
                m.input_price_per_mtok
            );
        }
    }
    super::exit::OK
}
