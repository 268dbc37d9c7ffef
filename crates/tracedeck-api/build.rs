//! Embeds the built UI (`ui/dist`) into the binary for `tracedeck serve`: copies it to
//! OUT_DIR (or writes a page saying how to build it when it is missing), so the crate always
//! compiles and the served files always match the build.

use std::path::Path;

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), dest)?;
        }
    }
    Ok(())
}

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir");
    let dist = Path::new(&manifest).join("../../ui/dist");
    let out = Path::new(&std::env::var("OUT_DIR").expect("out dir")).join("ui");
    println!("cargo:rerun-if-changed={}", dist.display());
    let _ = std::fs::remove_dir_all(&out);
    if dist.join("index.html").exists() {
        copy_dir(&dist, &out).expect("copy ui/dist");
    } else {
        std::fs::create_dir_all(&out).expect("create ui dir");
        std::fs::write(
            out.join("index.html"),
            "<!doctype html><meta charset=utf-8><title>Tracedeck</title>\
             <p>The Tracedeck UI was not built into this binary. Run <code>make ui</code> (or \
             <code>npm run build</code> in <code>ui/</code>) and rebuild.</p>",
        )
        .expect("write placeholder");
    }
}
