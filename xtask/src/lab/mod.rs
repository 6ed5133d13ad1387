//! The lab framework: experiments, claims, the runner, the result store,
//! figures and the report. No science here: experiments live in
//! [`crate::experiments`].

pub mod claim;
pub mod cli;
pub mod experiment;
pub mod output;
pub mod plot;
pub mod report;
pub mod runner;
pub mod store;

pub use claim::Claim;
pub use experiment::{DynExperiment, Experiment, Meta, Point, Profile};
pub use output::{Cell, Output, Table};
pub use plot::{Axis, Figure, Heatmap, Legend, Panel, Scale, Series, XyPanel};
