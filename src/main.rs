//! The `quire` binary: parse the command line and hand over to the server.

#[cfg(feature = "ssr")]
fn main() -> std::process::ExitCode {
    quire::server::cli::main()
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The browser build has no binary; see `hydrate()` in lib.rs.
}
