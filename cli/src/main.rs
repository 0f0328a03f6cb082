//! `gradual`: the command-line tool for task creators and node operators, and the one-command
//! local demo. Solana CLI conventions: `--url`/`-u` with monikers, `--keypair`, defaults from
//! `~/.config/solana/cli/config.yml`; amounts in UI units; `--output json` for machines.
mod config;
mod demo;
mod dev;
mod metrics;
mod ops;
mod run;
mod setup;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "gradual",
    version,
    about = "Gradual consensus on Solana: tasks, nodes, rounds"
)]
struct Cli {
    /// RPC URL or moniker (localhost, devnet, testnet, mainnet-beta; l, d, t, m).
    #[arg(short = 'u', long, global = true, env = "GRADUAL_URL")]
    url: Option<String>,
    /// Keypair file (default: the Solana CLI config's, else ~/.config/solana/id.json).
    #[arg(short = 'k', long, global = true, env = "GRADUAL_KEYPAIR")]
    keypair: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, env = "GRADUAL_OUTPUT", default_value_t = Output::Human)]
    output: Output,
    /// Log format (logs go to stderr; the level comes from GRADUAL_LOG, e.g. `debug`).
    #[arg(long, global = true, value_enum, env = "GRADUAL_LOG_FORMAT", default_value_t = LogFormat::Human)]
    log_format: LogFormat,
    /// Highest compute-unit price paid for priority, in micro-lamports per compute unit (the
    /// price offered is the 75th percentile of recent fees on the transaction's accounts, up to
    /// this; 0: never pay priority).
    #[arg(long, global = true, env = "GRADUAL_MAX_PRIORITY_FEE", default_value_t = gradual_sdk::rpc::DEFAULT_MAX_PRIORITY_FEE)]
    max_priority_fee: u64,
    #[command(subcommand)]
    command: Command,
}

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Human,
    Json,
}

/// Log format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    /// One JSON object per line (for log shippers).
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run a whole task lifecycle with several nodes (one of them cheats) and print it.
    Demo {
        #[arg(long, default_value_t = 5)]
        nodes: usize,
        #[arg(long, default_value_t = 3)]
        rounds: u64,
        /// Directory holding gradual.so (for the in-process bank).
        #[arg(long, env = "GRADUAL_PROGRAM_DIR", default_value = "target/deploy")]
        program_dir: PathBuf,
        /// Only the summary.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        policy: config::AuditPolicy,
    },
    /// Task creator commands.
    #[command(subcommand)]
    Task(ops::TaskCommand),
    /// Node operator commands.
    #[command(subcommand)]
    Node(ops::NodeCommand),
    /// Round inspection.
    #[command(subcommand)]
    Round(ops::RoundCommand),
    /// Create the tasks listed in a TOML file that do not exist yet (run after a deploy).
    Migrate {
        #[arg(long, default_value = "migrations/tasks.toml")]
        tasks: PathBuf,
    },
    /// Local-validator helpers for development and end-to-end tests.
    #[command(subcommand)]
    Dev(DevCommand),
}

#[derive(Subcommand)]
enum DevCommand {
    /// Mints, a funded task and joined operators (keypairs written to --out), as JSON.
    Bootstrap {
        #[arg(long, default_value_t = 3)]
        nodes: usize,
        #[arg(long, default_value_t = 40)]
        round_slots: u64,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        policy: config::AuditPolicy,
        /// Slots from now to the task's first round (leave room for the joins).
        #[arg(long, default_value_t = 30)]
        start_in_slots: u64,
        /// The first slot of round 0 instead (e.g. to run two tasks in the same phase).
        #[arg(long, conflicts_with = "start_in_slots")]
        start_slot: Option<u64>,
        /// The task's logic: an external executable (hashed) instead of the built-in hash
        /// chain, with --logic-uri and --logic-params.
        #[arg(long)]
        logic_file: Option<PathBuf>,
        /// URI recorded for --logic-file (default: its path).
        #[arg(long)]
        logic_uri: Option<String>,
        /// Parameters recorded for --logic-file (its arguments, e.g. "--slots 20").
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        logic_params: String,
    },
}

fn main() {
    let cli = Cli::parse();
    // The demo narrates events itself; `node run` says what the node does (info); the other
    // commands log only warnings. Noisy dependencies stay quiet at every level.
    let quiet = "tarpc=error,solana_runtime=error,solana_metrics=error,solana_rpc_client=warn";
    let default_filter = match &cli.command {
        Command::Demo { .. } => "error".to_string(),
        Command::Node(ops::NodeCommand::Run(_)) => format!("info,{quiet}"),
        _ => format!("warn,{quiet}"),
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("GRADUAL_LOG")
        .unwrap_or_else(|_| default_filter.into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match cli.log_format {
        LogFormat::Human => logs.init(),
        LogFormat::Json => logs.json().flatten_event(true).init(),
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Demo {
                nodes,
                rounds,
                program_dir,
                quiet,
                policy,
            } => {
                demo::run(demo::DemoOptions {
                    nodes,
                    rounds,
                    url: cli.url.as_deref().map(|u| config::resolve_url(Some(u))),
                    program_dir,
                    quiet,
                    policy,
                })
                .await
            }
            Command::Task(c) => {
                ops::task(
                    c,
                    &ops::Global::new(cli.url, cli.keypair, cli.output, cli.max_priority_fee),
                )
                .await
            }
            Command::Node(c) => {
                ops::node(
                    c,
                    &ops::Global::new(cli.url, cli.keypair, cli.output, cli.max_priority_fee),
                )
                .await
            }
            Command::Round(c) => {
                ops::round(
                    c,
                    &ops::Global::new(cli.url, cli.keypair, cli.output, cli.max_priority_fee),
                )
                .await
            }
            Command::Migrate { tasks } => {
                let keypair =
                    config::read_keypair(&config::resolve_keypair_path(cli.keypair.as_deref()))?;
                dev::migrate(&config::resolve_url(cli.url.as_deref()), &keypair, &tasks).await
            }
            Command::Dev(DevCommand::Bootstrap {
                nodes,
                round_slots,
                out,
                policy,
                start_in_slots,
                start_slot,
                logic_file,
                logic_uri,
                logic_params,
            }) => {
                let logic = logic_file.map(|f| config::LogicFile {
                    uri: logic_uri.unwrap_or_else(|| f.display().to_string()),
                    file: Some(f),
                    hash: None,
                    params: logic_params,
                });
                dev::bootstrap(
                    &config::resolve_url(cli.url.as_deref()),
                    nodes,
                    round_slots,
                    &out,
                    policy,
                    match start_slot {
                        Some(s) => dev::Start::At(s),
                        None => dev::Start::In(start_in_slots),
                    },
                    logic,
                )
                .await
            }
        }
    });
    // Work may still run on a blocking thread (a stop during `node run`'s work window): the
    // store is saved and the proof is recomputed on the next start, so do not wait for it.
    runtime.shutdown_background();
    if let Err(e) = result {
        // A terminal state of `node run`: its own exit code and a one-line reason.
        if let Some(t) = e.downcast_ref::<run::Terminal>() {
            eprintln!("{t}");
            std::process::exit(t.code);
        }
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
