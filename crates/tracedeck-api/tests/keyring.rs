//! Passwords go to the OS keyring (Secret Service), never to a file. Needs a D-Bus session
//! with an unlocked keyring, so it is ignored by the plain test run and run by
//! `make test-keyring` inside `dbus-run-session` with gnome-keyring (see scripts/keyring-test.sh).

use std::process::Command;

fn tracedeck(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tracedeck"))
        .args(args)
        .env("TRACEDECK_DATA_DIR", dir.join("data"))
        .env("TRACEDECK_CONFIG_DIR", dir.join("config"))
        .env_remove("TRACEDECK_DB")
        .output()
        .unwrap()
}

#[test]
#[ignore = "needs a D-Bus session with an unlocked Secret Service keyring (make test-keyring)"]
fn passwords_live_in_the_keyring_only() {
    assert!(std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(), "run inside dbus-run-session");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("prod.db");
    let out = tracedeck(dir.path(), &["db", "init", &format!("sqlite://{}", db.display())]);
    assert!(out.status.success());
    // A MySQL URL with a password: nothing needs to be reachable to save it.
    let out = tracedeck(
        dir.path(),
        &["connections", "add", "prod", "mysql://reader:s3cret-Pa55@127.0.0.1:1/", "--env", "production"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("password: keyring") && stdout.contains("read-only"), "{stdout}");
    assert!(!stdout.contains("s3cret"), "{stdout}");
    let list = String::from_utf8_lossy(&tracedeck(dir.path(), &["connections", "list"]).stdout).into_owned();
    assert!(list.contains("keyring") && !list.contains("s3cret"), "{list}");
    // The secret is in the keyring under service "tracedeck", and nowhere in the data dir.
    let found = Command::new("secret-tool").args(["search", "service", "tracedeck"]).output().unwrap();
    assert!(String::from_utf8_lossy(&found.stdout).contains("s3cret-Pa55"));
    for entry in walk(&dir.path().join("data")) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(!bytes.windows(11).any(|w| w == b"s3cret-Pa55"), "password written to {}", entry.display());
    }
    // Removing the connection removes the secret.
    assert!(tracedeck(dir.path(), &["connections", "remove", "prod"]).status.success());
    let found = Command::new("secret-tool").args(["search", "service", "tracedeck"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&found.stdout).contains("s3cret-Pa55"));
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}
