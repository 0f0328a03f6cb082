//! `gradual demo`: a whole task lifecycle with several nodes, in-process on the test bank
//! running the real `gradual.so` (or on a running validator with `--url`). One node is lazy
//! and forges its proofs; the others catch it, slash it, and get paid.
use crate::setup::{Cluster, Wallets};
use anyhow::{Context, Result};
use gradual::{
    instructions::CreateTaskArgs,
    state::{DistributionStatus, TaskConfig},
};
use gradual_sdk::{
    accounts,
    chain::{Chain, Journal},
    events::{parse_events, GradualEvent},
    node::{
        hash_chain::{HashChain, LazyForger},
        NodeConfig, NodeRunner, TaskLogic,
    },
    pda,
};
use solana_signer::Signer;
use std::{collections::BTreeMap, sync::Arc};

/// Demo options.
pub struct DemoOptions {
    pub nodes: usize,
    pub rounds: u64,
    pub url: Option<String>,
    pub program_dir: std::path::PathBuf,
    pub quiet: bool,
    pub policy: crate::config::AuditPolicy,
}

const DECIMALS: u8 = 6;

fn config() -> TaskConfig {
    TaskConfig {
        round_slots: 60,
        submission_slots: 12,
        audit_slots: 18,
        distribution_slots: 12,
        distribution_audit_slots: 12,
        bounty_per_round: 1_000_000,
        minimum_stake: 10_000,
        unbond_rounds: 2,
        quorum_bps: 5_000,
        slash_bps: 7_000,
        auditor_reward_bps: 1_000,
        max_distribution_attempts: 3,
    }
}

/// Runs the demo and prints what happens.
pub async fn run(opts: DemoOptions) -> Result<()> {
    anyhow::ensure!(
        opts.nodes >= 3,
        "--nodes must be at least 3 (one cheater, two honest auditors)"
    );
    anyhow::ensure!(
        (1..=20).contains(&opts.rounds),
        "--rounds must be between 1 and 20"
    );
    let cluster = match &opts.url {
        Some(url) => Cluster::rpc(url).await?,
        None => Cluster::bank(&opts.program_dir).await?,
    };
    let journal = Arc::new(Journal::new(cluster.chain()));
    let chain: Arc<dyn Chain> = journal.clone();
    println!(
        "gradual demo on {}: {} nodes, {} rounds",
        cluster.describe(),
        opts.nodes,
        opts.rounds
    );

    // Mints, a funded task, staked nodes.
    let w = Wallets::new(&cluster, DECIMALS).await?;
    let authority = cluster.payer().insecure_clone();
    let slot = chain.slot().await?;
    let task_id = slot; // unique per run on a shared validator
    let client =
        gradual_sdk::client::TaskClient::new(chain.clone(), cluster.payer().insecure_clone());
    let task = client
        .create_task(
            &authority,
            w.reward_mint,
            w.stake_mint,
            CreateTaskArgs {
                task_id,
                start_slot: slot + 20,
                max_nodes: 64,
                config: config(),
                trust_flags: 0,
                audit_sample: opts.policy.audit_sample,
                jury_size: opts.policy.jury_size,
            },
        )
        .await
        .context("create_task")?;
    client
        .fund(&authority, &task, w.authority_rewards, 20_000_000)
        .await
        .context("fund_task")?;
    println!("task {task} created and funded with 20.000000 tokens (1.000000 per round)");
    println!(
        "audits: {}, {}",
        match opts.policy.audit_sample {
            0 => "every node checks every peer".to_string(),
            k => format!("each node checks {k} sampled peers"),
        },
        match opts.policy.jury_size {
            0 => "the whole network votes".to_string(),
            j => format!("juries of {j} stake-weighted seats decide"),
        }
    );
    let mut runners = vec![];
    let dir = std::env::temp_dir().join(format!("gradual-demo-{task}"));
    std::fs::create_dir_all(&dir)?;
    let honest = HashChain { iterations: 30_000 };
    for i in 0..opts.nodes {
        let (operator, stake_account, reward_account) = w.operator(&cluster, i).await?;
        client
            .join(
                &operator,
                operator.pubkey(),
                &task,
                stake_account,
                reward_account,
                50_000,
            )
            .await
            .context("join_task")?;
        let cheater = i == opts.nodes - 1;
        let logic: Arc<dyn TaskLogic> = if cheater {
            Arc::new(LazyForger(honest))
        } else {
            Arc::new(honest)
        };
        println!(
            "node {i} joined with 0.050000 stake{}",
            if cheater {
                " (lazy: it will forge its proofs)"
            } else {
                ""
            }
        );
        let store_path = dir.join(format!("node-{i}.json"));
        let _ = std::fs::remove_file(&store_path);
        runners.push((
            reward_account,
            NodeRunner::new(
                chain.clone(),
                logic,
                NodeConfig {
                    task,
                    authority: operator.pubkey(),
                    operator,
                    fee_payer: None,
                    stake_account,
                    store_path,
                },
            )?
            // The summary reads every round's account at the end.
            .with_retention_slots(u64::MAX),
        ));
    }
    cluster.track_nodes(task, runners.iter().map(|(_, r)| r.node_address()));
    journal.drain();

    // Drive the production line slot by slot until the last round's last attempt is over.
    let t = accounts::fetch_task(chain.as_ref(), &task).await?;
    let start = t.start_slot;
    let end = t
        .schedule()
        .timeline(opts.rounds - 1)
        .context("schedule")?
        .end()
        + 1;
    let index_of: BTreeMap<String, usize> = runners
        .iter()
        .enumerate()
        .map(|(i, (_, r))| (r.node_address().to_string(), i))
        .collect();
    let name = |k: &anchor_lang::prelude::Pubkey| {
        index_of
            .get(&k.to_string())
            .map(|i| format!("node {i}"))
            .unwrap_or_else(|| k.to_string())
    };
    let mut last_round_shown = None;
    // A progress bar on stderr (drawn only on a terminal) while the slots go by.
    let bar = indicatif::ProgressBar::new(end - start);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} slot {pos}/{len} {wide_bar} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    for slot in start..end {
        cluster.advance_to(slot).await?;
        bar.set_position(slot - start);
        bar.set_message(format!(
            "round {}",
            t.schedule().round_at(slot).unwrap_or(0)
        ));
        for (_, r) in runners.iter_mut() {
            r.tick().await?;
            r.finish_work().await?;
        }
        let round = t.schedule().round_at(slot).unwrap_or(0);
        if last_round_shown != Some(round) && !opts.quiet {
            let mut line = format!("\n── slot {slot}: round {round} working");
            if let Some(r) = round.checked_sub(1) {
                line.push_str(&format!(", round {r} submitting"));
            }
            if let Some(r) = round.checked_sub(2) {
                line.push_str(&format!(", round {r} distributing"));
            }
            bar.suspend(|| println!("{line}"));
            last_round_shown = Some(round);
        }
        for logs in journal.drain() {
            for e in parse_events(&logs) {
                if let Some(line) = describe(&e, &name) {
                    if !opts.quiet {
                        bar.suspend(|| println!("  [slot {slot}] {line}"));
                    }
                }
            }
        }
    }

    bar.finish_and_clear();

    // Summary.
    println!(
        "\n{:<6} {:>10} {:>10} {:>12}",
        "node", "stake", "slashed", "rewards"
    );
    for (i, (reward_account, r)) in runners.iter().enumerate() {
        let node = accounts::fetch_node(chain.as_ref(), &r.node_address()).await?;
        let paid = chain
            .account(reward_account)
            .await?
            .map(|a| gradual_sdk::node::runner::token_amount(&a.data))
            .unwrap_or(0);
        println!(
            "{:<6} {:>10} {:>10} {:>12}",
            i,
            crate::config::to_ui(
                node.active_stake + node.pending_stake + node.unbonding,
                DECIMALS
            ),
            crate::config::to_ui(node.slashed_total, DECIMALS),
            crate::config::to_ui(paid, DECIMALS)
        );
    }
    let mut accepted = 0;
    for round in 0..opts.rounds {
        if let Some(s) = accounts::fetch_round(chain.as_ref(), &task, round).await? {
            accepted += u64::from(s.header.status() == DistributionStatus::Accepted);
        }
    }
    let stats = chain.stats().snapshot();
    println!(
        "\n{accepted}/{} rounds paid out; {} transactions sent by the nodes; task {}",
        opts.rounds,
        stats.2,
        pda::task(&authority.pubkey(), task_id).0
    );
    anyhow::ensure!(accepted == opts.rounds, "not every round was paid out");
    Ok(())
}

fn describe(
    e: &GradualEvent,
    name: &dyn Fn(&anchor_lang::prelude::Pubkey) -> String,
) -> Option<String> {
    use GradualEvent::*;
    Some(match e {
        RoundOpened(e) => format!(
            "round {} opened (stake snapshot {})",
            e.round, e.total_active_stake
        ),
        ShardsMerged(e) => format!(
            "round {}: {} submissions merged from {} shard(s){}",
            e.round,
            e.submissions,
            e.shards.count_ones(),
            if e.complete {
                ", submitter set final"
            } else {
                ""
            }
        ),
        Submitted(e) => format!(
            "{} submitted its proof for round {}",
            name(&e.node),
            e.round
        ),
        AuditRaised(e) => format!(
            "{} accuses {} ({}) in round {}",
            name(&e.raiser),
            name(&e.target),
            if e.kind == 0 {
                "bad proof"
            } else {
                "unfair list"
            },
            e.round
        ),
        Voted(e) => format!(
            "{} votes {} (for {} / against {})",
            name(&e.voter),
            if e.approve { "guilty" } else { "innocent" },
            e.for_stake,
            e.against_stake
        ),
        AuditResolved(e) => format!(
            "audit of {} in round {}: {}",
            name(&e.target),
            e.round,
            if e.upheld { "UPHELD" } else { "rejected" }
        ),
        StakeSlashed(e) => format!(
            "{} slashed {} ({} to the auditor)",
            name(&e.node),
            e.amount,
            e.to_raiser
        ),
        DistributorSelected(e) => format!(
            "round {} attempt {}: node index {} selected among {} candidates",
            e.round, e.attempt, e.node_index, e.candidates
        ),
        DistributionSealed(e) => format!(
            "round {} list sealed: {} entries, total {}",
            e.round, e.entry_count, e.total
        ),
        DistributionSkipped(e) => format!("round {} attempt {} skipped", e.round, e.attempt),
        DistributionFailed(e) => format!("round {} FAILED after {} attempts", e.round, e.attempts),
        DistributionAccepted(e) => format!("round {} list accepted: {} to pay", e.round, e.total),
        RewardClaimed(e) => format!(
            "{} claimed {} for round {}",
            name(&e.node),
            e.amount,
            e.round
        ),
        _ => return None,
    })
}
