//! riskgate reads the change between a base and a head in a git repository, finds risky
//! patterns (migrations, JSON shapes, untested code, declarative rule packs), scores the risk
//! from 0 to 100 with an itemised explanation, and gates on a real rollback plan.
//!
//! Modules are listed in pipeline order, and a module uses only those listed before it (a test
//! holds the code to that, `tests/architecture.rs`): the vocabulary ([`model`]), the change
//! ([`diff`]) and its files' kinds ([`classify`]), the analyzers and their rules
//! ([`analyzers`]), waivers ([`suppress`]), the policy, the [`score`], the [`gate`], the
//! [`report`], the [`registry`] of every rule; [`pipeline`] runs it end to end and [`cli`]
//! is the command line.

pub mod model;
pub mod text;
pub mod config;
pub mod event;
pub mod diff;
pub mod incidents;
pub mod classify;
pub mod coverage;
pub mod history;
pub mod packs;
pub mod analyzers;
pub mod shapes;
pub mod baseline;
pub mod suppress;
pub mod policy;
pub mod score;
pub mod gate;
pub mod rehearse;
pub mod report;
pub mod registry;
pub mod pipeline;
pub mod calibrate;
pub mod postmortem;
pub mod install;
pub mod hook;
pub mod init;
pub mod demo;
pub mod cli;
