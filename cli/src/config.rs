//! Solana CLI conventions (`--url` monikers, `~/.config/solana/cli/config.yml`) and the
//! task TOML file.
use anyhow::{bail, Context, Result};
use gradual::state::TaskConfig;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Resolves `--url`: a moniker (`localhost`, `devnet`, `testnet`, `mainnet-beta`, or their
/// first letters) or a URL; without it, the Solana CLI config's `json_rpc_url`, else localhost.
pub fn resolve_url(url: Option<&str>) -> String {
    let from_config = || solana_cli_setting("json_rpc_url");
    match url {
        Some("l" | "localhost") => "http://127.0.0.1:8899".into(),
        Some("d" | "devnet") => "https://api.devnet.solana.com".into(),
        Some("t" | "testnet") => "https://api.testnet.solana.com".into(),
        Some("m" | "mainnet-beta") => "https://api.mainnet-beta.solana.com".into(),
        Some(u) => u.into(),
        None => from_config().unwrap_or_else(|| "http://127.0.0.1:8899".into()),
    }
}

/// Resolves `--keypair`: the given path, else the Solana CLI config's `keypair_path`, else
/// `~/.config/solana/id.json`.
pub fn resolve_keypair_path(path: Option<&Path>) -> PathBuf {
    if let Some(p) = path {
        return p.to_path_buf();
    }
    if let Some(p) = solana_cli_setting("keypair_path") {
        return PathBuf::from(p);
    }
    home().join(".config/solana/id.json")
}

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// A `key: value` line of the Solana CLI's YAML config (flat strings only).
fn solana_cli_setting(key: &str) -> Option<String> {
    let text = std::fs::read_to_string(home().join(".config/solana/cli/config.yml")).ok()?;
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == key).then(|| v.trim().trim_matches('\'').trim_matches('"').to_string())
    })
}

/// Reads a Solana keypair file (JSON array of 64 bytes). Like ssh with a private key, refuses
/// a file that its group or other users can read or write.
pub fn read_keypair(path: &Path) -> Result<solana_keypair::Keypair> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read keypair {}: create one with `solana-keygen new` or pass --keypair",
            path.display()
        )
    })?;
    check_private(path)?;
    let bytes: Vec<u8> = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a keypair file (a JSON array of 64 numbers)",
            path.display()
        )
    })?;
    solana_keypair::Keypair::try_from(bytes.as_slice())
        .map_err(|e| anyhow::anyhow!("{}: invalid keypair: {e}", path.display()))
}

/// Refuses a key file that anyone but its owner may read or write (`chmod 600` fixes it).
pub fn check_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("cannot stat {}", path.display()))?
            .permissions()
            .mode()
            & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "keypair {} is accessible by other users (permissions {mode:04o}): a key file must \
                 be private; run `chmod 600 {}`",
                path.display(),
                path.display()
            );
        }
    }
    Ok(())
}

/// Writes a key file readable and writable by its owner only.
pub fn write_private(path: &Path, contents: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    // `mode` applies only when the file is created: tighten an existing one too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(contents.as_bytes())?;
    Ok(())
}

/// `task.toml`: what `gradual task create` needs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskFile {
    /// Creator-chosen id (the task PDA's seed).
    pub task_id: u64,
    /// Reward mint address.
    pub reward_mint: String,
    /// Stake mint address (may equal the reward mint).
    pub stake_mint: String,
    /// Slots from now until round 0 (default 20).
    #[serde(default = "default_delay")]
    pub start_in_slots: u64,
    /// Node-index space (default 4,096).
    #[serde(default = "default_max_nodes")]
    pub max_nodes: u32,
    /// Accept mints with a freeze authority (e.g. USDC): their holder could freeze the vaults.
    /// Recorded in the task and shown by `gradual task show` (default false: refused).
    #[serde(default)]
    pub trust_freeze_authority: bool,
    /// Peers each node checks per round (default 0: every submitter). 16 leaves a bad proof
    /// unchecked with probability about e^-16.
    #[serde(default)]
    pub audit_sample: u16,
    /// Expected jury seats per audit (default 0: the whole network votes). 64 is a good
    /// default above a few hundred nodes; see docs/protocol.md.
    #[serde(default)]
    pub jury_size: u16,
    /// Round rules.
    pub rounds: RoundsFile,
    /// What nodes must run (set on chain from round 0; `gradual node run` refuses other code).
    #[serde(default)]
    pub logic: Option<LogicFile>,
}

/// `[logic]` of task.toml: the task's logic descriptor.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct LogicFile {
    /// `builtin:hash-chain`, or where operators get an external logic (a URL).
    pub uri: String,
    /// The external logic's executable, hashed here (sha256); or give `hash`.
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// The code hash, 64 hex digits (instead of `file`).
    #[serde(default)]
    pub hash: Option<String>,
    /// Parameters (UTF-8): `iterations=<n>` for the hash chain, the arguments of an external
    /// logic (e.g. `--slots 20`).
    #[serde(default)]
    pub params: String,
}

impl LogicFile {
    /// (uri, hash, params) as the program stores them; relative files are read from `base`.
    pub fn resolve(&self, base: &Path) -> Result<(String, [u8; 32], Vec<u8>)> {
        use gradual_sdk::node::descriptor;
        let hash = match (&self.file, &self.hash) {
            (Some(_), Some(_)) => bail!("[logic] has both file and hash: give one"),
            (Some(f), None) => {
                let path = if f.is_absolute() {
                    f.clone()
                } else {
                    base.join(f)
                };
                descriptor::file_hash(&path)
                    .with_context(|| format!("[logic] file {} cannot be read", path.display()))?
            }
            (None, Some(h)) => parse_hash(h)?,
            (None, None) if self.uri.starts_with("builtin:") => descriptor::builtin_hash(&self.uri),
            (None, None) => bail!("[logic] needs file or hash for {}", self.uri),
        };
        if self.uri == descriptor::BUILTIN_HASH_CHAIN
            && descriptor::parse_hash_chain_params(self.params.as_bytes()).is_none()
        {
            bail!("[logic] params of {} must be iterations=<n>", self.uri);
        }
        if self.uri.len() > gradual::constants::MAX_LOGIC_URI_LEN as usize
            || self.params.len() > gradual::constants::MAX_LOGIC_PARAMS_LEN as usize
        {
            bail!("[logic] uri is limited to 96 bytes and params to 128");
        }
        Ok((self.uri.clone(), hash, self.params.clone().into_bytes()))
    }
}

/// 64 hex digits.
pub fn parse_hash(h: &str) -> Result<[u8; 32]> {
    let h = h.trim();
    anyhow::ensure!(
        h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()),
        "a hash is 64 hex digits, not {h:?}"
    );
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&h[2 * i..2 * i + 2], 16)?;
    }
    Ok(out)
}

fn default_delay() -> u64 {
    20
}

fn default_max_nodes() -> u32 {
    gradual::constants::DEFAULT_MAX_NODES
}

/// `[rounds]` of task.toml. Amounts are in UI units of the mint (e.g. 1.5 tokens).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoundsFile {
    pub round_slots: u64,
    pub submission_slots: u64,
    pub audit_slots: u64,
    pub distribution_slots: u64,
    pub distribution_audit_slots: u64,
    #[serde(default = "default_attempts")]
    pub max_distribution_attempts: u16,
    pub bounty_per_round: f64,
    pub minimum_stake: f64,
    #[serde(default = "default_unbond")]
    pub unbond_rounds: u64,
    #[serde(default = "default_quorum")]
    pub quorum_bps: u16,
    #[serde(default = "default_slash")]
    pub slash_bps: u16,
    #[serde(default = "default_auditor")]
    pub auditor_reward_bps: u16,
}

fn default_attempts() -> u16 {
    3
}
fn default_unbond() -> u64 {
    2
}
fn default_quorum() -> u16 {
    5_000
}
fn default_slash() -> u16 {
    7_000
}
fn default_auditor() -> u16 {
    1_000
}

/// Converts a UI amount to base units with `decimals`, refusing what does not fit exactly.
pub fn to_base_units(ui: f64, decimals: u8) -> Result<u64> {
    if !(ui.is_finite() && ui >= 0.0) {
        bail!("amount {ui} must be a non-negative number");
    }
    let scaled = ui * 10f64.powi(i32::from(decimals));
    if scaled > u64::MAX as f64 {
        bail!("amount {ui} is too large for a mint with {decimals} decimals");
    }
    let units = scaled.round();
    if (units - scaled).abs() > 1e-6 * scaled.max(1.0) {
        bail!("amount {ui} has more than {decimals} decimals");
    }
    Ok(units as u64)
}

/// Base units back to a UI string.
pub fn to_ui(amount: u64, decimals: u8) -> String {
    let d = 10u64.pow(u32::from(decimals));
    if decimals == 0 {
        return amount.to_string();
    }
    format!(
        "{}.{:0width$}",
        amount / d,
        amount % d,
        width = usize::from(decimals)
    )
}

impl TaskFile {
    /// Parses and validates a task file; errors say which line or rule is wrong.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    /// Parses and validates task TOML.
    pub fn parse(text: &str) -> Result<Self> {
        let file: TaskFile =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim()))?;
        let r = &file.rounds;
        let windows = gradual::schedule::Windows {
            round_slots: r.round_slots,
            submission_slots: r.submission_slots,
            audit_slots: r.audit_slots,
            distribution_slots: r.distribution_slots,
            distribution_audit_slots: r.distribution_audit_slots,
            max_distribution_attempts: r.max_distribution_attempts,
        };
        if let Err(e) = windows.validate() {
            bail!("[rounds] is not a valid schedule: {e:?} (submission + audit and distribution + distribution audit must fit in round_slots)");
        }
        for (name, v) in [
            ("quorum_bps", r.quorum_bps),
            ("slash_bps", r.slash_bps),
            ("auditor_reward_bps", r.auditor_reward_bps),
        ] {
            if v > 10_000 {
                bail!("[rounds] {name} = {v} is above 10,000 (100%)");
            }
        }
        Ok(file)
    }

    /// The on-chain config, amounts converted with the mints' decimals.
    pub fn config(&self, reward_decimals: u8, stake_decimals: u8) -> Result<TaskConfig> {
        let r = &self.rounds;
        Ok(TaskConfig {
            round_slots: r.round_slots,
            submission_slots: r.submission_slots,
            audit_slots: r.audit_slots,
            distribution_slots: r.distribution_slots,
            distribution_audit_slots: r.distribution_audit_slots,
            bounty_per_round: to_base_units(r.bounty_per_round, reward_decimals)
                .context("bounty_per_round")?,
            minimum_stake: to_base_units(r.minimum_stake, stake_decimals)
                .context("minimum_stake")?,
            unbond_rounds: r.unbond_rounds,
            quorum_bps: r.quorum_bps,
            slash_bps: r.slash_bps,
            auditor_reward_bps: r.auditor_reward_bps,
            max_distribution_attempts: r.max_distribution_attempts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
task_id = 1
reward_mint = "So11111111111111111111111111111111111111112"
stake_mint = "So11111111111111111111111111111111111111112"
[rounds]
round_slots = 100
submission_slots = 20
audit_slots = 30
distribution_slots = 20
distribution_audit_slots = 20
bounty_per_round = 1.5
minimum_stake = 0.01
"#;

    #[test]
    fn parses_and_converts_ui_amounts() {
        let f = TaskFile::parse(GOOD).unwrap();
        let c = f.config(6, 9).unwrap();
        assert_eq!(
            (c.bounty_per_round, c.minimum_stake),
            (1_500_000, 10_000_000)
        );
        assert_eq!((c.quorum_bps, c.max_distribution_attempts), (5_000, 3));
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let e = TaskFile::parse("task_id = ").unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
        let e = TaskFile::parse(&GOOD.replace("audit_slots = 30", "audit_slots = 90"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("not a valid schedule"), "{e}");
        let e = TaskFile::parse(&GOOD.replace("task_id = 1", "task_id = 1\ncolour = 3"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("colour"), "{e}");
        assert!(to_base_units(0.0000001, 6).is_err());
        assert!(to_base_units(-1.0, 6).is_err());
        assert_eq!(to_ui(1_500_000, 6), "1.500000");
    }

    #[test]
    fn monikers() {
        assert_eq!(resolve_url(Some("l")), "http://127.0.0.1:8899");
        assert_eq!(resolve_url(Some("devnet")), "https://api.devnet.solana.com");
        assert_eq!(resolve_url(Some("http://x:1")), "http://x:1");
    }
}

/// Sampled audits and juries for the task a development command creates (`demo`,
/// `dev bootstrap`): the network-scale protocol by default, so the demo and the end-to-end test
/// run the path a large task runs.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct AuditPolicy {
    /// Peers each node checks per round (0: every peer). With 8 draws among 2 to 4 peers a
    /// cheater goes unchecked by every honest node with probability below 1e-4.
    #[arg(long, default_value_t = 8)]
    pub audit_sample: u16,
    /// Expected jury seats per audit (0: the whole network votes). 32 rather than 8: the drawn
    /// jury varies around J and quorum is a share of J, so with J = 8 a jury of 16 nodes
    /// missed quorum on 2% of audits and let cheaters escape (docs/protocol.md §5).
    #[arg(long, default_value_t = 32)]
    pub jury_size: u16,
}
