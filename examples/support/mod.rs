//! What the benchmark programs share: this process's memory, and a row's verdict.

/// This process's resident memory, in MB (0 where /proc is not there).
pub fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmRSS:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

pub fn verdict(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "FAIL"
    }
}

/// quire's settings from `settings` alone, and its database at them, migrated.
pub async fn database(
    settings: &[(&str, String)],
) -> (quire::platform::config::Config, quire::platform::db::Db) {
    let config = quire::platform::config::Config::from_lookup(|key| {
        settings
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.clone())
    })
    .expect("settings");
    let db = quire::platform::db::Db::connect(&config.database, 4)
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    (config, db)
}

/// A user named `username` with `role`: its id.
pub async fn user(
    db: &quire::platform::db::Db,
    username: &str,
    role: quire::accounts::Role,
) -> i64 {
    quire::accounts::store::create_user(
        db,
        quire::accounts::store::NewUser {
            email: format!("{username}@bench.example"),
            username: username.to_owned(),
            password: quire::platform::password::Password::new("a long benchmark password".into()),
            first_name: None,
            last_name: None,
            role,
        },
        12,
    )
    .await
    .expect("a user")
    .0
}
