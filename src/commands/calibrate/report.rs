//! The report of a calibration: plain lines, or one JSON object per model (`--json`).

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use crate::calibration::design::Unknown;
use crate::calibration::page_dpi;
use crate::calibration::solve::{Outcome, Solution};
use crate::estimate::Structural;
use crate::registry::ModelInfo;

/// One model's run, for the report.
pub struct Report {
    pub model: String,
    pub api_model: String,
    pub sent: usize,
    pub cached: usize,
    pub probes: usize,
    pub shipped: ModelInfo,
    pub solution: Solution,
    pub dpi: Option<page_dpi::PageDpi>,
    pub self_check: Vec<Prediction>,
    pub probes_exact: (usize, usize),
    /// Probes the API refused (400), with its message.
    pub refused: Vec<(&'static str, String)>,
    pub interrupted: bool,
    pub saved: Result<PathBuf, String>,
}

/// A self-check request: the offline count with the new values and the API's.
pub struct Prediction {
    pub probe: &'static str,
    pub offline: u64,
    pub exact: u64,
}

pub fn print_report(report: &Report, json: bool) {
    if json {
        crate::commands::batch::print_line(&report_json(report).to_string());
    } else {
        for line in report_lines(report) {
            crate::commands::batch::print_line(&line);
        }
    }
}

fn signed(n: i64) -> String {
    format!("{n:+}")
}

/// The plain report.
fn report_lines(r: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let sent_as = if r.api_model == r.model {
        String::new()
    } else {
        format!(" (sent as {})", r.api_model)
    };
    out.push(format!(
        "{}{sent_as}: {} probes, {} sent, {} from the cache{}",
        r.model,
        r.probes,
        r.sent,
        r.cached,
        if r.interrupted {
            " (stopped early)"
        } else {
            ""
        }
    ));
    let width = Unknown::all()
        .iter()
        .map(|u| u.key().len())
        .max()
        .unwrap_or(20);
    for (u, outcome) in &r.solution.unknowns {
        let was = u.current(&r.shipped);
        let line = match outcome {
            Outcome::Fitted { value, probes } => {
                let change = if *value as f64 == was {
                    "as shipped".to_string()
                } else {
                    format!("shipped {was}")
                };
                format!(
                    "{value:>6}  ({change}; {probes} probe{})",
                    if *probes == 1 {
                        ", not cross-checked"
                    } else {
                        "s"
                    }
                )
            }
            Outcome::Unfit {
                least_squares,
                residuals,
                implied,
            } => {
                let detail = if implied.is_empty() {
                    let r: Vec<String> = residuals
                        .iter()
                        .map(|(p, e)| format!("{p} {}", signed(*e)))
                        .collect();
                    format!("best value {least_squares:.1} leaves {}", r.join(", "))
                } else {
                    let v: Vec<String> = implied
                        .iter()
                        .map(|(p, v)| format!("{p} {}", trim_number(*v)))
                        .collect();
                    format!("the probes imply {}", v.join(", "))
                };
                format!("does not fit one value: {detail}; not kept (still {was})")
            }
            Outcome::NotMeasured { why } => format!("not measured: {why} (still {was})"),
        };
        out.push(format!("  {:<width$}  {line}", u.key()));
    }
    if let Some(found) = &r.dpi {
        out.push(format!(
            "  {:<width$}  {:>6}  (the document probes fit at {}–{} dpi; shipped {})",
            Structural::PdfPageDpi.key(),
            trim_number(found.dpi),
            trim_number(found.lowest),
            trim_number(found.highest),
            trim_number(Unknown::Constant(Structural::PdfPageDpi).current(&r.shipped)),
        ));
    }
    out.push(format!(
        "  {:<width$}  {:>6}  (kept as shipped: every request with tools pays it with the tool-use prompt, so the prompt figures absorb any difference)",
        Structural::ToolDefinitionsJoin.key(),
        Unknown::Constant(Structural::ToolDefinitionsJoin).current(&r.shipped),
    ));
    if !r.refused.is_empty() {
        let names: Vec<String> = r.refused.iter().map(|(p, _)| format!("\"{p}\"")).collect();
        out.push(format!(
            "  refused by the API ({}): {}",
            r.refused[0].1,
            names.join(", ")
        ));
    }
    for check in &r.solution.checks {
        let result = match &check.residual {
            Ok(0) => "exact".to_string(),
            Ok(e) => format!("off by {} (a rule budgie does not model)", signed(*e)),
            Err(why) => format!("not checked: {why}"),
        };
        out.push(format!("  check \"{}\": {result}", check.probe));
    }
    let (exact, total) = r.probes_exact;
    out.push(format!(
        "  probes predicted exactly with the new values: {exact}/{total}"
    ));
    let checked = r.self_check.len();
    let right = r.self_check.iter().filter(|p| p.offline == p.exact).count();
    out.push(format!(
        "  self-check: {right}/{checked} other requests predicted exactly"
    ));
    for p in r.self_check.iter().filter(|p| p.offline != p.exact) {
        out.push(format!(
            "    \"{}\": offline {}, API {} ({})",
            p.probe,
            p.offline,
            p.exact,
            signed(p.exact as i64 - p.offline as i64)
        ));
    }
    match &r.saved {
        Ok(path) => out.push(format!(
            "  saved to {}; offline counts for {} use it from now on",
            path.display(),
            r.model
        )),
        Err(why) => out.push(format!("  {why}")),
    }
    out
}

fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The `--json` report of one model.
fn report_json(r: &Report) -> Value {
    let mut values = Map::new();
    let mut unfit = Map::new();
    let mut not_measured = Map::new();
    for (u, outcome) in &r.solution.unknowns {
        let was = u.current(&r.shipped);
        match outcome {
            Outcome::Fitted { value, probes } => {
                values.insert(
                    u.key().into(),
                    json!({"value": value, "shipped": was, "probes": probes}),
                );
            }
            Outcome::Unfit {
                least_squares,
                residuals,
                implied,
            } => {
                let residuals: Map<String, Value> = residuals
                    .iter()
                    .map(|(p, e)| (p.to_string(), json!(e)))
                    .collect();
                let implied: Map<String, Value> = implied
                    .iter()
                    .map(|(p, v)| (p.to_string(), json!(v)))
                    .collect();
                unfit.insert(
                    u.key().into(),
                    json!({"least_squares": least_squares, "residuals": residuals,
                           "implied": implied, "shipped": was}),
                );
            }
            Outcome::NotMeasured { why } => {
                not_measured.insert(u.key().into(), json!(why));
            }
        }
    }
    if let Some(found) = &r.dpi {
        values.insert(
            Structural::PdfPageDpi.key().into(),
            json!({"value": found.dpi, "lowest": found.lowest, "highest": found.highest,
                   "shipped": Unknown::Constant(Structural::PdfPageDpi).current(&r.shipped)}),
        );
    }
    let checks: Map<String, Value> = r
        .solution
        .checks
        .iter()
        .map(|c| {
            (
                c.probe.to_string(),
                match &c.residual {
                    Ok(e) => json!(e),
                    Err(_) => Value::Null,
                },
            )
        })
        .collect();
    let misses: Vec<Value> = r
        .self_check
        .iter()
        .filter(|p| p.offline != p.exact)
        .map(|p| json!({"request": p.probe, "offline": p.offline, "exact": p.exact}))
        .collect();
    let mut line = json!({
        "model": r.model,
        "api_model": r.api_model,
        "probes": r.probes,
        "sent": r.sent,
        "cached": r.cached,
        "values": values,
        "unfit": unfit,
        "not_measured": not_measured,
        "checks": checks,
        "refused": r.refused.iter().map(|(p, m)| (p.to_string(), json!(m))).collect::<Map<String, Value>>(),
        "probes_predicted": {"exact": r.probes_exact.0, "total": r.probes_exact.1},
        "self_check": {
            "exact": r.self_check.iter().filter(|p| p.offline == p.exact).count(),
            "total": r.self_check.len(),
            "misses": misses,
        },
        "interrupted": r.interrupted,
    });
    match &r.saved {
        Ok(path) => line["saved"] = json!(path.display().to_string()),
        Err(why) => line["not_saved"] = json!(why),
    }
    line
}
