//! Settings and the API key: config file, environment, command line.

mod secrets;
