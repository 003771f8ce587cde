//! The counting worker: debounce, cache by content hash, one request in flight, results
//! tagged with the revision they count. (Issue 4.)
