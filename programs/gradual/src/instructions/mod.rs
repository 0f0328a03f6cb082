//! One file per instruction: its Args, its accounts and its handler.
// Anchor's #[program] needs every Accounts type and its generated client module at the crate
// root, so each module is glob re-exported; their `handler`s are always called by module path.
#![allow(ambiguous_glob_reexports)]
pub mod add_stake;
pub mod close_submission;
pub mod create_task;
pub mod fund_task;
pub mod join_task;
pub mod pause_task;
pub mod request_unstake;
pub mod submit;
pub mod update_task;
pub mod withdraw_stake;

pub use add_stake::*;
pub use close_submission::*;
pub use create_task::*;
pub use fund_task::*;
pub use join_task::*;
pub use pause_task::*;
pub use request_unstake::*;
pub use submit::*;
pub use update_task::*;
