//! The HTTP client against a local fake API: requests as sent, errors, retries, models.

mod errors;
mod models;
mod requests;
mod retries;
