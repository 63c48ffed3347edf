//! quire: a self-hosted blogging platform.
//!
//! The same crate builds twice: with `ssr` into the server binary, with `hydrate` into the
//! wasm bundle that takes over the server-rendered page in the browser.

#![recursion_limit = "256"]

pub mod accounts;
#[cfg(feature = "ssr")]
pub mod api;
pub mod app;
pub mod categories;
pub mod comments;
pub mod components;
pub mod error;
pub mod moderation;
pub mod pages;
pub mod posts;
pub mod tags;

#[cfg(feature = "ssr")]
pub mod feeds;

#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
    // Browser tests wait for this marker before they click anything.
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
