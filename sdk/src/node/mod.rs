//! The off-chain node runtime: [`TaskLogic`] (what a task's author writes), [`NodeRunner`]
//! (drives one node through every phase), the crash-safe [`Store`], and example logics.
pub mod hash_chain;
pub mod logic;
pub mod runner;
pub mod store;

pub use logic::{equal_split, TaskLogic, WorkContext};
pub use runner::{NodeConfig, NodeRunner, TickReport};
pub use store::Store;
