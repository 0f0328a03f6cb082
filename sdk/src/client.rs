//! `TaskClient`: what task creators and operators do, over any [`Chain`].
use crate::{
    accounts::{self, RoundState},
    chain::{Chain, TxOutcome},
    error::SdkError,
    ix::{self, TokenAccounts},
    pda,
};
use anchor_lang::prelude::Pubkey;
use gradual::{
    instructions::CreateTaskArgs,
    schedule::ProductionLine,
    state::{Node, Task, TaskConfig},
};
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::sync::Arc;

/// A task's state as a creator or operator sees it.
#[derive(Clone, Debug)]
pub struct TaskStatusView {
    /// The task account.
    pub task: Task,
    /// Slot the view was read at.
    pub slot: u64,
    /// Rounds in flight at that slot.
    pub line: ProductionLine,
    /// Bounty vault balance.
    pub bounty_balance: u64,
    /// Stake vault balance.
    pub stake_balance: u64,
    /// Every node.
    pub nodes: Vec<(Pubkey, Node)>,
    /// The rounds in flight that are open on chain.
    pub rounds: Vec<RoundState>,
}

/// Task-creator and operator actions over a [`Chain`]; `payer` pays fees.
pub struct TaskClient {
    chain: Arc<dyn Chain>,
    payer: Keypair,
}

impl TaskClient {
    /// A client paying fees with `payer`.
    pub fn new(chain: Arc<dyn Chain>, payer: Keypair) -> Self {
        Self { chain, payer }
    }

    /// The chain.
    pub fn chain(&self) -> &Arc<dyn Chain> {
        &self.chain
    }

    /// The token program that owns `mint`.
    pub async fn token_program_of(&self, mint: &Pubkey) -> Result<Pubkey, SdkError> {
        Ok(self
            .chain
            .account(mint)
            .await?
            .ok_or(SdkError::NotFound {
                address: *mint,
                expected: "mint",
            })?
            .owner)
    }

    async fn send(
        &self,
        ixn: anchor_lang::solana_program::instruction::Instruction,
        signer: &Keypair,
    ) -> Result<TxOutcome, SdkError> {
        Ok(self.chain.send(&[ixn], &self.payer, &[signer]).await?)
    }

    /// Creates a task; returns its address.
    pub async fn create_task(
        &self,
        authority: &Keypair,
        reward_mint: Pubkey,
        stake_mint: Pubkey,
        args: CreateTaskArgs,
    ) -> Result<Pubkey, SdkError> {
        let reward_program = self.token_program_of(&reward_mint).await?;
        let stake_program = self.token_program_of(&stake_mint).await?;
        let task = pda::task(&authority.pubkey(), args.task_id).0;
        let ixn = ix::create_task(
            authority.pubkey(),
            reward_mint,
            reward_program,
            stake_mint,
            stake_program,
            args,
        );
        self.send(ixn, authority).await?;
        Ok(task)
    }

    async fn reward_accounts(
        &self,
        task: &Task,
        account: Pubkey,
    ) -> Result<TokenAccounts, SdkError> {
        Ok(TokenAccounts {
            mint: task.reward_mint,
            account,
            token_program: self.token_program_of(&task.reward_mint).await?,
        })
    }

    async fn stake_accounts(
        &self,
        task: &Task,
        account: Pubkey,
    ) -> Result<TokenAccounts, SdkError> {
        Ok(TokenAccounts {
            mint: task.stake_mint,
            account,
            token_program: self.token_program_of(&task.stake_mint).await?,
        })
    }

    /// Deposits `amount` reward tokens from `source` (owned by `funder`).
    pub async fn fund(
        &self,
        funder: &Keypair,
        task: &Pubkey,
        source: Pubkey,
        amount: u64,
    ) -> Result<TxOutcome, SdkError> {
        let t = accounts::fetch_task(self.chain.as_ref(), task).await?;
        let accts = self.reward_accounts(&t, source).await?;
        self.send(ix::fund_task(funder.pubkey(), *task, accts, amount), funder)
            .await
    }

    /// Schedules `config` from `effective_round`.
    pub async fn update(
        &self,
        authority: &Keypair,
        task: &Pubkey,
        effective_round: u64,
        config: TaskConfig,
    ) -> Result<TxOutcome, SdkError> {
        self.send(
            ix::update_task(authority.pubkey(), *task, effective_round, config),
            authority,
        )
        .await
    }

    /// Pauses the task.
    pub async fn pause(&self, authority: &Keypair, task: &Pubkey) -> Result<TxOutcome, SdkError> {
        self.send(ix::pause_task(authority.pubkey(), *task), authority)
            .await
    }

    /// Resumes the task.
    pub async fn resume(&self, authority: &Keypair, task: &Pubkey) -> Result<TxOutcome, SdkError> {
        self.send(ix::resume_task(authority.pubkey(), *task), authority)
            .await
    }

    /// Closes the task, returning the unreserved bounty to `destination`.
    pub async fn close(
        &self,
        authority: &Keypair,
        task: &Pubkey,
        destination: Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        let t = accounts::fetch_task(self.chain.as_ref(), task).await?;
        let accts = self.reward_accounts(&t, destination).await?;
        self.send(ix::close_task(authority.pubkey(), *task, accts), authority)
            .await
    }

    /// `authority` (the node's cold key) joins with `amount` stake from `stake_account`;
    /// `operator` is the node's hot key (the runner's key; may be the authority's own);
    /// rewards go to `reward_account`.
    #[allow(clippy::too_many_arguments)]
    pub async fn join(
        &self,
        authority: &Keypair,
        operator: Pubkey,
        task: &Pubkey,
        stake_account: Pubkey,
        reward_account: Pubkey,
        amount: u64,
    ) -> Result<TxOutcome, SdkError> {
        let t = accounts::fetch_task(self.chain.as_ref(), task).await?;
        let accts = self.stake_accounts(&t, stake_account).await?;
        self.send(
            ix::join_task(
                authority.pubkey(),
                operator,
                *task,
                accts,
                reward_account,
                amount,
            ),
            authority,
        )
        .await
    }

    /// Adds stake.
    pub async fn add_stake(
        &self,
        operator: &Keypair,
        task: &Pubkey,
        stake_account: Pubkey,
        amount: u64,
    ) -> Result<TxOutcome, SdkError> {
        let t = accounts::fetch_task(self.chain.as_ref(), task).await?;
        let accts = self.stake_accounts(&t, stake_account).await?;
        self.send(
            ix::add_stake(operator.pubkey(), *task, accts, amount),
            operator,
        )
        .await
    }

    /// Starts unbonding `amount`.
    pub async fn unstake(
        &self,
        operator: &Keypair,
        task: &Pubkey,
        amount: u64,
    ) -> Result<TxOutcome, SdkError> {
        self.send(
            ix::request_unstake(operator.pubkey(), *task, amount),
            operator,
        )
        .await
    }

    /// Withdraws released stake into `destination`.
    pub async fn withdraw(
        &self,
        operator: &Keypair,
        task: &Pubkey,
        destination: Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        let t = accounts::fetch_task(self.chain.as_ref(), task).await?;
        let accts = self.stake_accounts(&t, destination).await?;
        self.send(
            ix::withdraw_stake(operator.pubkey(), *task, accts),
            operator,
        )
        .await
    }

    /// The node's authority makes `operator` its hot key.
    pub async fn set_operator(
        &self,
        authority: &Keypair,
        task: &Pubkey,
        operator: Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        self.send(
            ix::set_operator(authority.pubkey(), *task, operator),
            authority,
        )
        .await
    }

    /// The node's authority registers a new reward account.
    pub async fn set_reward_account(
        &self,
        authority: &Keypair,
        task: &Pubkey,
        reward_account: Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        self.send(
            ix::set_reward_account(authority.pubkey(), *task, reward_account),
            authority,
        )
        .await
    }

    /// The node's authority closes a fully exited node (rent back, index freed).
    pub async fn close_node(
        &self,
        authority: &Keypair,
        task: &Pubkey,
    ) -> Result<TxOutcome, SdkError> {
        self.send(ix::close_node(authority.pubkey(), *task), authority)
            .await
    }

    /// The task, its vaults, nodes and the rounds in flight.
    pub async fn status(&self, task: &Pubkey) -> Result<TaskStatusView, SdkError> {
        let slot = self.chain.slot().await?;
        let t = accounts::fetch_task(self.chain.as_ref(), task).await?;
        let line = t.schedule().phase_at(slot);
        let vaults = self
            .chain
            .accounts(&[t.bounty_vault, t.stake_vault])
            .await?;
        let amount = |i: usize| {
            vaults
                .get(i)
                .and_then(|a| a.as_ref())
                .map(|a| crate::node::runner::token_amount(&a.data))
                .unwrap_or(0)
        };
        let nodes = accounts::scan_nodes(self.chain.as_ref(), task).await?;
        let mut rounds = vec![];
        if let Some(current) = line.working {
            for r in
                current.saturating_sub(2 + u64::from(t.config.max_distribution_attempts))..=current
            {
                if let Some(state) = accounts::fetch_round(self.chain.as_ref(), task, r).await? {
                    rounds.push(state);
                }
            }
        }
        Ok(TaskStatusView {
            slot,
            line,
            bounty_balance: amount(0),
            stake_balance: amount(1),
            task: t,
            nodes,
            rounds,
        })
    }
}
