//! Rebuild when a migration is added or changed (they are embedded by `sqlx::migrate!`).
fn main() {
    for dir in ["sqlite", "postgres", "mysql", "settings"] {
        println!("cargo:rerun-if-changed=../../migrations/{dir}");
    }
}
