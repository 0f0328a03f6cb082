//! Sweeping a backlog of rent: every closable account a node's operator paid for on a task
//! (`gradual node reclaim`). The runner reclaims as it goes; this is for a node that ran an
//! older version, was offline, or is leaving. One program-account scan per account type (a
//! one-off, never in a runner's steady state), then one close per account: the sender's
//! simulation turns a close that may not happen yet into a named error that costs no fee.
use crate::{
    accounts,
    chain::{Chain, ChainError, Filter},
    error::SdkError,
    ix,
};
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction, Discriminator};
use gradual::state::{Audit, DistributionList, Round, Submission, Vote};
use solana_keypair::Keypair;
use solana_signer::Signer;
use std::collections::BTreeMap;

/// What a sweep returned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reclaimed {
    /// Accounts closed, by kind (submission, vote, audit, distribution, round).
    pub closed: BTreeMap<&'static str, u32>,
    /// Lamports returned to their payers.
    pub lamports: u64,
    /// Accounts found that may not close yet (still read by a round in flight), by the
    /// program's reason.
    pub still_needed: BTreeMap<String, u32>,
}

fn memcmp(offset: usize, bytes: &[u8]) -> Filter {
    Filter::Memcmp {
        offset,
        bytes: bytes.to_vec(),
    }
}

/// Closes every account of `task` that `operator` paid for (and `node`'s Submissions and Votes),
/// that may close now: Votes, Audits, Submissions, lists, then Rounds (a Round closes last,
/// once nothing reads it). Rent goes to each account's payer.
pub async fn reclaim_backlog(
    chain: &dyn Chain,
    task: &Pubkey,
    operator: &Keypair,
    node: &Pubkey,
) -> Result<Reclaimed, SdkError> {
    let me = operator.pubkey();
    let mut out = Reclaimed::default();
    let scan = |disc: &[u8], more: Vec<Filter>| {
        let mut filters = vec![memcmp(0, disc)];
        filters.extend(more);
        async move { chain.program_accounts(&filters).await }
    };
    let mut plan: Vec<(&'static str, u64, Instruction)> = vec![];
    // Layouts: Vote voter at 40; Audit task at 8, raiser at 86; Submission task at 8, node at
    // 40; DistributionList task at 8, payer at 80; Round task at 8, payer at 40.
    for (k, raw) in scan(Vote::DISCRIMINATOR, vec![memcmp(40, node.as_ref())]).await? {
        let v: Vote = accounts::decode(k, &raw, "Vote")?;
        plan.push((
            "vote",
            raw.lamports,
            ix::close_vote(v.payer, v.audit, *node),
        ));
    }
    for (k, raw) in scan(
        Audit::DISCRIMINATOR,
        vec![memcmp(8, task.as_ref()), memcmp(86, node.as_ref())],
    )
    .await?
    {
        let a: Audit = accounts::decode(k, &raw, "Audit")?;
        plan.push(("audit", raw.lamports, ix::close_audit(a.payer, k)));
    }
    for (k, raw) in scan(
        Submission::DISCRIMINATOR,
        vec![memcmp(8, task.as_ref()), memcmp(40, node.as_ref())],
    )
    .await?
    {
        let s: Submission = accounts::decode(k, &raw, "Submission")?;
        plan.push((
            "submission",
            raw.lamports,
            ix::close_submission(s.payer, *task, s.round, *node),
        ));
    }
    for (k, raw) in scan(
        DistributionList::DISCRIMINATOR,
        vec![memcmp(8, task.as_ref()), memcmp(80, me.as_ref())],
    )
    .await?
    {
        let l = accounts::decode_list(k, &raw)?;
        plan.push((
            "distribution",
            raw.lamports,
            ix::close_distribution(me, *task, l.header.round, l.header.attempt),
        ));
    }
    for (k, raw) in scan(
        Round::DISCRIMINATOR,
        vec![memcmp(8, task.as_ref()), memcmp(40, me.as_ref())],
    )
    .await?
    {
        let r = accounts::decode_round(k, &raw)?;
        plan.push((
            "round",
            raw.lamports,
            ix::close_round(me, *task, r.header.round),
        ));
    }
    for (kind, lamports, ixn) in plan {
        match chain.send(&[ixn], operator, &[]).await {
            Ok(_) => {
                *out.closed.entry(kind).or_default() += 1;
                out.lamports += lamports;
            }
            Err(e @ ChainError::Failed { .. }) => {
                let why = e
                    .program_error()
                    .map(|p| format!("{kind}: {p:?}"))
                    .unwrap_or_else(|| format!("{kind}: {e}"));
                *out.still_needed.entry(why).or_default() += 1;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}
