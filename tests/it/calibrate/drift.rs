//! Drift statistics: placeholder until the drift tests land.
