//! The committed IDL (idl/gradual.json) is what TypeScript and codama clients are generated
//! from: it must equal the IDL generated from the current program source
//! (target/idl/gradual.json, written by scripts/build.sh) and describe every instruction.
use anchor_lang::Discriminator;
use serde_json::Value;

fn load(path: &str) -> Value {
    let full = format!("{}/../{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full)
        .unwrap_or_else(|e| panic!("{full}: {e} (run scripts/build.sh to generate it)"));
    serde_json::from_str(&text).expect("valid JSON")
}

#[test]
fn committed_idl_is_not_stale() {
    let committed = load("idl/gradual.json");
    let generated = load("target/idl/gradual.json");
    assert!(
        committed == generated,
        "idl/gradual.json is stale: run `make idl` (copies target/idl/gradual.json) and commit it"
    );
}

#[test]
fn idl_describes_every_instruction_account_and_event() {
    let idl = load("idl/gradual.json");
    assert_eq!(idl["address"], gradual::ID.to_string());
    let disc = |v: &Value| -> Vec<u8> {
        v["discriminator"]
            .as_array()
            .expect("discriminator")
            .iter()
            .map(|b| b.as_u64().expect("byte") as u8)
            .collect()
    };
    let find = |kind: &str, name: &str| -> Value {
        idl[kind]
            .as_array()
            .expect("array")
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("{kind} {name} missing from the IDL"))
            .clone()
    };
    use gradual::instruction as ix;
    let instructions: &[(&str, &[u8])] = &[
        ("create_task", ix::CreateTask::DISCRIMINATOR),
        ("fund_task", ix::FundTask::DISCRIMINATOR),
        ("update_task", ix::UpdateTask::DISCRIMINATOR),
        ("pause_task", ix::PauseTask::DISCRIMINATOR),
        ("resume_task", ix::ResumeTask::DISCRIMINATOR),
        ("join_task", ix::JoinTask::DISCRIMINATOR),
        ("add_stake", ix::AddStake::DISCRIMINATOR),
        ("request_unstake", ix::RequestUnstake::DISCRIMINATOR),
        ("withdraw_stake", ix::WithdrawStake::DISCRIMINATOR),
        ("open_round", ix::OpenRound::DISCRIMINATOR),
        ("merge_shards", ix::MergeShards::DISCRIMINATOR),
        ("submit", ix::Submit::DISCRIMINATOR),
        ("close_submission", ix::CloseSubmission::DISCRIMINATOR),
        ("raise_audit", ix::RaiseAudit::DISCRIMINATOR),
        ("vote", ix::Vote::DISCRIMINATOR),
        ("resolve_audit", ix::ResolveAudit::DISCRIMINATOR),
        ("select_distributor", ix::SelectDistributor::DISCRIMINATOR),
        ("begin_distribution", ix::BeginDistribution::DISCRIMINATOR),
        ("grow_distribution", ix::GrowDistribution::DISCRIMINATOR),
        ("append_distribution", ix::AppendDistribution::DISCRIMINATOR),
        ("seal_distribution", ix::SealDistribution::DISCRIMINATOR),
        ("skip_distribution", ix::SkipDistribution::DISCRIMINATOR),
        (
            "finalize_distribution",
            ix::FinalizeDistribution::DISCRIMINATOR,
        ),
        ("claim_reward", ix::ClaimReward::DISCRIMINATOR),
        ("pay_rewards", ix::PayRewards::DISCRIMINATOR),
        ("close_vote", ix::CloseVote::DISCRIMINATOR),
        ("close_audit", ix::CloseAudit::DISCRIMINATOR),
        ("close_distribution", ix::CloseDistribution::DISCRIMINATOR),
        ("close_round", ix::CloseRound::DISCRIMINATOR),
        ("close_task", ix::CloseTask::DISCRIMINATOR),
        ("sweep_slashed", ix::SweepSlashed::DISCRIMINATOR),
        ("set_reward_account", ix::SetRewardAccount::DISCRIMINATOR),
        ("set_operator", ix::SetOperator::DISCRIMINATOR),
        ("close_node", ix::CloseNode::DISCRIMINATOR),
        ("close_task_accounts", ix::CloseTaskAccounts::DISCRIMINATOR),
        ("set_task_logic", ix::SetTaskLogic::DISCRIMINATOR),
    ];
    assert_eq!(
        idl["instructions"].as_array().unwrap().len(),
        instructions.len()
    );
    for (name, d) in instructions {
        assert_eq!(disc(&find("instructions", name)), d.to_vec(), "{name}");
    }
    use gradual::state;
    for (name, d) in [
        ("Task", state::Task::DISCRIMINATOR),
        ("Node", state::Node::DISCRIMINATOR),
        ("Round", state::Round::DISCRIMINATOR),
        ("Submission", state::Submission::DISCRIMINATOR),
        ("Audit", state::Audit::DISCRIMINATOR),
        ("Vote", state::Vote::DISCRIMINATOR),
        ("DistributionList", state::DistributionList::DISCRIMINATOR),
        ("TaskLogic", state::TaskLogic::DISCRIMINATOR),
    ] {
        assert_eq!(disc(&find("accounts", name)), d.to_vec(), "{name}");
    }
    use gradual::events as ev;
    for (name, d) in [
        ("TaskCreated", ev::TaskCreated::DISCRIMINATOR),
        ("TaskFunded", ev::TaskFunded::DISCRIMINATOR),
        ("TaskUpdated", ev::TaskUpdated::DISCRIMINATOR),
        ("TaskPaused", ev::TaskPaused::DISCRIMINATOR),
        ("TaskLogicSet", ev::TaskLogicSet::DISCRIMINATOR),
        ("TaskResumed", ev::TaskResumed::DISCRIMINATOR),
        ("NodeJoined", ev::NodeJoined::DISCRIMINATOR),
        ("StakeAdded", ev::StakeAdded::DISCRIMINATOR),
        ("UnstakeRequested", ev::UnstakeRequested::DISCRIMINATOR),
        ("StakeWithdrawn", ev::StakeWithdrawn::DISCRIMINATOR),
        ("RoundOpened", ev::RoundOpened::DISCRIMINATOR),
        ("ShardsMerged", ev::ShardsMerged::DISCRIMINATOR),
        ("Submitted", ev::Submitted::DISCRIMINATOR),
        ("SubmissionClosed", ev::SubmissionClosed::DISCRIMINATOR),
        ("AuditRaised", ev::AuditRaised::DISCRIMINATOR),
        ("Voted", ev::Voted::DISCRIMINATOR),
        ("AuditResolved", ev::AuditResolved::DISCRIMINATOR),
        ("StakeSlashed", ev::StakeSlashed::DISCRIMINATOR),
        (
            "DistributorSelected",
            ev::DistributorSelected::DISCRIMINATOR,
        ),
        ("DistributionBegun", ev::DistributionBegun::DISCRIMINATOR),
        (
            "DistributionAppended",
            ev::DistributionAppended::DISCRIMINATOR,
        ),
        ("DistributionSealed", ev::DistributionSealed::DISCRIMINATOR),
        (
            "DistributionSkipped",
            ev::DistributionSkipped::DISCRIMINATOR,
        ),
        ("DistributionFailed", ev::DistributionFailed::DISCRIMINATOR),
        (
            "DistributionAccepted",
            ev::DistributionAccepted::DISCRIMINATOR,
        ),
        ("RewardClaimed", ev::RewardClaimed::DISCRIMINATOR),
        ("RewardsPaid", ev::RewardsPaid::DISCRIMINATOR),
        ("AccountClosed", ev::AccountClosed::DISCRIMINATOR),
        ("TaskClosed", ev::TaskClosed::DISCRIMINATOR),
        ("SlashedStakeSwept", ev::SlashedStakeSwept::DISCRIMINATOR),
        (
            "UnclaimedRewardsReleased",
            ev::UnclaimedRewardsReleased::DISCRIMINATOR,
        ),
        (
            "RewardAccountChanged",
            ev::RewardAccountChanged::DISCRIMINATOR,
        ),
        ("OperatorChanged", ev::OperatorChanged::DISCRIMINATOR),
        ("NodeClosed", ev::NodeClosed::DISCRIMINATOR),
        ("TaskAccountsClosed", ev::TaskAccountsClosed::DISCRIMINATOR),
    ] {
        assert_eq!(disc(&find("events", name)), d.to_vec(), "{name}");
    }
    // Every named error, with Anchor's code offset.
    let errors = idl["errors"].as_array().unwrap();
    let submitted = errors
        .iter()
        .find(|e| e["name"] == "AlreadySubmitted")
        .expect("error");
    assert_eq!(
        submitted["code"].as_u64().unwrap() as u32,
        anchor_lang::error::ERROR_CODE_OFFSET
            + gradual::errors::GradualError::AlreadySubmitted as u32
    );
    // The zero-copy Round is declared as bytemuck so clients decode it by layout.
    for zero_copy in ["Round", "DistributionList"] {
        assert_eq!(
            find("types", zero_copy)["serialization"],
            "bytemuck",
            "{zero_copy}"
        );
    }
    // Every event type in the program is in the IDL (no event added without a row above).
    assert_eq!(idl["events"].as_array().unwrap().len(), 35);
}

/// The seeds and addresses that tools/idl-gen adds (the program checks them in its handlers):
/// every seed names an account of its instruction or a field of its argument struct, starts
/// with one of the program's seed prefixes (also exported as `SEED_*` constants), and every
/// PDA a client can derive from the instruction carries them. The TypeScript lifecycle test
/// (clients/ts) derives accounts from these seeds against the real .so.
#[test]
fn idl_seeds_and_addresses_describe_the_programs_pdas() {
    use gradual::state::seeds;
    let idl = load("idl/gradual.json");
    let prefixes: &[(&str, &[u8])] = &[
        ("SEED_TASK", seeds::TASK),
        ("SEED_BOUNTY_VAULT", seeds::BOUNTY_VAULT),
        ("SEED_STAKE_VAULT", seeds::STAKE_VAULT),
        ("SEED_SLASH_VAULT", seeds::SLASH_VAULT),
        ("SEED_NODE", seeds::NODE),
        ("SEED_INDEX_POOL", seeds::INDEX_POOL),
        ("SEED_ROUND", seeds::ROUND),
        ("SEED_SHARD", seeds::SHARD),
        ("SEED_SUBMISSION", seeds::SUBMISSION),
        ("SEED_AUDIT", seeds::AUDIT),
        ("SEED_VOTE", seeds::VOTE),
        ("SEED_DISTRIBUTION", seeds::DISTRIBUTION),
        ("SEED_TASK_LOGIC", seeds::TASK_LOGIC),
    ];
    let constants = idl["constants"].as_array().expect("constants");
    for (name, value) in prefixes {
        let c = constants
            .iter()
            .find(|c| c["name"] == *name)
            .unwrap_or_else(|| panic!("constant {name} missing"));
        assert_eq!(c["value"], format!("{value:?}"), "{name}");
    }
    let struct_fields = |ty: &str| -> Vec<String> {
        idl["types"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == ty)
            .and_then(|t| t["type"]["fields"].as_array())
            .map(|f| {
                f.iter()
                    .map(|f| f["name"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut pdas = std::collections::BTreeMap::<(String, String), Vec<u8>>::new();
    for ix in idl["instructions"].as_array().unwrap() {
        let name = ix["name"].as_str().unwrap();
        let accounts: Vec<&str> = ix["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        let args: Vec<String> = match ix["args"].as_array().unwrap().as_slice() {
            [a] => struct_fields(a["type"]["defined"]["name"].as_str().unwrap_or("")),
            _ => vec![],
        };
        for acc in ix["accounts"].as_array().unwrap() {
            let acc_name = acc["name"].as_str().unwrap();
            match acc_name {
                "system_program" => assert_eq!(acc["address"], "11111111111111111111111111111111"),
                "slot_hashes" => assert_eq!(
                    acc["address"],
                    gradual_sdk::ix::slot_hashes_sysvar().to_string()
                ),
                _ => {}
            }
            let Some(seeds) = acc["pda"]["seeds"].as_array() else {
                continue;
            };
            let prefix: Vec<u8> = seeds[0]["value"]
                .as_array()
                .unwrap_or_else(|| panic!("{name}.{acc_name}: first seed is not a constant"))
                .iter()
                .map(|b| b.as_u64().unwrap() as u8)
                .collect();
            assert!(
                prefixes.iter().any(|(_, p)| *p == prefix.as_slice()),
                "{name}.{acc_name}: unknown prefix"
            );
            for seed in &seeds[1..] {
                let path = seed["path"].as_str().unwrap_or("");
                match seed["kind"].as_str().unwrap() {
                    "account" => {
                        let head = path.split('.').next().unwrap();
                        assert!(
                            accounts.contains(&head) && head != acc_name,
                            "{name}.{acc_name}: seed {path} is not another account"
                        );
                    }
                    "arg" => {
                        let field = path.strip_prefix("args.").unwrap_or("");
                        assert!(
                            args.iter().any(|a| a == field),
                            "{name}.{acc_name}: seed {path} is not an argument"
                        );
                    }
                    other => panic!("{name}.{acc_name}: seed kind {other}"),
                }
            }
            pdas.insert((name.to_string(), acc_name.to_string()), prefix);
        }
    }
    // The accounts an instruction creates or derives all carry seeds.
    for (ix, acc, prefix) in [
        ("create_task", "task", seeds::TASK),
        ("create_task", "bounty_vault", seeds::BOUNTY_VAULT),
        ("create_task", "stake_vault", seeds::STAKE_VAULT),
        ("create_task", "slash_vault", seeds::SLASH_VAULT),
        ("join_task", "node", seeds::NODE),
        ("join_task", "index_pool", seeds::INDEX_POOL),
        ("open_round", "round", seeds::ROUND),
        ("submit", "round", seeds::ROUND),
        ("submit", "submission", seeds::SUBMISSION),
        ("raise_audit", "audit", seeds::AUDIT),
        ("raise_audit", "target_submission", seeds::SUBMISSION),
        ("raise_audit", "list", seeds::DISTRIBUTION),
        ("vote", "vote", seeds::VOTE),
        ("vote", "round", seeds::ROUND),
        ("resolve_audit", "round", seeds::ROUND),
        ("begin_distribution", "list", seeds::DISTRIBUTION),
        ("claim_reward", "list", seeds::DISTRIBUTION),
        ("pay_rewards", "list", seeds::DISTRIBUTION),
        ("finalize_distribution", "round", seeds::ROUND),
        ("close_node", "index_pool", seeds::INDEX_POOL),
        ("add_stake", "node", seeds::NODE),
        ("withdraw_stake", "stake_vault", seeds::STAKE_VAULT),
        ("set_task_logic", "task_logic", seeds::TASK_LOGIC),
    ] {
        assert_eq!(
            pdas.get(&(ix.to_string(), acc.to_string()))
                .map(Vec::as_slice),
            Some(prefix),
            "{ix}.{acc}"
        );
    }
    assert!(pdas.len() >= 40, "{} PDA accounts described", pdas.len());
}
