//! Tauri's build step (reads tauri.conf.json, prepares icons and capabilities).
fn main() {
    tauri_build::build();
}
