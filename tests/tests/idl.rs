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
    ] {
        assert_eq!(disc(&find("accounts", name)), d.to_vec(), "{name}");
    }
    use gradual::events as ev;
    for (name, d) in [
        ("TaskCreated", ev::TaskCreated::DISCRIMINATOR),
        ("TaskFunded", ev::TaskFunded::DISCRIMINATOR),
        ("TaskUpdated", ev::TaskUpdated::DISCRIMINATOR),
        ("TaskPaused", ev::TaskPaused::DISCRIMINATOR),
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
    assert_eq!(idl["events"].as_array().unwrap().len(), 34);
}
