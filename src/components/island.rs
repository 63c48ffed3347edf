//! What every island does besides its own work.

/// Counts this island as hydrated once its view has been taken over; when every island on the
/// page is, the body gets `data-hydrated="true"`. Browser tests wait for that marker before
/// they click, since a click before hydration would post a plain form instead.
pub fn count_hydrated() {
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
