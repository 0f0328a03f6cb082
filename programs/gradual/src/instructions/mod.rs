//! One file per instruction: its Args, its accounts and its handler.
// Anchor's #[program] needs every Accounts type and its generated client module at the crate
// root, so each module is glob re-exported; their `handler`s are always called by module path.
#![allow(ambiguous_glob_reexports)]
pub mod add_stake;
pub mod append_distribution;
pub mod begin_distribution;
pub mod claim_reward;
pub mod close_accounts;
pub mod close_node;
pub mod close_submission;
pub mod close_task;
pub mod create_task;
pub mod finalize_distribution;
pub mod fund_task;
pub mod grow_distribution;
pub mod join_task;
pub mod pause_task;
pub mod pay_rewards;
pub mod raise_audit;
pub mod request_unstake;
pub mod resolve_audit;
pub mod seal_distribution;
pub mod select_distributor;
pub mod set_operator;
pub mod set_reward_account;
pub mod skip_distribution;
pub mod submit;
pub mod update_task;
pub mod vote;
pub mod withdraw_stake;

pub use add_stake::*;
pub use append_distribution::*;
pub use begin_distribution::*;
pub use claim_reward::*;
pub use close_accounts::*;
pub use close_node::*;
pub use close_submission::*;
pub use close_task::*;
pub use create_task::*;
pub use finalize_distribution::*;
pub use fund_task::*;
pub use grow_distribution::*;
pub use join_task::*;
pub use pause_task::*;
pub use pay_rewards::*;
pub use raise_audit::*;
pub use request_unstake::*;
pub use resolve_audit::*;
pub use seal_distribution::*;
pub use select_distributor::*;
pub use set_operator::*;
pub use set_reward_account::*;
pub use skip_distribution::*;
pub use submit::*;
pub use update_task::*;
pub use vote::*;
