//! Pure instruction builders: plain arguments in, `Instruction` out, no RPC.
use crate::pda;
use anchor_lang::{
    prelude::{AccountMeta, Pubkey},
    solana_program::{instruction::Instruction, system_program},
    InstructionData, ToAccountMetas,
};
use gradual::{accounts as acc, instruction as data, instructions as args, ID};

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

/// `pause_task`.
pub fn pause_task(authority: Pubkey, task: Pubkey) -> Instruction {
    build(acc::SetTaskStatus { authority, task }, data::PauseTask {})
}

/// `resume_task`.
pub fn resume_task(authority: Pubkey, task: Pubkey) -> Instruction {
    build(acc::SetTaskStatus { authority, task }, data::ResumeTask {})
}

/// `join_task`: stakes `stake` from `stake.account`; rewards will go to `reward_account`.
pub fn join_task(
    operator: Pubkey,
    task: Pubkey,
    stake: TokenAccounts,
    reward_account: Pubkey,
    amount: u64,
) -> Instruction {
    build(
        acc::JoinTask {
            operator,
            task,
            node: pda::node(&task, &operator).0,
            stake_mint: stake.mint,
            operator_stake_account: stake.account,
            stake_vault: pda::stake_vault(&task).0,
            reward_account,
            token_program: stake.token_program,
            system_program: system_program::ID,
        },
        data::JoinTask {
            args: args::JoinTaskArgs { stake: amount },
        },
    )
}

fn move_stake(operator: Pubkey, task: Pubkey, stake: TokenAccounts) -> acc::MoveStake {
    acc::MoveStake {
        operator,
        task,
        node: pda::node(&task, &operator).0,
        stake_mint: stake.mint,
        operator_stake_account: stake.account,
        stake_vault: pda::stake_vault(&task).0,
        token_program: stake.token_program,
    }
}

/// `add_stake`: stakes `amount` more from `stake.account`.
pub fn add_stake(operator: Pubkey, task: Pubkey, stake: TokenAccounts, amount: u64) -> Instruction {
    build(
        move_stake(operator, task, stake),
        data::AddStake {
            args: args::AddStakeArgs { amount },
        },
    )
}

/// `request_unstake`.
pub fn request_unstake(operator: Pubkey, task: Pubkey, amount: u64) -> Instruction {
    build(
        acc::RequestUnstake {
            operator,
            task,
            node: pda::node(&task, &operator).0,
        },
        data::RequestUnstake {
            args: args::RequestUnstakeArgs { amount },
        },
    )
}

/// `withdraw_stake`: pays released stake into `stake.account`.
pub fn withdraw_stake(operator: Pubkey, task: Pubkey, stake: TokenAccounts) -> Instruction {
    build(move_stake(operator, task, stake), data::WithdrawStake {})
}

/// `submit`: the operator's node submits `proof` for `round`.
pub fn submit(operator: Pubkey, task: Pubkey, round: u64, proof: Vec<u8>) -> Instruction {
    let node = pda::node(&task, &operator).0;
    let (submission, submission_bump) = pda::submission(&task, round, &node);
    build(
        acc::Submit {
            operator,
            task,
            node,
            round: pda::round(&task, round).0,
            submission,
            system_program: system_program::ID,
        },
        data::Submit {
            args: args::SubmitArgs {
                round,
                proof,
                submission_bump,
            },
        },
    )
}

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
