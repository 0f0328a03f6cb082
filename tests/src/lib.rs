//! Fixtures for the integration tests: the real `gradual.so` in solana-program-test (BPF
//! execution), SPL mints (Token or Token-2022), funded keypairs, a task and staked nodes in one
//! call, plus the assertion helpers every test file uses.
#![allow(deprecated)]

use anchor_lang::{prelude::Pubkey, AccountDeserialize, AnchorDeserialize, Discriminator};
use base64::Engine as _;
use gradual::{
    errors::GradualError,
    instructions::CreateTaskArgs,
    state::{
        Audit, AuditKind, DistributionEntry, Node, Round, RoundBitmap, RoundShard, Task, TaskConfig,
    },
};
use gradual_sdk::{ix, pda};
use solana_account::Account;
use solana_instruction::{error::InstructionError, Instruction};
use solana_keypair::Keypair;
use solana_program_pack::Pack;
use solana_program_test::{ProgramTest, ProgramTestContext};
use solana_signer::Signer;
use solana_transaction::Transaction;
use solana_transaction_error::TransactionError;
use std::{collections::BTreeMap, ops::Range, sync::Once};

pub use gradual_sdk::ix::TokenAccounts;

/// SPL Token (p-token in program-test 4.2.2).
pub const TOKEN: Pubkey = spl_token_interface::ID;
/// SPL Token-2022.
pub const TOKEN_2022: Pubkey = spl_token_2022_interface::ID;
/// Decimals of the test mints.
pub const DECIMALS: u8 = 6;
/// Tokens minted to every test wallet.
pub const WALLET_TOKENS: u64 = 1_000_000_000;

/// A config small enough to walk through in a test: rounds of 100 slots.
pub fn default_config() -> TaskConfig {
    TaskConfig {
        round_slots: 100,
        submission_slots: 20,
        audit_slots: 30,
        distribution_slots: 20,
        distribution_audit_slots: 20,
        bounty_per_round: 1_000_000,
        minimum_stake: 10_000,
        unbond_rounds: 2,
        quorum_bps: 5_000,
        slash_bps: 7_000,
        auditor_reward_bps: 1_000,
        max_distribution_attempts: 3,
    }
}

/// The result of one transaction: outcome, compute units, logs.
#[derive(Debug)]
pub struct Outcome {
    pub result: Result<(), TransactionError>,
    pub cu: u64,
    pub logs: Vec<String>,
}

impl Outcome {
    /// Panics with the logs unless the transaction succeeded.
    pub fn ok(self) -> Self {
        assert!(
            self.result.is_ok(),
            "transaction failed: {:?}\n{}",
            self.result,
            self.logs.join("\n")
        );
        self
    }

    /// The program events in the logs, as (discriminator, payload) pairs.
    pub fn events(&self) -> Vec<Vec<u8>> {
        self.logs
            .iter()
            .filter_map(|l| l.strip_prefix("Program data: "))
            .filter_map(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .collect()
    }

    /// Decodes every event of type `E` in the logs.
    pub fn events_of<E: AnchorDeserialize + Discriminator>(&self) -> Vec<E> {
        self.events()
            .into_iter()
            .filter(|raw| raw.starts_with(E::DISCRIMINATOR))
            .map(|raw| E::deserialize(&mut &raw[E::DISCRIMINATOR.len()..]).expect("event decodes"))
            .collect()
    }
}

/// Runs a signed transaction (legacy or v0) on `ctx`'s bank and collects its outcome.
pub async fn process_on(
    ctx: &mut ProgramTestContext,
    tx: impl Into<solana_transaction::versioned::VersionedTransaction>,
) -> Outcome {
    let res = ctx
        .banks_client
        .process_transaction_with_metadata(tx)
        .await
        .expect("banks transport");
    let meta = res.metadata.expect("metadata");
    Outcome {
        result: res.result,
        cu: meta.compute_units_consumed,
        logs: meta.log_messages,
    }
}

/// Anchor's custom error code of a program error.
pub fn error_code(e: GradualError) -> u32 {
    anchor_lang::error::ERROR_CODE_OFFSET + e as u32
}

/// Whether the transaction failed with exactly `expected`.
pub fn is_program_error(outcome: &Outcome, expected: GradualError) -> bool {
    matches!(
        &outcome.result,
        Err(TransactionError::InstructionError(_, InstructionError::Custom(code)))
            if *code == error_code(expected)
    )
}

/// Asserts the transaction failed in one of its instructions with exactly `expected`.
pub fn assert_program_error(outcome: &Outcome, expected: GradualError) {
    match &outcome.result {
        Err(TransactionError::InstructionError(_, InstructionError::Custom(code)))
            if *code == error_code(expected) => {}
        other => panic!(
            "expected {expected:?} ({}), got {other:?}\n{}",
            error_code(expected),
            outcome.logs.join("\n")
        ),
    }
    let name = format!("{expected:?}");
    assert!(
        outcome.logs.iter().any(|l| l.contains(&name)),
        "error name {name} not in logs"
    );
}

/// One staked node of a fixture.
pub struct TestNode {
    pub operator: Keypair,
    pub node: Pubkey,
    pub stake_account: Pubkey,
    pub reward_account: Pubkey,
}

/// A mint with its token program.
#[derive(Clone, Copy, Debug)]
pub struct TestMint {
    pub mint: Pubkey,
    pub token_program: Pubkey,
}

/// Options of [`TestContext::new`].
#[derive(Clone, Debug)]
pub struct Setup {
    /// Nodes to join (and their stake).
    pub nodes: usize,
    pub stake: u64,
    /// Use Token-2022 for both mints.
    pub token_2022: bool,
    /// One mint for stake and rewards.
    pub same_mint: bool,
    /// Bounty deposited after creation.
    pub fund: u64,
    /// Slots between now and round 0.
    pub start_delay: u64,
    pub max_nodes: u32,
    pub config: TaskConfig,
    /// Peers each node is assigned per round (0: all).
    pub audit_sample: u16,
    /// Expected jury seats per audit (0: whole-network vote).
    pub jury_size: u16,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            nodes: 3,
            stake: 50_000,
            token_2022: false,
            same_mint: false,
            fund: 10_000_000,
            start_delay: 50,
            max_nodes: gradual::constants::DEFAULT_MAX_NODES,
            config: default_config(),
            audit_sample: 0,
            jury_size: 0,
        }
    }
}

/// A running bank with the program, two mints, a created and funded task and staked nodes.
pub struct TestContext {
    pub ctx: ProgramTestContext,
    pub authority: Keypair,
    pub authority_reward_account: Pubkey,
    pub reward: TestMint,
    pub stake: TestMint,
    pub task: Pubkey,
    pub task_id: u64,
    pub nodes: Vec<TestNode>,
    /// Successful claims as (round, node position): the no-double-reward ledger.
    pub claims: Vec<(u64, usize)>,
    keys: u64,
}

static SBF_DIR: Once = Once::new();

/// Starts a bank that runs `gradual.so` from `$SBF_OUT_DIR` (default: `<repo>/target/deploy`).
pub async fn start_bank() -> ProgramTestContext {
    SBF_DIR.call_once(|| {
        if std::env::var_os("SBF_OUT_DIR").is_none() {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/deploy");
            // Set once, before any bank starts, from the only thread touching it.
            unsafe { std::env::set_var("SBF_OUT_DIR", dir) };
        }
    });
    let dir = std::path::PathBuf::from(std::env::var("SBF_OUT_DIR").expect("SBF_OUT_DIR"));
    assert!(
        dir.join("gradual.so").exists(),
        "{}/gradual.so is missing: run scripts/build.sh (make build) first",
        dir.display()
    );
    let mut pt = ProgramTest::default();
    pt.prefer_bpf(true);
    pt.add_program("gradual", gradual::ID, None);
    pt.start_with_context().await
}

impl TestContext {
    /// The default fixture: 3 nodes staked with 50,000 each on a funded SPL Token task.
    pub async fn new() -> Self {
        Self::with(Setup::default()).await
    }

    /// A fixture built from `setup`.
    pub async fn with(setup: Setup) -> Self {
        let ctx = start_bank().await;
        let mut t = Self {
            ctx,
            keys: 0,
            authority_reward_account: Pubkey::default(),
            reward: TestMint {
                mint: Pubkey::default(),
                token_program: TOKEN,
            },
            stake: TestMint {
                mint: Pubkey::default(),
                token_program: TOKEN,
            },
            task: Pubkey::default(),
            task_id: 7,
            nodes: vec![],
            claims: vec![],
            authority: Keypair::new_from_array([0; 32]),
        };
        t.authority = t.keypair();
        let program = if setup.token_2022 { TOKEN_2022 } else { TOKEN };
        t.airdrop(&t.authority.pubkey(), 10_000_000_000).await;
        t.reward = t.create_mint(program).await;
        t.stake = if setup.same_mint {
            t.reward
        } else {
            t.create_mint(program).await
        };
        t.authority_reward_account = t.wallet(t.reward, &t.authority.pubkey()).await;

        let start_slot = t.slot().await + setup.start_delay;
        let args = CreateTaskArgs {
            task_id: t.task_id,
            start_slot,
            max_nodes: setup.max_nodes,
            config: setup.config,
            trust_flags: 0,
            audit_sample: setup.audit_sample,
            jury_size: setup.jury_size,
        };
        let auth = t.authority.insecure_clone();
        t.send(&[t.create_task_ix(args)], &[&auth]).await.ok();
        t.task = pda::task(&t.authority.pubkey(), t.task_id).0;
        if setup.fund > 0 {
            let ix = ix::fund_task(
                t.authority.pubkey(),
                t.task,
                t.reward_accounts(t.authority_reward_account),
                setup.fund,
            );
            t.send(&[ix], &[&auth]).await.ok();
        }
        for _ in 0..setup.nodes {
            let n = t.new_operator().await;
            t.join(&n, setup.stake).await.ok();
            t.nodes.push(n);
        }
        t
    }

    /// The next keypair of a deterministic sequence: the same test derives the same PDAs, bumps
    /// and therefore compute units on every run.
    pub fn keypair(&mut self) -> Keypair {
        self.keys += 1;
        let mut secret = [0x5a; 32];
        secret[..8].copy_from_slice(&self.keys.to_le_bytes());
        Keypair::new_from_array(secret)
    }

    /// The `create_task` instruction of this fixture's authority and mints.
    pub fn create_task_ix(&self, args: CreateTaskArgs) -> Instruction {
        ix::create_task(
            self.authority.pubkey(),
            self.reward.mint,
            self.reward.token_program,
            self.stake.mint,
            self.stake.token_program,
            args,
        )
    }

    /// Sends one transaction paid by the bank's payer, with a fresh blockhash.
    pub async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Outcome {
        let payer = self.ctx.payer.insecure_clone();
        let mut all: Vec<&Keypair> = vec![&payer];
        all.extend_from_slice(signers);
        self.send_signed(ixs, &payer, &all).await
    }

    /// Sends one transaction with `payer` as fee payer and only signer, as a node operator's
    /// own software does (one signature leaves room for a 100-entry list chunk).
    pub async fn send_as(&mut self, payer: &Keypair, ixs: &[Instruction]) -> Outcome {
        self.send_signed(ixs, payer, &[payer]).await
    }

    async fn send_signed(
        &mut self,
        ixs: &[Instruction],
        payer: &Keypair,
        signers: &[&Keypair],
    ) -> Outcome {
        let blockhash = self
            .ctx
            .get_new_latest_blockhash()
            .await
            .expect("blockhash");
        let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), signers, blockhash);
        let size = bincode_len(&tx);
        assert!(
            size <= 1_232,
            "transaction of {size} bytes exceeds the 1,232-byte packet limit"
        );
        self.process(tx).await
    }

    /// Sends `ixs` as a v0 transaction paid by the bank payer, its accounts (other than the
    /// payer and the programs) taken from an address lookup table written into the bank, and
    /// checks the packet limit and the account-lock limit (64) as a cluster would.
    pub async fn send_with_lookup_table(&mut self, ixs: &[Instruction]) -> Outcome {
        use solana_address_lookup_table_interface::state::{AddressLookupTable, LookupTableMeta};
        use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
        let payer = self.ctx.payer.insecure_clone();
        let programs: Vec<Pubkey> = ixs.iter().map(|i| i.program_id).collect();
        let mut addresses: Vec<Pubkey> = vec![];
        for a in ixs.iter().flat_map(|i| i.accounts.iter()) {
            if a.pubkey != payer.pubkey()
                && !programs.contains(&a.pubkey)
                && !addresses.contains(&a.pubkey)
            {
                addresses.push(a.pubkey);
            }
        }
        let table = Pubkey::new_unique();
        let data = AddressLookupTable {
            meta: LookupTableMeta {
                deactivation_slot: u64::MAX,
                last_extended_slot: 0,
                last_extended_slot_start_index: 0,
                authority: Some(payer.pubkey()),
                _padding: 0,
            },
            addresses: addresses.clone().into(),
        }
        .serialize_for_tests()
        .expect("lookup table");
        let lamports = self
            .ctx
            .banks_client
            .get_rent()
            .await
            .unwrap()
            .minimum_balance(data.len());
        self.ctx.set_account(
            &table,
            &solana_account::AccountSharedData::from(Account {
                lamports,
                data,
                owner: solana_sdk_ids::address_lookup_table::ID,
                executable: false,
                rent_epoch: 0,
            }),
        );
        let blockhash = self
            .ctx
            .get_new_latest_blockhash()
            .await
            .expect("blockhash");
        let message = v0::Message::try_compile(
            &payer.pubkey(),
            ixs,
            &[AddressLookupTableAccount {
                key: table,
                addresses,
            }],
            blockhash,
        )
        .expect("v0 message");
        let locked = message.account_keys.len()
            + message
                .address_table_lookups
                .iter()
                .map(|l| l.writable_indexes.len() + l.readonly_indexes.len())
                .sum::<usize>();
        assert!(
            locked <= 64,
            "{locked} accounts exceed the 64-account lock limit"
        );
        let size = 1 + 64 + bincode_v0_len(&message);
        assert!(
            size <= 1_232,
            "transaction of {size} bytes exceeds the 1,232-byte packet limit"
        );
        let tx = solana_transaction::versioned::VersionedTransaction::try_new(
            VersionedMessage::V0(message),
            &[&payer],
        )
        .expect("signed");
        self.process(tx).await
    }

    /// Runs a signed transaction (legacy or v0) and collects its outcome.
    async fn process(
        &mut self,
        tx: impl Into<solana_transaction::versioned::VersionedTransaction>,
    ) -> Outcome {
        process_on(&mut self.ctx, tx).await
    }

    /// The bank's current slot (from the Clock sysvar, as the program sees it).
    pub async fn slot(&mut self) -> u64 {
        let clock = self
            .account(&solana_sdk_ids::sysvar::clock::ID)
            .await
            .expect("clock sysvar");
        u64::from_le_bytes(clock.data[..8].try_into().expect("slot bytes"))
    }

    /// Moves the bank to `slot` (never backwards).
    pub async fn warp_to(&mut self, slot: u64) {
        let now = self.slot().await;
        if slot > now {
            self.ctx.warp_to_slot(slot).expect("warp");
        }
        assert!(self.slot().await >= slot);
    }

    /// `round`'s windows, from the task's schedule.
    async fn timeline(&mut self, round: u64) -> gradual::schedule::RoundTimeline {
        self.task()
            .await
            .schedule()
            .timeline(round)
            .expect("timeline")
    }

    /// Moves the bank to the first slot of `round`'s submission window.
    pub async fn warp_to_submission(&mut self, round: u64) {
        let start = self.timeline(round).await.submission().start;
        self.warp_to(start).await;
    }

    /// Moves the bank to the first slot after `round`'s submission window (shards can merge).
    pub async fn warp_past_submission(&mut self, round: u64) {
        let end = self.timeline(round).await.submission().end;
        self.warp_to(end).await;
    }

    /// Moves the bank into the work window of `round`.
    pub async fn warp_to_round(&mut self, round: u64) {
        let start = self
            .task()
            .await
            .schedule()
            .round_start(round)
            .expect("round start");
        self.warp_to(start).await;
    }

    pub async fn account(&self, address: &Pubkey) -> Option<Account> {
        self.ctx
            .banks_client
            .get_account(*address)
            .await
            .expect("banks")
    }

    /// Decodes an Anchor account.
    pub async fn anchor<T: AccountDeserialize>(&mut self, address: &Pubkey) -> T {
        let a = self.account(address).await.expect("account exists");
        assert_eq!(a.owner, gradual::ID, "owned by gradual");
        T::try_deserialize(&mut a.data.as_slice()).expect("decodes")
    }

    pub async fn task(&mut self) -> Task {
        let task = self.task;
        self.anchor(&task).await
    }

    pub async fn node(&mut self, i: usize) -> Node {
        let node = self.nodes[i].node;
        self.anchor(&node).await
    }

    /// The upload and list-audit windows of `round`'s distribution `attempt`.
    pub async fn attempt_windows(&mut self, round: u64, attempt: u16) -> (Range<u64>, Range<u64>) {
        let (header, ..) = self.round(round).await.expect("round opened");
        header
            .timeline()
            .distribution(attempt)
            .expect("attempt within max")
    }

    /// A round's header and its three bitmaps.
    pub async fn round(&mut self, round: u64) -> Option<(Round, Vec<u8>, Vec<u8>, Vec<u8>)> {
        let address = pda::round(&self.task, round).0;
        let a = self.account(&address).await?;
        assert_eq!(a.owner, gradual::ID);
        assert_eq!(&a.data[..8], Round::DISCRIMINATOR);
        let header: Round =
            anchor_lang::__private::bytemuck::pod_read_unaligned(&a.data[8..Round::HEADER_SPACE]);
        let bm = |w| {
            Round::bitmap(&a.data, header.max_nodes, w)
                .expect("bitmap")
                .to_vec()
        };
        Some((
            header,
            bm(RoundBitmap::Submitted),
            bm(RoundBitmap::Slashed),
            bm(RoundBitmap::FailedDistributor),
        ))
    }

    pub async fn token_balance(&self, address: &Pubkey) -> u64 {
        let a = self.account(address).await.expect("token account");
        // The base layout is the same for Token and Token-2022.
        spl_token_interface::state::Account::unpack_from_slice(&a.data[..165])
            .expect("token account")
            .amount
    }

    pub async fn airdrop(&mut self, to: &Pubkey, lamports: u64) {
        let ix =
            solana_system_interface::instruction::transfer(&self.ctx.payer.pubkey(), to, lamports);
        self.send(&[ix], &[]).await.ok();
    }

    /// Creates a mint whose authority is the bank payer.
    pub async fn create_mint(&mut self, token_program: Pubkey) -> TestMint {
        let mint = self.keypair();
        let payer = self.ctx.payer.pubkey();
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let len = spl_token_interface::state::Mint::LEN;
        let ixs = [
            solana_system_interface::instruction::create_account(
                &payer,
                &mint.pubkey(),
                rent.minimum_balance(len),
                len as u64,
                &token_program,
            ),
            spl_token_2022_interface::instruction::initialize_mint2(
                &token_program,
                &mint.pubkey(),
                &payer,
                None,
                DECIMALS,
            )
            .expect("init mint"),
        ];
        self.send(&ixs, &[&mint]).await.ok();
        TestMint {
            mint: mint.pubkey(),
            token_program,
        }
    }

    /// Creates a token account of `mint` owned by `owner`, holding WALLET_TOKENS.
    pub async fn wallet(&mut self, mint: TestMint, owner: &Pubkey) -> Pubkey {
        let account = self.token_account(mint, owner).await;
        self.mint_to(mint, &account, WALLET_TOKENS).await;
        account
    }

    /// Creates an empty token account of `mint` owned by `owner`.
    pub async fn token_account(&mut self, mint: TestMint, owner: &Pubkey) -> Pubkey {
        let account = self.keypair();
        let payer = self.ctx.payer.pubkey();
        let rent = self.ctx.banks_client.get_rent().await.expect("rent");
        let len = spl_token_interface::state::Account::LEN;
        let ixs = [
            solana_system_interface::instruction::create_account(
                &payer,
                &account.pubkey(),
                rent.minimum_balance(len),
                len as u64,
                &mint.token_program,
            ),
            spl_token_2022_interface::instruction::initialize_account3(
                &mint.token_program,
                &account.pubkey(),
                &mint.mint,
                owner,
            )
            .expect("init account"),
        ];
        self.send(&ixs, &[&account]).await.ok();
        account.pubkey()
    }

    pub async fn mint_to(&mut self, mint: TestMint, to: &Pubkey, amount: u64) {
        let payer = self.ctx.payer.pubkey();
        let ix = spl_token_2022_interface::instruction::mint_to(
            &mint.token_program,
            &mint.mint,
            to,
            &payer,
            &[],
            amount,
        )
        .expect("mint_to");
        self.send(&[ix], &[]).await.ok();
    }

    /// A funded operator with stake and reward token accounts, not yet joined.
    pub async fn new_operator(&mut self) -> TestNode {
        let operator = self.keypair();
        self.airdrop(&operator.pubkey(), 1_000_000_000).await;
        let stake_account = self.wallet(self.stake, &operator.pubkey()).await;
        let reward_account = self.token_account(self.reward, &operator.pubkey()).await;
        TestNode {
            node: pda::node(&self.task, &operator.pubkey()).0,
            operator,
            stake_account,
            reward_account,
        }
    }

    pub fn stake_accounts(&self, account: Pubkey) -> TokenAccounts {
        TokenAccounts {
            mint: self.stake.mint,
            account,
            token_program: self.stake.token_program,
        }
    }

    pub fn reward_accounts(&self, account: Pubkey) -> TokenAccounts {
        TokenAccounts {
            mint: self.reward.mint,
            account,
            token_program: self.reward.token_program,
        }
    }

    /// `join_task` for `node` with `stake`.
    pub async fn join(&mut self, node: &TestNode, stake: u64) -> Outcome {
        let ix = ix::join_task(
            node.operator.pubkey(),
            node.operator.pubkey(),
            self.task,
            self.stake_accounts(node.stake_account),
            node.reward_account,
            stake,
        );
        self.send(&[ix], &[&node.operator]).await
    }

    /// `submit` by node `i`.
    pub async fn submit(&mut self, i: usize, round: u64, proof: &[u8]) -> Outcome {
        let op = self.nodes[i].operator.insecure_clone();
        let index = self.node(i).await.index;
        let mut ixs = self.opens_needed(round, &op.pubkey()).await;
        ixs.push(ix::submit(
            op.pubkey(),
            pda::node(&self.task, &op.pubkey()).0,
            index,
            self.task,
            round,
            proof.to_vec(),
        ));
        self.send(&ixs, &[&op]).await
    }

    /// The `open_round` instructions `payer` sends before a submission of `round` (none once
    /// the Round is at full size), as the runner does.
    pub async fn opens_needed(&mut self, round: u64, payer: &Pubkey) -> Vec<Instruction> {
        let max_nodes = self.task().await.max_nodes;
        let len = self
            .account(&pda::round(&self.task, round).0)
            .await
            .map_or(0, |a| a.data.len());
        (0..ix::opens_needed(max_nodes, len))
            .map(|_| ix::open_round(*payer, self.task, round))
            .collect()
    }

    /// Shard `shard` of `round`, if it exists.
    pub async fn shard(&mut self, round: u64, shard: u16) -> Option<RoundShard> {
        let a = self
            .account(&pda::shard(&self.task, round, shard).0)
            .await?;
        assert_eq!(a.owner, gradual::ID);
        assert_eq!(&a.data[..8], RoundShard::DISCRIMINATOR);
        Some(anchor_lang::__private::bytemuck::pod_read_unaligned(
            &a.data[8..RoundShard::SPACE],
        ))
    }

    /// The shards of `round` not merged yet, with the payer of those that exist.
    pub async fn shards_to_merge(&mut self, round: u64) -> Vec<ix::ShardToMerge> {
        let Some((header, ..)) = self.round(round).await else {
            return vec![];
        };
        let mut out = vec![];
        for shard in 0..RoundShard::count(header.max_nodes) as u16 {
            if header.merged_shards & (1u64 << shard) != 0 {
                continue;
            }
            let payer = self
                .account(&pda::shard(&self.task, round, shard).0)
                .await
                .filter(|a| a.owner == gradual::ID)
                .map(|a| {
                    anchor_lang::__private::bytemuck::pod_read_unaligned::<RoundShard>(
                        &a.data[8..RoundShard::SPACE],
                    )
                    .payer
                });
            out.push(ix::ShardToMerge { shard, payer });
        }
        out
    }

    /// Cranks `merge_shards` for every shard of `round` not merged yet (in batches of
    /// `ix::SHARDS_PER_TX`); the outcomes of every transaction.
    pub async fn merge(&mut self, round: u64) -> Vec<Outcome> {
        let shards = self.shards_to_merge(round).await;
        let mut out = vec![];
        for batch in shards.chunks(ix::SHARDS_PER_TX) {
            out.push(
                self.send(&[ix::merge_shards(self.task, round, batch)], &[])
                    .await,
            );
        }
        out
    }

    /// Merges `round`'s shards if its submission window is over and some are not merged, as
    /// any runner does at the start of the audit window (the outcome is not checked here:
    /// tests of the merge itself call [`TestContext::merge`]).
    pub async fn ensure_merged(&mut self, round: u64) {
        let Some((header, ..)) = self.round(round).await else {
            return;
        };
        if !header.all_shards_merged() && self.slot().await >= header.timeline().submission().end {
            self.merge(round).await;
        }
    }

    /// Node `i` raises an audit of `kind` against node `target` for `round`; its stake account
    /// receives the raiser's share.
    pub async fn raise(&mut self, i: usize, round: u64, kind: AuditKind, target: usize) -> Outcome {
        let op = self.nodes[i].operator.insecure_clone();
        let list = if kind == AuditKind::Distribution {
            Some(self.current_list(round).await)
        } else {
            None
        };
        let ix = ix::raise_audit(
            op.pubkey(),
            pda::node(&self.task, &op.pubkey()).0,
            self.task,
            round,
            kind,
            self.nodes[target].node,
            self.nodes[i].stake_account,
            list,
        );
        self.send(&[ix], &[&op]).await
    }

    /// The audit PDA against node `target`.
    pub fn audit_address(&self, round: u64, kind: AuditKind, target: usize) -> Pubkey {
        pda::audit(&self.task, round, kind, &self.nodes[target].node).0
    }

    /// Node `i` votes on the audit against `target`.
    pub async fn vote(
        &mut self,
        i: usize,
        round: u64,
        kind: AuditKind,
        target: usize,
        approve: bool,
    ) -> Outcome {
        let op = self.nodes[i].operator.insecure_clone();
        let audit = self.audit_address(round, kind, target);
        let ix = ix::vote(
            op.pubkey(),
            pda::node(&self.task, &op.pubkey()).0,
            self.task,
            round,
            audit,
            approve,
        );
        self.send(&[ix], &[&op]).await
    }

    /// Resolves the audit against `target` (as a crank).
    pub async fn resolve(&mut self, round: u64, kind: AuditKind, target: usize) -> Outcome {
        let audit_key = self.audit_address(round, kind, target);
        let audit: Audit = self.anchor(&audit_key).await;
        let one_mint = self.stake.mint == self.reward.mint;
        let list = match kind {
            AuditKind::Distribution => Some(pda::distribution(&self.task, round, audit.attempt).0),
            AuditKind::Submission => None,
        };
        let ix = ix::resolve_audit(
            self.task,
            round,
            audit_key,
            audit.target,
            self.stake_accounts(Pubkey::default()),
            audit.raiser_payout,
            ix::slash_destination(&self.task, one_mint),
            list,
        );
        self.send(&[ix], &[]).await
    }

    /// The list address of `round`'s current attempt.
    pub async fn current_list(&mut self, round: u64) -> Pubkey {
        let (header, ..) = self.round(round).await.expect("round");
        pda::distribution(&self.task, round, header.distribution_attempt).0
    }

    /// Cranks `select_distributor` and returns the selected node's position in `nodes`.
    /// SlotHashes has no entry of the attempt's own slots in the bank the test warped to, so
    /// on `SlotHashNotYetAvailable` this moves one slot on and retries, as a crank would.
    pub async fn select(&mut self, round: u64) -> (Outcome, Option<usize>) {
        self.ensure_merged(round).await;
        let mut out = self
            .send(&[ix::select_distributor(self.task, round)], &[])
            .await;
        for _ in 0..3 {
            if !is_program_error(&out, GradualError::SlotHashNotYetAvailable) {
                break;
            }
            let next = self.slot().await + 1;
            self.warp_to(next).await;
            out = self
                .send(&[ix::select_distributor(self.task, round)], &[])
                .await;
        }
        let (header, ..) = self.round(round).await.expect("round");
        let chosen = self.position_of_index(header.selected_node).await;
        (out, chosen)
    }

    /// Position in `nodes` of the node with on-chain `index`.
    pub async fn position_of_index(&mut self, index: u32) -> Option<usize> {
        for i in 0..self.nodes.len() {
            if self.node(i).await.index == index {
                return Some(i);
            }
        }
        None
    }

    /// Node `i` uploads and seals `entries` for `round`/`attempt`: begin (with the grows that
    /// fit beside it), the other grows, then chunks of `ix::ENTRIES_PER_APPEND`.
    /// Returns the outcomes of every transaction, in that order.
    pub async fn upload_list(
        &mut self,
        i: usize,
        round: u64,
        attempt: u8,
        entries: &[DistributionEntry],
    ) -> Vec<Outcome> {
        let op = self.nodes[i].operator.insecure_clone();
        let total = entries.iter().map(|e| e.amount).sum();
        let max_nodes = self.round(round).await.map_or(0, |r| r.0.max_nodes);
        let mut outs = vec![];
        for group in ix::begin_distribution_txs(
            op.pubkey(),
            pda::node(&self.task, &op.pubkey()).0,
            self.task,
            round,
            attempt,
            max_nodes,
            entries.len() as u32,
            total,
        ) {
            outs.push(self.send_as(&op, &group).await.ok());
        }
        for (k, chunk) in entries.chunks(ix::ENTRIES_PER_APPEND).enumerate() {
            let offset = (k * ix::ENTRIES_PER_APPEND) as u32;
            let append = ix::append_distribution(
                op.pubkey(),
                self.task,
                round,
                attempt,
                offset,
                chunk.to_vec(),
            );
            outs.push(self.send_as(&op, &[append]).await.ok());
        }
        let seal = ix::seal_distribution(op.pubkey(), self.task, round, attempt);
        outs.push(self.send_as(&op, &[seal]).await.ok());
        outs
    }

    /// Claims entry `entry_index` of the accepted list for node `i` (sent by the bank payer).
    pub async fn claim(&mut self, i: usize, round: u64, attempt: u8, entry_index: u32) -> Outcome {
        let ix = ix::claim_reward(
            self.task,
            round,
            attempt,
            entry_index,
            self.nodes[i].node,
            self.reward_accounts(self.nodes[i].reward_account),
        );
        let out = self.send(&[ix], &[]).await;
        if out.result.is_ok() {
            // No double reward; no reward for a node slashed in that round.
            assert!(
                !self.claims.contains(&(round, i)),
                "node {i} paid twice for round {round}"
            );
            self.claims.push((round, i));
            if let Some((_, _, slashed, _)) = self.round(round).await {
                let index = self.node(i).await.index;
                assert!(
                    !gradual::bitmap::get(&slashed, index),
                    "slashed node {i} paid for round {round}"
                );
            }
        }
        out
    }

    /// The vault addresses of this task.
    pub fn vaults(&self) -> (Pubkey, Pubkey) {
        (
            pda::bounty_vault(&self.task).0,
            pda::stake_vault(&self.task).0,
        )
    }

    /// Raw state of `addresses`, to prove a failed call changed nothing.
    pub async fn snapshot(&mut self, addresses: &[Pubkey]) -> Snapshot {
        let mut s = BTreeMap::new();
        for a in addresses {
            s.insert(*a, self.account(a).await);
        }
        Snapshot(s)
    }

    /// The accounts a call on this task can touch: task, vaults, every node and its wallets.
    pub fn touched(&self) -> Vec<Pubkey> {
        let (bounty, stake) = self.vaults();
        let mut v = vec![self.task, bounty, stake, self.authority_reward_account];
        for n in &self.nodes {
            v.extend([
                n.node,
                n.stake_account,
                n.reward_account,
                n.operator.pubkey(),
            ]);
        }
        v
    }

    /// Asserts the invariants of PROTOCOL.md §5 that hold in every state this issue reaches:
    /// the stake vault holds exactly the stake the task accounts for, which is the sum of
    /// the nodes' stakes; the bounty vault covers the reserved rewards.
    pub async fn assert_invariants(&mut self) {
        let task = self.task().await;
        let (bounty, stake) = self.vaults();
        let vault = self.token_balance(&stake).await;
        let mut nodes_total = 0u64;
        for i in 0..self.nodes.len() {
            let Some(a) = self.account(&self.nodes[i].node).await else {
                continue;
            };
            let n = Node::try_deserialize(&mut a.data.as_slice()).expect("node");
            nodes_total += n.active_stake + n.pending_stake + n.unbonding;
        }
        let staked = task.staked_total().expect("no overflow");
        if self.stake.mint != self.reward.mint {
            assert_eq!(vault, staked, "stake vault = task stake accounting");
        }
        assert_eq!(
            staked, nodes_total,
            "task stake totals = sum of node stakes"
        );
        assert!(self.token_balance(&bounty).await >= task.reserved_rewards);
    }
}

/// Checks that docs/benchmarks.md has a row `| name | figure |` for every measurement, within
/// 10% of it, so the published numbers cannot go stale.
pub fn check_documented(measured: &BTreeMap<String, u64>) {
    let docs = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/benchmarks.md"
    ))
    .expect("docs/benchmarks.md");
    for (name, value) in measured {
        let row = docs
            .lines()
            .find(|l| l.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("docs/benchmarks.md has no row for {name}"));
        let documented: u64 = row
            .split('|')
            .nth(2)
            .and_then(|c| c.trim().replace(',', "").parse().ok())
            .unwrap_or_else(|| panic!("no figure in {row}"));
        let drift = documented.abs_diff(*value) as f64 / (*value).max(1) as f64;
        assert!(
            drift <= 0.10,
            "docs/benchmarks.md says {documented} for {name}, measured {value}: update it"
        );
    }
}

/// Prints a two-column Markdown table.
pub fn print_table(header: (&str, &str), rows: &BTreeMap<String, u64>) {
    println!("\n| {} | {} |\n|---|---:|", header.0, header.1);
    for (name, value) in rows {
        println!("| {name} | {value} |");
    }
}

/// Wire size of a legacy transaction (signatures + message), as the packet limit counts it.
pub fn bincode_len(tx: &Transaction) -> usize {
    gradual_sdk::chain::wire_size(tx)
}

/// Wire size of a v0 message (version prefix included).
pub fn bincode_v0_len(m: &solana_message::v0::Message) -> usize {
    use gradual_sdk::chain::{message_body_len, short_vec_len};
    let lookups: usize = m
        .address_table_lookups
        .iter()
        .map(|l| {
            32 + short_vec_len(l.writable_indexes.len())
                + l.writable_indexes.len()
                + short_vec_len(l.readonly_indexes.len())
                + l.readonly_indexes.len()
        })
        .sum();
    1 + message_body_len(
        m.account_keys.len(),
        m.instructions
            .iter()
            .map(|i| (i.accounts.len(), i.data.len())),
    ) + short_vec_len(m.address_table_lookups.len())
        + lookups
}

/// Account states captured by [`TestContext::snapshot`].
#[derive(Debug, PartialEq)]
pub struct Snapshot(BTreeMap<Pubkey, Option<Account>>);

impl Snapshot {
    /// Panics with the first differing account if `other` differs.
    pub fn assert_same(&self, other: &Snapshot) {
        for (k, v) in &self.0 {
            assert_eq!(Some(v), other.0.get(k), "account {k} changed");
        }
    }
}

/// Runs `f` on a call that must fail with `expected` and change none of the fixture's accounts.
#[macro_export]
macro_rules! assert_rejected {
    ($t:expr, $expected:expr, $call:expr) => {{
        let keys = $t.touched();
        let before = $t.snapshot(&keys).await;
        let outcome = $call;
        $crate::assert_program_error(&outcome, $expected);
        let after = $t.snapshot(&keys).await;
        before.assert_same(&after);
        outcome
    }};
}

/// A small seeded PRNG (xorshift64*) for the randomized tests: a failure reproduces from its
/// seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform-ish in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// `true` with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The environment variable `name` parsed, or `default` (seeds and sizes of randomized tests).
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
