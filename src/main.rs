//! The `quire` binary: parse the command line and hand over to the server.

/// Kept pages are written from many small buffers freed at once; glibc's malloc spent about a
/// sixth of the server's time on them (perf), mimalloc much less.
#[cfg(feature = "ssr")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    quire::ops::cli::main()
}

/// By default mimalloc commits its arenas up front and then purges freed memory in a way
/// Linux keeps counting in RSS: a fresh server sat at 56–72 MB. Committing on demand and
/// purging at once rather than a second later keeps an idle server at 34 MB; pages a second
/// measured the same. The first arena is reserved by the first allocation, before `main`,
/// so this runs among the program's constructors.
#[cfg(all(feature = "ssr", target_os = "linux"))]
#[used]
#[unsafe(link_section = ".init_array")]
static GIVE_FREED_MEMORY_BACK: extern "C" fn() = {
    extern "C" fn give_freed_memory_back() {
        use libmimalloc_sys::{mi_option_set, mi_option_t};
        // Positions in mimalloc.h's `mi_option_e` (v3); the Rust bindings name neither.
        const ARENA_EAGER_COMMIT: mi_option_t = 4;
        const PURGE_DELAY: mi_option_t = 15;
        // SAFETY: setting an option allocates nothing and only changes how later
        // allocations are served.
        unsafe {
            mi_option_set(ARENA_EAGER_COMMIT, 0);
            mi_option_set(PURGE_DELAY, 0);
        }
    }
    give_freed_memory_back
};

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser build has no binary; see `hydrate()` in lib.rs.
}
