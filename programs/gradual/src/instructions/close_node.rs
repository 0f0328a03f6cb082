use crate::{
    bitmap,
    errors::GradualError,
    events::NodeClosed,
    state::{seeds, IndexPool, Node, Task},
    token_utils,
};
use anchor_lang::{prelude::*, Discriminator};

/// A node that has withdrawn everything closes its account (rent back to its authority) and
/// frees its index for a later joiner, once nothing can still refer to it: no stake, no open
/// audit, and the last round it submitted for has run its whole timeline.
#[derive(Accounts)]
pub struct CloseNode<'info> {
    /// The node's authority; receives the Node's rent and pays the index pool's the first time.
    #[account(mut)]
    pub authority: Signer<'info>,
    #[account(mut)]
    pub task: Account<'info, Task>,
    #[account(
        mut,
        close = authority,
        has_one = task @ GradualError::WrongTask,
        has_one = authority @ GradualError::Unauthorized
    )]
    pub node: Account<'info, Node>,
    /// The task's index pool at `["indexes", task]`, created here the first time.
    /// CHECK: as documented above.
    #[account(mut)]
    pub index_pool: UncheckedAccount<'info>,
    pub system_program: Program<'info, System>,
}

pub fn handler(ctx: Context<CloseNode>) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;
    let node = &a.node;
    require!(
        node.bonded()? == 0 && node.unbonding == 0 && node.open_audits == 0,
        GradualError::NodeStillNeeded
    );
    // Rounds it submitted for must be over (audits, lists). Entries of lists that pay its
    // index cannot be claimed by a later holder of the index: claim_reward requires the node
    // to have joined before the list's round started.
    require!(
        slot >= node.in_flight_until_slot,
        GradualError::NodeStillNeeded
    );

    let task_key = a.task.key();
    let pool_seeds: &[&[u8]] = &[seeds::INDEX_POOL, task_key.as_ref()];
    let bump = token_utils::expect_canonical(&a.index_pool, pool_seeds)?;
    if token_utils::is_unallocated(&a.index_pool) {
        let max_nodes = a.task.max_nodes;
        token_utils::create_pda_account(
            &a.authority,
            &a.index_pool,
            &a.system_program,
            &crate::ID,
            IndexPool::space(max_nodes),
            &[seeds::INDEX_POOL, task_key.as_ref(), &[bump]],
        )?;
        let mut data = a.index_pool.try_borrow_mut_data()?;
        data[..8].copy_from_slice(IndexPool::DISCRIMINATOR);
        let header: &mut IndexPool =
            bytemuck::from_bytes_mut(&mut data[8..IndexPool::HEADER_SPACE]);
        header.task = task_key;
        header.max_nodes = max_nodes;
    } else {
        require_keys_eq!(*a.index_pool.owner, crate::ID, GradualError::WrongPda);
    }
    {
        let mut data = a.index_pool.try_borrow_mut_data()?;
        let (header, bits) = IndexPool::view(&mut data, &task_key)?;
        require!(
            !bitmap::get(bits, node.index) && bitmap::set(bits, node.index),
            GradualError::WrongPda
        );
        header.free_count = header
            .free_count
            .checked_add(1)
            .ok_or(GradualError::MathOverflow)?;
    }
    a.task.live_nodes = a
        .task
        .live_nodes
        .checked_sub(1)
        .ok_or(GradualError::MathOverflow)?;
    emit!(NodeClosed {
        task: task_key,
        node: node.key(),
        index: node.index,
        rent_to: a.authority.key(),
    });
    Ok(())
}
