//! What a request costs: pure arithmetic on token counts and the registry's prices, shared by
//! `budgie count --compare`, the cache output of `budgie count` and the workbench's views. No
//! counting happens here: the callers count (offline or exact) and hand the numbers in.
//!
//! - `prices`: rates as billed (cache writes and reads, batch, long-context), one request's
//!   cost with input and worst-case output apart
//! - `cache`: the prompt-caching plan: per breakpoint against the model's minimum, first
//!   request, repeat within the TTL, break-even, a better placement
//! - `compare`: the request on several models, and how their tokenizers differ

pub mod cache;
pub mod compare;
pub mod prices;

pub use cache::{BreakpointPlan, CachePlan, Candidate, Prefix};
pub use compare::{Output, Row};
pub use prices::{RequestCost, Usd};
