//! `ui/src/bindings.ts` is generated from the registered commands and events; this fails when
//! the checked-in file is stale. `TRACEDECK_WRITE_BINDINGS=1 cargo test -p tracedeck-app`
//! rewrites it.

#[test]
fn bindings_are_up_to_date() {
    let fresh = tracedeck_app::bindings::typescript();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings.ts");
    if std::env::var_os("TRACEDECK_WRITE_BINDINGS").is_some() {
        std::fs::write(&path, &fresh).expect("write bindings");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "ui/src/bindings.ts is stale: run `TRACEDECK_WRITE_BINDINGS=1 cargo test -p tracedeck-app --test bindings`"
    );
}
