// The migrations are compiled into the binary; rebuild when they change. `quire --version`
// names the commit it was built from and the schema version it brings (its newest migration).
// A release build of the server also carries the site's built files (CSS, JS, wasm and their
// precompressed copies), so the binary runs with nothing beside it.
use std::path::{Path, PathBuf};

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
    embed_site();
}

/// Writes `$OUT_DIR/site.rs`: the site's files as `(path under the site root, bytes)` and
/// cargo-leptos's hash file, or nothing. Only a release build of the server embeds (a debug
/// build reads `target/site`, which `cargo leptos watch` rewrites), and only a site whose
/// hash file names files that are there: cargo-leptos builds the browser side, writes the
/// hash file and precompresses before it builds the server, so they belong together.
fn embed_site() {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let wanted = std::env::var("PROFILE").as_deref() == Ok("release")
        && std::env::var("CARGO_FEATURE_SSR").is_ok()
        && std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() != Ok("wasm32")
        && std::env::var("QUIRE_EMBED_SITE").as_deref() != Ok("0");
    println!("cargo:rerun-if-env-changed=QUIRE_EMBED_SITE");
    println!("cargo:rerun-if-env-changed=LEPTOS_SITE_ROOT");
    let mut files = Vec::new();
    let mut hashes = None;
    if wanted {
        let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
        let site = manifest_dir
            .join(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()));
        // OUT_DIR is <target>/<profile>/build/<crate>-<hash>/out; the hash file sits beside
        // the binary, in <target>/<profile>.
        let hash_file = out_dir.ancestors().nth(3).map(|dir| dir.join("hash.txt"));
        println!("cargo:rerun-if-changed={}", site.display());
        if let Some(hash_file) = &hash_file {
            println!("cargo:rerun-if-changed={}", hash_file.display());
        }
        match hash_file.as_deref().map(std::fs::read_to_string) {
            Some(Ok(text)) if names_files_in(&text, &site.join("pkg")) => {
                collect(&site, &site, &mut files);
                files.sort();
                hashes = Some(text);
            }
            _ => println!(
                "cargo:warning=the site's files are not built into this binary: build with `cargo leptos build --release` (it serves LEPTOS_SITE_ROOT instead)"
            ),
        }
    }
    let mut code = String::from("/// The site's files, by their path under the site root.\npub static EMBEDDED_FILES: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        code.push_str(&format!(
            "    ({name:?}, include_bytes!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str(
        "];\n/// cargo-leptos's hash file for those files (None: nothing is embedded).\n",
    );
    code.push_str(&format!(
        "pub static EMBEDDED_HASHES: Option<&str> = {hashes:?};\n"
    ));
    std::fs::write(out_dir.join("site.rs"), code).expect("OUT_DIR is writable");
}

/// Whether every file the hash file names (`js: …`, `wasm: …`, `css: …`) is in `pkg`.
fn names_files_in(hashes: &str, pkg: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(pkg) else {
        return false;
    };
    let names: Vec<String> = entries
        .flatten()
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    let mut named = 0;
    for line in hashes.lines() {
        let Some((kind, hash)) = line.split_once(':') else {
            continue;
        };
        let suffix = format!(".{}.{}", hash.trim(), kind.trim());
        if matches!(kind.trim(), "js" | "wasm" | "css") {
            if !names.iter().any(|name| name.ends_with(&suffix)) {
                return false;
            }
            named += 1;
        }
    }
    named == 3
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative.to_string_lossy().replace('\\', "/");
            files.push((name, path));
        }
    }
}
