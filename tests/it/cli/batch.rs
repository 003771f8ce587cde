//! The batch driver: expanding FILE arguments, ordering, concurrency, progress, interruption.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use budgie::commands::batch::{
    BatchOptions, ExpandError, Input, Pace, Progress, eta, expand, progress_line, run_batch,
    status_line,
};

fn touch(path: &Path) {
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    fs::write(path, "{}").expect("write");
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

fn files(inputs: &[Input]) -> Vec<PathBuf> {
    inputs
        .iter()
        .map(|i| match i {
            Input::File(p) => p.clone(),
            Input::Stdin => PathBuf::from("-"),
            Input::Unusable(e) => panic!("unexpected unusable input: {e}"),
        })
        .collect()
}

#[test]
fn a_directory_expands_to_its_json_files_recursively_in_path_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    for name in [
        "b.json",
        "a.json",
        "sub/c.json",
        "sub/deeper/d.budgie.json",
        "notes.txt",
        ".hidden/e.json",
    ] {
        touch(&root.join(name));
    }
    let inputs = expand(&[arg(root)]);
    assert_eq!(
        files(&inputs),
        vec![
            root.join("a.json"),
            root.join("b.json"),
            root.join("sub/c.json"),
            root.join("sub/deeper/d.budgie.json"),
        ]
    );
}

#[test]
fn arguments_keep_their_order_and_a_file_named_twice_is_counted_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (z, a) = (dir.path().join("z.json"), dir.path().join("a.json"));
    touch(&z);
    touch(&a);
    let inputs = expand(&[arg(&z), "-".into(), arg(dir.path()), arg(&z)]);
    assert_eq!(files(&inputs), vec![z.clone(), PathBuf::from("-"), a]);
}

#[test]
fn a_glob_expands_to_its_sorted_matches() {
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["p2.json", "p1.json", "q.json", "p3.txt"] {
        touch(&dir.path().join(name));
    }
    let pattern = format!("{}/p*.json", dir.path().display());
    let inputs = expand(&[pattern]);
    assert_eq!(
        files(&inputs),
        vec![dir.path().join("p1.json"), dir.path().join("p2.json")]
    );
}

#[test]
fn a_missing_path_is_named_in_its_place() {
    let inputs = expand(&["no/such/file.json".into()]);
    let [Input::Unusable(err)] = inputs.as_slice() else {
        panic!("expected one unusable input, got {inputs:?}")
    };
    assert_eq!(*err, ExpandError::Missing("no/such/file.json".into()));
    assert_eq!(
        err.to_string(),
        "no/such/file.json: no such file or directory"
    );
}

#[test]
fn a_glob_matching_nothing_and_an_empty_directory_are_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pattern = format!("{}/*.json", dir.path().display());
    assert_eq!(
        expand(std::slice::from_ref(&pattern)),
        vec![Input::Unusable(ExpandError::NoMatch(pattern))]
    );
    assert_eq!(
        expand(&[arg(dir.path())]),
        vec![Input::Unusable(ExpandError::EmptyDir(arg(dir.path())))]
    );
    assert!(matches!(
        expand(&["[".into()]).as_slice(),
        [Input::Unusable(ExpandError::BadGlob { .. })]
    ));
}

fn inputs(n: usize) -> Vec<Input> {
    (0..n)
        .map(|i| Input::File(PathBuf::from(format!("f{i:02}.json"))))
        .collect()
}

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buf").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("buf").clone()).expect("utf8")
    }
}

#[tokio::test(start_paused = true)]
async fn results_are_reported_in_input_order_with_bounded_concurrency() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let mut reported = Vec::new();
    let progress = Shared::default();
    let summary = run_batch(
        inputs(12),
        |input| {
            let (in_flight, most) = (in_flight.clone(), most.clone());
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Later files finish first: the report must still come in input order.
                let name = input.to_string();
                let i: u64 = name[1..3].parse().expect("index");
                tokio::time::sleep(Duration::from_millis(100 * (12 - i))).await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                i * 10
            }
        },
        |input, tokens| reported.push(format!("{input} {tokens}")),
        std::future::pending::<()>(),
        BatchOptions {
            concurrency: 3,
            progress: Progress::Lines(Box::new(progress.clone())),
            pace: None,
        },
    )
    .await;
    assert_eq!(summary.done, 12);
    assert!(!summary.interrupted);
    assert_eq!(most.load(Ordering::SeqCst), 3);
    let expected: Vec<String> = (0..12)
        .map(|i| format!("f{i:02}.json {}", i * 10))
        .collect();
    assert_eq!(reported, expected);
    // Plain progress lines (stderr is not a terminal here); the last always says all done.
    let text = progress.text();
    assert!(text.lines().all(|l| l.starts_with("counted ")), "{text}");
    assert!(
        text.lines()
            .last()
            .expect("a line")
            .starts_with("counted 12/12"),
        "{text}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_reports_what_was_counted_and_stops() {
    let progress = Shared::default();
    let mut reported = Vec::new();
    let summary = run_batch(
        inputs(10),
        |input| async move {
            let i: u64 = input.to_string()[1..3].parse().expect("index");
            // File 1 is slow: files 2 and 3 finish before it and must not be lost.
            let wait = if i == 1 { 10_000 } else { 100 * (i + 1) };
            tokio::time::sleep(Duration::from_millis(wait)).await;
            i
        },
        |_, i| reported.push(i),
        tokio::time::sleep(Duration::from_millis(450)),
        BatchOptions {
            concurrency: 4,
            progress: Progress::Lines(Box::new(progress.clone())),
            pace: None,
        },
    )
    .await;
    // By 450 ms: file 0 (100 ms), 2 (300 ms), 3 (400 ms) finished; 1 is still running.
    assert!(summary.interrupted);
    assert_eq!(summary.done, 3);
    assert_eq!(reported, vec![0, 2, 3]);
    assert!(
        progress
            .text()
            .contains("interrupted: counted 3 of 10 inputs")
    );
}

#[tokio::test(start_paused = true)]
async fn a_long_wait_is_said_every_few_seconds_with_what_it_waits_for() {
    let progress = Shared::default();
    // The limiter says the next request may go in 25 s.
    let pace: budgie::commands::batch::PaceFn = Arc::new(|| Pace {
        per_request: Duration::from_millis(650),
        next_in: Duration::from_secs(25),
        ..Pace::default()
    });
    run_batch(
        inputs(1),
        |_| async {
            tokio::time::sleep(Duration::from_secs(28)).await;
        },
        |_, ()| {},
        std::future::pending::<()>(),
        BatchOptions {
            concurrency: 1,
            progress: Progress::Lines(Box::new(progress.clone())),
            pace: Some(pace),
        },
    )
    .await;
    let text = progress.text();
    let waits: Vec<&str> = text.lines().collect();
    // 28 s of waiting: a line at 5, 10, 15, 20 and 25 s, none for the one result itself.
    assert_eq!(waits.len(), 5, "{text}");
    assert!(
        waits
            .iter()
            .all(|l| *l == "counting 1/1: waiting for the rate limiter, next request in 25 s"),
        "{text}"
    );
}

#[test]
fn the_eta_is_never_sooner_than_the_limiter_allows() {
    let pace = Pace {
        per_request: Duration::from_secs(1),
        next_in: Duration::ZERO,
        ..Pace::default()
    };
    // 10 done in 5 s would say 10 s for the other 20, but the limiter lets one go a second.
    assert_eq!(
        status_line(10, 30, Duration::from_secs(5), Some(pace)),
        "counted 10/30 (2.0/s, ETA 19 s)"
    );
    // Before anything is done, the limiter alone gives an ETA.
    let waiting = Pace {
        per_request: Duration::from_millis(500),
        next_in: Duration::from_secs(2),
        ..Pace::default()
    };
    assert_eq!(
        eta(0, 30, Duration::ZERO, Some(waiting)),
        Some(Duration::from_millis(16_500))
    );
}

#[test]
fn progress_lines_give_rate_and_eta() {
    assert_eq!(progress_line(0, 30, Duration::ZERO), "counted 0/30");
    // 10 done in 5 s is 2 per second; 20 left take 10 s.
    assert_eq!(
        progress_line(10, 30, Duration::from_secs(5)),
        "counted 10/30 (2.0/s, ETA 10 s)"
    );
}
