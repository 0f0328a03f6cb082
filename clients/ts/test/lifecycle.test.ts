// A whole round through the generated client only, against the real program (.so) in litesvm:
// create, fund, join (3 nodes), open, submit (one forged proof), raise an audit, vote,
// merge, resolve (the forger is slashed), select, begin, append, seal, finalize, claim.
// Accounts are left to the generated `*Async` builders wherever the IDL's seeds derive them;
// the test passes only signers, mints, token accounts and the roots a caller names.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import {
  AccountRole,
  appendTransactionMessageInstructions,
  createTransactionMessage,
  generateKeyPairSigner,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Address,
  type Instruction,
  type KeyPairSigner,
} from '@solana/kit';
import { getCreateAccountInstruction } from '@solana-program/system';
import {
  TOKEN_PROGRAM_ADDRESS,
  getInitializeAccount3Instruction,
  getInitializeMint2Instruction,
  getMintSize,
  getMintToInstruction,
  getTokenDecoder,
  getTokenSize,
} from '@solana-program/token';
import { FailedTransactionMetadata, LiteSVM } from 'litesvm';
import { InstructionErrorCustom, TransactionErrorInstructionError } from 'litesvm/dist/internal';
import * as g from '../src/index.js';

const SO = resolve(process.env.SBF_OUT_DIR ?? resolve(__dirname, '../../../../target/deploy'), 'gradual.so');
const BUDGET = 1_000_000n;
const STAKE = 50_000n;

/** A failed transaction, with the program's custom error code when there is one. */
class TxError extends Error {
  constructor(
    readonly code: number | undefined,
    readonly logs: string[],
    text: string,
  ) {
    super(`${text}\n${logs.join('\n')}`);
  }
}

/** An `assert.rejects` check: the transaction failed with the program's error `code`. */
const programError = (code: number) => (e: unknown) => e instanceof TxError && e.code === code;

class Chain {
  readonly svm = new LiteSVM();
  cu: Record<string, bigint> = {};

  constructor(readonly payer: KeyPairSigner) {
    this.svm.addProgramFromFile(g.GRADUAL_PROGRAM_ADDRESS, SO);
    this.svm.airdrop(payer.address, lamports(100_000_000_000n));
  }

  async send(label: string, ixs: Instruction[]): Promise<void> {
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(this.payer, m),
      (m) =>
        setTransactionMessageLifetimeUsingBlockhash(
          { blockhash: this.svm.latestBlockhash(), lastValidBlockHeight: 0n },
          m,
        ),
      (m) => appendTransactionMessageInstructions(ixs, m),
    );
    const tx = await signTransactionMessageWithSigners(message);
    const out = this.svm.sendTransaction(tx);
    // A fresh blockhash per transaction, so two identical ones are not de-duplicated.
    this.svm.expireBlockhash();
    if (out instanceof FailedTransactionMetadata) {
      const err = out.err();
      const inner = err instanceof TransactionErrorInstructionError ? err.err() : undefined;
      const code = inner instanceof InstructionErrorCustom ? inner.code : undefined;
      throw new TxError(code, out.meta().logs(), `${label} failed: ${out.toString()}`);
    }
    this.cu[label] = out.computeUnitsConsumed();
  }

  slot(): bigint {
    return this.svm.getClock().slot;
  }

  /** Moves to `slot`, with a SlotHashes entry for the slot before it (as a cluster has). */
  warp(slot: bigint): void {
    this.svm.warpToSlot(slot);
    const [entry] = this.svm.getSlotHashes();
    entry.slot = slot - 1n;
    this.svm.setSlotHashes([entry]);
  }

  data(address: Address): Uint8Array {
    const account = this.svm.getAccount(address);
    assert.ok(account.exists, `account ${address} missing`);
    return account.data as Uint8Array;
  }

  encoded(address: Address) {
    const account = this.svm.getAccount(address);
    assert.ok(account.exists, `account ${address} missing`);
    return account;
  }

  tokenBalance(address: Address): bigint {
    return getTokenDecoder().decode(this.data(address)).amount;
  }
}

async function mint(chain: Chain, authority: KeyPairSigner): Promise<Address> {
  const mint = await generateKeyPairSigner();
  const space = BigInt(getMintSize());
  await chain.send('create mint', [
    getCreateAccountInstruction({
      payer: chain.payer,
      newAccount: mint,
      lamports: chain.svm.minimumBalanceForRentExemption(space),
      space,
      programAddress: TOKEN_PROGRAM_ADDRESS,
    }),
    getInitializeMint2Instruction({ mint: mint.address, decimals: 6, mintAuthority: authority.address }),
  ]);
  return mint.address;
}

async function tokenAccount(
  chain: Chain,
  mintAddress: Address,
  owner: Address,
  mintAuthority: KeyPairSigner,
  amount: bigint,
): Promise<Address> {
  const account = await generateKeyPairSigner();
  const space = BigInt(getTokenSize());
  const ixs: Instruction[] = [
    getCreateAccountInstruction({
      payer: chain.payer,
      newAccount: account,
      lamports: chain.svm.minimumBalanceForRentExemption(space),
      space,
      programAddress: TOKEN_PROGRAM_ADDRESS,
    }),
    getInitializeAccount3Instruction({ account: account.address, mint: mintAddress, owner }),
  ];
  if (amount > 0n) {
    ixs.push(
      getMintToInstruction({ mint: mintAddress, token: account.address, mintAuthority, amount }),
    );
  }
  await chain.send('create token account', ixs);
  return account.address;
}

interface Member {
  key: KeyPairSigner;
  node: Address;
  index: number;
  stakeAccount: Address;
  rewardAccount: Address;
}

test('a round from task creation to claimed rewards, through the generated client only', async (t) => {
  if (!existsSync(SO)) {
    assert.fail(`${SO} missing: run scripts/build.sh (or make build) first`);
  }
  const chain = new Chain(await generateKeyPairSigner());
  const creator = await generateKeyPairSigner();
  chain.svm.airdrop(creator.address, lamports(10_000_000_000n));
  const rewardMint = await mint(chain, creator);
  const stakeMint = await mint(chain, creator);
  const creatorRewards = await tokenAccount(chain, rewardMint, creator.address, creator, 3n * BUDGET);

  // create_task: the task and its vaults are derived from the authority and the task id.
  const taskId = 7n;
  const [task] = await g.findTaskPda({ authority: creator.address, taskId });
  const start = chain.slot() + 20n;
  const config = {
    roundSlots: 100n,
    submissionSlots: 20n,
    auditSlots: 30n,
    distributionSlots: 20n,
    distributionAuditSlots: 20n,
    bountyPerRound: BUDGET,
    minimumStake: 10_000n,
    unbondRounds: 2n,
    quorumBps: 5_000,
    slashBps: 7_000,
    auditorRewardBps: 1_000,
    maxDistributionAttempts: 3,
  };
  await chain.send('create_task', [
    await g.getCreateTaskInstructionAsync({
      authority: creator,
      rewardMint,
      stakeMint,
      rewardTokenProgram: TOKEN_PROGRAM_ADDRESS,
      stakeTokenProgram: TOKEN_PROGRAM_ADDRESS,
      taskId,
      startSlot: start,
      maxNodes: 64,
      config,
      trustFlags: 0,
      auditSample: 0,
      jurySize: 0,
    }),
  ]);
  const [bountyVault] = await g.findBountyVaultPda({ task });
  const [slashVault] = await g.findSlashVaultPda({ task });
  await chain.send('fund_task', [
    await g.getFundTaskInstructionAsync({
      funder: creator,
      task,
      rewardMint,
      funderTokenAccount: creatorRewards,
      amount: 3n * BUDGET,
    }),
  ]);
  assert.equal(chain.tokenBalance(bountyVault), 3n * BUDGET);

  // Three nodes join; each node's key is both its authority and its operator.
  const members: Member[] = [];
  for (let i = 0; i < 3; i++) {
    const key = await generateKeyPairSigner();
    chain.svm.airdrop(key.address, lamports(10_000_000_000n));
    const stakeAccount = await tokenAccount(chain, stakeMint, key.address, creator, STAKE);
    const rewardAccount = await tokenAccount(chain, rewardMint, key.address, creator, 0n);
    await chain.send('join_task', [
      await g.getJoinTaskInstructionAsync({
        authority: key,
        task,
        stakeMint,
        authorityStakeAccount: stakeAccount,
        rewardAccount,
        stake: STAKE,
        operator: key.address,
      }),
    ]);
    const [node] = await g.findNodePda({ task, authority: key.address });
    const decoded = g.decodeNode(chain.encoded(node));
    assert.equal(decoded.data.authority, key.address);
    assert.equal(decoded.data.activeStake + decoded.data.pendingStake, STAKE);
    members.push({ key, node, index: decoded.data.index, stakeAccount, rewardAccount });
  }
  const taskState = g.decodeTask(chain.encoded(task)).data;
  assert.equal(taskState.nodeCount, 3);
  assert.equal(taskState.totalFunded, 3n * BUDGET);
  const [alice, bob, mallory] = members;

  // Round 0's submission window: open the round, submit (Mallory forges her proof).
  const roundNumber = 0n;
  const submissionStart = start + config.roundSlots;
  chain.warp(submissionStart);
  await chain.send('open_round', [
    await g.getOpenRoundInstructionAsync({ payer: alice.key, task, roundNumber }),
  ]);
  const [round] = await g.findRoundPda({ task, roundNumber });
  const [shard] = await g.findShardPda({ task, roundNumber, shard: g.shardOf(alice.index) });
  for (const m of members) {
    const proof = new TextEncoder().encode(m === mallory ? 'forged' : `work-0-${m.index}`);
    await chain.send('submit', [
      await g.getSubmitInstructionAsync({
        operator: m.key,
        task,
        node: m.node,
        shard,
        roundNumber,
        proof: [proof],
      }),
    ]);
  }
  const [aliceSubmission] = await g.findSubmissionPda({ task, roundNumber, node: alice.node });
  assert.equal(g.decodeSubmission(chain.encoded(aliceSubmission)).data.nodeIndex, alice.index);

  await t.test('a rejected call fails with the program’s named error and changes nothing', async () => {
    const before = chain.data(shard);
    await assert.rejects(
      async () =>
        chain.send('submit again', [
          await g.getSubmitInstructionAsync({
            operator: alice.key,
            task,
            node: alice.node,
            shard,
            roundNumber,
            proof: [new TextEncoder().encode('again')],
          }),
        ]),
      programError(g.GRADUAL_ERROR__ALREADY_SUBMITTED),
    );
    assert.deepEqual(chain.data(shard), before);
    assert.match(g.getGradualErrorMessage(g.GRADUAL_ERROR__ALREADY_SUBMITTED), /already/i);
  });

  await t.test('a key that never joined gets NotAMember', async () => {
    const stranger = await generateKeyPairSigner();
    chain.svm.airdrop(stranger.address, lamports(1_000_000_000n));
    const [strangerNode] = await g.findNodePda({ task, authority: stranger.address });
    await assert.rejects(
      async () =>
        chain.send('submit by a stranger', [
          await g.getSubmitInstructionAsync({
            operator: stranger,
            task,
            node: strangerNode,
            shard,
            roundNumber,
            proof: [new TextEncoder().encode('x')],
          }),
        ]),
      programError(g.GRADUAL_ERROR__NOT_A_MEMBER),
    );
  });

  // Alice accuses Mallory's proof; Bob agrees. Audit, vote and target submission are derived.
  await chain.send('raise_audit', [
    await g.getRaiseAuditInstructionAsync({
      operator: alice.key,
      task,
      raiser: alice.node,
      target: mallory.node,
      raiserPayout: alice.stakeAccount,
      roundNumber,
      kind: g.AuditKind.Submission,
    }),
  ]);
  const [audit] = await g.findAuditPda({
    task,
    roundNumber,
    kind: g.AuditKind.Submission,
    target: mallory.node,
  });
  await chain.send('vote', [
    await g.getCastVoteInstructionAsync({
      operator: bob.key,
      voter: bob.node,
      audit,
      round,
      approve: true,
    }),
  ]);
  const openAudit = g.decodeAudit(chain.encoded(audit)).data;
  assert.equal(openAudit.status, g.AuditStatus.Open);
  assert.equal(openAudit.forStake, 2n * STAKE);

  // After the audit window: merge the round's shard, resolve the audit (Mallory is slashed).
  const auditEnd = submissionStart + config.submissionSlots + config.auditSlots;
  chain.warp(auditEnd);
  const merge = g.getMergeShardsInstruction({ round, shards: 1n });
  await chain.send('merge_shards', [
    {
      ...merge,
      accounts: [
        ...merge.accounts,
        { address: shard, role: AccountRole.WRITABLE },
        { address: alice.key.address, role: AccountRole.WRITABLE },
      ],
    },
  ]);
  await chain.send('resolve_audit', [
    await g.getResolveAuditInstructionAsync({
      task,
      round,
      audit,
      target: mallory.node,
      stakeMint,
      raiserPayout: alice.stakeAccount,
      slashDestination: slashVault,
    }),
  ]);
  assert.equal(g.decodeAudit(chain.encoded(audit)).data.status, g.AuditStatus.Upheld);
  let view = g.decodeRoundView(chain.data(round));
  assert.equal(view.header.round, roundNumber);
  assert.equal(view.header.maxNodes, 64);
  assert.deepEqual(view.submitted.ones(), [alice.index, bob.index, mallory.index].sort());
  assert.deepEqual(view.slashed.ones(), [mallory.index]);
  const slashed = (STAKE * 7_000n) / 10_000n;
  // Alice staked all she had: her payout account now holds only her share of the slash.
  const raiserShare = (slashed * 1_000n) / 10_000n;
  assert.equal(chain.tokenBalance(alice.stakeAccount), raiserShare);
  assert.equal(chain.tokenBalance(slashVault), slashed - raiserShare);

  // Distribution attempt 0: select, then the selected node uploads the equal split.
  const uploadStart = start + 2n * config.roundSlots;
  chain.warp(uploadStart + 1n);
  await chain.send('select_distributor', [g.getSelectDistributorInstruction({ round })]);
  view = g.decodeRoundView(chain.data(round));
  assert.equal(view.header.distributionStatus, g.DistributionStatus.Selected);
  const distributor = members.find((m) => m.index === view.header.selectedNode);
  assert.ok(distributor && distributor !== mallory, 'an honest node is selected');
  const paid = [alice, bob].sort((a, b) => a.index - b.index);
  const entries = paid.map((m) => ({ nodeIndex: m.index, amount: BUDGET / 2n }));
  const attempt = 0;
  await chain.send('begin_distribution', [
    await g.getBeginDistributionInstructionAsync({
      operator: distributor.key,
      task,
      node: distributor.node,
      roundNumber,
      attempt,
      entryCount: entries.length,
      total: BUDGET,
    }),
  ]);
  const [list] = await g.findListPda({ task, roundNumber, attempt });
  await chain.send('append_distribution', [
    g.getAppendDistributionInstruction({ operator: distributor.key, list, offset: 0, entries }),
  ]);
  await chain.send('seal_distribution', [
    await g.getSealDistributionInstructionAsync({ operator: distributor.key, task, round, list }),
  ]);
  assert.equal(g.decodeRoundView(chain.data(round)).header.distributionStatus, g.DistributionStatus.Sealed);

  // After the list's audit window: finalize, then each paid node claims its entry.
  chain.warp(uploadStart + config.distributionSlots + config.distributionAuditSlots);
  await chain.send('finalize_distribution', [g.getFinalizeDistributionInstruction({ round, list })]);
  for (const [entryIndex, m] of paid.entries()) {
    await chain.send('claim_reward', [
      await g.getClaimRewardInstructionAsync({
        task,
        node: m.node,
        rewardAccount: m.rewardAccount,
        rewardMint,
        roundNumber,
        attempt,
        entryIndex,
      }),
    ]);
    assert.equal(chain.tokenBalance(m.rewardAccount), BUDGET / 2n);
  }
  assert.equal(chain.tokenBalance(mallory.rewardAccount), 0n);

  const listView = g.decodeDistributionListView(chain.data(list));
  assert.equal(listView.header.status, g.ListStatus.Accepted);
  assert.deepEqual(listView.entries, entries);
  assert.deepEqual(listView.claimed.ones(), [0, 1]);
  assert.deepEqual(listView.candidates.ones(), paid.map((m) => m.index));
  assert.equal(g.decodeRoundView(chain.data(round)).header.distributionStatus, g.DistributionStatus.Accepted);
  assert.equal(chain.tokenBalance(bountyVault), 2n * BUDGET);

  console.log('compute units per instruction (litesvm):', JSON.stringify(chain.cu, (_, v) => (typeof v === 'bigint' ? Number(v) : v)));
});
