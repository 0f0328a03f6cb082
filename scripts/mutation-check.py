#!/usr/bin/env python3
"""Removes each security guard in turn, rebuilds the real .so and runs the test written for
it, which must then FAIL; restores the source afterwards. Run by hand (about a minute per
guard): `python3 scripts/mutation-check.py`. Results are listed in docs/threat-model.md."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
P = "programs/gradual/src/"

MUTATIONS = [
    ("hole 1: vote address not checked", P + "instructions/vote.rs",
     "    let bump = [token_utils::expect_canonical(\n        &a.vote,",
     "    let bump = [token_utils::canonical_pda_bump_only(\n        &a.vote,",
     "security", "non_canonical_bump_vote_is_refused"),
    ("hole 4: payout usability not checked", P + "instructions/resolve_audit.rs",
     "    let to_raiser = if payout_ok { raiser_share } else { 0 };",
     "    let to_raiser = raiser_share;",
     "security", "closed_raiser_payout_cannot_block_resolution"),
    ("hole 5: recent bucket counted for earlier rounds", P + "state/node.rs",
     "        if round < self.recent_activation_round {\n            stake = stake.saturating_sub(self.recent_stake);",
     "        if false && round < self.recent_activation_round {\n            stake = stake.saturating_sub(self.recent_stake);",
     "security", "stake_added_later_never_counts_for_an_earlier_round"),
    ("hole 6: MintCloseAuthority accepted", P + "token_utils.rs",
     "const ALLOWED_MINT_EXTENSIONS: [ExtensionType; 7] = [\n",
     "const ALLOWED_MINT_EXTENSIONS: [ExtensionType; 8] = [\n    ExtensionType::MintCloseAuthority,\n",
     "security", "mints_that_can_be_recreated_or_frozen_are_refused_unless_trusted"),
    ("hole 7: withdrawal during an open audit", P + "instructions/withdraw_stake.rs",
     "    require!(node.open_audits == 0, GradualError::OpenAuditAgainstNode);",
     "",
     "security", "target_of_an_open_audit_cannot_withdraw"),
    ("hole 8: selection before a slot hash of the attempt", P + "instructions/select_distributor.rs",
     "        SeedSource::NotYet => return err!(GradualError::SlotHashNotYetAvailable),",
     "        SeedSource::NotYet => ([0; 32].len() as u64, [0u8; 32], false),",
     "distribution", "selection_waits_for_a_slot_hash_after_the_attempt_start"),
    ("hole 10: paused task drops the worked round", P + "instructions/submit.rs",
     "        task.status == TaskStatus::Active || timeline.start_slot < task.paused_at_slot,",
     "        task.status == TaskStatus::Active,",
     "security", "pause_keeps_the_worked_round_and_close_waits_for_it"),
    ("hole 12: vault accepted as reward account", P + "instructions/join_task.rs",
     "    token_utils::require_not_vault(task, &a.reward_account.key())?;",
     "",
     "security", "reward_accounts_cannot_block_claims_or_cleanup"),
    ("14: a list position written twice", P + "instructions/append_distribution.rs",
     "        require!(!bitmap::get(filled, position), GradualError::WrongOffset);",
     "",
     "distribution", "lists_are_checked_as_they_arrive"),
    ("14: chunk borders not checked at seal", P + "instructions/seal_distribution.rs",
     "    check_borders(&a.list.to_account_info())?;",
     "",
     "distribution", "seal_checks_order_across_chunk_borders"),
    ("15: a paid entry paid again", P + "instructions/claim_reward.rs",
     "    if bitmap::get(claimed, i) {",
     "    if false && bitmap::get(claimed, i) {",
     "distribution", "batch_payouts_pay_every_entry_once"),
    ("17: assignment seed known during submissions", P + "instructions/raise_audit.rs",
     "seed_source(&a.slot_hashes.try_borrow_data()?, timeline.submission().end)",
     "seed_source(&a.slot_hashes.try_borrow_data()?, timeline.submission().start)",
     "jury", "the_assignment_seed_is_the_first_slot_hash_after_the_submission_window"),
    ("19: a non-juror votes", P + "instructions/vote.rs",
     "        require!(seats > 0, GradualError::NotAJuror);",
     "",
     "jury", "jurors_vote_in_seats_and_nobody_else_votes"),
    ("19: a juror votes twice", P + "state/audit.rs",
     "                core::cmp::Ordering::Equal => return Ok(false),",
     "                core::cmp::Ordering::Equal => break,",
     "jury", "jurors_vote_in_seats_and_nobody_else_votes"),
    ("21: an empty shard's address not checked", P + "instructions/merge_shards.rs",
     "                    &number.to_le_bytes(),\n                ],\n            )?;",
     "                    &number.to_le_bytes(),\n                ],\n            )\n            .ok();",
     "submit", "merge_shards_refuses_forged_or_incomplete_accounts"),
    ("22: shard rent to any payer", P + "instructions/merge_shards.rs",
     "            require_keys_eq!(payer.key(), paid_by, GradualError::WrongRentReceiver);",
     "",
     "submit", "merge_shards_refuses_forged_or_incomplete_accounts"),
    ("23: merge inside the submission window", P + "instructions/merge_shards.rs",
     "        slot >= view.header.timeline().submission().end,",
     "        slot >= view.header.timeline().submission().start,",
     "submit", "submissions_land_in_shards_and_are_merged_after_the_window"),
    ("23: selection before every shard is merged", P + "instructions/select_distributor.rs",
     "    require!(header.all_shards_merged(), GradualError::ShardsNotMerged);",
     "",
     "submit", "merge_shards_refuses_forged_or_incomplete_accounts"),
    ("23: a slashed submitter merged as a candidate", P + "instructions/merge_shards.rs",
     "            excluded += (new & (slashed[i] | failed[i])).count_ones();",
     "            excluded += (new & (slashed[i] | failed[i])).count_ones() * 0;",
     "submit", "a_submitter_slashed_before_the_merge_is_not_a_candidate"),
    ("25: a round closed before its shards are merged", P + "instructions/close_accounts.rs",
     "    require!(round.all_shards_merged(), GradualError::ShardsNotMerged);",
     "",
     "submit", "a_round_that_failed_unmerged_closes_only_after_its_merge"),
    ("24: any account proves a submission", P + "instructions/raise_audit.rs",
     "                    .is_some_and(|s| is_submission_of(s, &task_key, args.round, &target_key)),",
     "                    .is_some(),",
     "submit", "a_submitter_slashed_before_the_merge_is_not_a_candidate"),
]

HELPER = '''
/// (mutation-check only) the canonical bump without comparing the account's address.
pub fn canonical_pda_bump_only(_account: &AccountInfo, seeds: &[&[u8]]) -> Result<u8> {
    Ok(canonical_pda(seeds)?.1)
}
'''


def run(cmd):
    return subprocess.run(cmd, cwd=ROOT, shell=True, capture_output=True, text=True, executable="/bin/bash")


def main():
    only = sys.argv[1:]
    results = []
    for name, path, old, new, test_file, test in MUTATIONS:
        if only and not any(o in name for o in only):
            continue
        full = os.path.join(ROOT, path)
        original = open(full).read()
        if old not in original:
            results.append((name, "GUARD TEXT NOT FOUND (update this script)"))
            continue
        utils = os.path.join(ROOT, P + "token_utils.rs")
        utils_original = open(utils).read()
        try:
            open(full, "w").write(original.replace(old, new, 1))
            if "bump_only" in new:
                open(utils, "a").write(HELPER)
            os.utime(full)
            build = run("GRADUAL_SKIP_IDL=1 scripts/build.sh")
            if build.returncode != 0:
                results.append((name, "BUILD FAILED"))
                print(build.stderr[-2000:])
                continue
            out = run(f"source scripts/env.sh && RUST_LOG=error cargo test -p gradual-tests --test {test_file} -- {test} --exact")
            failed = "test result: FAILED" in out.stdout + out.stderr or " FAILED" in out.stdout
            if out.returncode == 0:
                verdict = "NOT CAUGHT"
            elif failed:
                verdict = "caught (test fails)"
            else:
                verdict = "ERROR (did not run: " + (out.stderr.strip().splitlines() or ["?"])[-1] + ")"
            results.append((name, verdict))
        finally:
            open(full, "w").write(original)
            open(utils, "w").write(utils_original)
            os.utime(full)
            os.utime(utils)
        print(f"{name}: {results[-1][1]}", flush=True)
    run("GRADUAL_SKIP_IDL=1 scripts/build.sh")
    for name, verdict in results:
        print(f"| {name} | {verdict} |")
    sys.exit(0 if all(v.startswith("caught") for _, v in results) else 1)


if __name__ == "__main__":
    main()
