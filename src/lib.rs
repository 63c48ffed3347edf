//! quire: a self-hosted blogging platform.
//!
//! The same crate builds twice: with `ssr` into the server binary, with `hydrate` into the
//! wasm bundle that makes the server-rendered page's islands interactive in the browser.

#![recursion_limit = "256"]

pub mod accounts;
#[cfg(feature = "ssr")]
pub mod api;
pub mod app;
pub mod audit;
pub mod categories;
pub mod comments;
pub mod components;
pub mod error;
pub mod mail;
pub mod moderation;
pub mod pages;
pub mod posts;
pub mod publishing;
pub mod redirects;
pub mod site;
pub mod subscriptions;
pub mod tags;

#[cfg(feature = "ssr")]
pub mod feeds;
#[cfg(feature = "ssr")]
pub mod idempotency;
pub mod import;

#[cfg(feature = "ssr")]
pub mod ops;
#[cfg(feature = "ssr")]
pub mod platform;
#[cfg(feature = "ssr")]
pub mod web;

/// Called by Leptos's island loader before it hydrates the page's islands: the rest of the
/// page is server HTML that needs no code.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
