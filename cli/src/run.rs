//! `gradual node run`: one process runs one task (flags) or several (`--config node.toml`),
//! each with its own runner, logic and store, all sharing one RPC connection and sender, one
//! signal handler and one metrics endpoint.
use crate::{config, metrics::Metrics, ops::Global};
use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context, Result};
use gradual_sdk::{
    accounts,
    chain::Chain,
    node::{
        hash_chain::{HashChain, LazyForger},
        ExternalLogic, ExternalLogicConfig, NodeConfig, NodeRunner, TaskLogic,
    },
    pda,
    rpc::{RpcChain, SendConfig},
};
use serde::Deserialize;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

/// Flags of `gradual node run` (every one also settable from the environment).
#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The task to run (or several, from --config).
    #[arg(required_unless_present = "config", conflicts_with = "config")]
    pub task: Option<String>,
    /// A TOML file listing the tasks to run from this process (see docs/operators.md).
    #[arg(long, env = "GRADUAL_NODE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Task logic: hash-chain (the example task), lazy (a cheater that forges its proofs, for
    /// tests and demos), or the path of an executable speaking the external-logic protocol.
    #[arg(long, env = "GRADUAL_LOGIC", default_value = "hash-chain")]
    pub logic: String,
    /// An argument for an external logic (repeat for several).
    #[arg(
        long = "logic-arg",
        env = "GRADUAL_LOGIC_ARGS",
        value_delimiter = ' ',
        allow_hyphen_values = true
    )]
    pub logic_args: Vec<String>,
    /// Hashes per proof of the hash-chain logic (default: the task descriptor's, else 30,000).
    #[arg(long, env = "GRADUAL_ITERATIONS")]
    pub iterations: Option<u32>,
    /// Stake-mint account that receives auditor rewards.
    #[arg(
        long,
        env = "GRADUAL_STAKE_ACCOUNT",
        required_unless_present = "config"
    )]
    pub stake_account: Option<String>,
    /// The node's authority public key (cold key, stays offline; default: the signing
    /// keypair, which is the node's operator).
    #[arg(long, env = "GRADUAL_AUTHORITY")]
    pub authority: Option<String>,
    /// Keypair file that pays transaction fees (default: the operator).
    #[arg(long, env = "GRADUAL_FEE_PAYER")]
    pub fee_payer: Option<PathBuf>,
    /// Local store (default: ./gradual-node-<task>.json).
    #[arg(long, env = "GRADUAL_STORE")]
    pub store: Option<PathBuf>,
    /// Exit once round N's last distribution window has passed (default: run forever).
    #[arg(long, env = "GRADUAL_EXIT_AFTER_ROUND")]
    pub exit_after_round: Option<u64>,
    /// Serve Prometheus metrics (/metrics) and a health check (/health) on this address.
    #[arg(long, env = "GRADUAL_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    /// Seconds without a successful tick before /health reports the node unhealthy.
    #[arg(long, env = "GRADUAL_STALL_SECS", default_value_t = 120)]
    pub stall_secs: u64,
    /// Seconds an external logic's `work` may take.
    #[arg(long, env = "GRADUAL_LOGIC_WORK_TIMEOUT", default_value_t = 600)]
    pub logic_work_timeout: u64,
    /// Seconds an external logic's other calls (audits, lists) may take.
    #[arg(long, env = "GRADUAL_LOGIC_CALL_TIMEOUT", default_value_t = 30)]
    pub logic_call_timeout: u64,
}

/// `--config`: `metrics_addr` and `stall_secs` (optional), then one `[[task]]` per task.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeFile {
    #[serde(default)]
    pub metrics_addr: Option<SocketAddr>,
    #[serde(default)]
    pub stall_secs: Option<u64>,
    pub task: Vec<TaskEntry>,
}

/// One task of a node file; unset fields take the flag's value or default.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskEntry {
    pub task: String,
    pub stake_account: String,
    #[serde(default)]
    pub logic: Option<String>,
    #[serde(default)]
    pub logic_args: Option<Vec<String>>,
    #[serde(default)]
    pub iterations: Option<u32>,
    #[serde(default)]
    pub authority: Option<String>,
    /// Operator keypair for this task (default: the global --keypair).
    #[serde(default)]
    pub keypair: Option<PathBuf>,
    #[serde(default)]
    pub fee_payer: Option<PathBuf>,
    #[serde(default)]
    pub store: Option<PathBuf>,
    #[serde(default)]
    pub exit_after_round: Option<u64>,
}

impl NodeFile {
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let file: NodeFile = toml::from_str(&text)
            .with_context(|| format!("{} is not a node file", path.display()))?;
        if file.task.is_empty() {
            bail!("{} lists no [[task]]", path.display());
        }
        let mut seen = std::collections::BTreeSet::new();
        for t in &file.task {
            if !seen.insert(&t.task) {
                bail!("{} lists task {} twice", path.display(), t.task);
            }
        }
        Ok(file)
    }
}

/// A terminal state of `gradual node run`: nothing more to do, so it exits with its own code
/// and a one-line reason (main prints it without the `error:` prefix of a failure).
#[derive(Debug)]
pub struct Terminal {
    pub code: i32,
    pub reason: String,
}

impl Terminal {
    pub const TASK_CLOSED: i32 = 3;
    pub const NOT_A_MEMBER: i32 = 4;
    pub const NODE_EXITED: i32 = 5;
    pub const LOGIC_MISMATCH: i32 = 6;

    fn logic_mismatch(task: Pubkey, why: String) -> Self {
        Terminal {
            code: Self::LOGIC_MISMATCH,
            reason: format!(
                "task {task}: {why}: refusing to run it (a node running other code is slashed)"
            ),
        }
    }

    fn task_closed(task: Pubkey) -> Self {
        Terminal {
            code: Self::TASK_CLOSED,
            reason: format!("task {task} is closed: nothing left to run"),
        }
    }
}

impl std::fmt::Display for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for Terminal {}

fn key(s: &str) -> Result<Pubkey> {
    s.parse()
        .map_err(|_| anyhow::anyhow!("{s} is not a base-58 address"))
}

/// One task to run, resolved from flags or a node file.
#[derive(Clone, Debug)]
struct Spec {
    task: Pubkey,
    stake_account: Pubkey,
    logic: String,
    logic_args: Vec<String>,
    iterations: Option<u32>,
    authority: Option<Pubkey>,
    keypair: Option<PathBuf>,
    fee_payer: Option<PathBuf>,
    store: Option<PathBuf>,
    exit_after_round: Option<u64>,
}

fn specs(args: &RunArgs) -> Result<(Vec<Spec>, Option<SocketAddr>, u64)> {
    let Some(path) = &args.config else {
        let task = args
            .task
            .as_deref()
            .context("a task or --config is needed")?;
        let stake = args
            .stake_account
            .as_deref()
            .context("--stake-account is needed")?;
        return Ok((
            vec![Spec {
                task: key(task)?,
                stake_account: key(stake)?,
                logic: args.logic.clone(),
                logic_args: args.logic_args.clone(),
                iterations: args.iterations,
                authority: args.authority.as_deref().map(key).transpose()?,
                keypair: None,
                fee_payer: args.fee_payer.clone(),
                store: args.store.clone(),
                exit_after_round: args.exit_after_round,
            }],
            args.metrics_addr,
            args.stall_secs,
        ));
    };
    let file = NodeFile::load(path)?;
    let specs = file
        .task
        .into_iter()
        .map(|t| {
            Ok(Spec {
                task: key(&t.task)?,
                stake_account: key(&t.stake_account)?,
                logic: t.logic.unwrap_or_else(|| args.logic.clone()),
                logic_args: t.logic_args.unwrap_or_else(|| args.logic_args.clone()),
                iterations: t.iterations.or(args.iterations),
                authority: t.authority.as_deref().map(key).transpose()?,
                keypair: t.keypair,
                fee_payer: t.fee_payer.or_else(|| args.fee_payer.clone()),
                store: t.store,
                exit_after_round: t.exit_after_round.or(args.exit_after_round),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((
        specs,
        args.metrics_addr.or(file.metrics_addr),
        file.stall_secs.unwrap_or(args.stall_secs),
    ))
}

/// What a node runs for a task: the hash chain's iterations or an external logic's arguments.
struct Resolved {
    iterations: u32,
    args: Vec<String>,
}

/// The code hash of `--logic` (a built-in's, or the executable's file).
fn local_hash(logic: &str) -> Result<Option<[u8; 32]>> {
    use gradual_sdk::node::descriptor::{builtin_hash, file_hash, BUILTIN_HASH_CHAIN};
    Ok(match logic {
        "hash-chain" => Some(builtin_hash(BUILTIN_HASH_CHAIN)),
        "lazy" => None,
        path => Some(
            file_hash(&find_executable(path))
                .with_context(|| format!("cannot read --logic {path}"))?,
        ),
    })
}

/// `path` as given when it names a file, else the first match on PATH.
fn find_executable(path: &str) -> PathBuf {
    let p = PathBuf::from(path);
    if p.components().count() > 1 {
        return p;
    }
    // A bare name, as a shell finds it: on PATH only (never the working directory).
    std::env::var_os("PATH")
        .and_then(|dirs| {
            std::env::split_paths(&dirs)
                .map(|d| d.join(path))
                .find(|c| c.is_file())
        })
        .unwrap_or(p)
}

/// Checks this node's logic against the task's descriptor for `round` and takes its
/// parameters; a mismatch is a [`Terminal`] (exit 6) instead of a slash.
fn resolve_logic(
    task: Pubkey,
    spec: &Spec,
    descriptor: Option<&gradual::state::LogicDescriptor>,
) -> Result<Resolved> {
    use gradual_sdk::node::descriptor::{check, params_as_args, parse_hash_chain_params};
    let hash = local_hash(&spec.logic)?;
    let Some(d) = descriptor else {
        tracing::warn!(task = %task, "the task has no logic descriptor: running {} unchecked", spec.logic);
        return Ok(Resolved {
            iterations: spec.iterations.unwrap_or(30_000),
            args: spec.logic_args.clone(),
        });
    };
    let mismatch = |why: String| anyhow::Error::from(Terminal::logic_mismatch(task, why));
    if let Some(h) = &hash {
        check(d, h).map_err(mismatch)?;
    }
    let mut out = Resolved {
        iterations: spec.iterations.unwrap_or(30_000),
        args: spec.logic_args.clone(),
    };
    match spec.logic.as_str() {
        "hash-chain" | "lazy" => {
            if let Some(n) = parse_hash_chain_params(&d.params) {
                if spec.iterations.is_some_and(|mine| mine != n) {
                    return Err(mismatch(format!(
                        "the task runs {n} iterations, --iterations says {}",
                        spec.iterations.unwrap_or_default()
                    )));
                }
                out.iterations = n;
            }
        }
        _ => {
            let args = params_as_args(&d.params)
                .ok_or_else(|| mismatch("the descriptor's params are not UTF-8".into()))?;
            if !spec.logic_args.is_empty() && spec.logic_args != args {
                return Err(mismatch(format!(
                    "the task's parameters are {args:?}, --logic-arg says {:?}",
                    spec.logic_args
                )));
            }
            out.args = args;
        }
    }
    Ok(out)
}

async fn logic(
    spec: &Spec,
    resolved: &Resolved,
    url: &str,
    args: &RunArgs,
) -> Result<Arc<dyn TaskLogic>> {
    let work = HashChain {
        iterations: resolved.iterations,
    };
    Ok(match spec.logic.as_str() {
        "hash-chain" => Arc::new(work),
        "lazy" => Arc::new(LazyForger(work)),
        path => {
            // The very file that was hashed (a bare name is looked up on PATH once).
            let mut cfg = ExternalLogicConfig::new(find_executable(path), resolved.args.clone());
            cfg.env = vec![
                ("GRADUAL_RPC_URL".into(), url.to_string()),
                ("GRADUAL_TASK".into(), spec.task.to_string()),
            ];
            cfg.work_timeout = Duration::from_secs(args.logic_work_timeout);
            cfg.call_timeout = Duration::from_secs(args.logic_call_timeout);
            let logic = ExternalLogic::start(cfg).await.with_context(|| {
                format!(
                    "--logic {path:?} is not a built-in (hash-chain, lazy) nor a working \
                     external logic"
                )
            })?;
            Arc::new(logic)
        }
    })
}

/// Checks a task can be run by this key and builds its runner; a terminal state is an error
/// of type [`Terminal`].
async fn prepare(
    spec: &Spec,
    chain: Arc<dyn Chain>,
    g: &Global,
    args: &RunArgs,
) -> Result<(NodeRunner, gradual::state::Task, Spec)> {
    let signer: Keypair = match &spec.keypair {
        Some(p) => config::read_keypair(p)?,
        None => g.signer()?,
    };
    let task = spec.task;
    let authority = spec.authority.unwrap_or(signer.pubkey());
    let node = pda::node(&task, &authority).0;
    let t = accounts::fetch_task(chain.as_ref(), &task).await?;
    if t.status == gradual::state::TaskStatus::Closed {
        return Err(Terminal::task_closed(task).into());
    }
    let state = match accounts::fetch_node(chain.as_ref(), &node).await {
        Ok(state) => state,
        // Only a missing Node is terminal; an RPC failure is an error (exit 1).
        Err(gradual_sdk::error::SdkError::NotFound { .. }) => {
            return Err(Terminal {
                code: Terminal::NOT_A_MEMBER,
                reason: format!(
                    "{authority} is not a member of task {task} (no node at {node}): run \
                     `gradual node join` first"
                ),
            }
            .into());
        }
        Err(e) => return Err(e.into()),
    };
    if state.bonded()? == 0 && state.unbonding == 0 {
        return Err(Terminal {
            code: Terminal::NODE_EXITED,
            reason: format!(
                "node {node} has no stake left (fully exited): nothing to run; `gradual node \
                 close` returns its rent"
            ),
        }
        .into());
    }
    if state.operator != signer.pubkey() {
        bail!(
            "node {node}'s operator is {}, not this keypair ({}): run with the operator key",
            state.operator,
            signer.pubkey()
        );
    }
    let fee_payer = spec
        .fee_payer
        .as_deref()
        .map(config::read_keypair)
        .transpose()?;
    let round = t.schedule().round_at(chain.slot().await?).unwrap_or(0);
    let descriptor = accounts::fetch_task_logic(chain.as_ref(), &task).await?;
    let resolved = resolve_logic(
        task,
        spec,
        descriptor.as_ref().and_then(|l| l.for_round(round)),
    )?;
    let logic = logic(spec, &resolved, g.url(), args).await?;
    let store_path = spec
        .store
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("gradual-node-{task}.json")));
    let runner = NodeRunner::new(
        chain,
        logic,
        NodeConfig {
            task,
            operator: signer,
            authority,
            fee_payer,
            stake_account: spec.stake_account,
            store_path,
        },
    )?;
    // What this node runs, pinned: a later descriptor that differs in code or parameters
    // stops the task (see `task_loop`).
    let pinned = Spec {
        iterations: Some(resolved.iterations),
        logic_args: resolved.args.clone(),
        ..spec.clone()
    };
    Ok((runner, t, pinned))
}

/// Runs every task until a stop signal, its terminal state or `exit_after_round`.
pub async fn run(args: RunArgs, g: &Global) -> Result<()> {
    // Installed first, so a stop during start-up is also clean.
    let mut stop_signal = Box::pin(stop_signal()?);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let (specs, metrics_addr, stall_secs) = specs(&args)?;
    g.check_program().await?;
    // One connection and sender for every task (the runner needs no transaction logs).
    let rpc = Arc::new(
        RpcChain::new(g.url().to_string()).with_send_config(SendConfig {
            fetch_logs: false,
            ..g.send_config()
        }),
    );
    let chain: Arc<dyn Chain> = rpc.clone();
    let metrics = Arc::new(Metrics::new(Duration::from_secs(stall_secs)).with_rpc(chain.clone()));
    let mut loops = vec![];
    for spec in &specs {
        let (runner, t, pinned) = tokio::select! {
            biased;
            name = &mut stop_signal => {
                tracing::info!("{name}: stopping during start-up");
                return Ok(());
            }
            r = prepare(spec, chain.clone(), g, &args) => r.with_context(|| format!("task {}", spec.task))?,
        };
        let stop_at = match spec.exit_after_round {
            Some(r) => Some(
                t.schedule()
                    .timeline(r)
                    .context("round out of range")?
                    .end(),
            ),
            None => None,
        };
        metrics.register(
            &spec.task.to_string(),
            1 + u64::from(spec.fee_payer.is_some()),
        );
        tracing::info!(task = %spec.task, node = %runner.node_address(), logic = %spec.logic, "running");
        loops.push(task_loop(
            pinned,
            chain.clone(),
            runner,
            stop_at,
            stop_rx.clone(),
            metrics.clone(),
        ));
    }
    if let Some(addr) = metrics_addr {
        let bound = crate::metrics::serve(addr, metrics.clone())
            .await
            .with_context(|| format!("cannot serve metrics on {addr}"))?;
        tracing::info!(%bound, "metrics on http://{bound}/metrics, health on /health");
    }
    eprintln!(
        "running {} task(s) (Ctrl-C or SIGTERM to stop)",
        specs.len()
    );
    // SIGINT/SIGTERM end every loop between two awaits: an abandoned send either landed (the
    // next run reads it from the chain) or did not; each store is written on every change, so
    // nothing is lost and nothing is sent twice.
    let signal = async move {
        let name = stop_signal.await;
        eprintln!("{name}: stopping (the stores are saved)");
        let _ = stop_tx.send(true);
    };
    let all = futures::future::join_all(loops);
    tokio::pin!(all);
    let ends = tokio::select! {
        ends = &mut all => ends,
        () = signal => all.await,
    };
    eprintln!(
        "rpc requests by method: {}",
        serde_json::to_string(&rpc.stats().by_method())?
    );
    // A single task's terminal state is the process's; with several, the process ends when
    // every task has ended, with the last terminal code (each was logged when it happened).
    let terminals: Vec<Terminal> = ends.into_iter().flatten().collect();
    match (specs.len(), terminals.len()) {
        (n, k) if k == n => Err(terminals
            .into_iter()
            .last()
            .map(anyhow::Error::from)
            .unwrap_or_else(|| anyhow::anyhow!("no task"))),
        _ => Ok(()),
    }
}

/// One task's loop; `Some` for a terminal state.
async fn task_loop(
    pinned: Spec,
    chain: Arc<dyn Chain>,
    mut runner: NodeRunner,
    stop_at: Option<u64>,
    mut stop: tokio::sync::watch::Receiver<bool>,
    metrics: Arc<Metrics>,
) -> Option<Terminal> {
    // Ticks at the slots where something may be due (window edges, crank turns, a few looks
    // inside audit and upload windows), not on a fixed poll.
    let task = pinned.task.to_string();
    let mut slot_time = SlotClock::default();
    let mut terminal = None;
    let mut checked_round = None;
    loop {
        if *stop.borrow() {
            break;
        }
        let tick_started = std::time::Instant::now();
        let tick = tokio::select! {
            biased;
            _ = stop.changed() => break,
            tick = runner.tick() => tick,
        };
        let wake = match tick {
            Ok(report) => {
                let round = runner.stats().round;
                metrics.tick(&task, &report, runner.stats(), tick_started.elapsed());
                if !report.sent.is_empty() || !report.failed.is_empty() {
                    tracing::info!(
                        task = %task,
                        slot = report.slot,
                        round,
                        sent = ?report.sent,
                        failed = ?report.failed_sends,
                        duties_failed = report.failed.len(),
                        "tick"
                    );
                }
                // Once a round: the descriptor of the next round's work (one read).
                if round.is_some() && round != checked_round {
                    match next_round_mismatch(&chain, &pinned, round).await {
                        Ok(None) => checked_round = round,
                        Ok(Some(t)) => {
                            tracing::warn!(task = %task, "{t}");
                            metrics.ended(&task, "logic mismatch");
                            terminal = Some(t);
                            break;
                        }
                        // Read again on the next tick.
                        Err(e) => {
                            tracing::warn!(task = %task, error = %e, "cannot read the task's logic descriptor")
                        }
                    }
                }
                if stop_at.is_some_and(|end| report.slot >= end) {
                    tracing::info!(task = %task, "the last round asked for is over: exiting");
                    metrics.ended(&task, "exit-after-round");
                    break;
                }
                slot_time.observe(report.slot);
                // Counted from the read the tick's slot came from.
                slot_time
                    .until(report.slot, report.next_wake)
                    .saturating_sub(tick_started.elapsed())
                    .max(Duration::from_millis(100))
            }
            // Terminal: nothing more to do for this task, and retrying would spin.
            Err(gradual_sdk::error::SdkError::TaskClosed(task_key)) => {
                let t = Terminal::task_closed(task_key);
                tracing::warn!(task = %task, "{t}");
                metrics.ended(&task, "task closed");
                terminal = Some(t);
                break;
            }
            Err(e) => {
                metrics.tick_failed(&task);
                tracing::warn!(task = %task, error = %e, "tick failed; retrying");
                Duration::from_secs(2)
            }
        };
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            _ = tokio::time::sleep(wake) => {}
        }
    }
    terminal
}

/// A [`Terminal`] when the task's descriptor for the round after `round` names other code or
/// other parameters than this node runs (`pinned`): an update that takes effect then, or the
/// executable changed on disk.
async fn next_round_mismatch(
    chain: &Arc<dyn Chain>,
    pinned: &Spec,
    round: Option<u64>,
) -> Result<Option<Terminal>> {
    let Some(round) = round else {
        return Ok(None);
    };
    let Some(logic) = accounts::fetch_task_logic(chain.as_ref(), &pinned.task).await? else {
        return Ok(None);
    };
    let Some(d) = logic.for_round(round + 1) else {
        return Ok(None);
    };
    Ok(match resolve_logic(pinned.task, pinned, Some(d)) {
        Ok(_) => None,
        Err(e) => Some(match e.downcast::<Terminal>() {
            Ok(t) => Terminal {
                reason: format!("from round {}: {}", round + 1, t.reason),
                ..t
            },
            Err(e) => Terminal::logic_mismatch(pinned.task, format!("{e:#}")),
        }),
    })
}

/// A future that resolves with the signal's name on the first SIGINT or SIGTERM; the handlers
/// are installed when this is called, not when the future is first polled.
fn stop_signal() -> Result<impl std::future::Future<Output = &'static str>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
        let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
        Ok(async move {
            tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        })
    }
}

/// The cluster's slot time, measured from the slots seen (400 ms until 50 slots were seen),
/// to turn a wake-up slot into a sleep.
#[derive(Default)]
struct SlotClock {
    first: Option<(u64, std::time::Instant)>,
    last: Option<(u64, std::time::Instant)>,
}

impl SlotClock {
    fn observe(&mut self, slot: u64) {
        let now = std::time::Instant::now();
        self.first.get_or_insert((slot, now));
        self.last = Some((slot, now));
    }

    fn slot_time(&self) -> Duration {
        match (self.first, self.last) {
            (Some((s0, t0)), Some((s1, t1))) if s1 >= s0 + 50 => {
                (t1 - t0) / u32::try_from(s1 - s0).unwrap_or(u32::MAX)
            }
            _ => Duration::from_millis(400),
        }
    }

    /// How long until `wake`, seen at `slot`: between 200 ms and 20 s.
    fn until(&self, slot: u64, wake: u64) -> Duration {
        (self.slot_time() * u32::try_from(wake.saturating_sub(slot)).unwrap_or(u32::MAX))
            .clamp(Duration::from_millis(200), Duration::from_secs(20))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<NodeFile> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("node.toml");
        std::fs::write(&path, text)?;
        NodeFile::load(&path)
    }

    #[test]
    fn node_files_list_tasks_once_with_known_keys() {
        let a = "11111111111111111111111111111112";
        let b = "SysvarC1ock11111111111111111111111111111111";
        let ok = parse(&format!(
            "metrics_addr = \"127.0.0.1:9464\"\n[[task]]\ntask = \"{a}\"\nstake_account = \"{b}\"\n\
             [[task]]\ntask = \"{b}\"\nstake_account = \"{a}\"\nlogic = \"./x.py\"\nlogic_args = [\"--slots\", \"20\"]\n"
        ))
        .unwrap();
        assert_eq!(ok.task.len(), 2);
        assert_eq!(ok.metrics_addr.unwrap().port(), 9464);
        let twice = parse(&format!(
            "[[task]]\ntask = \"{a}\"\nstake_account = \"{b}\"\n[[task]]\ntask = \"{a}\"\nstake_account = \"{b}\"\n"
        ))
        .unwrap_err();
        assert!(format!("{twice:#}").contains("twice"), "{twice:#}");
        let unknown = parse(&format!(
            "[[task]]\ntask = \"{a}\"\nstake_account = \"{b}\"\niteratons = 5\n"
        ))
        .unwrap_err();
        assert!(format!("{unknown:#}").contains("iteratons"), "{unknown:#}");
        assert!(parse("metrics_addr = \"127.0.0.1:1\"\ntask = []\n").is_err());
    }

    #[test]
    fn a_descriptor_fixes_iterations_and_arguments() {
        use gradual::state::LogicDescriptor;
        use gradual_sdk::node::descriptor::*;
        let task = Pubkey::new_unique();
        let spec = |logic: &str, iterations, args: &[&str]| Spec {
            task,
            stake_account: task,
            logic: logic.into(),
            logic_args: args.iter().map(|s| s.to_string()).collect(),
            iterations,
            authority: None,
            keypair: None,
            fee_payer: None,
            store: None,
            exit_after_round: None,
        };
        let chain = LogicDescriptor {
            effective_round: 0,
            uri: BUILTIN_HASH_CHAIN.into(),
            hash: builtin_hash(BUILTIN_HASH_CHAIN),
            params: hash_chain_params(1_500),
        };
        let r = resolve_logic(task, &spec("hash-chain", None, &[]), Some(&chain)).unwrap();
        assert_eq!(r.iterations, 1_500, "taken from the descriptor");
        let code = |e: anyhow::Error| e.downcast::<Terminal>().map(|t| t.code).unwrap_or(0);
        let e = resolve_logic(task, &spec("hash-chain", Some(30_000), &[]), Some(&chain));
        assert_eq!(code(e.err().unwrap()), Terminal::LOGIC_MISMATCH);
        // The lazy cheater is never checked (it is a test double), but takes the shape.
        assert_eq!(
            resolve_logic(task, &spec("lazy", None, &[]), Some(&chain))
                .unwrap()
                .iterations,
            1_500
        );
        // An executable: its file's hash and the descriptor's arguments.
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("logic.py");
        std::fs::write(&exe, b"print('hi')").unwrap();
        let ext = LogicDescriptor {
            effective_round: 0,
            uri: "https://example.org/logic.py".into(),
            hash: file_hash(&exe).unwrap(),
            params: b"--slots 20".to_vec(),
        };
        let path = exe.to_str().unwrap();
        assert_eq!(
            resolve_logic(task, &spec(path, None, &[]), Some(&ext))
                .unwrap()
                .args,
            vec!["--slots", "20"]
        );
        let e = resolve_logic(task, &spec(path, None, &["--slots", "5"]), Some(&ext));
        assert_eq!(code(e.err().unwrap()), Terminal::LOGIC_MISMATCH);
        let e = resolve_logic(task, &spec("hash-chain", None, &[]), Some(&ext));
        assert_eq!(code(e.err().unwrap()), Terminal::LOGIC_MISMATCH);
        std::fs::write(&exe, b"print('changed')").unwrap();
        let e = resolve_logic(task, &spec(path, None, &[]), Some(&ext));
        assert_eq!(code(e.err().unwrap()), Terminal::LOGIC_MISMATCH);
        // No descriptor: run as configured.
        assert_eq!(
            resolve_logic(task, &spec("hash-chain", None, &[]), None)
                .unwrap()
                .iterations,
            30_000
        );
    }
}
