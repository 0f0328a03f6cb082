//! The task, node and round commands over a real cluster (RPC).
use crate::{
    config::{self, to_base_units, to_ui, TaskFile},
    Output,
};
use anchor_lang::prelude::Pubkey;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use gradual::instructions::CreateTaskArgs;
use gradual_sdk::rpc::SendConfig;
use gradual_sdk::{
    accounts,
    chain::Chain,
    client::TaskClient,
    node::{hash_chain::HashChain, runner::bitmap_ones, NodeConfig, NodeRunner},
    pda,
    rpc::RpcChain,
};
use serde_json::json;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::{path::PathBuf, sync::Arc, time::Duration};

/// Options every command shares.
pub struct Global {
    url: String,
    keypair: PathBuf,
    output: Output,
    max_priority_fee: u64,
}

impl Global {
    pub fn new(
        url: Option<String>,
        keypair: Option<PathBuf>,
        output: Output,
        max_priority_fee: u64,
    ) -> Self {
        Self {
            url: config::resolve_url(url.as_deref()),
            keypair: config::resolve_keypair_path(keypair.as_deref()),
            output,
            max_priority_fee,
        }
    }

    fn send_config(&self) -> SendConfig {
        SendConfig {
            max_priority_fee: self.max_priority_fee,
            ..SendConfig::default()
        }
    }

    fn chain(&self) -> Arc<dyn Chain> {
        Arc::new(RpcChain::new(self.url.clone()).with_send_config(self.send_config()))
    }

    fn signer(&self) -> Result<Keypair> {
        config::read_keypair(&self.keypair)
    }

    async fn client(&self) -> Result<(TaskClient, Keypair)> {
        let signer = self.signer()?;
        let chain = self.chain();
        // One clear line when the cluster is wrong or the program is missing.
        match chain.account(&gradual::ID).await {
            Err(e) => bail!("cannot reach {}: {e}", self.url),
            Ok(None) => bail!(
                "the gradual program {} is not deployed on {}",
                gradual::ID,
                self.url
            ),
            Ok(Some(_)) => {}
        }
        Ok((TaskClient::new(chain, signer.insecure_clone()), signer))
    }

    fn print(&self, human: String, value: serde_json::Value) {
        match self.output {
            Output::Human => println!("{human}"),
            Output::Json => println!("{value}"),
        }
    }
}

fn key(s: &str) -> Result<Pubkey> {
    s.parse()
        .map_err(|_| anyhow::anyhow!("{s} is not a base-58 address"))
}

async fn decimals(chain: &dyn Chain, mint: &Pubkey) -> Result<u8> {
    let a = chain
        .account(mint)
        .await?
        .with_context(|| format!("mint {mint} does not exist on this cluster"))?;
    a.data
        .get(44)
        .copied()
        .with_context(|| format!("{mint} is not a mint"))
}

/// Refuses to send when `account` holds less than `needed` (base units).
async fn ensure_balance(
    chain: &dyn Chain,
    account: &Pubkey,
    needed: u64,
    decimals: u8,
) -> Result<()> {
    let a = chain
        .account(account)
        .await?
        .with_context(|| format!("token account {account} does not exist on this cluster"))?;
    let held = gradual_sdk::node::runner::token_amount(&a.data);
    if held < needed {
        bail!(
            "insufficient balance: {account} holds {}, this needs {}",
            to_ui(held, decimals),
            to_ui(needed, decimals)
        );
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum TaskCommand {
    /// Create a task from a TOML file (see docs/cli.md).
    Create {
        #[arg(long)]
        config: PathBuf,
    },
    /// Deposit reward tokens (UI units) from a token account you own.
    Fund {
        task: String,
        amount: f64,
        #[arg(long)]
        from: String,
    },
    /// Show config, vaults, current round and phase, nodes and stake.
    Show { task: String },
    /// Schedule new round rules (the [rounds] of a task file) from a future round.
    Update {
        task: String,
        #[arg(long)]
        config: PathBuf,
        /// First round governed by the new rules: at least the current round + 2
        /// (default: exactly that).
        #[arg(long)]
        effective_round: Option<u64>,
    },
    /// Pause the task (no joins or submissions).
    Pause { task: String },
    /// Resume a paused task.
    Resume { task: String },
    /// Close a paused, settled task; the unreserved bounty goes to --to.
    Close {
        task: String,
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
pub enum NodeCommand {
    /// Join a task with a stake (UI units). The signing keypair becomes the node's authority
    /// (cold key: stake, unstake, withdraw, reward account, operator key).
    Join {
        task: String,
        #[arg(long)]
        stake: f64,
        #[arg(long)]
        stake_account: String,
        #[arg(long)]
        reward_account: String,
        /// The node's operator (hot key) that `gradual node run` signs with (default: the
        /// signing keypair itself).
        #[arg(long)]
        operator: Option<String>,
    },
    /// Add stake (UI units).
    Stake {
        task: String,
        amount: f64,
        #[arg(long)]
        stake_account: String,
    },
    /// Start unbonding stake (UI units).
    Unstake { task: String, amount: f64 },
    /// Withdraw released stake to a stake-mint account.
    Withdraw {
        task: String,
        #[arg(long)]
        to: String,
    },
    /// Make OPERATOR the node's hot key (signed by the node's authority).
    SetOperator { task: String, operator: String },
    /// Pay the node's rewards into ACCOUNT from now on (signed by the node's authority).
    SetRewardAccount { task: String, account: String },
    /// Close a fully exited node: rent back to the authority, its index freed.
    Close { task: String },
    /// This keypair's node on a task.
    Status { task: String },
    /// Claim this node's unclaimed rewards of accepted lists (recent rounds, or --round).
    Claim {
        task: String,
        #[arg(long)]
        round: Option<u64>,
    },
    /// Close every account this node's operator paid rent for on the task that may close now
    /// (submissions, votes, audits, lists, rounds) and report the lamports returned.
    Reclaim {
        task: String,
        /// The node's authority public key (default: the signing keypair).
        #[arg(long)]
        authority: Option<String>,
    },
    /// Run the node: every phase of every round, until interrupted.
    Run {
        task: String,
        /// Task logic: hash-chain (the example task), or lazy (a cheater that forges its
        /// proofs, for tests and demos).
        #[arg(long, default_value = "hash-chain")]
        logic: String,
        #[arg(long, default_value_t = 30_000)]
        iterations: u32,
        /// Stake-mint account that receives auditor rewards.
        #[arg(long)]
        stake_account: String,
        /// The node's authority public key (cold key, stays offline; default: the signing
        /// keypair, which is the node's operator).
        #[arg(long)]
        authority: Option<String>,
        /// Keypair file that pays transaction fees (default: the operator).
        #[arg(long)]
        fee_payer: Option<PathBuf>,
        /// Local store (default: ./gradual-node-<task>.json).
        #[arg(long)]
        store: Option<PathBuf>,
        /// Exit once round N's last distribution window has passed (default: run forever).
        #[arg(long)]
        exit_after_round: Option<u64>,
    },
}

#[derive(Subcommand)]
pub enum RoundCommand {
    /// Submissions, audits with tallies, distribution attempts and claims of a round.
    Show { task: String, round: u64 },
}

pub async fn task(cmd: TaskCommand, g: &Global) -> Result<()> {
    match cmd {
        TaskCommand::Create { config } => {
            let file = TaskFile::load(&config)?;
            let (client, signer) = g.client().await?;
            let reward = key(&file.reward_mint)?;
            let stake = key(&file.stake_mint)?;
            let cfg = file.config(
                decimals(client.chain().as_ref(), &reward).await?,
                decimals(client.chain().as_ref(), &stake).await?,
            )?;
            let slot = client.chain().slot().await?;
            let args = CreateTaskArgs {
                task_id: file.task_id,
                start_slot: slot + file.start_in_slots,
                max_nodes: file.max_nodes,
                config: cfg,
                trust_flags: if file.trust_freeze_authority {
                    gradual::constants::TRUST_FREEZE_AUTHORITY
                } else {
                    0
                },
                audit_sample: file.audit_sample,
                jury_size: file.jury_size,
            };
            let task = client.create_task(&signer, reward, stake, args).await?;
            g.print(
                format!("task {task} created"),
                json!({ "task": task.to_string() }),
            );
        }
        TaskCommand::Fund { task, amount, from } => {
            let (client, signer) = g.client().await?;
            let task = key(&task)?;
            let t = accounts::fetch_task(client.chain().as_ref(), &task).await?;
            let units = to_base_units(amount, t.reward_decimals)?;
            let from = key(&from)?;
            ensure_balance(client.chain().as_ref(), &from, units, t.reward_decimals).await?;
            let out = client.fund(&signer, &task, from, units).await?;
            g.print(
                format!("funded {amount} ({})", out.signature),
                json!({ "signature": out.signature, "amount": units }),
            );
        }
        TaskCommand::Show { task } => {
            let (client, _) = g.client().await?;
            let s = client.status(&key(&task)?).await?;
            let t = &s.task;
            let human = format!(
                "task {task}\n  status {:?}, authority {}{}\n  round {:?} working, {:?} submitting, {:?} distributing (slot {})\n  bounty vault {} (reserved {}), stake vault {}\n  config: {} slots/round, bounty {} per round, minimum stake {}\n  audits: {}, {}\n  nodes: {}",
                t.status,
                t.authority,
                if t.trust_flags & gradual::constants::TRUST_FREEZE_AUTHORITY != 0 {
                    "\n  TRUST: a mint has a freeze authority that can freeze the vaults"
                } else {
                    ""
                },
                s.line.working,
                s.line.submitting,
                s.line.distributing,
                s.slot,
                to_ui(s.bounty_balance, t.reward_decimals),
                to_ui(t.reserved_rewards, t.reward_decimals),
                to_ui(s.stake_balance, t.stake_decimals),
                t.config.round_slots,
                to_ui(t.config.bounty_per_round, t.reward_decimals),
                to_ui(t.config.minimum_stake, t.stake_decimals),
                match t.audit_sample {
                    0 => "every node checks every peer".to_string(),
                    k => format!("each node checks {k} drawn peers"),
                },
                match t.jury_size {
                    0 => "the whole network votes".to_string(),
                    j => format!("juries of {j} stake-weighted seats"),
                },
                s.nodes.len()
            );
            let nodes: Vec<_> = s.nodes.iter().map(|(k, n)| json!({ "node": k.to_string(), "index": n.index, "active_stake": n.active_stake, "slashed": n.slashed_total })).collect();
            g.print(
                human,
                json!({ "task": task, "status": format!("{:?}", t.status), "trust_flags": t.trust_flags, "audit_sample": t.audit_sample, "jury_size": t.jury_size, "slot": s.slot, "working": s.line.working, "bounty_vault": s.bounty_balance, "stake_vault": s.stake_balance, "reserved": t.reserved_rewards, "nodes": nodes }),
            );
        }
        TaskCommand::Update {
            task,
            config,
            effective_round,
        } => {
            let file = TaskFile::load(&config)?;
            let (client, signer) = g.client().await?;
            let task = key(&task)?;
            let t = accounts::fetch_task(client.chain().as_ref(), &task).await?;
            let cfg = file.config(t.reward_decimals, t.stake_decimals)?;
            let now = t.schedule().round_at(client.chain().slot().await?);
            let effective = effective_round.unwrap_or_else(|| now.map_or(0, |c| c + 2));
            let out = client.update(&signer, &task, effective, cfg).await?;
            g.print(
                format!("new rules from round {effective} ({})", out.signature),
                json!({ "effective_round": effective, "signature": out.signature }),
            );
        }
        TaskCommand::Pause { task } => {
            let (client, signer) = g.client().await?;
            let out = client.pause(&signer, &key(&task)?).await?;
            g.print(
                format!("paused ({})", out.signature),
                json!({ "signature": out.signature }),
            );
        }
        TaskCommand::Resume { task } => {
            let (client, signer) = g.client().await?;
            let out = client.resume(&signer, &key(&task)?).await?;
            g.print(
                format!("resumed ({})", out.signature),
                json!({ "signature": out.signature }),
            );
        }
        TaskCommand::Close { task, to } => {
            let (client, signer) = g.client().await?;
            let out = client.close(&signer, &key(&task)?, key(&to)?).await?;
            g.print(
                format!("closed ({})", out.signature),
                json!({ "signature": out.signature }),
            );
        }
    }
    Ok(())
}

pub async fn node(cmd: NodeCommand, g: &Global) -> Result<()> {
    match cmd {
        NodeCommand::Join {
            task,
            stake,
            stake_account,
            reward_account,
            operator,
        } => {
            let (client, signer) = g.client().await?;
            let task = key(&task)?;
            let t = accounts::fetch_task(client.chain().as_ref(), &task).await?;
            let units = to_base_units(stake, t.stake_decimals)?;
            let out = client
                .join(
                    &signer,
                    match &operator {
                        Some(o) => key(o)?,
                        None => signer.pubkey(),
                    },
                    &task,
                    key(&stake_account)?,
                    key(&reward_account)?,
                    units,
                )
                .await?;
            let node = pda::node(&task, &signer.pubkey()).0;
            g.print(
                format!("joined as node {node} ({})", out.signature),
                json!({ "node": node.to_string(), "signature": out.signature }),
            );
        }
        NodeCommand::Stake {
            task,
            amount,
            stake_account,
        } => {
            let (client, signer) = g.client().await?;
            let task = key(&task)?;
            let t = accounts::fetch_task(client.chain().as_ref(), &task).await?;
            let out = client
                .add_stake(
                    &signer,
                    &task,
                    key(&stake_account)?,
                    to_base_units(amount, t.stake_decimals)?,
                )
                .await?;
            g.print(
                format!("stake added ({})", out.signature),
                json!({ "signature": out.signature }),
            );
        }
        NodeCommand::Unstake { task, amount } => {
            let (client, signer) = g.client().await?;
            let task = key(&task)?;
            let t = accounts::fetch_task(client.chain().as_ref(), &task).await?;
            let out = client
                .unstake(&signer, &task, to_base_units(amount, t.stake_decimals)?)
                .await?;
            g.print(
                format!("unbonding ({})", out.signature),
                json!({ "signature": out.signature }),
            );
        }
        NodeCommand::Withdraw { task, to } => {
            let (client, signer) = g.client().await?;
            let out = client.withdraw(&signer, &key(&task)?, key(&to)?).await?;
            g.print(
                format!("withdrawn ({})", out.signature),
                json!({ "signature": out.signature }),
            );
        }
        NodeCommand::SetOperator { task, operator } => {
            let (client, signer) = g.client().await?;
            let out = client
                .set_operator(&signer, &key(&task)?, key(&operator)?)
                .await?;
            g.print(
                format!("operator set to {operator} ({})", out.signature),
                json!({ "signature": out.signature }),
            );
        }
        NodeCommand::SetRewardAccount { task, account } => {
            let (client, signer) = g.client().await?;
            let out = client
                .set_reward_account(&signer, &key(&task)?, key(&account)?)
                .await?;
            g.print(
                format!("reward account set to {account} ({})", out.signature),
                json!({ "signature": out.signature }),
            );
        }
        NodeCommand::Close { task } => {
            let (client, signer) = g.client().await?;
            let out = client.close_node(&signer, &key(&task)?).await?;
            g.print(
                format!("node closed ({})", out.signature),
                json!({ "signature": out.signature }),
            );
        }
        NodeCommand::Status { task } => {
            let (client, signer) = g.client().await?;
            let task = key(&task)?;
            let node = pda::node(&task, &signer.pubkey()).0;
            let n = accounts::fetch_node(client.chain().as_ref(), &node)
                .await
                .with_context(|| {
                    format!(
                        "{} has not joined task {task} (`gradual node join`)",
                        signer.pubkey()
                    )
                })?;
            let t = accounts::fetch_task(client.chain().as_ref(), &task).await?;
            g.print(
                format!(
                    "node {node} (index {})\n  active {}, pending {}, unbonding {} (release round {}), slashed {}",
                    n.index,
                    to_ui(n.active_stake, t.stake_decimals),
                    to_ui(n.pending_stake, t.stake_decimals),
                    to_ui(n.unbonding, t.stake_decimals),
                    n.unbonding_release_round,
                    to_ui(n.slashed_total, t.stake_decimals)
                ),
                json!({ "node": node.to_string(), "index": n.index, "active_stake": n.active_stake, "pending_stake": n.pending_stake, "unbonding": n.unbonding, "slashed": n.slashed_total }),
            );
        }
        NodeCommand::Reclaim { task, authority } => {
            let (client, signer) = g.client().await?;
            let task = key(&task)?;
            let authority = match &authority {
                Some(a) => key(a)?,
                None => signer.pubkey(),
            };
            let node = pda::node(&task, &authority).0;
            // Its Votes, Audits and Submissions are found by the node's address: a wrong
            // authority would silently find nothing.
            accounts::fetch_node(client.chain().as_ref(), &node)
                .await
                .with_context(|| {
                    format!(
                        "{authority} has no node on task {task}: pass the node's authority with --authority"
                    )
                })?;
            let r = gradual_sdk::reclaim::reclaim_backlog(
                client.chain().as_ref(),
                &task,
                &signer,
                &node,
            )
            .await?;
            let closed: u32 = r.closed.values().sum();
            g.print(
                format!(
                    "closed {closed} accounts ({}), {} lamports returned; {} not closable yet ({})",
                    serde_json::to_string(&r.closed)?,
                    r.lamports,
                    r.still_needed.values().sum::<u32>(),
                    serde_json::to_string(&r.still_needed)?
                ),
                json!({ "closed": r.closed, "lamports": r.lamports, "still_needed": r.still_needed }),
            );
        }
        NodeCommand::Claim { task, round } => {
            let (client, signer) = g.client().await?;
            let task = key(&task)?;
            let chain = client.chain().clone();
            let node_key = pda::node(&task, &signer.pubkey()).0;
            let n = accounts::fetch_node(chain.as_ref(), &node_key)
                .await
                .with_context(|| format!("{} has not joined task {task}", signer.pubkey()))?;
            let t = accounts::fetch_task(chain.as_ref(), &task).await?;
            let reward = gradual_sdk::ix::TokenAccounts {
                mint: t.reward_mint,
                account: n.reward_account,
                token_program: client.token_program_of(&t.reward_mint).await?,
            };
            let rounds: Vec<u64> = match round {
                Some(r) => vec![r],
                None => {
                    let now = t.schedule().round_at(chain.slot().await?).unwrap_or(0);
                    (now.saturating_sub(16)..now).collect()
                }
            };
            let mut claimed = vec![];
            for r in rounds {
                let Some(state) = accounts::fetch_round(chain.as_ref(), &task, r).await? else {
                    continue;
                };
                if state.header.status() != gradual::state::DistributionStatus::Accepted {
                    continue;
                }
                let attempt = state.header.distribution_attempt;
                let Some(list) = accounts::fetch_list(chain.as_ref(), &task, r, attempt).await?
                else {
                    continue;
                };
                let Some(k) = list
                    .entries
                    .iter()
                    .position(|e| u32::from(e.node_index) == n.index)
                else {
                    continue;
                };
                if list.claimed[k] {
                    continue;
                }
                let ixn =
                    gradual_sdk::ix::claim_reward(task, r, attempt, k as u32, node_key, reward);
                let out = chain.send(&[ixn], &signer, &[]).await?;
                claimed.push(json!({ "round": r, "amount": list.entries[k].amount, "signature": out.signature }));
            }
            let total: u64 = claimed.iter().filter_map(|c| c["amount"].as_u64()).sum();
            g.print(
                if claimed.is_empty() {
                    "nothing to claim".to_string()
                } else {
                    format!(
                        "claimed {} in {} round(s)",
                        to_ui(total, t.reward_decimals),
                        claimed.len()
                    )
                },
                json!({ "claimed": claimed, "total": total }),
            );
        }
        NodeCommand::Run {
            task,
            logic,
            iterations,
            stake_account,
            authority,
            fee_payer,
            store,
            exit_after_round,
        } => {
            // Installed first, so a stop during start-up is also clean.
            let stop = stop_signal()?;
            let work = HashChain { iterations };
            let logic: Arc<dyn gradual_sdk::node::TaskLogic> = match logic.as_str() {
                "hash-chain" => Arc::new(work),
                "lazy" => Arc::new(gradual_sdk::node::hash_chain::LazyForger(work)),
                other => bail!("unknown logic {other:?}: available: hash-chain, lazy"),
            };
            let (client, signer) = g.client().await?;
            // The runner needs no transaction logs (one request less per send).
            let rpc = Arc::new(RpcChain::new(g.url.clone()).with_send_config(SendConfig {
                fetch_logs: false,
                ..g.send_config()
            }));
            let chain: Arc<dyn Chain> = rpc.clone();
            let task = key(&task)?;
            let authority = match &authority {
                Some(a) => key(a)?,
                None => signer.pubkey(),
            };
            let node = pda::node(&task, &authority).0;
            let t = accounts::fetch_task(client.chain().as_ref(), &task).await?;
            if t.status == gradual::state::TaskStatus::Closed {
                return Err(Terminal::task_closed(task).into());
            }
            let state = match accounts::fetch_node(client.chain().as_ref(), &node).await {
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
                        "node {node} has no stake left (fully exited): nothing to run; `gradual \
                         node close` returns its rent"
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
            let fee_payer = fee_payer
                .as_deref()
                .map(crate::config::read_keypair)
                .transpose()?;
            let store_path =
                store.unwrap_or_else(|| PathBuf::from(format!("gradual-node-{task}.json")));
            let mut runner = NodeRunner::new(
                chain.clone(),
                logic,
                NodeConfig {
                    task,
                    operator: signer,
                    authority,
                    fee_payer,
                    stake_account: key(&stake_account)?,
                    store_path,
                },
            )?;
            let stop_at = match exit_after_round {
                Some(r) => Some(
                    t.schedule()
                        .timeline(r)
                        .context("round out of range")?
                        .end(),
                ),
                None => None,
            };
            eprintln!("running node {node} on task {task} (Ctrl-C or SIGTERM to stop)");
            // SIGINT/SIGTERM end the loop between two awaits: an abandoned send either landed
            // (the next run reads it from the chain) or did not; the store is written on every
            // change, so nothing is lost and nothing is sent twice.
            tokio::pin!(stop);
            let mut terminal = None;
            let spinner = indicatif::ProgressBar::new_spinner();
            // Ticks at the slots where something may be due (window edges, crank turns, a few
            // looks inside audit and upload windows), not on a fixed poll.
            let mut slot_time = SlotClock::default();
            loop {
                let tick_started = std::time::Instant::now();
                let tick = tokio::select! {
                    biased;
                    name = &mut stop => {
                        eprintln!("{name}: stopping (the store is saved)");
                        break;
                    }
                    tick = runner.tick() => tick,
                };
                let wake = match tick {
                    Ok(report) => {
                        spinner.set_message(format!(
                            "slot {}, round {}",
                            report.slot,
                            t.schedule().round_at(report.slot).unwrap_or(0)
                        ));
                        spinner.tick();
                        if !report.sent.is_empty() {
                            tracing::info!(slot = report.slot, sent = ?report.sent, "tick");
                        }
                        if stop_at.is_some_and(|end| report.slot >= end) {
                            eprintln!(
                                "round {} is over: exiting",
                                exit_after_round.unwrap_or_default()
                            );
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
                    Err(gradual_sdk::error::SdkError::TaskClosed(task)) => {
                        terminal = Some(Terminal::task_closed(task));
                        break;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "tick failed; retrying");
                        Duration::from_secs(2)
                    }
                };
                tokio::select! {
                    biased;
                    name = &mut stop => {
                        eprintln!("{name}: stopping (the store is saved)");
                        break;
                    }
                    _ = tokio::time::sleep(wake) => {}
                }
            }
            let stats = rpc.stats();
            eprintln!(
                "rpc requests by method: {}",
                serde_json::to_string(&stats.by_method())?
            );
            if let Some(t) = terminal {
                return Err(t.into());
            }
        }
    }
    Ok(())
}

/// A terminal state of `gradual node run`: nothing more to do, so it exits with its own code
/// and a one-line reason (main prints it without the `error:` prefix of a failure).
#[derive(Debug)]
pub struct Terminal {
    pub code: i32,
    pub reason: String,
}

impl Terminal {
    /// The task is closed.
    pub const TASK_CLOSED: i32 = 3;
    /// The key has no node on the task (never joined, or the node was closed).
    pub const NOT_A_MEMBER: i32 = 4;
    /// The node has no stake left, active, pending or unbonding.
    pub const NODE_EXITED: i32 = 5;

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

pub async fn round(cmd: RoundCommand, g: &Global) -> Result<()> {
    let RoundCommand::Show { task, round } = cmd;
    let chain = g.chain();
    let task = key(&task)?;
    let state = accounts::fetch_round(chain.as_ref(), &task, round)
        .await?
        .with_context(|| format!("round {round} of {task} has no submissions (not opened)"))?;
    let subs = accounts::scan_submissions(chain.as_ref(), &task, round).await?;
    let audits = accounts::scan_audits(chain.as_ref(), &task, round).await?;
    let h = &state.header;
    let mut human = format!(
        "round {round}: {} submissions, {} slashed, status {:?}, attempt {}, budget {}",
        h.submission_count,
        h.slashed_count,
        h.status(),
        h.distribution_attempt,
        h.budget
    );
    for (_, s) in &subs {
        human.push_str(&format!(
            "\n  submission node {} ({} bytes)",
            s.node_index,
            s.proof.len()
        ));
    }
    for (k, a) in &audits {
        human.push_str(&format!(
            "\n  audit {k}: {:?} of node {} — for {} / against {} — {:?}",
            a.kind, a.target_index, a.for_stake, a.against_stake, a.status
        ));
    }
    let mut lists = vec![];
    for attempt in 0..=h.distribution_attempt {
        if let Some(l) = accounts::fetch_list(chain.as_ref(), &task, round, attempt).await? {
            let claimed = l.claimed.iter().filter(|c| **c).count();
            human.push_str(&format!(
                "\n  list attempt {attempt}: {} entries, total {}, {:?}, {claimed} claimed",
                l.entries.len(),
                l.header.declared_total,
                l.header.status()
            ));
            let paid: Vec<_> = l
                .entries
                .iter()
                .map(|e| json!([e.node_index, e.amount]))
                .collect();
            lists.push(json!({ "attempt": attempt, "status": format!("{:?}", l.header.status()), "entries": l.entries.len(), "total": l.header.declared_total, "claimed": claimed, "paid": paid }));
        }
    }
    g.print(
        human,
        json!({ "round": round, "submissions": h.submission_count, "slashed": h.slashed_count, "status": format!("{:?}", h.status()), "attempt": h.distribution_attempt, "audits": audits.len(), "lists": lists, "budget": h.budget, "submitted_nodes": bitmap_ones(&state.submitted), "slashed_nodes": bitmap_ones(&state.slashed) }),
    );
    Ok(())
}
