//! How long and how hard each phase runs: the full benchmark (≤ 10 min on a
//! quiet 2-core machine) and `--quick` (≤ 2 min, to check the harness).

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub mode: &'static str,
    pub idle_seconds: f64,
    /// Fixed-rate runs for the latency table (posts/s).
    pub latency_rates: Vec<u32>,
    pub latency_seconds: f64,
    /// Rising offered rates; each path stops after its first step that falls behind.
    pub webhook_rates: Vec<u32>,
    pub replay_rates: Vec<u32>,
    pub step_seconds: f64,
    pub burst_posts: u64,
    /// Extra desk clients (beyond one per unit) at `clients_rate`.
    pub extra_clients: Vec<usize>,
    pub clients_rate: u32,
    pub clients_seconds: f64,
    /// The scaling deployment's district count, and its run.
    pub scale_units: usize,
    pub scale_rate: u32,
    pub scale_seconds: f64,
    pub raw_messages: u64,
    pub raw_rows: u64,
    /// Each step of the NATS-per-consumer sweep (crate::consumer_cost).
    pub consumer_cost_seconds: f64,
    pub drain_timeout_seconds: u64,
}

impl Plan {
    pub fn full() -> Self {
        Self {
            mode: "full",
            idle_seconds: 10.0,
            latency_rates: vec![100, 1000],
            latency_seconds: 20.0,
            webhook_rates: vec![500, 1000, 2000, 3000, 4000, 6000, 8000],
            replay_rates: vec![1000, 2000, 4000, 6000, 8000, 12000],
            step_seconds: 15.0,
            burst_posts: 50_000,
            extra_clients: vec![10, 100, 1000],
            clients_rate: 500,
            clients_seconds: 15.0,
            scale_units: 800,
            scale_rate: 1000,
            scale_seconds: 20.0,
            raw_messages: 100_000,
            raw_rows: 100_000,
            consumer_cost_seconds: 15.0,
            drain_timeout_seconds: 30,
        }
    }

    pub fn quick() -> Self {
        Self {
            mode: "quick",
            idle_seconds: 3.0,
            latency_rates: vec![100, 1000],
            latency_seconds: 4.0,
            webhook_rates: vec![500, 1000, 2000, 4000],
            replay_rates: vec![1000, 2000, 4000, 8000],
            step_seconds: 4.0,
            burst_posts: 5_000,
            extra_clients: vec![10, 100],
            clients_rate: 500,
            clients_seconds: 4.0,
            scale_units: 800,
            scale_rate: 1000,
            scale_seconds: 5.0,
            raw_messages: 20_000,
            raw_rows: 20_000,
            consumer_cost_seconds: 5.0,
            drain_timeout_seconds: 10,
        }
    }
}
