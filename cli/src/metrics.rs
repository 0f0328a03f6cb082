//! `gradual node run --metrics-addr`: a Prometheus text endpoint (`/metrics`) with per-task
//! gauges and counters, and `/health` (200 while every running task ticks and keeps up, 503
//! with the reasons otherwise). A minimal HTTP/1.1 server on the node's own runtime: one
//! request per connection, no dependency beyond tokio.
use gradual::constants::NO_ROUND;
use gradual_sdk::{
    chain::Chain,
    node::{RunnerStats, TickReport},
};
use std::{
    collections::BTreeMap,
    fmt::Write as _,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The base fee of one signature, in lamports.
const SIGNATURE_FEE: u64 = 5_000;
/// Rounds an eligible node may go without a submission on chain before it is unhealthy.
const ROUNDS_BEHIND_UNHEALTHY: u64 = 3;

/// What one task's loop reports.
#[derive(Debug)]
pub struct TaskMetrics {
    pub stats: RunnerStats,
    pub sent: BTreeMap<String, u64>,
    pub failed_sends: BTreeMap<String, u64>,
    pub duty_failures: BTreeMap<String, u64>,
    pub tick_errors: u64,
    pub signatures_per_tx: u64,
    pub started: Instant,
    pub last_ok_tick: Option<Instant>,
    pub last_tick_seconds: f64,
    /// The round of the first tick (health waits a few rounds before it expects submissions).
    pub first_round: Option<u64>,
    /// Set when the task's loop ended (terminal state or stop).
    pub ended: Option<String>,
}

impl TaskMetrics {
    fn new(signatures_per_tx: u64) -> Self {
        Self {
            stats: RunnerStats::default(),
            sent: BTreeMap::new(),
            failed_sends: BTreeMap::new(),
            duty_failures: BTreeMap::new(),
            tick_errors: 0,
            signatures_per_tx,
            started: Instant::now(),
            last_ok_tick: None,
            last_tick_seconds: 0.0,
            first_round: None,
            ended: None,
        }
    }

    /// Why this task is unhealthy, if it is.
    fn problem(&self, now: Instant, stall: Duration) -> Option<String> {
        if self.ended.is_some() {
            return None;
        }
        let since = self.last_ok_tick.unwrap_or(self.started);
        if now.duration_since(since) > stall {
            return Some(format!(
                "no successful tick for {}s (limit {}s)",
                now.duration_since(since).as_secs(),
                stall.as_secs()
            ));
        }
        let (Some(round), Some(first), Some(node)) =
            (self.stats.round, self.first_round, self.stats.node.as_ref())
        else {
            return None;
        };
        let behind = match node.last_submitted_round {
            NO_ROUND => round.saturating_sub(first),
            last => round.saturating_sub(1).saturating_sub(last),
        };
        (self.stats.eligible
            && round >= first + ROUNDS_BEHIND_UNHEALTHY
            && behind >= ROUNDS_BEHIND_UNHEALTHY)
            .then(|| format!("eligible but {behind} rounds without a submission on chain"))
    }
}

/// Every task's metrics, the shared RPC counters, and the health rule.
pub struct Metrics {
    tasks: Mutex<BTreeMap<String, TaskMetrics>>,
    rpc: Option<Arc<dyn Chain>>,
    stall: Duration,
}

impl Metrics {
    /// `stall`: how long without a successful tick before a task is unhealthy.
    pub fn new(stall: Duration) -> Self {
        Self {
            tasks: Mutex::new(BTreeMap::new()),
            rpc: None,
            stall,
        }
    }

    /// Counts RPC requests from the shared connection's stats.
    pub fn with_rpc(mut self, chain: Arc<dyn Chain>) -> Self {
        self.rpc = Some(chain);
        self
    }

    fn with<R>(&self, task: &str, f: impl FnOnce(&mut TaskMetrics) -> R) -> Option<R> {
        let mut tasks = self.tasks.lock().ok()?;
        tasks.get_mut(task).map(f)
    }

    /// Registers a task (1 or 2 signatures per transaction: operator, fee payer).
    pub fn register(&self, task: &str, signatures_per_tx: u64) {
        if let Ok(mut t) = self.tasks.lock() {
            t.insert(task.to_string(), TaskMetrics::new(signatures_per_tx));
        }
    }

    /// Records a tick that completed.
    pub fn tick(&self, task: &str, report: &TickReport, stats: &RunnerStats, took: Duration) {
        self.with(task, |m| {
            m.stats = stats.clone();
            m.first_round = m.first_round.or(stats.round);
            m.last_ok_tick = Some(Instant::now());
            m.last_tick_seconds = took.as_secs_f64();
            for k in &report.sent {
                *m.sent.entry(k.clone()).or_default() += 1;
            }
            for k in &report.failed_sends {
                *m.failed_sends.entry(k.clone()).or_default() += 1;
            }
            for (duty, _, _) in &report.failed {
                *m.duty_failures.entry(duty.clone()).or_default() += 1;
            }
        });
    }

    /// Records a tick that failed as a whole.
    pub fn tick_failed(&self, task: &str) {
        self.with(task, |m| m.tick_errors += 1);
    }

    /// Records that a task's loop ended.
    pub fn ended(&self, task: &str, why: &str) {
        self.with(task, |m| m.ended = Some(why.to_string()));
    }

    /// `(healthy, body)` for `/health`.
    pub fn health(&self) -> (bool, String) {
        let now = Instant::now();
        let Ok(tasks) = self.tasks.lock() else {
            return (false, "metrics unavailable\n".into());
        };
        let mut ok = !tasks.is_empty();
        let mut body = String::new();
        for (task, m) in tasks.iter() {
            let line = match (&m.ended, m.problem(now, self.stall)) {
                (Some(why), _) => format!("{task}: ended ({why})"),
                (None, Some(p)) => {
                    ok = false;
                    format!("{task}: UNHEALTHY: {p}")
                }
                (None, None) => format!(
                    "{task}: ok (round {})",
                    m.stats.round.map(|r| r.to_string()).unwrap_or("-".into())
                ),
            };
            body.push_str(&line);
            body.push('\n');
        }
        (ok, body)
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let now = Instant::now();
        let mut out = String::new();
        let Ok(tasks) = self.tasks.lock() else {
            return out;
        };
        let mut family = |name: &str, kind: &str, help: &str, samples: Vec<(String, f64)>| {
            let _ = writeln!(
                out,
                "# HELP gradual_{name} {help}\n# TYPE gradual_{name} {kind}"
            );
            for (labels, v) in samples {
                let _ = writeln!(out, "gradual_{name}{{{labels}}} {v}");
            }
        };
        let per_task = |f: &dyn Fn(&TaskMetrics) -> Option<f64>| -> Vec<(String, f64)> {
            tasks
                .iter()
                .filter_map(|(t, m)| Some((format!("task=\"{t}\""), f(m)?)))
                .collect()
        };
        let per_kind = |f: &dyn Fn(&TaskMetrics) -> &BTreeMap<String, u64>, label: &str| {
            tasks
                .iter()
                .flat_map(|(t, m)| {
                    f(m).iter()
                        .map(move |(k, v)| (format!("task=\"{t}\",{label}=\"{k}\""), *v as f64))
                })
                .collect::<Vec<_>>()
        };
        let node = |f: fn(&gradual::state::Node) -> u64| {
            move |m: &TaskMetrics| m.stats.node.as_ref().map(|n| f(n) as f64)
        };
        family(
            "round",
            "gauge",
            "Current round of the task.",
            per_task(&|m| m.stats.round.map(|r| r as f64)),
        );
        family(
            "slot",
            "gauge",
            "Slot of the last tick.",
            per_task(&|m| Some(m.stats.slot as f64)),
        );
        family(
            "stake",
            "gauge",
            "Stake that counts for the current round (base units).",
            per_task(&|m| {
                let round = m.stats.round?;
                m.stats
                    .node
                    .as_ref()
                    .map(|n| n.stake_for_round(round).unwrap_or(0) as f64)
            }),
        );
        family(
            "stake_pending",
            "gauge",
            "Stake added this round (base units).",
            per_task(&node(|n| n.pending_stake)),
        );
        family(
            "stake_unbonding",
            "gauge",
            "Stake unbonding (base units).",
            per_task(&node(|n| n.unbonding)),
        );
        family(
            "slashed_total",
            "counter",
            "Stake slashed from this node (base units).",
            per_task(&node(|n| n.slashed_total)),
        );
        family(
            "last_submitted_round",
            "gauge",
            "Last round this node's submission landed for (-1: none).",
            per_task(&|m| {
                m.stats.node.as_ref().map(|n| match n.last_submitted_round {
                    NO_ROUND => -1.0,
                    r => r as f64,
                })
            }),
        );
        family(
            "eligible",
            "gauge",
            "1 when the node's stake counts for the round it submits for.",
            per_task(&|m| Some(f64::from(u8::from(m.stats.eligible)))),
        );
        family(
            "txs_sent_total",
            "counter",
            "Transactions confirmed, by kind.",
            per_kind(&|m| &m.sent, "kind"),
        );
        family(
            "txs_failed_total",
            "counter",
            "Transactions that failed or were not confirmed, by kind.",
            per_kind(&|m| &m.failed_sends, "kind"),
        );
        family(
            "duty_failures_total",
            "counter",
            "Duties that failed in a tick (the others ran), by duty.",
            per_kind(&|m| &m.duty_failures, "duty"),
        );
        family(
            "tick_errors_total",
            "counter",
            "Ticks that failed as a whole (retried).",
            per_task(&|m| Some(m.tick_errors as f64)),
        );
        family(
            "signature_fees_lamports_total",
            "counter",
            "Base signature fees of the transactions sent (lamports; priority fees not included).",
            per_task(&|m| {
                let sent: u64 = m.sent.values().chain(m.failed_sends.values()).sum();
                Some((sent * m.signatures_per_tx * SIGNATURE_FEE) as f64)
            }),
        );
        family(
            "audited_total",
            "counter",
            "Peers' submissions judged.",
            per_task(&|m| Some(m.stats.audited as f64)),
        );
        family(
            "invalid_found_total",
            "counter",
            "Peers' submissions judged invalid.",
            per_task(&|m| Some(m.stats.invalid_found as f64)),
        );
        family(
            "unknown_verdicts_total",
            "counter",
            "Audits the logic could not answer (asked again later).",
            per_task(&|m| Some(m.stats.unknown_verdicts as f64)),
        );
        family(
            "work_total",
            "counter",
            "Proofs computed.",
            per_task(&|m| Some(m.stats.work_done as f64)),
        );
        family(
            "work_seconds",
            "gauge",
            "Duration of the last proof's work.",
            per_task(&|m| Some(m.stats.last_work_ms as f64 / 1e3)),
        );
        family(
            "tick_seconds",
            "gauge",
            "Duration of the last tick.",
            per_task(&|m| Some(m.last_tick_seconds)),
        );
        family(
            "seconds_since_tick",
            "gauge",
            "Seconds since the last successful tick.",
            per_task(&|m| {
                Some(
                    now.duration_since(m.last_ok_tick.unwrap_or(m.started))
                        .as_secs_f64(),
                )
            }),
        );
        family(
            "healthy",
            "gauge",
            "1 while the task ticks and keeps up.",
            per_task(&|m| Some(f64::from(u8::from(m.problem(now, self.stall).is_none())))),
        );
        if let Some(rpc) = &self.rpc {
            family(
                "rpc_requests_total",
                "counter",
                "RPC requests of the shared connection, by method.",
                rpc.stats()
                    .by_method()
                    .into_iter()
                    .map(|(k, v)| (format!("method=\"{k}\""), v as f64))
                    .collect(),
            );
        }
        out
    }
}

/// Serves `/metrics` and `/health` on `addr` until the process ends; returns the bound address.
pub async fn serve(addr: SocketAddr, metrics: Arc<Metrics>) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    // At most 16 scrapes at once, each done within 10 s whatever the client does (a slow or
    // stuck client cannot hold sockets or starve the node).
    let slots = Arc::new(tokio::sync::Semaphore::new(16));
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = match listener.accept().await {
                Ok(s) => s,
                Err(e) => {
                    // Out of file descriptors, say: back off instead of spinning.
                    tracing::warn!(error = %e, "metrics: accept failed");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    continue;
                }
            };
            let Ok(permit) = slots.clone().try_acquire_owned() else {
                drop(stream);
                continue;
            };
            let metrics = metrics.clone();
            tokio::spawn(async move {
                let _permit = permit;
                let _ = tokio::time::timeout(Duration::from_secs(10), async move {
                let mut buf = vec![0u8; 4096];
                let mut len = 0;
                // The request line and headers (bodies are not read).
                while len < buf.len() {
                    match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf[len..]))
                        .await
                    {
                        Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
                        Ok(Ok(n)) => len += n,
                    }
                    if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let head = String::from_utf8_lossy(&buf[..len]);
                let mut parts = head.split_whitespace();
                let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let (status, kind, body) = match (method, path.split('?').next().unwrap_or("")) {
                    ("GET", "/metrics") => {
                        ("200 OK", "text/plain; version=0.0.4", metrics.render())
                    }
                    ("GET", "/health") => match metrics.health() {
                        (true, b) => ("200 OK", "text/plain", b),
                        (false, b) => ("503 Service Unavailable", "text/plain", b),
                    },
                    ("GET", _) => (
                        "404 Not Found",
                        "text/plain",
                        "try /metrics or /health\n".into(),
                    ),
                    _ => ("405 Method Not Allowed", "text/plain", "GET only\n".into()),
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
                })
                .await;
            });
        }
    });
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(addr: SocketAddr, path: &str) -> (String, String) {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        (head.lines().next().unwrap().to_string(), body.to_string())
    }

    #[tokio::test]
    async fn metrics_and_health_are_served_over_http() {
        let m = Arc::new(Metrics::new(Duration::from_millis(300)));
        m.register("TaskA", 1);
        m.register("TaskB", 2);
        let report = TickReport {
            slot: 420,
            sent: vec!["submit".into(), "vote".into(), "vote".into()],
            failed_sends: vec!["vote".into()],
            failed: vec![("audit".into(), 3, "rpc".into())],
            next_wake: 421,
        };
        let stats = RunnerStats {
            round: Some(4),
            slot: 420,
            audited: 7,
            invalid_found: 1,
            unknown_verdicts: 2,
            work_done: 3,
            last_work_ms: 1500,
            ..RunnerStats::default()
        };
        m.tick("TaskA", &report, &stats, Duration::from_millis(20));
        m.tick(
            "TaskB",
            &TickReport::default(),
            &RunnerStats::default(),
            Duration::ZERO,
        );
        let addr = serve("127.0.0.1:0".parse().unwrap(), m.clone())
            .await
            .unwrap();

        let (status, body) = get(addr, "/metrics").await;
        assert_eq!(status, "HTTP/1.1 200 OK");
        for line in [
            "gradual_round{task=\"TaskA\"} 4",
            "gradual_txs_sent_total{task=\"TaskA\",kind=\"vote\"} 2",
            "gradual_txs_failed_total{task=\"TaskA\",kind=\"vote\"} 1",
            "gradual_duty_failures_total{task=\"TaskA\",duty=\"audit\"} 1",
            "gradual_audited_total{task=\"TaskA\"} 7",
            "gradual_unknown_verdicts_total{task=\"TaskA\"} 2",
            "gradual_work_seconds{task=\"TaskA\"} 1.5",
            "gradual_signature_fees_lamports_total{task=\"TaskA\"} 20000",
            "gradual_audited_total{task=\"TaskB\"} 0",
            "# TYPE gradual_txs_sent_total counter",
        ] {
            assert!(body.contains(line), "{line} missing from:\n{body}");
        }
        let (status, body) = get(addr, "/health").await;
        assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
        assert!(body.contains("TaskA: ok (round 4)"), "{body}");

        // No tick for longer than the stall limit: unhealthy, with the reason.
        tokio::time::sleep(Duration::from_millis(400)).await;
        m.tick(
            "TaskB",
            &TickReport::default(),
            &RunnerStats::default(),
            Duration::ZERO,
        );
        let (status, body) = get(addr, "/health").await;
        assert_eq!(status, "HTTP/1.1 503 Service Unavailable", "{body}");
        assert!(
            body.contains("TaskA: UNHEALTHY: no successful tick"),
            "{body}"
        );
        assert!(!body.contains("TaskB: UNHEALTHY"), "{body}");
        // An ended task is not a health problem.
        m.ended("TaskA", "task closed");
        assert_eq!(get(addr, "/health").await.0, "HTTP/1.1 200 OK");
        assert_eq!(get(addr, "/nope").await.0, "HTTP/1.1 404 Not Found");
    }

    #[test]
    fn an_eligible_node_without_submissions_for_rounds_is_unhealthy() {
        let mut m = TaskMetrics::new(1);
        m.last_ok_tick = Some(Instant::now());
        m.first_round = Some(10);
        m.stats.round = Some(14);
        m.stats.eligible = true;
        let node = |last| gradual::state::Node {
            task: Default::default(),
            operator: Default::default(),
            authority: Default::default(),
            reward_account: Default::default(),
            index: 0,
            active_stake: 1,
            pending_stake: 0,
            pending_activation_round: 0,
            unbonding: 0,
            unbonding_release_round: 0,
            slashed_total: 0,
            last_submitted_round: last,
            joined_slot: 0,
            bump: 0,
            recent_stake: 0,
            recent_activation_round: 0,
            history_from_round: 0,
            open_audits: 0,
            in_flight_until_slot: 0,
        };
        m.stats.node = Some(node(12));
        assert_eq!(m.problem(Instant::now(), Duration::from_secs(60)), None);
        m.stats.node = Some(node(10));
        let p = m.problem(Instant::now(), Duration::from_secs(60)).unwrap();
        assert!(p.contains("3 rounds without a submission"), "{p}");
        m.stats.eligible = false;
        assert_eq!(m.problem(Instant::now(), Duration::from_secs(60)), None);
        m.stats.eligible = true;
        m.stats.node = Some(node(NO_ROUND));
        assert!(m.problem(Instant::now(), Duration::from_secs(60)).is_some());
    }

    #[test]
    fn the_grafana_dashboard_only_uses_metrics_that_exist() {
        // An RPC connection that is never used: its (empty) counters are served.
        let rpc = gradual_sdk::rpc::RpcChain::new("http://127.0.0.1:9");
        let m = Metrics::new(Duration::from_secs(60)).with_rpc(Arc::new(rpc));
        m.register("T", 1);
        let mut stats = RunnerStats {
            round: Some(1),
            ..RunnerStats::default()
        };
        stats.node = None;
        let report = TickReport {
            sent: vec!["submit".into()],
            failed_sends: vec!["vote".into()],
            failed: vec![("audit".into(), 0, "x".into())],
            ..TickReport::default()
        };
        m.tick("T", &report, &stats, Duration::ZERO);
        let rendered = m.render();
        let dashboard = include_str!("../../deploy/grafana-dashboard.json");
        let mut checked = 0;
        for (i, _) in dashboard.match_indices("gradual_") {
            let name: String = dashboard[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name == "gradual_" || name == "gradual_node" {
                continue;
            }
            assert!(
                rendered.contains(&format!("# TYPE {name} ")),
                "the dashboard uses {name}, which /metrics does not serve"
            );
            checked += 1;
        }
        assert!(checked >= 15, "{checked}");
    }
}
