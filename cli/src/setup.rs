//! Where the demo runs (the in-process test bank or a validator over RPC) and the SPL mints
//! and wallets it creates there.
use anchor_lang::{prelude::Pubkey, solana_program::instruction::Instruction};
use anyhow::{bail, Context, Result};
use gradual_sdk::{bank::BankChain, chain::Chain, rpc::RpcChain};
use solana_keypair::Keypair;
use solana_program_pack::Pack;
use solana_signer::Signer;
use std::{path::Path, sync::Arc, time::Duration};

/// A cluster the demo drives.
pub enum Cluster {
    /// solana-program-test running the real .so in-process; time moves by warping.
    Bank {
        chain: Arc<BankChain>,
        payer: Keypair,
    },
    /// A running validator; time moves by itself.
    Rpc {
        chain: Arc<RpcChain>,
        payer: Keypair,
        url: String,
    },
}

impl Cluster {
    /// Starts a bank with `program_dir/gradual.so`.
    pub async fn bank(program_dir: &Path) -> Result<Self> {
        let so = program_dir.join("gradual.so");
        if !so.exists() {
            bail!(
                "{} not found: build the program first (`make build`) or pass --program-dir",
                so.display()
            );
        }
        // program-test loads programs from SBF_OUT_DIR; set before the bank starts.
        unsafe { std::env::set_var("SBF_OUT_DIR", program_dir) };
        let mut pt = solana_program_test::ProgramTest::default();
        pt.prefer_bpf(true);
        pt.add_program("gradual", gradual::ID, None);
        let ctx = pt.start_with_context().await;
        let payer = ctx.payer.insecure_clone();
        Ok(Cluster::Bank {
            chain: Arc::new(BankChain::new(ctx)),
            payer,
        })
    }

    /// Connects to a validator, checks the program is deployed, funds a fresh payer.
    pub async fn rpc(url: &str) -> Result<Self> {
        let chain = Arc::new(RpcChain::new(url));
        let program = chain
            .account(&gradual::ID)
            .await
            .with_context(|| format!("cannot reach {url}: is the validator running?"))?;
        match program {
            Some(p) if p.owner != anchor_lang::solana_program::system_program::ID => {}
            _ => bail!("the gradual program {} is not deployed on {url}: start the validator with --bpf-program", gradual::ID),
        }
        let payer = Keypair::new();
        let sig = chain
            .client()
            .request_airdrop(&payer.pubkey(), 100_000_000_000)
            .await
            .context("airdrop failed: is this a local validator with a faucet?")?;
        for _ in 0..60 {
            if chain
                .client()
                .confirm_transaction(&sig)
                .await
                .unwrap_or(false)
            {
                return Ok(Cluster::Rpc {
                    chain,
                    payer,
                    url: url.to_string(),
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        bail!("airdrop to {} not confirmed", payer.pubkey())
    }

    /// The chain.
    pub fn chain(&self) -> Arc<dyn Chain> {
        match self {
            Cluster::Bank { chain, .. } => chain.clone(),
            Cluster::Rpc { chain, .. } => chain.clone(),
        }
    }

    /// The fee payer (also mint authority and task authority in the demo).
    pub fn payer(&self) -> &Keypair {
        match self {
            Cluster::Bank { payer, .. } | Cluster::Rpc { payer, .. } => payer,
        }
    }

    /// One line for the banner.
    pub fn describe(&self) -> String {
        match self {
            Cluster::Bank { .. } => "the in-process test bank (real gradual.so)".into(),
            Cluster::Rpc { url, .. } => url.clone(),
        }
    }

    /// Waits (validator) or warps (bank) until `slot`.
    pub async fn advance_to(&self, slot: u64) -> Result<()> {
        match self {
            Cluster::Bank { chain, .. } => Ok(chain.warp_to(slot).await?),
            Cluster::Rpc { chain, .. } => {
                while chain.slot().await? < slot {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Ok(())
            }
        }
    }

    /// Lets the bank's scans see accounts created before the runners started.
    pub fn track_nodes(&self, task: Pubkey, nodes: impl Iterator<Item = Pubkey>) {
        if let Cluster::Bank { chain, .. } = self {
            chain.track(std::iter::once(task).chain(nodes));
        }
    }

    async fn send(&self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<()> {
        self.chain().send(ixs, self.payer(), signers).await?;
        Ok(())
    }
}

/// The demo's two mints and the authority's reward wallet.
pub struct Wallets {
    pub reward_mint: Pubkey,
    pub stake_mint: Pubkey,
    pub authority_rewards: Pubkey,
    decimals: u8,
}

const TOKEN: Pubkey = spl_token_interface::ID;

impl Wallets {
    /// Creates the mints (the payer is their authority) and funds the authority.
    pub async fn new(cluster: &Cluster, decimals: u8) -> Result<Self> {
        let reward_mint = create_mint(cluster, decimals).await?;
        let stake_mint = create_mint(cluster, decimals).await?;
        let w = Self {
            reward_mint,
            stake_mint,
            authority_rewards: Pubkey::default(),
            decimals,
        };
        let owner = cluster.payer().pubkey();
        let authority_rewards = token_account(cluster, &reward_mint, &owner, 100_000_000).await?;
        Ok(Self {
            authority_rewards,
            ..w
        })
    }

    /// Operator `i`: a funded keypair, a stake wallet and an empty reward account.
    pub async fn operator(
        &self,
        cluster: &Cluster,
        _i: usize,
    ) -> Result<(Keypair, Pubkey, Pubkey)> {
        let _ = self.decimals;
        let operator = Keypair::new();
        let transfer = solana_system_interface::instruction::transfer(
            &cluster.payer().pubkey(),
            &operator.pubkey(),
            // Fees and the rent of what a node opens or submits (returned as it closes them):
            // 0.25 SOL each, so the payer's 100 SOL airdrop funds a few hundred operators.
            250_000_000,
        );
        cluster.send(&[transfer], &[]).await?;
        let stake = token_account(cluster, &self.stake_mint, &operator.pubkey(), 1_000_000).await?;
        let rewards = token_account(cluster, &self.reward_mint, &operator.pubkey(), 0).await?;
        Ok((operator, stake, rewards))
    }
}

async fn create_mint(cluster: &Cluster, decimals: u8) -> Result<Pubkey> {
    let mint = Keypair::new();
    let payer = cluster.payer().pubkey();
    let len = spl_token_interface::state::Mint::LEN;
    let ixs = [
        solana_system_interface::instruction::create_account(
            &payer,
            &mint.pubkey(),
            rent(len),
            len as u64,
            &TOKEN,
        ),
        spl_token_2022_interface::instruction::initialize_mint2(
            &TOKEN,
            &mint.pubkey(),
            &payer,
            None,
            decimals,
        )?,
    ];
    cluster.send(&ixs, &[&mint]).await.context("create mint")?;
    Ok(mint.pubkey())
}

async fn token_account(
    cluster: &Cluster,
    mint: &Pubkey,
    owner: &Pubkey,
    amount: u64,
) -> Result<Pubkey> {
    let account = Keypair::new();
    let payer = cluster.payer().pubkey();
    let len = spl_token_interface::state::Account::LEN;
    let mut ixs = vec![
        solana_system_interface::instruction::create_account(
            &payer,
            &account.pubkey(),
            rent(len),
            len as u64,
            &TOKEN,
        ),
        spl_token_2022_interface::instruction::initialize_account3(
            &TOKEN,
            &account.pubkey(),
            mint,
            owner,
        )?,
    ];
    if amount > 0 {
        ixs.push(spl_token_2022_interface::instruction::mint_to(
            &TOKEN,
            mint,
            &account.pubkey(),
            &payer,
            &[],
            amount,
        )?);
    }
    cluster
        .send(&ixs, &[&account])
        .await
        .context("create token account")?;
    Ok(account.pubkey())
}

/// Rent-exempt minimum at the default rent (what every cluster uses).
fn rent(len: usize) -> u64 {
    anchor_lang::prelude::Rent::default().minimum_balance(len)
}
