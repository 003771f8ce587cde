//! `budgie calibrate` against a fake API with hidden structure, and drift tracking.

mod drift;
mod recover;
mod run;
mod screen;
mod support;
