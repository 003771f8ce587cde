//! The requests-per-minute limiter: paused time, real time over HTTP, properties, and the
//! limiter shared through a real redis-server (its script, and fleets of processes).

mod first_burst;
mod http;
mod lock_holder;
mod paused;
mod props;
mod redis_fleet;
mod redis_panel;
mod redis_script;
