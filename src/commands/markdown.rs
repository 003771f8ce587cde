//! `budgie count --format markdown`: one table for a pull-request comment — file, model,
//! tokens, budget and, against a baseline, the change per file.

use super::baseline::{Baseline, Earlier};
use super::count::{Outcome, Source};
use crate::numbers::group;

/// The whole comment: the table, then a line summing it up.
pub fn table(outcomes: &[Outcome], baseline: Option<&Baseline>) -> String {
    let mut rows: Vec<[String; 5]> = Vec::new();
    for outcome in outcomes {
        let file = cell(&outcome.file);
        let earlier = baseline.map(|b| b.get(&outcome.file));
        match &outcome.result {
            Ok(count) => {
                let mut tokens = group(count.input_tokens);
                if count.source == Source::Offline {
                    tokens.push_str(" (offline)");
                }
                let budget = match (count.budget, count.over_budget()) {
                    (None, _) => "—".to_string(),
                    (Some(b), None) => group(b),
                    (Some(b), Some(over)) => format!("{} — **over by {}**", group(b), group(over)),
                };
                let change = match earlier {
                    None => String::new(),
                    Some(None) => "new".to_string(),
                    Some(Some(Earlier::Failed)) => "was not counted (an error)".to_string(),
                    Some(Some(Earlier::Counted {
                        model,
                        input_tokens,
                    })) => {
                        let mut change = change(count.input_tokens, *input_tokens);
                        if *model != count.model {
                            change.push_str(&format!(" (was on {})", cell(model)));
                        }
                        change
                    }
                };
                rows.push([file, cell(&count.model), tokens, budget, change]);
            }
            Err(failure) => {
                let message = format!("**error:** {}", cell(&failure.message));
                rows.push([file, "—".into(), message, "—".into(), "—".into()]);
            }
        }
    }
    if let Some(baseline) = baseline {
        for (file, earlier) in &baseline.files {
            if outcomes.iter().any(|o| &o.file == file) {
                continue;
            }
            let (model, was) = match earlier {
                Earlier::Counted {
                    model,
                    input_tokens,
                } => (
                    cell(model),
                    format!("removed (was {} tokens)", group(*input_tokens)),
                ),
                Earlier::Failed => ("—".to_string(), "removed".to_string()),
            };
            rows.push([cell(file), model, "—".into(), "—".into(), was]);
        }
    }
    let columns = if baseline.is_some() { 5 } else { 4 };
    let mut out = String::new();
    let header = ["File", "Model", "Tokens", "Budget", "Change"];
    let align = [":--", ":--", "--:", "--:", "--:"];
    out.push_str(&line(&header[..columns]));
    out.push_str(&line(&align[..columns]));
    for row in &rows {
        out.push_str(&line(&row[..columns]));
    }
    out.push('\n');
    out.push_str(&summary(outcomes));
    out.push('\n');
    out
}

/// "+412 tokens (+3.1 %)", "-20 tokens (-0.5 %)", "no change".
pub fn change(now: u64, was: u64) -> String {
    if now == was {
        return "no change".to_string();
    }
    let (sign, diff) = if now > was {
        ('+', now - was)
    } else {
        ('-', was - now)
    };
    let noun = if diff == 1 { "token" } else { "tokens" };
    if was == 0 {
        return format!("{sign}{} {noun}", group(diff));
    }
    let percent = 100.0 * diff as f64 / was as f64;
    format!("{sign}{} {noun} ({sign}{percent:.1} %)", group(diff))
}

/// "3 files, 14,020 tokens in all; 1 over budget; 1 not counted".
fn summary(outcomes: &[Outcome]) -> String {
    let counted: Vec<_> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .collect();
    let total: u64 = counted.iter().map(|c| c.input_tokens).sum();
    let files = if outcomes.len() == 1 { "file" } else { "files" };
    let mut line = format!("{} {files}, {} tokens in all", outcomes.len(), group(total));
    let over = counted.iter().filter(|c| c.over_budget().is_some()).count();
    if over > 0 {
        line.push_str(&format!("; **{over} over budget**"));
    }
    let failed = outcomes.len() - counted.len();
    if failed > 0 {
        line.push_str(&format!("; {failed} not counted"));
    }
    line.push('.');
    line
}

fn line(cells: &[impl AsRef<str>]) -> String {
    let cells: Vec<&str> = cells.iter().map(AsRef::as_ref).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// Text made safe inside a table cell: a `|` would end the cell, a newline the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_signed_with_a_share_of_the_baseline() {
        assert_eq!(change(13_712, 13_300), "+412 tokens (+3.1 %)");
        assert_eq!(change(950, 1_000), "-50 tokens (-5.0 %)");
        assert_eq!(change(7, 7), "no change");
        assert_eq!(change(101, 100), "+1 token (+1.0 %)");
        assert_eq!(change(5, 0), "+5 tokens");
    }

    #[test]
    fn cells_keep_pipes_and_newlines_from_breaking_the_table() {
        assert_eq!(cell("a|b\nc"), "a\\|b c");
    }
}
