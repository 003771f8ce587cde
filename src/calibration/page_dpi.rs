//! The resolution a PDF page becomes an image at is not a token count but a rate, so it is
//! not one of the unknowns. Once the document probes (pages of four sizes) are measured,
//! each resolution from 36 to 600 dpi is tried: the ones that let the document wrappers fit
//! are the resolutions the API may use. When budgie's own is among them it is kept (and now
//! measured); when the probes disagree at budgie's own, the page images were the reason and
//! another is kept — a common one when one fits, since renderers use round resolutions.

use std::collections::BTreeMap;

use super::design::{Decomposition, Unknown, decompose};
use super::probes::Design;
use super::solve::{Answer, Outcome, Solution, solve};
use crate::estimate::{Estimator, Structural};
use crate::registry::{Calibration, Measured, ModelInfo, Registry};
use crate::request::{Content, ContentBlock};

/// A resolution that explains the document probes.
#[derive(Debug, Clone, PartialEq)]
pub struct PageDpi {
    pub dpi: f64,
    /// Every resolution tried that fits lies between these.
    pub lowest: f64,
    pub highest: f64,
    pub solution: Solution,
}

const TRIED: std::ops::RangeInclusive<u32> = 36..=600;

/// Resolutions renderers commonly use.
const COMMON: [f64; 9] = [72.0, 96.0, 100.0, 120.0, 144.0, 150.0, 200.0, 300.0, 600.0];

/// `model` with its page images at `dpi`.
pub fn at_dpi(model: &ModelInfo, dpi: f64) -> ModelInfo {
    let mut calibration = Calibration::default();
    calibration.constants.insert(
        Structural::PdfPageDpi,
        Measured {
            value: dpi,
            date: String::new(),
            api_model: String::new(),
            probes: 0,
        },
    );
    let mut model = model.clone();
    model.calibrate(calibration);
    model
}

fn has_document(design: &Design, name: &str) -> bool {
    design.probe(name).is_some_and(|p| {
        p.request.messages.iter().any(|m| match &m.content {
            Content::Blocks(blocks) => blocks
                .iter()
                .any(|b| matches!(b, ContentBlock::Document(_))),
            Content::Text(_) => false,
        })
    })
}

/// The resolutions at which the document wrappers fit, and the one to keep, if any fits.
pub fn search(
    design: &Design,
    model: &ModelInfo,
    decompositions: &BTreeMap<&'static str, Decomposition>,
    answers: &BTreeMap<&'static str, Answer>,
    solution: &Solution,
    estimator: &mut Estimator,
) -> Option<PageDpi> {
    let wrapper = Unknown::Constant(Structural::DocumentWrapper);
    if matches!(
        solution.unknowns.get(&wrapper),
        None | Some(Outcome::NotMeasured { .. })
    ) {
        return None;
    }
    let documents: Vec<&'static str> = design
        .all()
        .map(|p| p.name)
        .filter(|n| has_document(design, n))
        .collect();
    let shipped = Registry::builtin()
        .constant_for(model, Structural::PdfPageDpi)
        .constant
        .value;
    // Each probe at every resolution first (one probe at a time keeps its PDF parsed).
    let mut at: BTreeMap<(u32, &'static str), Decomposition> = BTreeMap::new();
    for name in &documents {
        let Some(p) = design.probe(name) else {
            continue;
        };
        for dpi in TRIED {
            let tried = at_dpi(model, f64::from(dpi));
            at.insert((dpi, name), decompose(&p.request, &tried, estimator));
        }
    }
    let mut fits: Vec<(f64, Solution)> = Vec::new();
    for dpi in TRIED {
        let mut changed = decompositions.clone();
        for name in &documents {
            if let Some(d) = at.remove(&(dpi, name)) {
                changed.insert(name, d);
            }
        }
        let s = solve(design, &changed, answers);
        let fitted = |s: &Solution, name| {
            matches!(
                s.unknowns.get(&Unknown::Constant(name)),
                Some(Outcome::Fitted { .. })
            )
        };
        if fitted(&s, Structural::DocumentWrapper) && fitted(&s, Structural::DocumentTextWrapper) {
            fits.push((f64::from(dpi), s));
        }
    }
    let lowest = fits.first()?.0;
    let highest = fits.last()?.0;
    // Pages are rendered at round resolutions: the common one nearest budgie's own if one
    // fits, else the middle of what fits.
    let pick = COMMON
        .iter()
        .copied()
        .filter(|c| fits.iter().any(|(d, _)| d == c))
        .min_by(|a, b| (a - shipped).abs().total_cmp(&(b - shipped).abs()))
        .unwrap_or(fits[fits.len() / 2].0);
    let (dpi, solution) = fits.into_iter().find(|(d, _)| *d == pick)?;
    Some(PageDpi {
        dpi,
        lowest,
        highest,
        solution,
    })
}
