//! The off-chain node runtime: [`TaskLogic`] (what a task's author writes), [`NodeRunner`]
//! (drives one node through every phase), the crash-safe [`Store`], and example logics.
pub mod descriptor;
pub mod external;
pub mod hash_chain;
pub mod logic;
pub mod runner;
pub mod store;

pub use external::{ExternalLogic, ExternalLogicConfig};
pub use logic::{equal_split, TaskLogic, Verdict, WorkContext};
pub use runner::{NodeConfig, NodeRunner, RunnerStats, TickReport};
pub use store::Store;
