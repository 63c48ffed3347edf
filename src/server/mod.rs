//! Everything that runs only on the server: configuration, the database, HTTP plumbing and
//! the command line. Nothing here reaches the wasm bundle.

pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod dataset;
pub mod db;
pub mod demo;
pub mod guard;
pub mod http;
pub mod images;
pub mod markdown;
pub mod page_cache;
pub mod password;
pub mod state;
