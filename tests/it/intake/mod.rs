//! Reading what users bring in: the invalid-input corpus and generated bad files.

mod bad_input;
mod direct_read;
