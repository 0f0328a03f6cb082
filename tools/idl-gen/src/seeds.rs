//! PDA seeds and fixed addresses that the program checks in its handlers (it creates its
//! accounts at canonical addresses itself, to keep its compute low) and that Anchor's IDL
//! generator therefore cannot see. Written into the IDL so that a client resolves every
//! derivable account from the signers, the task and the arguments.
//!
//! Each seed list mirrors the program's `state::seeds` and the SDK's `pda.rs`; the TypeScript
//! lifecycle test (clients/ts) resolves accounts through these seeds against the real .so, so a
//! wrong seed fails it. Accounts with no entry here are roots the caller names (the task, a
//! node by its operator, a round to crank, a list to append to) or are not derivable from the
//! instruction (a shard's number is `node.index / SHARD_NODES`).
use anchor_lang_idl::types::{
    Idl, IdlInstructionAccountItem, IdlPda, IdlSeed, IdlSeedAccount, IdlSeedArg, IdlSeedConst,
};

const SLOT_HASHES: &str = "SysvarS1otHashes111111111111111111111111111";

fn c(bytes: &[u8]) -> IdlSeed {
    IdlSeed::Const(IdlSeedConst {
        value: bytes.to_vec(),
    })
}

/// Another account's key.
fn key(path: &str) -> IdlSeed {
    IdlSeed::Account(IdlSeedAccount {
        path: path.into(),
        account: None,
    })
}

/// A field of another account (`account.field`), whose type the client decodes.
fn field(path: &str, account: &str) -> IdlSeed {
    IdlSeed::Account(IdlSeedAccount {
        path: path.into(),
        account: Some(account.into()),
    })
}

fn arg(path: &str) -> IdlSeed {
    IdlSeed::Arg(IdlSeedArg { path: path.into() })
}

/// The seeds of account `account` of instruction `ix`, given the names of the instruction's
/// accounts; `None` when it is not a PDA derivable from the instruction.
fn seeds(ix: &str, account: &str, names: &[String]) -> Option<Vec<IdlSeed>> {
    let has = |n: &str| names.iter().any(|x| x == n);
    let round_arg = || arg("args.round");
    Some(match (ix, account) {
        ("create_task", "task") => vec![c(b"task"), key("authority"), arg("args.task_id")],
        // Vaults and the index pool hang off the task wherever they appear.
        (_, "bounty_vault") if has("task") => vec![c(b"bounty"), key("task")],
        (_, "stake_vault") if has("task") => vec![c(b"stake"), key("task")],
        (_, "slash_vault") if has("task") => vec![c(b"slashed"), key("task")],
        (_, "index_pool") if has("task") => vec![c(b"indexes"), key("task")],
        // A node by its authority (the cold key) where the authority signs.
        (_, "node") if has("task") && has("authority") => {
            vec![c(b"node"), key("task"), key("authority")]
        }
        ("open_round" | "submit" | "raise_audit" | "begin_distribution", "round") => {
            vec![c(b"round"), key("task"), round_arg()]
        }
        ("vote", "round") => vec![
            c(b"round"),
            field("audit.task", "Audit"),
            field("audit.round", "Audit"),
        ],
        ("resolve_audit", "round") => {
            vec![c(b"round"), key("task"), field("audit.round", "Audit")]
        }
        ("seal_distribution" | "close_distribution", "round") => vec![
            c(b"round"),
            key("task"),
            field("list.round", "DistributionList"),
        ],
        ("finalize_distribution", "round") => vec![
            c(b"round"),
            field("list.task", "DistributionList"),
            field("list.round", "DistributionList"),
        ],
        ("submit", "submission") => {
            vec![c(b"submission"), key("task"), round_arg(), key("node")]
        }
        ("raise_audit", "target_submission") => {
            vec![c(b"submission"), key("task"), round_arg(), key("target")]
        }
        ("raise_audit", "audit") => vec![
            c(b"audit"),
            key("task"),
            round_arg(),
            arg("args.kind"),
            key("target"),
        ],
        ("vote", "vote") => vec![c(b"vote"), key("audit"), key("voter")],
        ("begin_distribution" | "claim_reward" | "pay_rewards", "list") => vec![
            c(b"distribution"),
            key("task"),
            round_arg(),
            arg("args.attempt"),
        ],
        ("raise_audit", "list") => vec![
            c(b"distribution"),
            key("task"),
            round_arg(),
            field("round.distribution_attempt", "Round"),
        ],
        ("resolve_audit", "list") => vec![
            c(b"distribution"),
            key("task"),
            field("audit.round", "Audit"),
            field("audit.attempt", "Audit"),
        ],
        _ => return None,
    })
}

/// Fixed addresses of sysvars the handlers check by key.
fn address(account: &str) -> Option<&'static str> {
    match account {
        "slot_hashes" => Some(SLOT_HASHES),
        _ => None,
    }
}

/// Relations (`account` is the field of that name in the listed accounts) of the node
/// instructions that read their Node by hand (`Node::member`, for the `NotAMember` error):
/// the checks are the ones `has_one` made, so the IDL keeps what `has_one` described.
fn relations(ix: &str, account: &str) -> &'static [&'static str] {
    match (ix, account) {
        (
            "submit" | "begin_distribution" | "claim_reward" | "add_stake" | "withdraw_stake"
            | "request_unstake" | "set_operator" | "set_reward_account",
            "task",
        ) => &["node"],
        ("submit" | "begin_distribution", "operator") => &["node"],
        (
            "add_stake" | "withdraw_stake" | "request_unstake" | "set_operator"
            | "set_reward_account",
            "authority",
        ) => &["node"],
        ("claim_reward", "reward_account") => &["node"],
        ("raise_audit", "task") => &["raiser"],
        ("raise_audit", "operator") => &["raiser"],
        ("vote", "operator") => &["voter"],
        _ => &[],
    }
}

/// Adds the seeds and addresses above to `idl`; returns how many accounts got each.
pub fn describe(idl: &mut Idl) -> (usize, usize) {
    let (mut pdas, mut addresses) = (0, 0);
    for ix in &mut idl.instructions {
        let names: Vec<String> = ix
            .accounts
            .iter()
            .filter_map(|a| match a {
                IdlInstructionAccountItem::Single(a) => Some(a.name.clone()),
                IdlInstructionAccountItem::Composite(_) => None,
            })
            .collect();
        for item in &mut ix.accounts {
            let IdlInstructionAccountItem::Single(acc) = item else {
                continue;
            };
            if acc.pda.is_none() {
                if let Some(seeds) = seeds(&ix.name, &acc.name, &names) {
                    acc.pda = Some(IdlPda {
                        seeds,
                        program: None,
                    });
                    pdas += 1;
                }
            }
            for r in relations(&ix.name, &acc.name) {
                if !acc.relations.iter().any(|x| x == r) {
                    acc.relations.push((*r).to_string());
                }
            }
            if acc.address.is_none() {
                if let Some(a) = address(&acc.name) {
                    acc.address = Some(a.into());
                    addresses += 1;
                }
            }
        }
    }
    (pdas, addresses)
}
