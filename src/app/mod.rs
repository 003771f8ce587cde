//! The workbench's state (`Model`), what happens to it (`Msg`), what it asks the runtime to
//! do (`Effect`), and the pure `update`. (Issue 4.)
