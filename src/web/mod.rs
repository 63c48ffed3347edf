//! Serving HTTP: what every request handler can reach ([`state`]), who is calling
//! ([`auth`]), the guards in front of every route ([`guard`]), the page cache for readers
//! ([`page_cache`]), and the router and connection loop that put it all together ([`http`]).

pub mod assets;
pub mod auth;
pub mod fragments;
pub mod guard;
pub mod http;
pub mod metrics;
pub mod page_cache;
pub mod per_version;
pub mod plain_forms;
pub mod reader_rows;
pub mod redirects;
pub mod state;
pub mod view_counting;
