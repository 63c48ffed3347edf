//! The operator's tools, above everything else: the command line, backup and restore, and
//! the demo and benchmark datasets. They drive the domains' stores like any other caller.

pub mod backup;
pub mod cli;
pub mod dataset;
pub mod demo;
pub mod doctor;
