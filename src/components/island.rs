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
    needed();
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
        let islands = document.get_elements_by_tag_name("leptos-island");
        // The loader hydrates islands one at a time in document order, so the first `done`
        // are the hydrated ones. The theme script puts back what was typed into them before
        // (see `app::THEME_SCRIPT`).
        for index in 0..done.min(islands.length()) {
            if let Some(island) = islands.item(index) {
                let _ = island.set_attribute("data-island-hydrated", "");
            }
        }
        if let Ok(event) = web_sys::Event::new("quire:hydrated") {
            let _ = document.dispatch_event(&event);
        }
        if done >= islands.length() {
            if let Some(body) = document.body() {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        }
    });
}

/// Notes that the page being rendered needs the island loader.
#[cfg(feature = "ssr")]
pub fn needed() {
    if let Some(islands) = leptos::prelude::use_context::<PageIslands>() {
        islands.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Server data inside an island: what the page gave it, then loaded again by the browser
/// whenever `source` changes (or at once, when the page gave nothing).
///
/// Islands never use `Resource`. A resource finds its data in the page by a number the
/// server hands out in rendering order, and the browser counts again as it hydrates. The
/// server may build an island's body more than once (a `Suspense` checks its children
/// before rendering them), on another thread while other parts of the page take numbers: in
/// 2 to 4 of 30 editor loads, a resource read another's data or none, rendered its fallback
/// where the server had sent content, and hydration stopped with a panic. Props travel with
/// the island itself, so its first view is always the server's.
pub fn reloaded<S, T, Fut>(
    initial: Option<T>,
    source: impl Fn() -> S + Send + Sync + 'static,
    fetch: impl Fn(S) -> Fut + 'static,
) -> leptos::prelude::ReadSignal<Option<T>>
where
    S: PartialEq + Clone + Send + Sync + 'static,
    T: Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + 'static,
{
    use leptos::prelude::*;
    let value = RwSignal::new(initial);
    #[cfg(feature = "hydrate")]
    {
        let source = Memo::new(move |_| source());
        let given = value.with_untracked(Option::is_some);
        // Only the newest answer is shown when several loads overlap.
        let latest = StoredValue::new(0_u64);
        Effect::new(move |ran: Option<()>| {
            let wanted = source.get();
            if ran.is_none() && given {
                return;
            }
            latest.update_value(|n| *n += 1);
            let this = latest.get_value();
            let answer = fetch(wanted);
            leptos::task::spawn_local(async move {
                let answer = answer.await;
                if latest.try_get_value() == Some(this) {
                    value.try_set(Some(answer));
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (source, fetch);
    value.read_only()
}
