//! Pure drawing of the workbench, one file per pane. (Issue 4.)
