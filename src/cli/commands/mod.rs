//! One file per subcommand; `cli::run` dispatches to them.

pub mod audit;
pub mod baseline;
pub mod calibrate;
pub mod check;
pub mod hook;
pub mod plan;
pub mod postmortem;
pub mod rehearse;
pub mod rules;
pub mod init;
