//! Tests of content freshness: reading cargo's messages, finding fingerprints, proving units.

use super::*;

/// A `target/debug` with one lib unit of package `p` (hash `abc`) whose dep-info lists
/// `src`, compiled (its `invoked.timestamp` written) now.
fn profile_with_unit(dir: &Path, src: &Path) -> (PathBuf, String) {
    let profile = dir.join("target/debug");
    std::fs::create_dir_all(profile.join("deps")).unwrap();
    std::fs::create_dir_all(profile.join(".fingerprint/p-abc")).unwrap();
    let dep_info = profile.join("deps/p-abc.d");
    std::fs::write(
        &dep_info,
        format!("{}: {}\n", dep_info.display(), src.display()),
    )
    .unwrap();
    std::fs::write(profile.join(".fingerprint/p-abc/invoked.timestamp"), "").unwrap();
    let message = serde_json::json!({
        "reason": "compiler-artifact",
        "package_id": format!("path+file://{}#p@0.1.0", dir.display()),
        "target": {"name": "p", "kind": ["lib"]},
        "filenames": [profile.join("deps/libp-abc.rlib")],
        "fresh": true,
    });
    (dep_info, message.to_string())
}

/// `units` as cargo reports them when it compiled them (not fresh).
fn as_compiled(units: &[Unit]) -> Vec<Unit> {
    units
        .iter()
        .map(|u| Unit {
            fresh: false,
            ..u.clone()
        })
        .collect()
}

#[test]
fn a_path_unit_is_read_with_its_dep_info_and_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("lib.rs");
    std::fs::write(&src, "pub fn f() {}\n").unwrap();
    let (dep_info, message) = profile_with_unit(dir.path(), &src);
    let registry = r#"{"reason":"compiler-artifact","package_id":"registry+https://example.invalid#serde@1.0.0","target":{"name":"serde","kind":["lib"]},"filenames":[],"fresh":true}"#;
    let found = units(
        &format!("{message}\n{registry}\nnot json\n"),
        Path::new("/nowhere"),
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].name, "p::lib/p");
    assert_eq!(found[0].dep_info, dep_info);
    assert!(found[0].fresh);
    assert_eq!(
        found[0].fingerprint.as_deref(),
        Some(dir.path().join("target/debug/.fingerprint/p-abc").as_path())
    );
}

#[test]
fn a_source_changed_after_the_compile_is_unproven_until_its_content_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("lib.rs");
    std::fs::write(&src, "pub fn f() {}\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (_, message) = profile_with_unit(dir.path(), &src);
    let found = units(&message, Path::new("/nowhere"));
    if cfg!(unix) {
        assert!(
            unproven(&found, dir.path()).is_empty(),
            "written before the compile"
        );
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&src, "pub fn f() { panic!() }\n").unwrap();
    assert_eq!(
        unproven(&found, dir.path()),
        found,
        "changed after the compile"
    );
    // Recorded as compiled now: the same content is proven, other content is not.
    let compiled = as_compiled(&found);
    record(&compiled, dir.path());
    assert!(unproven(&found, dir.path()).is_empty());
    std::fs::write(&src, "pub fn f() { loop {} }\n").unwrap();
    assert_eq!(unproven(&found, dir.path()), found);
}

#[test]
fn forgetting_removes_the_fingerprint_and_a_unit_kept_fresh_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("lib.rs");
    std::fs::write(&src, "").unwrap();
    let (_, message) = profile_with_unit(dir.path(), &src);
    let found = units(&message, Path::new("/nowhere"));
    forget(&found, dir.path()).unwrap();
    assert!(!dir.path().join("target/debug/.fingerprint/p-abc").exists());
    assert_eq!(still_fresh(&found, &found), ["p::lib/p"]);
    let rebuilt: Vec<Unit> = found
        .iter()
        .map(|u| Unit {
            fresh: false,
            ..u.clone()
        })
        .collect();
    assert!(still_fresh(&found, &rebuilt).is_empty());
    let lost = Unit {
        fingerprint: None,
        ..found[0].clone()
    };
    assert!(
        forget(&[lost], dir.path())
            .unwrap_err()
            .contains("fingerprint")
    );
    assert_eq!(said(&Rebuilt::default()), "");
    let rebuilt = Rebuilt {
        units: vec!["p::lib/p".to_owned()],
        ..Rebuilt::default()
    };
    assert!(said(&rebuilt).starts_with(SAID));
}

/// An example (or a binary) is named in cargo's messages by its uplifted copy, whose dep-info
/// has no hash: its unit is the hashed file it was copied from, with that file's fingerprint.
#[test]
fn an_uplifted_example_is_the_unit_it_was_copied_from() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("target/debug");
    let examples = profile.join("examples");
    std::fs::create_dir_all(&examples).unwrap();
    std::fs::create_dir_all(profile.join(".fingerprint/my-app-0123abcd")).unwrap();
    let hashed = examples.join("demo-0123abcd");
    std::fs::write(&hashed, "an executable").unwrap();
    std::fs::hard_link(&hashed, examples.join("demo")).unwrap();
    // Another build of it (another profile): not the one uplifted.
    std::fs::write(examples.join("demo-4567ef01"), "another executable").unwrap();
    for d in ["demo-0123abcd.d", "demo.d", "demo-4567ef01.d"] {
        std::fs::write(examples.join(d), "demo: src/main.rs\n").unwrap();
    }
    let message = serde_json::json!({
        "reason": "compiler-artifact",
        "package_id": format!("path+file://{}#my-app@0.1.0", dir.path().display()),
        "target": {"name": "demo", "kind": ["example"]},
        "filenames": [examples.join("demo")],
        "fresh": true,
    });
    let found = units(&message.to_string(), Path::new("/nowhere"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].dep_info, examples.join("demo-0123abcd.d"));
    assert_eq!(
        found[0].fingerprint.as_deref(),
        Some(profile.join(".fingerprint/my-app-0123abcd").as_path())
    );
}

/// A library built as a `cdylib` has units named without a hash (`deps/w.d`): its
/// fingerprint is the one directory of the package holding `lib-w`, and none when two do.
#[test]
fn a_cdylib_unit_is_found_by_its_sole_fingerprint() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("target/debug");
    std::fs::create_dir_all(profile.join("deps")).unwrap();
    let fingerprint = profile.join(".fingerprint/w-0123abcd");
    std::fs::create_dir_all(&fingerprint).unwrap();
    std::fs::write(fingerprint.join("lib-w"), "").unwrap();
    // The same package's test unit, and another package whose name starts the same.
    std::fs::create_dir_all(profile.join(".fingerprint/w-4567ef01")).unwrap();
    std::fs::write(profile.join(".fingerprint/w-4567ef01/test-lib-w"), "").unwrap();
    std::fs::create_dir_all(profile.join(".fingerprint/w-extra-89ab")).unwrap();
    std::fs::write(profile.join(".fingerprint/w-extra-89ab/lib-w"), "").unwrap();
    let dep_info = profile.join("deps/w.d");
    std::fs::write(&dep_info, "w.d: src/lib.rs\n").unwrap();
    let message = serde_json::json!({
        "reason": "compiler-artifact",
        "package_id": format!("path+file://{}#w@0.1.0", dir.path().display()),
        "target": {"name": "w", "kind": ["cdylib", "rlib"]},
        "profile": {"test": false},
        "filenames": [profile.join("deps/libw.so"), profile.join("deps/libw.rlib")],
        "fresh": true,
    })
    .to_string();
    let found = units(&message, Path::new("/nowhere"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].fingerprint.as_deref(), Some(fingerprint.as_path()));

    // Built with other features too: two candidates, neither trusted.
    std::fs::create_dir_all(profile.join(".fingerprint/w-feed")).unwrap();
    std::fs::write(profile.join(".fingerprint/w-feed/lib-w"), "").unwrap();
    let found = units(&message, Path::new("/nowhere"));
    assert_eq!(found[0].fingerprint, None, "{found:?}");
}

/// A dep-info's relative paths are read from the workspace root, where rustc ran, whatever
/// the gate's own directory; a source that is not there proves nothing, even where the
/// recorded digest was taken of the same absence.
#[test]
fn relative_sources_are_the_roots_and_a_missing_one_is_unproven() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lib.rs"), "pub fn f() {}\n").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (_, message) = profile_with_unit(dir.path(), Path::new("lib.rs"));
    let found = units(&message, Path::new("/nowhere"));
    if cfg!(unix) {
        assert!(
            unproven(&found, dir.path()).is_empty(),
            "read from the root"
        );
    }
    let elsewhere = tempfile::tempdir().unwrap();
    let compiled = as_compiled(&found);
    // Recorded against a root where the source is missing: the record is of an absence.
    record(&compiled, elsewhere.path());
    assert_eq!(unproven(&found, elsewhere.path()), found);
}

/// A crates.io package whose sources lie in the repository (a `cargo vendor` directory) is
/// proven as a path package is: cargo fingerprints it by version, and an edit left the old
/// library in place. One outside the repository is not read.
#[test]
fn a_vendored_registry_unit_in_the_repository_is_proven() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("vendor/p/src/lib.rs");
    std::fs::create_dir_all(src.parent().unwrap()).unwrap();
    std::fs::write(&src, "pub fn f() {}\n").unwrap();
    let (_, message) = profile_with_unit(dir.path(), &src);
    let mut vendored: serde_json::Value = serde_json::from_str(&message).unwrap();
    vendored["package_id"] = "registry+https://github.com/rust-lang/crates.io-index#p@0.1.0".into();
    vendored["manifest_path"] = dir
        .path()
        .join("vendor/p/Cargo.toml")
        .to_string_lossy()
        .into_owned()
        .into();
    let vendored = vendored.to_string();
    assert_eq!(units(&vendored, dir.path()).len(), 1, "{vendored}");
    assert!(units(&vendored, Path::new("/elsewhere")).is_empty());
}
