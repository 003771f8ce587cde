//! Exports: round trips and the snippets run by their own languages.

mod roundtrip;
mod snippets;
