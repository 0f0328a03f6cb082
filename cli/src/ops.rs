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
    accounts, chain::Chain, client::TaskClient, node::runner::bitmap_ones, pda, rpc::RpcChain,
};
use serde_json::json;
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

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

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn send_config(&self) -> SendConfig {
        SendConfig {
            max_priority_fee: self.max_priority_fee,
            ..SendConfig::default()
        }
    }

    fn chain(&self) -> Arc<dyn Chain> {
        Arc::new(RpcChain::new(self.url.clone()).with_send_config(self.send_config()))
    }

    pub fn signer(&self) -> Result<Keypair> {
        config::read_keypair(&self.keypair)
    }

    async fn client(&self) -> Result<(TaskClient, Keypair)> {
        let signer = self.signer()?;
        self.check_program().await?;
        Ok((
            TaskClient::new(self.chain(), signer.insecure_clone()),
            signer,
        ))
    }

    /// One clear line when the cluster is wrong or the program is missing.
    pub async fn check_program(&self) -> Result<()> {
        match self.chain().account(&gradual::ID).await {
            Err(e) => bail!("cannot reach {}: {e}", self.url),
            Ok(None) => bail!(
                "the gradual program {} is not deployed on {}",
                gradual::ID,
                self.url
            ),
            Ok(Some(_)) => Ok(()),
        }
    }

    fn print(&self, human: String, value: serde_json::Value) {
        match self.output {
            Output::Human => println!("{human}"),
            Output::Json => println!("{value}"),
        }
    }
}

/// Fees a node pays per round, measured by the 16-node soak (docs/benchmarks.md).
const FEES_PER_NODE_ROUND: u64 = 11_700;

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
    /// Every task of the program: status, round, bounty left, stake, nodes, logic.
    List,
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
    /// Set what nodes must run (the [logic] of a task file) from a future round (default: the
    /// earliest allowed, round 0 before the task starts, else the current round + 2).
    SetLogic {
        task: String,
        #[arg(long)]
        config: PathBuf,
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
    /// Claim this node's unclaimed rewards of accepted lists (every one still claimable, or
    /// --round's).
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
    /// Run the node: every phase of every round of one task (or of every task of --config),
    /// until interrupted.
    Run(Box<crate::run::RunArgs>),
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
            // Checked before anything is sent (a bad [logic] must not leave a task without it).
            let logic = file
                .logic
                .as_ref()
                .map(|l| l.resolve(config.parent().unwrap_or(Path::new("."))))
                .transpose()?;
            let task = client.create_task(&signer, reward, stake, args).await?;
            // The logic descriptor governs every round from round 0.
            let mut logic_signature = None;
            if let Some((uri, hash, params)) = logic {
                let ixn =
                    gradual_sdk::ix::set_task_logic(signer.pubkey(), task, 0, uri, hash, params);
                let out = client.chain().send(&[ixn], &signer, &[]).await?;
                logic_signature = Some(out.signature);
            }
            g.print(
                format!(
                    "task {task} created{}",
                    if logic_signature.is_some() {
                        " with its logic descriptor"
                    } else {
                        ""
                    }
                ),
                json!({ "task": task.to_string(), "logic_signature": logic_signature }),
            );
        }
        TaskCommand::List => {
            let chain = g.chain();
            g.check_program().await?;
            let tasks = accounts::scan_tasks(chain.as_ref()).await?;
            let slot = chain.slot().await?;
            // Vault balances and descriptors in two batched reads.
            let vaults: Vec<Pubkey> = tasks.iter().map(|(_, t)| t.bounty_vault).collect();
            let logics: Vec<Pubkey> = tasks
                .iter()
                .map(|(k, _)| gradual_sdk::pda::task_logic(k).0)
                .collect();
            let mut balances = vec![];
            let mut descriptors = vec![];
            for chunk in vaults.chunks(100) {
                balances.extend(chain.accounts(chunk).await?);
            }
            for chunk in logics.chunks(100) {
                descriptors.extend(chain.accounts(chunk).await?);
            }
            let mut human = format!("{} task(s) at slot {slot}", tasks.len());
            let mut rows = vec![];
            for (i, (key, t)) in tasks.iter().enumerate() {
                let bounty = balances
                    .get(i)
                    .cloned()
                    .flatten()
                    .map(|a| gradual_sdk::node::runner::token_amount(&a.data))
                    .unwrap_or(0);
                let left = bounty.saturating_sub(t.reserved_rewards);
                let round = t.schedule().round_at(slot);
                let uri = descriptors
                    .get(i)
                    .cloned()
                    .flatten()
                    .and_then(|a| {
                        accounts::decode::<gradual::state::TaskLogic>(logics[i], &a, "TaskLogic")
                            .ok()
                    })
                    .and_then(|l| l.for_round(round.unwrap_or(0)).map(|d| d.uri.clone()));
                human.push_str(&format!(
                    "\n  {key}  {:?}  round {}  bounty left {}  stake {}  nodes {}  logic {}",
                    t.status,
                    round.map(|r| r.to_string()).unwrap_or_else(|| "-".into()),
                    to_ui(left, t.reward_decimals),
                    to_ui(t.total_active_stake, t.stake_decimals),
                    t.node_count,
                    uri.as_deref().unwrap_or("-"),
                ));
                rows.push(json!({
                    "task": key.to_string(),
                    "status": format!("{:?}", t.status),
                    "round": round,
                    "bounty_left": left,
                    "rounds_funded": left / t.config.bounty_per_round.max(1),
                    "total_active_stake": t.total_active_stake,
                    "node_count": t.node_count,
                    "logic": uri,
                }));
            }
            g.print(human, json!({ "slot": slot, "tasks": rows }));
        }
        TaskCommand::SetLogic {
            task,
            config,
            effective_round,
        } => {
            let file = TaskFile::load(&config)?;
            let l = file
                .logic
                .as_ref()
                .with_context(|| format!("{} has no [logic]", config.display()))?;
            let (uri, hash, params) = l.resolve(config.parent().unwrap_or(Path::new(".")))?;
            let (client, signer) = g.client().await?;
            let task = key(&task)?;
            let t = accounts::fetch_task(client.chain().as_ref(), &task).await?;
            let round = match effective_round {
                Some(r) => r,
                None => match t.schedule().round_at(client.chain().slot().await?) {
                    Some(current) => current + 2,
                    None => 0,
                },
            };
            let ixn = gradual_sdk::ix::set_task_logic(
                signer.pubkey(),
                task,
                round,
                uri.clone(),
                hash,
                params,
            );
            let out = client.chain().send(&[ixn], &signer, &[]).await?;
            g.print(
                format!("logic {uri} (sha256 {}) from round {round} ({})", gradual_sdk::node::descriptor::hex(&hash), out.signature),
                json!({ "uri": uri, "hash": gradual_sdk::node::descriptor::hex(&hash), "effective_round": round, "signature": out.signature }),
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
            let mut human = human;
            let logic = accounts::fetch_task_logic(client.chain().as_ref(), &key(&task)?).await?;
            let describe = |d: &gradual::state::LogicDescriptor| {
                json!({
                    "effective_round": d.effective_round,
                    "uri": d.uri,
                    "hash": gradual_sdk::node::descriptor::hex(&d.hash),
                    "params": String::from_utf8_lossy(&d.params),
                })
            };
            let logic_json = logic.as_ref().map(|l| {
                json!({ "current": l.current.as_ref().map(describe), "pending": l.pending.as_ref().map(describe), "version": l.version })
            });
            match logic
                .as_ref()
                .and_then(|l| l.for_round(s.line.working.unwrap_or(0)))
            {
                Some(d) => human.push_str(&format!(
                    "\n  logic: {} (sha256 {}) params {:?}",
                    d.uri,
                    gradual_sdk::node::descriptor::hex(&d.hash),
                    String::from_utf8_lossy(&d.params)
                )),
                None => human.push_str("\n  logic: no descriptor (nodes are not told what to run)"),
            }
            g.print(
                human,
                json!({ "task": task, "status": format!("{:?}", t.status), "trust_flags": t.trust_flags, "audit_sample": t.audit_sample, "jury_size": t.jury_size, "slot": s.slot, "working": s.line.working, "bounty_vault": s.bounty_balance, "stake_vault": s.stake_balance, "reserved": t.reserved_rewards, "nodes": nodes, "logic": logic_json }),
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
            let chain = client.chain();
            let slot = chain.slot().await?;
            let round = t.schedule().round_at(slot);
            // The operator pays rent and fees: its SOL balance and the rounds it lasts at the
            // soak's measured cost (about 2.3 transactions, 11,700 lamports a node per round;
            // rent is returned when the round's accounts close).
            let sol = chain
                .account(&n.operator)
                .await?
                .map(|a| a.lamports)
                .unwrap_or(0);
            let runway = sol / FEES_PER_NODE_ROUND;
            let last = (n.last_submitted_round != gradual::constants::NO_ROUND)
                .then_some(n.last_submitted_round);
            let eligible = round.is_some_and(|r| {
                n.stake_for_round(r).unwrap_or(0) >= t.config_for_round(r).minimum_stake
            });
            // Every accepted list of the task still open (one scan): the runner claims its
            // own entries, so anything here is waiting for its claim or was missed.
            let unclaimed = accounts::unclaimed_rewards(chain.as_ref(), &task, &n).await?;
            let (claimable, expired): (Vec<_>, Vec<_>) =
                unclaimed.iter().partition(|u| slot < u.claim_deadline_slot);
            let part = |what: &str, v: &[&accounts::UnclaimedReward]| {
                let total: u64 = v.iter().map(|u| u.amount).sum();
                let rounds: Vec<String> = v.iter().map(|u| u.round.to_string()).collect();
                format!(
                    "{what} {} (round {})",
                    to_ui(total, t.reward_decimals),
                    rounds.join(", ")
                )
            };
            let mut parts = vec![];
            if !claimable.is_empty() {
                parts.push(part("unclaimed rewards", &claimable) + ": `gradual node claim`");
            }
            if !expired.is_empty() {
                parts.push(part("past their claim deadline", &expired));
            }
            let unclaimed_line = if parts.is_empty() {
                "nothing unclaimed".to_string()
            } else {
                parts.join("; ")
            };
            g.print(
                format!(
                    "node {node} (index {})\n  active {}, pending {}, unbonding {} (release round {}), slashed {}\n  operator {} holds {} SOL: about {runway} rounds of fees\n  round {} now, last submission for round {}, {}\n  {unclaimed_line}",
                    n.index,
                    to_ui(n.active_stake, t.stake_decimals),
                    to_ui(n.pending_stake, t.stake_decimals),
                    to_ui(n.unbonding, t.stake_decimals),
                    n.unbonding_release_round,
                    to_ui(n.slashed_total, t.stake_decimals),
                    n.operator,
                    to_ui(sol, 9),
                    round.map(|r| r.to_string()).unwrap_or_else(|| "-".into()),
                    last.map(|r| r.to_string()).unwrap_or_else(|| "-".into()),
                    if eligible { "eligible" } else { "not eligible (stake below the minimum for this round)" },
                ),
                json!({ "node": node.to_string(), "index": n.index, "active_stake": n.active_stake, "pending_stake": n.pending_stake, "unbonding": n.unbonding, "unbonding_release_round": n.unbonding_release_round, "slashed": n.slashed_total, "operator": n.operator.to_string(), "operator_lamports": sol, "runway_rounds": runway, "round": round, "last_submitted_round": last, "eligible": eligible, "unclaimed_rewards": claimable, "expired_unclaimed_rewards": expired }),
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
            // Every entry of the node still claimable (one scan of the task's lists), or only
            // `--round`'s.
            let slot = chain.slot().await?;
            let mut claimed = vec![];
            for u in accounts::unclaimed_rewards(chain.as_ref(), &task, &n).await? {
                if round.is_some_and(|r| r != u.round) || slot >= u.claim_deadline_slot {
                    continue;
                }
                let ixn = gradual_sdk::ix::claim_reward(
                    task, u.round, u.attempt, u.position, node_key, reward,
                );
                let out = chain.send(&[ixn], &signer, &[]).await?;
                claimed.push(
                    json!({ "round": u.round, "amount": u.amount, "signature": out.signature }),
                );
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
        NodeCommand::Run(args) => crate::run::run(*args, g).await?,
    }
    Ok(())
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
