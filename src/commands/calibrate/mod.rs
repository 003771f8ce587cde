//! `budgie calibrate`: measure the structural constants of the offline count against the API,
//! per model, and keep them in calibration.json (see `calibration`).
//!
//! For each model: build the probes (`calibration::probes`), split each one's offline count
//! into a known part and its unknowns, ask count_tokens for every probe (through the shared
//! limiter and the cache of exact counts, a few at a time, with a progress bar), solve, try
//! other page resolutions if the documents disagree, check the result on the self-check
//! requests, save, and report. Ctrl-C stops the measuring; what was measured is solved and
//! kept. `--reset` and `--emit-registry` work on the stored file and send nothing. The
//! report is `report`.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::exit;
use crate::api::{ApiError, Client, ErrorKind};
use crate::calibration::design::{Decomposition, decompose};
use crate::calibration::probes::{Design, Probe, design};
use crate::calibration::solve::{Answer, Outcome, Solution, solve};
use crate::calibration::store::{ModelEntry, SelfCheck, Store, UnfitEntry, ValueEntry};
use crate::calibration::{drift, page_dpi, registry_patch, store, today};
use crate::cli::CalibrateArgs;
use crate::config::{self, Resolved};
use crate::estimate::{Estimator, Structural};
use crate::exact_cache::ExactCache;
use crate::limiter::{RateLimiter, batch_concurrency};
use crate::registry::{ModelInfo, Registry};
use report::{Prediction, Report, print_report};

mod report;

/// Run the command; returns the process exit status.
pub fn run(settings: &Resolved, models: &[String], args: &CalibrateArgs) -> i32 {
    settings.warn_on_stderr();
    let Some(dirs) = config::dirs() else {
        eprintln!(
            "budgie calibrate: no data dir to keep the calibration in (set BUDGIE_HOME to a folder)"
        );
        return exit::INPUT;
    };
    if args.emit_registry {
        return emit_registry(&dirs.data);
    }
    if args.reset {
        return reset(&dirs.data, models);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("budgie calibrate: cannot start the async runtime: {e}");
            return exit::API;
        }
    };
    let client = match Client::from_found_key(&settings.api_key) {
        Ok(client) => client,
        Err(e) if e.kind == ErrorKind::MissingKey => {
            eprintln!(
                "budgie calibrate: needs ANTHROPIC_API_KEY (it measures against the API); \
                 offline counts use the shipped constants until then"
            );
            return exit::INPUT;
        }
        Err(e) => {
            eprintln!("budgie calibrate: {e}");
            return exit::INPUT;
        }
    };
    let models: Vec<String> = if models.is_empty() {
        vec![settings.settings.model.clone()]
    } else {
        let mut unique = Vec::new();
        for m in models {
            if !unique.contains(m) {
                unique.push(m.clone());
            }
        }
        unique
    };
    let rpm = settings.settings.effective_rpm();
    let client = client.with_pacer(Arc::new(RateLimiter::from_settings(
        &settings.settings,
        settings.api_key.as_ref().ok().and_then(Option::as_ref),
        true,
    )));
    let cache = ExactCache::open(&dirs.data)
        .map_err(|e| eprintln!("budgie: cannot open the count cache ({e}); every probe is sent"))
        .ok();
    let calibrator = Calibrator {
        client,
        cache,
        use_cache: !args.no_cache,
        concurrency: batch_concurrency(rpm),
        data: dirs.data,
        json: args.json,
    };
    let interrupt: Pin<Box<dyn std::future::Future<Output = ()>>> = Box::pin(async {
        // A handler that cannot be installed must not read as an immediate Ctrl-C.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    });
    runtime.block_on(calibrator.run(&models, interrupt))
}

fn emit_registry(data: &Path) -> i32 {
    let stored = match Store::load(data) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("budgie calibrate: {e}");
            return exit::INPUT;
        }
    };
    if stored.models.is_empty() {
        eprintln!(
            "budgie calibrate: nothing calibrated on this machine yet; run `budgie calibrate --model ID` first"
        );
        return exit::INPUT;
    }
    match registry_patch::patch(&stored) {
        Ok((diff, notes)) => {
            for note in notes {
                eprintln!("budgie calibrate: {note}");
            }
            if diff.is_empty() {
                eprintln!("budgie calibrate: assets/models.json already holds these values");
            }
            print!("{diff}");
            exit::OK
        }
        Err(e) => {
            eprintln!("budgie calibrate: {e}");
            exit::INPUT
        }
    }
}

fn reset(data: &Path, models: &[String]) -> i32 {
    let keys: Vec<String> = models.iter().map(|m| drift::model_key(m)).collect();
    match store::reset(data, &keys) {
        Ok(removed) => {
            if removed.is_empty() {
                eprintln!("budgie calibrate: nothing to reset");
            }
            for m in &removed {
                let _ = drift::forget(data, m);
                eprintln!(
                    "budgie calibrate: removed the calibration of {m}; its offline counts use the shipped constants"
                );
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("budgie calibrate: {e}");
            exit::INPUT
        }
    }
}

struct Calibrator {
    client: Client,
    cache: Option<ExactCache>,
    use_cache: bool,
    concurrency: usize,
    data: PathBuf,
    json: bool,
}

/// Why measuring stopped early.
enum Stop {
    Interrupted,
    Failed(ApiError),
}

impl Calibrator {
    async fn run(
        &self,
        models: &[String],
        mut interrupt: Pin<Box<dyn std::future::Future<Output = ()>>>,
    ) -> i32 {
        let registry = Registry::builtin();
        let designs: Vec<(String, ModelInfo, Design)> = models
            .iter()
            .map(|id| {
                let shipped = registry.lookup_shipped(id);
                let d = design(id, &shipped);
                (id.clone(), shipped, d)
            })
            .collect();
        let total: usize = designs.iter().map(|(_, _, d)| d.all().count()).sum();
        let bar = progress_bar(total as u64);
        let mut status = exit::OK;
        let mut stopped = false;
        for (api_model, shipped, design) in &designs {
            if stopped {
                break;
            }
            bar.set_message(api_model.clone());
            if bar.is_hidden() {
                eprintln!(
                    "budgie calibrate: {api_model}: {} probes",
                    design.all().count()
                );
            }
            let (answers, stop, sent, cached) =
                self.measure(design, &bar, interrupt.as_mut()).await;
            let interrupted = stop.is_some();
            match stop {
                Some(Stop::Interrupted) => {
                    stopped = true;
                    status = exit::INTERRUPTED;
                }
                Some(Stop::Failed(error)) => {
                    stopped = true;
                    status = status.max(exit::API);
                    bar.suspend(|| {
                        eprintln!("budgie calibrate: {api_model}: {error}");
                    });
                }
                None => {}
            }
            let report = self.conclude(api_model, shipped, design, answers, interrupted);
            let report = Report {
                sent,
                cached,
                ..report
            };
            bar.suspend(|| print_report(&report, self.json));
        }
        bar.finish_and_clear();
        if status == exit::INTERRUPTED {
            eprintln!("budgie calibrate: interrupted; what was measured is kept");
        }
        status
    }

    /// Ask for every probe not in the cache, a few at a time; stop at Ctrl-C or at an API
    /// failure other than a refused probe. Returns the answers, why it stopped early, how
    /// many were sent and how many came from the cache.
    async fn measure(
        &self,
        design: &Design,
        bar: &ProgressBar,
        mut interrupt: Pin<&mut (dyn std::future::Future<Output = ()> + '_)>,
    ) -> (BTreeMap<&'static str, Answer>, Option<Stop>, usize, usize) {
        let mut answers = BTreeMap::new();
        let (mut sent, mut cached) = (0, 0);
        let mut pending = Vec::new();
        for probe in design.all() {
            let hash = probe.request.content_hash();
            let known = self
                .cache
                .as_ref()
                .filter(|_| self.use_cache)
                .and_then(|c| c.get(&hash));
            match known {
                Some(tokens) => {
                    answers.insert(probe.name, Answer::Exact(tokens));
                    cached += 1;
                    bar.inc(1);
                }
                None => pending.push(probe),
            }
        }
        let mut running = futures::stream::iter(pending)
            .map(|probe: &Probe| async move {
                let body = probe.request.count_body();
                (probe, self.client.count_tokens(&body).await)
            })
            .buffer_unordered(self.concurrency.max(1));
        let stop = loop {
            tokio::select! {
                biased;
                _ = &mut interrupt => break Some(Stop::Interrupted),
                next = running.next() => {
                    let Some((probe, result)) = next else { break None };
                    bar.inc(1);
                    match result {
                        Ok(counted) => {
                            sent += 1;
                            if let Some(cache) = &self.cache
                                && let Err(e) = cache.put(
                                    &probe.request.content_hash(),
                                    &probe.request.model,
                                    counted.input_tokens,
                                )
                            {
                                bar.suspend(|| eprintln!("budgie: cannot write the count cache: {e}"));
                            }
                            answers.insert(probe.name, Answer::Exact(counted.input_tokens));
                        }
                        Err(e) if e.kind == ErrorKind::InvalidRequest => {
                            sent += 1;
                            answers.insert(probe.name, Answer::Refused(e.message.clone()));
                        }
                        Err(e) => break Some(Stop::Failed(e)),
                    }
                }
            }
        };
        (answers, stop, sent, cached)
    }

    /// Solve, check, save: everything after the measuring.
    fn conclude(
        &self,
        api_model: &str,
        shipped: &ModelInfo,
        design: &Design,
        answers: BTreeMap<&'static str, Answer>,
        interrupted: bool,
    ) -> Report {
        let mut estimator = Estimator::new();
        let decompositions: BTreeMap<&'static str, Decomposition> = design
            .all()
            .map(|p| (p.name, decompose(&p.request, shipped, &mut estimator)))
            .collect();
        let mut solution = solve(design, &decompositions, &answers);
        let dpi = page_dpi::search(
            design,
            shipped,
            &decompositions,
            &answers,
            &solution,
            &mut estimator,
        );
        if let Some(found) = &dpi {
            solution = found.solution.clone();
        }
        let model = Registry::builtin().canonical_id(api_model);
        let date = today();
        let mut entry = entry(api_model, &date, &solution, dpi.as_ref());
        entry.confirmed = design
            .rules
            .iter()
            .filter(|(_, probe)| {
                solution
                    .checks
                    .iter()
                    .any(|c| c.probe == *probe && c.residual == Ok(0))
            })
            .map(|(rule, _)| rule.key().to_string())
            .collect();
        let mut stored = match Store::load(&self.data) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("budgie calibrate: {e}; starting a new calibration file");
                Store::default()
            }
        };
        let mut merged = stored.clone();
        merged.record(&model, entry.clone(), !interrupted);
        // Offline counts from now on: the shipped model with what is stored for it.
        let mut calibrated = shipped.clone();
        if let Some(e) = merged.models.get(&model) {
            calibrated.calibrate(e.calibration());
        }
        let predict = |estimator: &mut Estimator, probe: &Probe| {
            let exact = match answers.get(probe.name) {
                Some(Answer::Exact(n)) => *n,
                _ => return None,
            };
            let offline = estimator
                .estimate_as(&probe.request, &calibrated)
                .input_tokens;
            Some(Prediction {
                probe: probe.name,
                offline,
                exact,
            })
        };
        let self_check: Vec<Prediction> = design
            .self_check
            .iter()
            .filter_map(|p| predict(&mut estimator, p))
            .collect();
        let probe_predictions: Vec<Prediction> = design
            .probes
            .iter()
            .filter_map(|p| predict(&mut estimator, p))
            .collect();
        let probes_exact = (
            probe_predictions
                .iter()
                .filter(|p| p.offline == p.exact)
                .count(),
            probe_predictions.len(),
        );
        if !self_check.is_empty() {
            entry.self_check = Some(SelfCheck {
                exact: self_check.iter().filter(|p| p.offline == p.exact).count() as u32,
                total: self_check.len() as u32,
            });
        }
        let anything = !entry.values.is_empty() || !entry.unfit.is_empty();
        let saved = if anything {
            stored.record(&model, entry, !interrupted);
            match stored.save(&self.data) {
                Ok(()) => {
                    // Its offline counts change: the drift record starts again.
                    let _ = drift::forget(&self.data, &model);
                    Ok(self.data.join(store::CALIBRATION_FILE))
                }
                Err(e) => Err(format!(
                    "cannot write {}: {e}",
                    self.data.join(store::CALIBRATION_FILE).display()
                )),
            }
        } else {
            Err("nothing measured; nothing saved".to_string())
        };
        let refused = answers
            .iter()
            .filter_map(|(name, a)| match a {
                Answer::Refused(message) => Some((*name, message.clone())),
                Answer::Exact(_) => None,
            })
            .collect();
        Report {
            refused,
            model,
            api_model: api_model.to_string(),
            sent: 0,
            cached: 0,
            probes: design.all().count(),
            shipped: shipped.clone(),
            solution,
            dpi,
            self_check,
            probes_exact,
            interrupted,
            saved,
        }
    }
}

/// The calibration entry of one run: every fitted value, and what did not fit.
fn entry(
    api_model: &str,
    date: &str,
    solution: &Solution,
    dpi: Option<&page_dpi::PageDpi>,
) -> ModelEntry {
    let mut values = BTreeMap::new();
    let mut unfit = BTreeMap::new();
    for (u, outcome) in &solution.unknowns {
        match outcome {
            Outcome::Fitted { value, probes } => {
                values.insert(
                    u.key().to_string(),
                    ValueEntry {
                        value: *value as f64,
                        probes: *probes,
                        residual: 0,
                        date: date.to_string(),
                        api_model: api_model.to_string(),
                    },
                );
            }
            Outcome::Unfit { residuals, .. } => {
                unfit.insert(
                    u.key().to_string(),
                    UnfitEntry {
                        residuals: residuals.iter().map(|(p, r)| (p.to_string(), *r)).collect(),
                        date: date.to_string(),
                    },
                );
            }
            Outcome::NotMeasured { .. } => {}
        }
    }
    if let Some(found) = dpi {
        let probes = values
            .get(Structural::DocumentWrapper.key())
            .map_or(0, |v| v.probes);
        values.insert(
            Structural::PdfPageDpi.key().to_string(),
            ValueEntry {
                value: found.dpi,
                probes,
                residual: 0,
                date: date.to_string(),
                api_model: api_model.to_string(),
            },
        );
    }
    ModelEntry {
        api_model: api_model.to_string(),
        date: date.to_string(),
        values,
        unfit,
        self_check: None,
        confirmed: Default::default(),
    }
}

fn progress_bar(total: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style =
        ProgressStyle::with_template("{spinner} {wide_bar} {pos}/{len} probes · {msg} · ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
