fn main() {
    // The migrations are compiled into the binary; rebuild when they change.
    println!("cargo:rerun-if-changed=migrations");
    // cargo-leptos sets this when it builds; plain `cargo build`/`cargo test` get the same
    // name, so the binary finds its assets whichever way it was built.
    if std::env::var_os("LEPTOS_OUTPUT_NAME").is_none() {
        println!("cargo:rustc-env=LEPTOS_OUTPUT_NAME=quire");
    }
    println!("cargo:rerun-if-env-changed=LEPTOS_OUTPUT_NAME");
}
