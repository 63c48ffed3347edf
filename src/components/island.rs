//! What every island does besides its own work.

/// Whether the page being rendered holds an island. Only such a page gets the island loader
/// (and with it the wasm): a visitor's pages have none and download no code at all.
#[derive(Clone, Default)]
pub struct PageIslands(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl PageIslands {
    pub fn present(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Every island calls this first. On the server it notes that the page needs the island
/// loader. In the browser it counts the island as hydrated once its view has been taken
/// over; when every island on the page is, the body gets `data-hydrated="true"`. Browser
/// tests wait for that marker before they click, since a click before hydration would post
/// a plain form instead. (A page without islands is marked by the theme script.)
pub fn register() {
    #[cfg(feature = "ssr")]
    if let Some(islands) = leptos::prelude::use_context::<PageIslands>() {
        islands.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    #[cfg(feature = "hydrate")]
    leptos::prelude::Effect::new(|_| {
        use std::cell::Cell;
        thread_local! {
            static HYDRATED: Cell<u32> = const { Cell::new(0) };
        }
        let done = HYDRATED.with(|count| {
            count.set(count.get() + 1);
            count.get()
        });
        let document = leptos::prelude::document();
        let islands = document.get_elements_by_tag_name("leptos-island").length();
        if done >= islands {
            if let Some(body) = document.body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        }
    });
}
