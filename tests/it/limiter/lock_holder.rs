//! The machine-local limiter's lock file: a process that dies holding it blocks nobody, since
//! the OS releases a dead process's file locks. Shown with a real process, killed with SIGKILL
//! while it holds the lock.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use budgie::limiter::{LOCK_FILE, Limiter};

const HOLD_ENV: &str = "BUDGIE_TEST_HOLD_LIMITER_LOCK";

/// Not a test: the child process of the test below (run with `--ignored` and `HOLD_ENV` set).
/// It takes the limiter's lock in the folder `HOLD_ENV` names, says so, and keeps it.
#[test]
#[ignore = "the lock holder run by a_dead_lock_holder_blocks_the_next_request_for_under_a_second"]
fn lock_holder_child() {
    let Some(dir) = std::env::var_os(HOLD_ENV) else {
        return;
    };
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::path::Path::new(&dir).join(LOCK_FILE))
        .expect("lock file");
    fs4::FileExt::lock(&file).expect("locked");
    // On a line of its own: the test harness may have started one before.
    println!("\nLIMITER-LOCK-HELD");
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_dead_lock_holder_blocks_the_next_request_for_under_a_second() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut holder = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--ignored",
            "--exact",
            "limiter::lock_holder::lock_holder_child",
        ])
        .args(["--nocapture", "--test-threads", "1"])
        .env(HOLD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("holder starts");
    let stdout = holder.stdout.take().expect("stdout");
    let locked = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("LIMITER-LOCK-HELD"));
    assert!(locked, "the holder never took the lock");

    let limiter = Limiter::shared(600, dir.path()).expect("limiter");
    let (done, granted) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(limiter.acquire());
        let _ = done.send(Instant::now());
    });
    // The lock is held: no request may go.
    assert!(
        granted.recv_timeout(Duration::from_millis(500)).is_err(),
        "a request went while another process held the lock"
    );
    holder.kill().expect("SIGKILL");
    let killed = Instant::now();
    let _ = holder.wait();
    let at = granted
        .recv_timeout(Duration::from_secs(5))
        .expect("the request went after the holder died");
    let waited = at.saturating_duration_since(killed);
    println!("the next request went {waited:?} after the lock holder was killed");
    assert!(waited < Duration::from_secs(1), "waited {waited:?}");
    waiter.join().expect("waiter");
}
