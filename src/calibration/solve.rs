//! Solving the steps of a design from the exact counts, one step at a time.
//!
//! For each probe of a step, the exact count minus the known part minus what the unknowns
//! solved earlier contribute is a linear equation in the step's unknowns. The equations are
//! solved by least squares and rounded to whole tokens; if the rounded values reproduce every
//! equation, the unknowns are fitted. If not, the counts do not follow a linear rule (or the
//! server is noisy): the step is reported with its residuals and nothing is kept, and later
//! probes that need its unknowns are not used either.

use std::collections::BTreeMap;

use super::design::{Decomposition, Unknown};
use super::probes::Design;

/// What the API said to one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Exact(u64),
    /// The API refused the request (400): the message it gave.
    Refused(String),
}

/// How an unknown came out.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// One whole number explains every probe.
    Fitted { value: i64, probes: u32 },
    /// No one value explains the probes: what the least-squares value leaves over on each
    /// (probe name, residual), and for a step of one unknown the value each probe implies.
    Unfit {
        least_squares: f64,
        residuals: Vec<(&'static str, i64)>,
        implied: Vec<(&'static str, f64)>,
    },
    /// Not enough probes answered: why.
    NotMeasured { why: String },
}

impl Outcome {
    pub fn value(&self) -> Option<i64> {
        match self {
            Outcome::Fitted { value, .. } => Some(*value),
            _ => None,
        }
    }
}

/// A check: a probe whose count uses no unknown of its step, predicted from solved values.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub probe: &'static str,
    /// Exact minus predicted, or why it could not be checked.
    pub residual: Result<i64, String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Solution {
    pub unknowns: BTreeMap<Unknown, Outcome>,
    pub checks: Vec<Check>,
}

impl Solution {
    /// The fitted values.
    pub fn values(&self) -> BTreeMap<Unknown, i64> {
        self.unknowns
            .iter()
            .filter_map(|(u, o)| o.value().map(|v| (*u, v)))
            .collect()
    }
}

/// One equation: `x · unknowns = y`.
struct Row {
    probe: &'static str,
    x: Vec<i64>,
    y: i64,
}

/// Solve every step of `design` from the probes' decompositions and answers (a probe with
/// no answer was not measured, e.g. after Ctrl-C).
pub fn solve(
    design: &Design,
    decompositions: &BTreeMap<&'static str, Decomposition>,
    answers: &BTreeMap<&'static str, Answer>,
) -> Solution {
    let mut solution = Solution::default();
    let mut values: BTreeMap<Unknown, i64> = BTreeMap::new();
    for step in &design.steps {
        let mut rows = Vec::new();
        let mut missing = Vec::new();
        for name in &step.probes {
            match equation(name, &step.unknowns, decompositions, answers, &values) {
                Ok(row) => rows.push(row),
                Err(why) => missing.push(why),
            }
        }
        for name in &step.checks {
            let residual = equation(name, &[], decompositions, answers, &values).map(|r| r.y);
            solution.checks.push(Check {
                probe: name,
                residual,
            });
        }
        let outcome = fit(&rows, step.unknowns.len());
        for (i, u) in step.unknowns.iter().enumerate() {
            let used = rows.iter().filter(|r| r.x[i] != 0).count() as u32;
            let result = match &outcome {
                Fit::Values(v) if used > 0 => {
                    values.insert(*u, v[i]);
                    Outcome::Fitted {
                        value: v[i],
                        probes: used,
                    }
                }
                Fit::Disagree {
                    least_squares,
                    residuals,
                } => Outcome::Unfit {
                    least_squares: least_squares[i],
                    residuals: rows
                        .iter()
                        .zip(residuals)
                        .map(|(r, e)| (r.probe, *e))
                        .collect(),
                    implied: if step.unknowns.len() == 1 {
                        rows.iter()
                            .filter(|r| r.x[0] != 0)
                            .map(|r| (r.probe, r.y as f64 / r.x[0] as f64))
                            .collect()
                    } else {
                        Vec::new()
                    },
                },
                _ => Outcome::NotMeasured {
                    why: if missing.is_empty() {
                        "the probes that answered do not tell it apart from the rest".into()
                    } else {
                        missing.join("; ")
                    },
                },
            };
            solution.unknowns.insert(*u, result);
        }
    }
    solution
}

/// The equation a probe gives for `unknowns`, or why it gives none.
fn equation(
    name: &'static str,
    unknowns: &[Unknown],
    decompositions: &BTreeMap<&'static str, Decomposition>,
    answers: &BTreeMap<&'static str, Answer>,
    values: &BTreeMap<Unknown, i64>,
) -> Result<Row, String> {
    let exact = match answers.get(name) {
        None => return Err(format!("\"{name}\" was not measured")),
        Some(Answer::Refused(message)) => {
            return Err(format!("the API refused \"{name}\": {message}"));
        }
        Some(Answer::Exact(n)) => *n as i64,
    };
    let Some(d) = decompositions.get(name) else {
        return Err(format!("\"{name}\" has no offline count"));
    };
    let mut y = exact - d.known;
    for (u, times) in &d.times {
        if unknowns.contains(u) {
            continue;
        }
        match values.get(u) {
            Some(v) => y -= v * times,
            None => {
                return Err(format!(
                    "\"{name}\" also uses {}, which was not measured",
                    u.key()
                ));
            }
        }
    }
    let x = unknowns
        .iter()
        .map(|u| d.times.get(u).copied().unwrap_or(0))
        .collect();
    Ok(Row { probe: name, x, y })
}

enum Fit {
    Values(Vec<i64>),
    Disagree {
        least_squares: Vec<f64>,
        residuals: Vec<i64>,
    },
    Underdetermined,
}

/// Least squares over the rows, rounded; `Values` when the rounded values leave no residual.
fn fit(rows: &[Row], k: usize) -> Fit {
    if k == 0 {
        return Fit::Values(Vec::new());
    }
    let Some(solution) = least_squares(rows, k) else {
        return Fit::Underdetermined;
    };
    let rounded: Vec<i64> = solution.iter().map(|v| v.round() as i64).collect();
    let residuals: Vec<i64> = rows
        .iter()
        .map(|r| r.y - r.x.iter().zip(&rounded).map(|(x, v)| x * v).sum::<i64>())
        .collect();
    if residuals.iter().all(|e| *e == 0) {
        Fit::Values(rounded)
    } else {
        Fit::Disagree {
            least_squares: solution,
            residuals,
        }
    }
}

/// Solve the normal equations XᵀX v = Xᵀy; `None` when X has not full column rank.
fn least_squares(rows: &[Row], k: usize) -> Option<Vec<f64>> {
    // The augmented normal matrix [XᵀX | Xᵀy].
    let mut a = vec![vec![0.0f64; k + 1]; k];
    for r in rows {
        for (i, line) in a.iter_mut().enumerate() {
            for (j, cell) in line.iter_mut().take(k).enumerate() {
                *cell += (r.x[i] * r.x[j]) as f64;
            }
            line[k] += (r.x[i] * r.y) as f64;
        }
    }
    // Gauss-Jordan elimination with partial pivoting (k is 1 or 2).
    for col in 0..k {
        let pivot = (col..k).max_by(|&p, &q| a[p][col].abs().total_cmp(&a[q][col].abs()))?;
        if a[pivot][col].abs() < 1e-9 {
            return None;
        }
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for (row, line) in a.iter_mut().enumerate() {
            if row != col {
                let f = line[col] / pivot_row[col];
                for (cell, p) in line.iter_mut().zip(&pivot_row).skip(col) {
                    *cell -= f * p;
                }
            }
        }
    }
    Some(
        a.iter()
            .enumerate()
            .map(|(i, line)| line[k] / line[i])
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(x: &[i64], y: i64) -> Row {
        Row {
            probe: "p",
            x: x.to_vec(),
            y,
        }
    }

    #[test]
    fn consistent_rows_fit_whole_values() {
        let rows = [row(&[1, 1], 7), row(&[1, 4], 13), row(&[1, 1], 7)];
        match fit(&rows, 2) {
            Fit::Values(v) => assert_eq!(v, vec![5, 2]),
            _ => panic!("should fit"),
        }
        let single = [row(&[2], -8), row(&[4], -16)];
        assert!(matches!(fit(&single, 1), Fit::Values(v) if v == vec![-4]));
    }

    #[test]
    fn rows_that_disagree_are_not_forced() {
        // 2 turns cost 7, 4 turns cost 15: no one separator explains both.
        let rows = [row(&[2], 7), row(&[4], 15)];
        match fit(&rows, 1) {
            Fit::Disagree { residuals, .. } => assert!(residuals.iter().any(|e| *e != 0)),
            _ => panic!("should not fit"),
        }
    }

    #[test]
    fn rows_that_cannot_tell_two_unknowns_apart_are_underdetermined() {
        let rows = [row(&[1, 1], 3), row(&[2, 2], 6)];
        assert!(matches!(fit(&rows, 2), Fit::Underdetermined));
        assert!(matches!(fit(&[], 1), Fit::Underdetermined));
    }
}
