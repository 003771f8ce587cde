//! A pacer that lets everything through and remembers when it was asked and what it was told.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use budgie::api::{Pacer, ServerRateInfo};
use tokio::time::Instant;

#[derive(Default)]
pub struct RecordingPacer {
    pub acquired: Mutex<Vec<Instant>>,
    pub observed: Mutex<Vec<ServerRateInfo>>,
}

impl RecordingPacer {
    pub fn acquired(&self) -> Vec<Instant> {
        self.acquired.lock().expect("not poisoned").clone()
    }

    pub fn observed(&self) -> Vec<ServerRateInfo> {
        self.observed.lock().expect("not poisoned").clone()
    }

    /// The waits between consecutive attempts, in milliseconds.
    pub fn gaps_ms(&self) -> Vec<u128> {
        self.acquired()
            .windows(2)
            .map(|w| (w[1] - w[0]).as_millis())
            .collect()
    }
}

impl Pacer for RecordingPacer {
    fn acquire(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        self.acquired
            .lock()
            .expect("not poisoned")
            .push(Instant::now());
        Box::pin(async {})
    }

    fn observe(&self, info: &ServerRateInfo) {
        self.observed
            .lock()
            .expect("not poisoned")
            .push(info.clone());
    }
}
