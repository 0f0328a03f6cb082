//! Pure instruction builders: plain arguments in, `Instruction` out, no RPC.
use crate::pda;
use anchor_lang::{
    prelude::{AccountMeta, Pubkey},
    solana_program::{instruction::Instruction, system_program},
    InstructionData, ToAccountMetas,
};
use gradual::{accounts as acc, instruction as data, instructions as args, state::RoundShard, ID};

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

/// Token accounts and program of one mint, as the stake instructions take them.
#[derive(Clone, Copy, Debug)]
pub struct TokenAccounts {
    /// The mint.
    pub mint: Pubkey,
    /// The user's token account of that mint (source or destination).
    pub account: Pubkey,
    /// Token or Token-2022: the program that owns the mint.
    pub token_program: Pubkey,
}

/// `create_task`: the task PDA and both vaults are derived from `authority` and `task_id`.
pub fn create_task(
    authority: Pubkey,
    reward_mint: Pubkey,
    reward_token_program: Pubkey,
    stake_mint: Pubkey,
    stake_token_program: Pubkey,
    args: args::CreateTaskArgs,
) -> Instruction {
    let task = pda::task(&authority, args.task_id).0;
    build(
        acc::CreateTask {
            authority,
            task,
            reward_mint,
            stake_mint,
            bounty_vault: pda::bounty_vault(&task).0,
            stake_vault: pda::stake_vault(&task).0,
            slash_vault: pda::slash_vault(&task).0,
            reward_token_program,
            stake_token_program,
            system_program: system_program::ID,
        },
        data::CreateTask { args },
    )
}

/// `fund_task`: moves `amount` reward tokens from `funder`'s account to the bounty vault.
pub fn fund_task(funder: Pubkey, task: Pubkey, reward: TokenAccounts, amount: u64) -> Instruction {
    build(
        acc::FundTask {
            funder,
            task,
            reward_mint: reward.mint,
            funder_token_account: reward.account,
            bounty_vault: pda::bounty_vault(&task).0,
            token_program: reward.token_program,
        },
        data::FundTask {
            args: args::FundTaskArgs { amount },
        },
    )
}

/// `update_task`: schedules `config` from `effective_round`.
pub fn update_task(
    authority: Pubkey,
    task: Pubkey,
    effective_round: u64,
    config: gradual::state::TaskConfig,
) -> Instruction {
    build(
        acc::UpdateTask { authority, task },
        data::UpdateTask {
            args: args::UpdateTaskArgs {
                effective_round,
                config,
            },
        },
    )
}

/// `set_task_logic`: what nodes must run from `effective_round` (creates the descriptor the
/// first time; the authority pays its rent).
pub fn set_task_logic(
    authority: Pubkey,
    task: Pubkey,
    effective_round: u64,
    uri: String,
    hash: [u8; 32],
    params: Vec<u8>,
) -> Instruction {
    build(
        acc::SetTaskLogic {
            authority,
            task,
            task_logic: pda::task_logic(&task).0,
            system_program: system_program::ID,
        },
        data::SetTaskLogic {
            args: args::SetTaskLogicArgs {
                effective_round,
                uri,
                hash,
                params,
            },
        },
    )
}

/// `pause_task`.
pub fn pause_task(authority: Pubkey, task: Pubkey) -> Instruction {
    build(acc::SetTaskStatus { authority, task }, data::PauseTask {})
}

/// `resume_task`.
pub fn resume_task(authority: Pubkey, task: Pubkey) -> Instruction {
    build(acc::SetTaskStatus { authority, task }, data::ResumeTask {})
}

/// `join_task`: `authority` (the node's cold key, signer) stakes `amount` from
/// `stake.account`; `operator` is the node's hot key (may be `authority`); rewards will go to
/// `reward_account`. The node's address is `pda::node(task, authority)`.
pub fn join_task(
    authority: Pubkey,
    operator: Pubkey,
    task: Pubkey,
    stake: TokenAccounts,
    reward_account: Pubkey,
    amount: u64,
) -> Instruction {
    build(
        acc::JoinTask {
            authority,
            task,
            node: pda::node(&task, &authority).0,
            stake_mint: stake.mint,
            authority_stake_account: stake.account,
            stake_vault: pda::stake_vault(&task).0,
            reward_account,
            token_program: stake.token_program,
            system_program: system_program::ID,
            index_pool: Some(pda::index_pool(&task).0),
        },
        data::JoinTask {
            args: args::JoinTaskArgs {
                stake: amount,
                operator,
            },
        },
    )
}

fn move_stake(authority: Pubkey, task: Pubkey, stake: TokenAccounts) -> acc::MoveStake {
    acc::MoveStake {
        authority,
        task,
        node: pda::node(&task, &authority).0,
        stake_mint: stake.mint,
        authority_stake_account: stake.account,
        stake_vault: pda::stake_vault(&task).0,
        token_program: stake.token_program,
    }
}

/// `add_stake` by the node's authority: stakes `amount` more from `stake.account`.
pub fn add_stake(
    authority: Pubkey,
    task: Pubkey,
    stake: TokenAccounts,
    amount: u64,
) -> Instruction {
    build(
        move_stake(authority, task, stake),
        data::AddStake {
            args: args::AddStakeArgs { amount },
        },
    )
}

/// `request_unstake` by the node's authority.
pub fn request_unstake(authority: Pubkey, task: Pubkey, amount: u64) -> Instruction {
    build(
        acc::RequestUnstake {
            authority,
            task,
            node: pda::node(&task, &authority).0,
        },
        data::RequestUnstake {
            args: args::RequestUnstakeArgs { amount },
        },
    )
}

/// `withdraw_stake` by the node's authority: pays released stake into `stake.account`.
pub fn withdraw_stake(authority: Pubkey, task: Pubkey, stake: TokenAccounts) -> Instruction {
    build(move_stake(authority, task, stake), data::WithdrawStake {})
}

/// `set_operator`: the node's authority makes `operator` the node's hot key.
pub fn set_operator(authority: Pubkey, task: Pubkey, operator: Pubkey) -> Instruction {
    build(
        acc::SetOperator {
            authority,
            task,
            node: pda::node(&task, &authority).0,
        },
        data::SetOperator {
            args: args::SetOperatorArgs { operator },
        },
    )
}

/// `close_node`: a fully exited node's authority closes it and frees its index.
pub fn close_node(authority: Pubkey, task: Pubkey) -> Instruction {
    build(
        acc::CloseNode {
            authority,
            task,
            node: pda::node(&task, &authority).0,
            index_pool: pda::index_pool(&task).0,
            system_program: system_program::ID,
        },
        data::CloseNode {},
    )
}

/// `close_task_accounts`: the authority closes a closed, empty task's vaults and index pool
/// (the Task stays as a tombstone); stray tokens go to `reward.account` / `stake.account`.
pub fn close_task_accounts(
    authority: Pubkey,
    task: Pubkey,
    reward: TokenAccounts,
    stake: TokenAccounts,
) -> Instruction {
    build(
        acc::CloseTaskAccounts {
            authority,
            task,
            bounty_vault: pda::bounty_vault(&task).0,
            stake_vault: pda::stake_vault(&task).0,
            slash_vault: (reward.mint != stake.mint).then(|| pda::slash_vault(&task).0),
            reward_mint: reward.mint,
            stake_mint: stake.mint,
            reward_destination: reward.account,
            stake_destination: stake.account,
            reward_token_program: reward.token_program,
            stake_token_program: stake.token_program,
            index_pool: pda::index_pool(&task).0,
        },
        data::CloseTaskAccounts {},
    )
}

/// `submit`: `node` (signed by its operator, the hot key), whose index is `node_index`,
/// submits `proof` for `round` into its shard. The Round must be open (`open_round`; see
/// [`opens_needed`]); it is passed read-only.
pub fn submit(
    operator: Pubkey,
    node: Pubkey,
    node_index: u32,
    task: Pubkey,
    round: u64,
    proof: Vec<u8>,
) -> Instruction {
    let submission = pda::submission(&task, round, &node).0;
    build(
        acc::Submit {
            operator,
            task,
            node,
            round: pda::round(&task, round).0,
            shard: pda::shard(&task, round, RoundShard::of(node_index)).0,
            submission,
            system_program: system_program::ID,
        },
        data::Submit {
            args: args::SubmitArgs {
                round,
                proof: args::Proof(proof),
            },
        },
    )
}

/// `open_round` (permissionless): creates `round`'s Round account or grows it by 10 KiB; a
/// no-op once it is full. The Round must exist before the round's first `submit` and be at
/// full size before `merge_shards`.
pub fn open_round(payer: Pubkey, task: Pubkey, round: u64) -> Instruction {
    build(
        acc::OpenRound {
            payer,
            task,
            round: pda::round(&task, round).0,
            system_program: system_program::ID,
        },
        data::OpenRound {
            args: args::OpenRoundArgs { round },
        },
    )
}

/// `open_round` instructions that bring a Round of `max_nodes` from `current_len` bytes (0 if
/// it does not exist) to full size: 1 for up to ~26,500 nodes, 3 at 65,536.
pub fn opens_needed(max_nodes: u32, current_len: usize) -> usize {
    use gradual::state::{Round, MAX_GROWTH_PER_INSTRUCTION};
    Round::space(max_nodes)
        .saturating_sub(current_len)
        .div_ceil(MAX_GROWTH_PER_INSTRUCTION)
}

/// One shard for [`merge_shards`]: its number and, when the account exists, the rent payer
/// recorded in it (`None` for a shard nobody submitted to, or one already merged).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShardToMerge {
    /// The shard number (`RoundShard::of(index)`).
    pub shard: u16,
    /// Its rent payer, read from the shard account when it exists.
    pub payer: Option<Pubkey>,
}

/// `merge_shards` (permissionless, after the submission window): folds `shards` into the
/// Round and returns each existing shard's rent to its payer.
pub fn merge_shards(task: Pubkey, round: u64, shards: &[ShardToMerge]) -> Instruction {
    let mut sorted = shards.to_vec();
    sorted.sort_by_key(|s| s.shard);
    sorted.dedup_by_key(|s| s.shard);
    let mut ix = build(
        acc::MergeShards {
            round: pda::round(&task, round).0,
        },
        data::MergeShards {
            args: args::MergeShardsArgs {
                shards: sorted.iter().fold(0u64, |m, s| m | 1u64 << s.shard),
            },
        },
    );
    for s in &sorted {
        ix.accounts
            .push(AccountMeta::new(pda::shard(&task, round, s.shard).0, false));
        // Two accounts per shard whatever its state (the program ignores the second for a
        // shard that does not exist), so a racing merge cannot shift the accounts.
        ix.accounts.push(match s.payer {
            Some(payer) => AccountMeta::new(payer, false),
            None => AccountMeta::new_readonly(system_program::ID, false),
        });
    }
    ix
}

/// Shards per `merge_shards` that fit a legacy transaction with room for compute-budget
/// instructions (two accounts each: up to two new keys).
pub const SHARDS_PER_TX: usize = 14;

/// `close_submission`: returns the rent of `node`'s submission for `round` to `payer`.
pub fn close_submission(payer: Pubkey, task: Pubkey, round: u64, node: Pubkey) -> Instruction {
    build(
        acc::CloseSubmission {
            payer,
            round: pda::round(&task, round).0,
            submission: pda::submission(&task, round, &node).0,
        },
        data::CloseSubmission {},
    )
}

/// Replaces the account at position `index` (for tests and tools that probe the program).
pub fn with_account(mut ix: Instruction, index: usize, meta: AccountMeta) -> Instruction {
    ix.accounts[index] = meta;
    ix
}

/// `raise_audit`: node `raiser` (signed by its operator) accuses `target` (a node account) for
/// `round`. For a distribution audit, `list` is the current attempt's list.
#[allow(clippy::too_many_arguments)]
pub fn raise_audit(
    raiser_operator: Pubkey,
    raiser: Pubkey,
    task: Pubkey,
    round: u64,
    kind: gradual::state::AuditKind,
    target: Pubkey,
    raiser_payout: Pubkey,
    list: Option<Pubkey>,
) -> Instruction {
    let audit = pda::audit(&task, round, kind, &target).0;
    build(
        acc::RaiseAudit {
            operator: raiser_operator,
            task,
            raiser,
            target,
            round: pda::round(&task, round).0,
            audit,
            raiser_payout,
            list,
            slot_hashes: slot_hashes_sysvar(),
            system_program: system_program::ID,
            target_submission: (kind == gradual::state::AuditKind::Submission)
                .then(|| pda::submission(&task, round, &target).0),
        },
        data::RaiseAudit {
            args: args::RaiseAuditArgs { round, kind },
        },
    )
}

/// `vote`: node `voter` (signed by its operator) votes on `audit` (of `round`).
pub fn vote(
    voter_operator: Pubkey,
    voter: Pubkey,
    task: Pubkey,
    round: u64,
    audit: Pubkey,
    approve: bool,
) -> Instruction {
    let vote = pda::vote(&audit, &voter).0;
    build(
        acc::CastVote {
            operator: voter_operator,
            voter,
            audit,
            round: pda::round(&task, round).0,
            vote,
            slot_hashes: slot_hashes_sysvar(),
            system_program: system_program::ID,
        },
        data::Vote {
            args: args::VoteArgs { approve },
        },
    )
}

/// Where a task's slashes go: the bounty vault (one mint) or the slash vault.
pub fn slash_destination(task: &Pubkey, one_mint: bool) -> Pubkey {
    if one_mint {
        pda::bounty_vault(task).0
    } else {
        pda::slash_vault(task).0
    }
}

/// `resolve_audit` (permissionless).
#[allow(clippy::too_many_arguments)]
pub fn resolve_audit(
    task: Pubkey,
    round: u64,
    audit: Pubkey,
    target: Pubkey,
    stake: TokenAccounts,
    raiser_payout: Pubkey,
    slash_destination: Pubkey,
    list: Option<Pubkey>,
) -> Instruction {
    build(
        acc::ResolveAudit {
            task,
            round: pda::round(&task, round).0,
            audit,
            target,
            stake_vault: pda::stake_vault(&task).0,
            stake_mint: stake.mint,
            raiser_payout,
            slash_destination,
            token_program: stake.token_program,
            list,
        },
        data::ResolveAudit {},
    )
}

/// The SlotHashes sysvar address.
pub fn slot_hashes_sysvar() -> Pubkey {
    use anchor_lang::solana_program::sysvar::SysvarId;
    anchor_lang::prelude::SlotHashes::id()
}

/// `select_distributor` (permissionless).
pub fn select_distributor(task: Pubkey, round: u64) -> Instruction {
    build(
        acc::SelectDistributor {
            round: pda::round(&task, round).0,
            slot_hashes: slot_hashes_sysvar(),
        },
        data::SelectDistributor {},
    )
}

/// `begin_distribution` by the selected node's operator.
#[allow(clippy::too_many_arguments)]
pub fn begin_distribution(
    operator: Pubkey,
    node: Pubkey,
    task: Pubkey,
    round: u64,
    attempt: u8,
    entry_count: u32,
    total: u64,
) -> Instruction {
    let list = pda::distribution(&task, round, attempt).0;
    build(
        acc::BeginDistribution {
            operator,
            task,
            node,
            round: pda::round(&task, round).0,
            list,
            bounty_vault: pda::bounty_vault(&task).0,
            system_program: system_program::ID,
        },
        data::BeginDistribution {
            args: args::BeginDistributionArgs {
                round,
                attempt,
                entry_count,
                total,
            },
        },
    )
}

/// `grow_distribution` (permissionless): grows the list by up to 10 KiB toward its full size.
/// Send [`grows_needed`] of them after `begin_distribution`, in any order (see
/// [`begin_distribution_txs`]).
pub fn grow_distribution(task: Pubkey, round: u64, attempt: u8) -> Instruction {
    build(
        acc::GrowDistribution {
            list: pda::distribution(&task, round, attempt).0,
        },
        data::GrowDistribution {},
    )
}

/// `grow_distribution` instructions a list of `entry_count` entries over `max_nodes` needs.
pub fn grows_needed(max_nodes: u32, entry_count: u32) -> u32 {
    gradual::state::DistributionList::grows_needed(max_nodes, entry_count)
}

/// `grow_distribution` instructions that fit one transaction beside a begin (or alone).
pub const GROWS_PER_TX: usize = 40;

/// The instruction groups that begin a list and bring it to full size: the begin with as many
/// grows as fit, then the remaining grows in groups of [`GROWS_PER_TX`]. The first group must
/// land first; the others may be sent together, in any order.
#[allow(clippy::too_many_arguments)]
pub fn begin_distribution_txs(
    operator: Pubkey,
    node: Pubkey,
    task: Pubkey,
    round: u64,
    attempt: u8,
    max_nodes: u32,
    entry_count: u32,
    total: u64,
) -> Vec<Vec<Instruction>> {
    let mut grows = (0..grows_needed(max_nodes, entry_count))
        .map(|_| grow_distribution(task, round, attempt))
        .collect::<Vec<_>>();
    let first_grows = grows.len().min(GROWS_PER_TX / 2);
    let mut first = vec![begin_distribution(
        operator,
        node,
        task,
        round,
        attempt,
        entry_count,
        total,
    )];
    first.extend(grows.drain(..first_grows));
    let mut out = vec![first];
    out.extend(grows.chunks(GROWS_PER_TX).map(<[_]>::to_vec));
    out
}

/// `append_distribution`: writes `entries` at positions `offset..` of the list. Chunks may be
/// sent all at once and land in any order once the list is at full size.
pub fn append_distribution(
    operator: Pubkey,
    task: Pubkey,
    round: u64,
    attempt: u8,
    offset: u32,
    entries: Vec<gradual::state::DistributionEntry>,
) -> Instruction {
    build(
        acc::AppendDistribution {
            operator,
            list: pda::distribution(&task, round, attempt).0,
        },
        data::AppendDistribution {
            args: args::AppendDistributionArgs { offset, entries },
        },
    )
}

/// Entries per `append_distribution` that fit one transaction with the operator as fee payer
/// and room for two compute-budget instructions.
pub const ENTRIES_PER_APPEND: usize = 90;

/// Entries a list may have to be uploaded whole in one transaction ([`upload_in_one_tx`]),
/// with room for two compute-budget instructions.
pub const ENTRIES_IN_ONE_UPLOAD_TX: usize = 40;

/// `begin_distribution`, one `append_distribution` of every entry and `seal_distribution` in
/// one transaction, for a list small enough (at most [`ENTRIES_IN_ONE_UPLOAD_TX`] entries, no
/// growth needed): one confirmation instead of three sequential stages, which is what a short
/// upload window on a real cluster needs. `None` for larger lists.
#[allow(clippy::too_many_arguments)]
pub fn upload_in_one_tx(
    operator: Pubkey,
    node: Pubkey,
    task: Pubkey,
    round: u64,
    attempt: u8,
    max_nodes: u32,
    entries: &[gradual::state::DistributionEntry],
) -> Option<Vec<Instruction>> {
    if entries.is_empty() || entries.len() > ENTRIES_IN_ONE_UPLOAD_TX {
        return None;
    }
    let total = entries.iter().map(|e| e.amount).sum();
    let count = u32::try_from(entries.len()).ok()?;
    let groups = begin_distribution_txs(
        operator, node, task, round, attempt, max_nodes, count, total,
    );
    let [first] = groups.as_slice() else {
        return None;
    };
    if first.len() != 1 {
        return None; // the list needs grows first
    }
    let mut ixs = first.clone();
    ixs.push(append_distribution(
        operator,
        task,
        round,
        attempt,
        0,
        entries.to_vec(),
    ));
    ixs.push(seal_distribution(operator, task, round, attempt));
    Some(ixs)
}

/// The ComputeBudget program.
pub const COMPUTE_BUDGET_PROGRAM: Pubkey =
    anchor_lang::pubkey!("ComputeBudget111111111111111111111111111111");

/// The two compute-budget instructions a sender puts first: a compute-unit limit and a price
/// in micro-lamports per compute unit (wire format of the ComputeBudget program).
pub fn compute_budget(units: u32, micro_lamports: u64) -> [Instruction; 2] {
    let program = COMPUTE_BUDGET_PROGRAM;
    let mut limit = vec![2u8];
    limit.extend_from_slice(&units.to_le_bytes());
    let mut price = vec![3u8];
    price.extend_from_slice(&micro_lamports.to_le_bytes());
    [
        Instruction::new_with_bytes(program, &limit, vec![]),
        Instruction::new_with_bytes(program, &price, vec![]),
    ]
}

/// `seal_distribution`.
pub fn seal_distribution(operator: Pubkey, task: Pubkey, round: u64, attempt: u8) -> Instruction {
    build(
        acc::SealDistribution {
            operator,
            task,
            round: pda::round(&task, round).0,
            list: pda::distribution(&task, round, attempt).0,
            bounty_vault: pda::bounty_vault(&task).0,
        },
        data::SealDistribution {},
    )
}

/// `skip_distribution` (permissionless).
pub fn skip_distribution(task: Pubkey, round: u64) -> Instruction {
    build(
        acc::SkipDistribution {
            round: pda::round(&task, round).0,
        },
        data::SkipDistribution {},
    )
}

/// `finalize_distribution` (permissionless).
pub fn finalize_distribution(task: Pubkey, round: u64, attempt: u8) -> Instruction {
    build(
        acc::FinalizeDistribution {
            round: pda::round(&task, round).0,
            list: pda::distribution(&task, round, attempt).0,
        },
        data::FinalizeDistribution {},
    )
}

/// `claim_reward` for `node`'s entry (anyone may send it).
pub fn claim_reward(
    task: Pubkey,
    round: u64,
    attempt: u8,
    entry_index: u32,
    node: Pubkey,
    reward: TokenAccounts,
) -> Instruction {
    build(
        acc::ClaimReward {
            task,
            list: pda::distribution(&task, round, attempt).0,
            node,
            reward_account: reward.account,
            bounty_vault: pda::bounty_vault(&task).0,
            reward_mint: reward.mint,
            token_program: reward.token_program,
        },
        data::ClaimReward {
            args: args::ClaimRewardArgs {
                round,
                attempt,
                entry_index,
            },
        },
    )
}

/// One entry of a batch payout: its position and the paid node's accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payee {
    /// Position of the entry in the accepted list.
    pub entry_index: u32,
    /// The paid Node account.
    pub node: Pubkey,
    /// That node's registered reward account.
    pub reward_account: Pubkey,
}

/// `pay_rewards` (permissionless crank): pays every entry of `payees` in one transaction.
pub fn pay_rewards(
    task: Pubkey,
    round: u64,
    attempt: u8,
    reward_mint: Pubkey,
    token_program: Pubkey,
    payees: &[Payee],
) -> Instruction {
    let mut ix = build(
        acc::PayRewards {
            task,
            list: pda::distribution(&task, round, attempt).0,
            bounty_vault: pda::bounty_vault(&task).0,
            reward_mint,
            token_program,
        },
        data::PayRewards {
            args: args::PayRewardsArgs {
                round,
                attempt,
                entries: payees.iter().map(|p| p.entry_index).collect(),
            },
        },
    );
    for p in payees {
        ix.accounts.push(AccountMeta::new_readonly(p.node, false));
        ix.accounts.push(AccountMeta::new(p.reward_account, false));
    }
    ix
}

/// Entries per `pay_rewards` that fit a legacy transaction (two new keys per entry) with
/// room for two compute-budget instructions.
pub const PAYEES_PER_TX: usize = 11;

/// `set_reward_account`: the node's authority has it paid into `reward_account` from now on.
pub fn set_reward_account(authority: Pubkey, task: Pubkey, reward_account: Pubkey) -> Instruction {
    build(
        acc::SetRewardAccount {
            authority,
            task,
            node: pda::node(&task, &authority).0,
            reward_account,
        },
        data::SetRewardAccount {},
    )
}

/// `close_vote` (permissionless; rent to `payer`).
pub fn close_vote(payer: Pubkey, audit: Pubkey, voter: Pubkey) -> Instruction {
    build(
        acc::CloseVote {
            payer,
            vote: pda::vote(&audit, &voter).0,
            audit,
        },
        data::CloseVote {},
    )
}

/// `close_audit` (permissionless; rent to `payer`).
pub fn close_audit(payer: Pubkey, audit: Pubkey) -> Instruction {
    build(acc::CloseAudit { payer, audit }, data::CloseAudit {})
}

/// `close_distribution` (permissionless; rent to `payer`).
pub fn close_distribution(payer: Pubkey, task: Pubkey, round: u64, attempt: u8) -> Instruction {
    build(
        acc::CloseDistribution {
            payer,
            task,
            round: pda::round(&task, round).0,
            list: pda::distribution(&task, round, attempt).0,
        },
        data::CloseDistribution {},
    )
}

/// `close_round` (permissionless; rent to `payer`).
pub fn close_round(payer: Pubkey, task: Pubkey, round: u64) -> Instruction {
    build(
        acc::CloseRound {
            payer,
            round: pda::round(&task, round).0,
        },
        data::CloseRound {},
    )
}

/// `close_task`: returns the unreserved bounty to `destination`.
pub fn close_task(authority: Pubkey, task: Pubkey, reward: TokenAccounts) -> Instruction {
    build(
        acc::CloseTask {
            authority,
            task,
            bounty_vault: pda::bounty_vault(&task).0,
            reward_mint: reward.mint,
            destination: reward.account,
            token_program: reward.token_program,
        },
        data::CloseTask {},
    )
}

/// `sweep_slashed`: the slash vault's balance to `destination` (stake mint).
pub fn sweep_slashed(authority: Pubkey, task: Pubkey, stake: TokenAccounts) -> Instruction {
    build(
        acc::SweepSlashed {
            authority,
            task,
            slash_vault: pda::slash_vault(&task).0,
            stake_mint: stake.mint,
            destination: stake.account,
            token_program: stake.token_program,
        },
        data::SweepSlashed {},
    )
}
