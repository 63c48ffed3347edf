// The migrations are compiled into the binary; rebuild when they change. `quire --version`
// names the commit it was built from and the schema version it brings (its newest migration).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|commit| commit.trim().to_owned())
        .filter(|commit| !commit.is_empty())
        // A source archive without git history.
        .unwrap_or_else(|| "unknown".to_owned());
    let schema = std::fs::read_dir("migrations/sqlite")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            name.split('_').next()?.parse::<u32>().ok()
        })
        .max()
        .unwrap_or(0);
    println!("cargo:rustc-env=QUIRE_COMMIT={commit}");
    println!("cargo:rustc-env=QUIRE_SCHEMA={schema}");
}
