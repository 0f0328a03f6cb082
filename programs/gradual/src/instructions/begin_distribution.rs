use crate::{
    errors::GradualError,
    events::DistributionBegun,
    state::{
        seeds, DistributionList, DistributionStatus, ListLayout, ListStatus, Node, Round, Task,
        NO_NODE,
    },
    token_utils,
};
use anchor_lang::{prelude::*, system_program, Discriminator};
use anchor_spl::token_interface::TokenAccount;

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct BeginDistributionArgs {
    pub round: u64,
    pub attempt: u8,
    /// Entries the list will hold: 1..=number of candidates.
    pub entry_count: u32,
    /// Sum of the amounts: at most the round's budget.
    pub total: u64,
}

#[derive(Accounts)]
pub struct BeginDistribution<'info> {
    #[account(mut)]
    pub operator: Signer<'info>,
    #[account(has_one = bounty_vault @ GradualError::WrongVault)]
    pub task: Account<'info, Task>,
    /// The distributing Node (`["node", task, authority]`), operated by `operator`: read by
    /// the handler (`Node::member`), so a key that never joined gets `NotAMember`.
    /// CHECK: as documented above.
    pub node: UncheckedAccount<'info>,
    #[account(mut)]
    pub round: AccountLoader<'info, Round>,
    /// Created by the handler at `["distribution", task, round, attempt]`.
    /// CHECK: as documented above.
    #[account(mut)]
    pub list: UncheckedAccount<'info>,
    pub bounty_vault: InterfaceAccount<'info, TokenAccount>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<BeginDistribution>, args: BeginDistributionArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let task_key = a.task.key();
    let node = Node::operated_by(&a.node, &task_key, &a.operator.key())?;
    let round_info = a.round.to_account_info();
    let mut round_data = round_info.try_borrow_mut_data()?;
    let view = Round::view_of(&mut round_data, &task_key, args.round)?;
    let header = &*view.header;
    require!(
        header.status() == DistributionStatus::Selected,
        GradualError::WrongDistributionStatus
    );
    require!(
        args.attempt == header.distribution_attempt,
        GradualError::WrongAttempt
    );
    require!(
        header.selected_node == node.index && header.selected_node != NO_NODE,
        GradualError::NotSelectedDistributor
    );
    let (upload, _) = header
        .timeline()
        .distribution(u16::from(args.attempt))
        .ok_or(GradualError::WrongAttempt)?;
    require!(
        upload.contains(&slot),
        GradualError::OutsideDistributionWindow
    );
    // Budget: bounty_per_round, capped by what the vault holds beyond sealed, unclaimed lists.
    let unreserved = a
        .bounty_vault
        .amount
        .checked_sub(a.task.reserved_rewards)
        .ok_or(GradualError::MathOverflow)?;
    let budget = header.config.bounty_per_round.min(unreserved);
    require!(
        args.total > 0 && args.total <= budget,
        GradualError::OverBudget
    );
    let max_nodes = header.max_nodes;

    let round_le = args.round.to_le_bytes();
    let attempt = [args.attempt];
    // One list per (round, attempt), at the canonical address every auditor reads.
    let bump = [token_utils::expect_canonical(
        &a.list,
        &[seeds::DISTRIBUTION, task_key.as_ref(), &round_le, &attempt],
    )?];
    let list_seeds: [&[u8]; 5] = [
        seeds::DISTRIBUTION,
        task_key.as_ref(),
        &round_le,
        &attempt,
        &bump,
    ];
    require!(
        token_utils::is_unallocated(&a.list),
        GradualError::WrongDistributionStatus
    );
    token_utils::create_pda_account(
        &a.operator,
        &a.list,
        &a.system_program,
        &crate::ID,
        DistributionList::initial_space(max_nodes, args.entry_count),
        &list_seeds,
    )?;
    let mut list_data = a.list.try_borrow_mut_data()?;
    let layout = ListLayout::new(max_nodes, args.entry_count);
    // The initial 10 KiB always hold the header and the candidates (8 KiB at 65,536 nodes).
    let candidates =
        view.candidates_into(DistributionList::candidates_mut(&mut list_data, &layout)?);
    require!(
        args.entry_count >= 1 && args.entry_count <= candidates,
        GradualError::InvalidEntryCount
    );
    list_data[..8].copy_from_slice(DistributionList::DISCRIMINATOR);
    let list: &mut DistributionList =
        bytemuck::from_bytes_mut(&mut list_data[8..DistributionList::HEADER_SPACE]);
    *list = DistributionList {
        task: task_key,
        round: args.round,
        distributor: a.node.key(),
        payer: a.operator.key(),
        declared_total: args.total,
        running_sum: 0,
        claimed_total: 0,
        upload_end_slot: upload.end,
        claim_deadline_slot: 0,
        round_start_slot: header.start_slot,
        declared_count: args.entry_count,
        written: 0,
        claimed_count: 0,
        chunks: 0,
        max_nodes,
        attempt: args.attempt,
        status: ListStatus::Uploading as u8,
        bump: bump[0],
        _padding: [0; 1],
    };
    drop(list_data);

    // Pay now the rent of the full list, so appends only grow the account.
    let full_rent =
        Rent::get()?.minimum_balance(DistributionList::full_space(max_nodes, args.entry_count));
    let top_up = full_rent.saturating_sub(a.list.lamports());
    if top_up > 0 {
        system_program::transfer(
            CpiContext::new(
                a.system_program.key(),
                system_program::Transfer {
                    from: a.operator.to_account_info(),
                    to: a.list.to_account_info(),
                },
            ),
            top_up,
        )?;
    }

    view.header.distribution_status = DistributionStatus::Uploading as u8;
    view.header.budget = budget;
    view.header.live_lists = view
        .header
        .live_lists
        .checked_add(1)
        .ok_or(GradualError::MathOverflow)?;
    emit!(DistributionBegun {
        task: task_key,
        round: args.round,
        attempt: args.attempt,
        list: a.list.key(),
        entry_count: args.entry_count,
        total: args.total,
        budget,
    });
    Ok(())
}
