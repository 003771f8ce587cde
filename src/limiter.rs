//! Requests-per-minute limiter for count_tokens, shared by every budgie on the machine.
//! (Issue 5.)
