//! Structure measured, not guessed: `budgie calibrate` sends designed requests to
//! count_tokens and solves for the structural constants of the offline count, per model;
//! drift tracking compares every exact count budgie receives with its offline count.
//!
//! - `design`: an offline count as a known part plus unknowns times their uses
//! - `files`: images and PDFs of known size, made in code
//! - `probes`: the probe requests and the order they are solved in, and the self-check
//! - `solve`: the values from the exact counts, or why a value does not fit
//! - `page_dpi`: the resolution of PDF page images, when the document probes need another
//! - `store`: calibration.json in the data dir, applied to the registry at start-up
//! - `registry_patch`: the measured values as a patch to assets/models.json
//! - `drift`: per-model statistics of exact − offline, and the warning when they disagree

pub mod design;
pub mod drift;
pub mod files;
pub mod page_dpi;
pub mod probes;
pub mod registry_patch;
pub mod solve;
pub mod store;

/// Today's date (UTC) as YYYY-MM-DD: the date calibrations and drift samples carry.
pub fn today() -> String {
    let date = time::OffsetDateTime::now_utc().date();
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}
