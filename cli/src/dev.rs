//! `gradual dev bootstrap` (local validators: mints, a funded task, joined operators with their
//! keypairs on disk) and `gradual migrate` (create the tasks of a TOML file, idempotently).
use crate::{
    config::TaskFile,
    setup::{Cluster, Wallets},
};
use anyhow::{Context, Result};
use gradual::{instructions::CreateTaskArgs, state::TaskConfig};
use gradual_sdk::{accounts, client::TaskClient, pda};
use serde::Deserialize;
use serde_json::json;
use solana_signer::Signer;
use std::path::Path;

/// When round 0 starts.
#[derive(Clone, Copy, Debug)]
pub enum Start {
    /// This many slots after the current slot.
    In(u64),
    /// At this slot.
    At(u64),
}

impl Start {
    fn slot(self, now: u64) -> u64 {
        match self {
            Start::In(n) => now + n,
            Start::At(s) => s,
        }
    }
}

/// Creates two mints, a task funded for 20 rounds (starting `start_in_slots` from now, room for
/// at least 64 nodes) and `nodes` joined operators on a local validator; writes each operator's keypair to `out/node-<i>.json`; prints the layout as JSON.
pub async fn bootstrap(
    url: &str,
    nodes: usize,
    round_slots: u64,
    out: &Path,
    policy: crate::config::AuditPolicy,
    start: Start,
    logic: Option<crate::config::LogicFile>,
) -> Result<()> {
    anyhow::ensure!(round_slots >= 20, "--round-slots must be at least 20");
    let max_nodes = u32::try_from(nodes.max(64)).context("--nodes is too large")?;
    let cluster = Cluster::rpc(url).await?;
    let chain = cluster.chain();
    let w = Wallets::new(&cluster, 6).await?;
    let client = TaskClient::new(chain.clone(), cluster.payer().insecure_clone());
    let authority = cluster.payer().insecure_clone();
    let slot = chain.slot().await?;
    let q = round_slots / 5;
    let config = TaskConfig {
        round_slots,
        submission_slots: q,
        audit_slots: q + q / 2,
        distribution_slots: q,
        distribution_audit_slots: q,
        bounty_per_round: 1_000_000,
        minimum_stake: 10_000,
        unbond_rounds: 2,
        quorum_bps: 5_000,
        slash_bps: 7_000,
        auditor_reward_bps: 1_000,
        max_distribution_attempts: 2,
    };
    let task = client
        .create_task(
            &authority,
            w.reward_mint,
            w.stake_mint,
            CreateTaskArgs {
                task_id: slot,
                start_slot: start.slot(slot),
                max_nodes,
                config,
                trust_flags: 0,
                audit_sample: policy.audit_sample,
                jury_size: policy.jury_size,
            },
        )
        .await?;
    // What nodes must run from round 0 (default: the built-in hash chain as `node run` runs it).
    let logic = logic.unwrap_or(crate::config::LogicFile {
        uri: gradual_sdk::node::descriptor::BUILTIN_HASH_CHAIN.into(),
        file: None,
        hash: None,
        params: "iterations=30000".into(),
    });
    let (uri, hash, params) = logic.resolve(Path::new("."))?;
    let ixn = gradual_sdk::ix::set_task_logic(authority.pubkey(), task, 0, uri, hash, params);
    chain.send(&[ixn], &authority, &[]).await?;
    client
        .fund(&authority, &task, w.authority_rewards, 20_000_000)
        .await?;
    std::fs::create_dir_all(out)?;
    let authority_path = out.join("authority.json");
    crate::config::write_private(
        &authority_path,
        &serde_json::to_string(&authority.to_bytes().to_vec())?,
    )?;
    // Operators are set up a few at a time (each is five confirmed transactions).
    use futures::StreamExt;
    let joined: Vec<Result<(usize, serde_json::Value)>> = futures::stream::iter(0..nodes)
        .map(|i| {
            let (w, cluster, client, task) = (&w, &cluster, &client, &task);
            async move {
                let (operator, stake_account, reward_account) = w.operator(cluster, i).await?;
                client
                    .join(
                        &operator,
                        operator.pubkey(),
                        task,
                        stake_account,
                        reward_account,
                        50_000,
                    )
                    .await?;
                let path = out.join(format!("node-{i}.json"));
                crate::config::write_private(
                    &path,
                    &serde_json::to_string(&operator.to_bytes().to_vec())?,
                )?;
                Ok((
                    i,
                    json!({
                        "keypair": path.display().to_string(),
                        "node": pda::node(task, &operator.pubkey()).0.to_string(),
                        "stake_account": stake_account.to_string(),
                        "reward_account": reward_account.to_string(),
                    }),
                ))
            }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let mut list = joined.into_iter().collect::<Result<Vec<_>>>()?;
    list.sort_by_key(|(i, _)| *i);
    let list: Vec<_> = list.into_iter().map(|(_, v)| v).collect();
    println!(
        "{}",
        json!({
            "task": task.to_string(),
            "start_slot": start.slot(slot),
            "reward_mint": w.reward_mint.to_string(),
            "stake_mint": w.stake_mint.to_string(),
            "authority": authority_path.display().to_string(),
            "authority_rewards": w.authority_rewards.to_string(),
            "nodes": list
        })
    );
    Ok(())
}

/// `migrations/tasks.toml`: the tasks a deployment should have.
#[derive(Deserialize)]
struct Migration {
    task: Vec<toml::Value>,
}

/// Creates every task of `file` that does not exist yet (authority: `authority`); running it
/// again changes nothing.
pub async fn migrate(url: &str, authority: &solana_keypair::Keypair, file: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let m: Migration = toml::from_str(&text).with_context(|| format!("in {}", file.display()))?;
    let chain: std::sync::Arc<dyn gradual_sdk::chain::Chain> =
        std::sync::Arc::new(gradual_sdk::rpc::RpcChain::new(url));
    let client = TaskClient::new(chain.clone(), authority.insecure_clone());
    for (n, entry) in m.task.into_iter().enumerate() {
        let spec = TaskFile::parse(&toml::to_string(&entry)?)
            .with_context(|| format!("[[task]] #{}", n + 1))?;
        let address = pda::task(&authority.pubkey(), spec.task_id).0;
        if chain.account(&address).await?.is_some() {
            let t = accounts::fetch_task(chain.as_ref(), &address).await?;
            println!(
                "task {} (id {}) exists ({:?}): unchanged",
                address, spec.task_id, t.status
            );
            continue;
        }
        let reward: anchor_lang::prelude::Pubkey =
            spec.reward_mint.parse().context("reward_mint")?;
        let stake: anchor_lang::prelude::Pubkey = spec.stake_mint.parse().context("stake_mint")?;
        let dec = |m: anchor_lang::prelude::Pubkey| {
            let chain = chain.clone();
            async move {
                chain
                    .account(&m)
                    .await?
                    .and_then(|a| a.data.get(44).copied())
                    .with_context(|| format!("mint {m} not found"))
            }
        };
        let config = spec.config(dec(reward).await?, dec(stake).await?)?;
        let slot = chain.slot().await?;
        client
            .create_task(
                authority,
                reward,
                stake,
                CreateTaskArgs {
                    task_id: spec.task_id,
                    start_slot: slot + spec.start_in_slots,
                    max_nodes: spec.max_nodes,
                    config,
                    trust_flags: 0,
                    audit_sample: 0,
                    jury_size: 0,
                },
            )
            .await?;
        println!("task {} (id {}) created", address, spec.task_id);
    }
    Ok(())
}
