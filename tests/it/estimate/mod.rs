//! Offline counting: the tokenizer against recorded counts, structure, attachments.

mod attachments;
mod props;
mod seeds;
mod structure;
mod tokenizer_golden;
