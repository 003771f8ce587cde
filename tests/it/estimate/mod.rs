//! Offline counting: the tokenizer against recorded counts, structure, attachments.

mod attachments;
mod docs_examples;
mod props;
mod recorded;
mod structure;
mod tokenizer_golden;
