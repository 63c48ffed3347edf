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
    // Split routes (src/app.rs) load their code before they hydrate, so hydration is
    // asynchronous; browser tests wait for the marker set once it is done.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    else {
        return;
    };
    leptos::task::spawn_local(async move {
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
