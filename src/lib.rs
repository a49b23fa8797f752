//! riskgate reads the change between a base and a head in a git repository, finds risky
//! patterns (migrations, JSON shapes, untested code, declarative rule packs), scores the risk
//! from 0 to 100 with an itemised explanation, and gates on a real rollback plan.
//!
//! The pipeline, one module per stage: [`diff`] → [`classify`] → [`analyzers`] →
//! [`suppress`] → [`score`] → [`gate`] → [`report`]. [`pipeline`] runs it end to end.

pub mod analyzers;
pub mod baseline;
pub mod calibrate;
pub mod classify;
pub mod cli;
pub mod config;
pub mod coverage;
pub mod demo;
pub mod diff;
pub mod event;
pub mod finding;
pub mod gate;
pub mod history;
pub mod hook;
pub mod init;
pub mod install;
pub mod packs;
pub mod pipeline;
pub mod policy;
pub mod report;
pub mod rules;
pub mod score;
pub mod shapes;
pub mod suppress;
pub mod text;
