//! The workbench's side panel says how the shared limiter stands: shared via Redis with the
//! clients seen, unreachable (this machine's share) while Redis is down, shared again when it
//! is back. The real binary in tmux against a real redis-server and the fake API.

use crate::support::fake_rate_api::{FakeRateApi, FakeRateConfig};
use crate::support::redis_server::RedisServer;
use crate::support::tmux::Tmux;

#[test]
fn the_side_panel_says_shared_via_redis_and_when_redis_is_lost_and_back() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(home.path().join("config")).expect("config dir");
    std::fs::write(
        home.path().join("config/config.toml"),
        "debounce_ms = 100\n",
    )
    .expect("config");
    let runtime = tokio::runtime::Runtime::new().expect("runtime for the fake API");
    let api = runtime.block_on(FakeRateApi::start(FakeRateConfig::new(100_000)));
    let command = format!(
        "sh -c 'cd {home} && env -u NO_COLOR BUDGIE_HOME={home} ANTHROPIC_API_KEY={key} \
         ANTHROPIC_BASE_URL={base} BUDGIE_LIMITER_URL={url} {bin} --rpm 100; sleep 600'",
        home = home.path().display(),
        key = crate::support::TEST_KEY,
        base = api.uri(),
        url = redis.url(),
        bin = env!("CARGO_BIN_EXE_budgie"),
    );
    let Some(t) = Tmux::start("shared-limiter", &command) else {
        return;
    };
    t.wait_for("the shared limiter in the side panel", |s| {
        s.contains("exact ·")
            && s.contains("limit 100/min · shared via redis")
            && s.contains("1 client seen")
    });
    redis.kill();
    // Typing asks for a count: its request finds Redis gone and goes through the local share.
    t.keys(" again");
    t.wait_for("Redis lost, said in the side panel", |s| {
        s.contains("limit 25/min · redis unreachable") && s.contains("this machine's share")
    });
    redis.restart();
    t.keys(" and again");
    t.wait_for("Redis back, said in the side panel", |s| {
        s.contains("limit 100/min · shared via redis") && s.contains("1 client seen")
    });
    t.key("C-q");
}
