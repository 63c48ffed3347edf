//! The admin page's Import tab: a WordPress export posted by a plain form (it works without
//! JavaScript), then the import's progress, drawn again every second until it is done, and
//! its summary.

use leptos::prelude::*;

use crate::components::error_notice::{loaded, loading};
use crate::components::form::BUTTON_CLASS;
use crate::import::functions::load_import_status;
use crate::import::ImportStatus;

#[component]
pub fn ImportTab(error: Option<String>) -> impl IntoView {
    let status = Resource::new(|| (), |_| load_import_status());
    let described = if error.is_some() {
        "import-file-error import-file-hint"
    } else {
        "import-file-hint"
    };
    view! {
        <section aria-labelledby="import-heading" class="max-w-2xl space-y-4">
            <h2 id="import-heading" class="text-xl font-semibold">"Move in from WordPress or Ghost"</h2>
            <p class="text-sm text-slate-600 dark:text-slate-300">
                "In WordPress, Tools → Export → All content gives one file; in Ghost, Settings → Import/Export → Export content. Its authors, posts, pages and tags (and WordPress's categories and comments) come here; the old addresses keep working. Importing the same file again updates instead of duplicating."
            </p>
            <form action="/admin/import" method="post" enctype="multipart/form-data" class="space-y-2">
                <label for="import-file" class="block text-sm font-medium">"WordPress or Ghost export (.xml, .json)"</label>
                <input id="import-file" name="file" type="file" accept=".xml,.json,application/xml,text/xml,application/json" required
                    aria-invalid=error.is_some().to_string() aria-describedby=described class="block text-sm"/>
                <p id="import-file-hint" class="text-sm text-slate-500 dark:text-slate-400">
                    "Up to 10 MB here. For a bigger export, and to bring the images along, run "<code>"quire import FILE --media wp-content/uploads"</code>" (or Ghost's "<code>"content/images"</code>") on the server."
                </p>
                {error.map(|why| view! {
                    <p id="import-file-error" role="alert" class="text-sm text-red-600 dark:text-red-400">{why}</p>
                })}
                <button type="submit" class=BUTTON_CLASS>"Import"</button>
            </form>
            <Suspense fallback=loading>
                {move || Suspend::new(async move {
                    loaded(status.await, |status| view! { <ImportProgress status/> }.into_any())
                })}
            </Suspense>
        </section>
    }
}

/// The running import's progress, asked for again every second until it is finished.
#[island(lazy)]
fn ImportProgress(status: ImportStatus) -> impl IntoView {
    crate::components::island::register();
    let tick = RwSignal::new(0_u64);
    let running = !status.file_name.is_empty() && !status.finished;
    let status = crate::components::island::reloaded(
        Some(Ok(status)),
        move || tick.get(),
        move |_| load_import_status(),
    );
    Effect::new(move |_| {
        let still_running = matches!(
            status.get(),
            Some(Ok(ImportStatus { ref file_name, finished: false, .. })) if !file_name.is_empty()
        );
        if still_running || (running && status.with(Option::is_none)) {
            set_timeout(
                move || tick.update(|n| *n += 1),
                std::time::Duration::from_secs(1),
            );
        }
    });
    move || match status.get() {
        Some(Ok(status)) if status.file_name.is_empty() => ().into_any(),
        Some(Ok(status)) => view! { <ImportState status/> }.into_any(),
        Some(Err(error)) => {
            view! { <crate::components::error_notice::ErrorNotice error/> }.into_any()
        }
        None => loading().into_any(),
    }
}

#[component]
fn ImportState(status: ImportStatus) -> impl IntoView {
    let heading = if !status.finished {
        format!("Importing {}…", status.file_name)
    } else if status.error.is_some() {
        format!("The import of {} stopped", status.file_name)
    } else {
        format!("{} is imported", status.file_name)
    };
    view! {
        <div role="status" aria-live="polite" data-testid="import-status" class="space-y-2 rounded-lg border border-slate-200 p-4 dark:border-slate-800">
            <h3 class="font-semibold">{heading}</h3>
            {(!status.finished).then(|| view! {
                <progress class="w-full" max=status.total.max(1) value=status.done aria-label="Posts and pages imported"></progress>
                <p class="text-sm">{format!("{} of {} posts and pages", status.done, status.total)}
                    {(!status.current.is_empty()).then(|| format!(": {}", status.current))}</p>
            })}
            {status.error.map(|why| view! { <p class="text-sm text-red-600 dark:text-red-400">{why}</p> })}
            {(!status.report.is_empty()).then(|| view! {
                <ul class="list-disc space-y-1 pl-5 text-sm">
                    {status.report.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                </ul>
            })}
        </div>
    }
}
