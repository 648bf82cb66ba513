//! What a test binary's result is keyed by beyond its own bytes, by package: the files of its
//! package and of the workspace packages it reaches through path dependencies, its build
//! scripts' `OUT_DIR`s and what they told cargo, and the other members' executables its code
//! names (docs/CACHE.md, "Per test binary").

use crate::facts::artifacts::Build;
use crate::facts::core::{Core, Package, Role};
use gate_formats::kernel_bom::BinaryKind;
use gate_support::digest::KeyHasher;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::PoisonError;

/// The files a test binary reads, by package: digests taken once per package.
pub(super) struct Keys<'a> {
    facts: &'a Core,
    /// The workspace's packages (members and the path dependencies they reach), deepest
    /// directory first: a file belongs to the first whose directory holds it.
    packages: Vec<&'a Package>,
    /// `OUT_DIR`s by package name.
    out_dirs: &'a [(String, PathBuf)],
    /// The executables the build made that ship (no test's), with their package: a test may
    /// run another member's from `target/` (assert_cmd's pattern).
    executables: Vec<(&'a str, &'a Path)>,
    memo: std::sync::Mutex<BTreeMap<PathBuf, Option<(String, String)>>>,
}

impl<'a> Keys<'a> {
    pub(super) fn new(facts: &'a Core, build: &'a Build) -> Keys<'a> {
        let mut packages: Vec<&Package> = facts
            .packages
            .iter()
            .filter(|p| p.role != Role::Other)
            .collect();
        packages.sort_by_key(|p| std::cmp::Reverse(p.dir.components().count()));
        let executables = build
            .artifacts
            .iter()
            .filter(|a| a.kind == BinaryKind::Executable && !a.test)
            .map(|a| (a.package.as_str(), a.path.as_path()))
            .collect();
        Keys {
            facts,
            packages,
            out_dirs: &build.out_dirs,
            executables,
            memo: std::sync::Mutex::default(),
        }
    }

    /// The package a file belongs to: the deepest whose directory holds it (a nested
    /// package's files are its own, not its parent directory's package's).
    fn owner(&self, path: &Path) -> Option<&'a Package> {
        self.packages
            .iter()
            .copied()
            .find(|p| path.starts_with(&p.dir))
    }

    /// The package whose directory is `dir` (as cargo wrote it).
    fn package(&self, dir: &Path) -> Option<&'a Package> {
        let canonical = std::fs::canonicalize(dir).ok();
        self.packages.iter().copied().find(|p| {
            p.dir == dir || canonical.is_some() && std::fs::canonicalize(&p.dir).ok() == canonical
        })
    }

    /// The digests of what a binary of the package at `dir` reads: its files (with its
    /// workspace dependencies' and the shared ones), and its build scripts' `OUT_DIR`s.
    /// `None` when the package is not one of the workspace's.
    pub(super) fn reads(&self, dir: &Path) -> Option<(String, String)> {
        if let Some(known) = self
            .memo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(dir)
        {
            return known.clone();
        }
        let found = self.package(dir).and_then(|package| {
            let closure = self.closure(package);
            let root = self.facts.root();
            let files = self
                .facts
                .cache()
                .files_digest(|rel| {
                    // Versions reach a binary through its digest: the lockfile is no read.
                    if rel == "Cargo.lock" {
                        return false;
                    }
                    let path = root.join(rel);
                    match self.owner(&path) {
                        Some(owner) => closure.iter().any(|p| p.dir == owner.dir),
                        None => true,
                    }
                })
                .ok()?;
            let mut out = KeyHasher::default();
            for (name, out_dir) in self.out_dirs {
                if closure.iter().any(|p| &p.name == name) {
                    out.part(
                        name,
                        crate::cache::discover::path_digest(out_dir).as_bytes(),
                    );
                    // What the build script told cargo (`cargo:rustc-env=…`, which cargo sets
                    // when it runs the test too, read with `std::env::var`: the binary's bytes
                    // stay the same while the value changes; `rustc-cfg`, link flags).
                    let told = out_dir.with_file_name("output");
                    out.part(
                        &format!("{name} output"),
                        crate::cache::discover::path_digest(&told).as_bytes(),
                    );
                }
            }
            for (name, path) in self.named_executables(package, &closure) {
                out.part(
                    &format!("executable {name}"),
                    crate::cache::discover::path_digest(path).as_bytes(),
                );
            }
            Some((files, out.finish()))
        });
        self.memo
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(dir.to_owned(), found.clone());
        found
    }

    /// The executables of other packages of the build whose name a Rust file of `package`
    /// holds as a word (`Command::new("target/debug/attacker")`, `cargo_bin("attacker")`): a
    /// test that runs one from `target/` reads it (the hostile trial replayed a PASS over a
    /// changed member binary). A name that also means something else costs a run, never a
    /// false reuse.
    fn named_executables(
        &self,
        package: &Package,
        closure: &[&Package],
    ) -> Vec<(&'a str, &'a Path)> {
        let others: Vec<(&'a str, &'a Path)> = self
            .executables
            .iter()
            .filter(|(owner, _)| !closure.iter().any(|p| p.name == *owner))
            .copied()
            .collect();
        if others.is_empty() {
            return Vec::new();
        }
        let texts: Vec<String> = self
            .facts
            .index
            .files
            .iter()
            .filter(|f| f.rel.ends_with(".rs"))
            .filter(|f| self.owner(&f.path).is_some_and(|o| o.dir == package.dir))
            .filter_map(|f| gate_support::read::text_capped(&f.path, 1 << 20).ok())
            .collect();
        others
            .into_iter()
            .filter_map(|(_, path)| {
                let name = path.file_stem()?.to_str()?;
                texts
                    .iter()
                    .any(|t| holds_word(t, name))
                    .then_some((name, path))
            })
            .collect()
    }

    /// The package and every workspace package it reaches through path dependencies: its own
    /// of every kind, and from there normal and build dependencies only (a dependency's
    /// dev-dependencies build none of its dependents, and no test of theirs reads them).
    fn closure(&self, package: &'a Package) -> Vec<&'a Package> {
        let mut found = vec![package];
        let mut at = 0;
        while at < found.len() {
            let from = found[at];
            let deps = from
                .path_deps
                .iter()
                .filter(|dep| at == 0 || !from.dev_only.contains(dep));
            for dep in deps {
                if let Some(p) = self.packages.iter().find(|p| &p.dir == dep)
                    && !found.iter().any(|f| f.dir == p.dir)
                {
                    found.push(p);
                }
            }
            at += 1;
        }
        found
    }
}

/// Whether `text` holds `word` with no identifier character (or `-`) on either side.
fn holds_word(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    text.match_indices(word).any(|(at, _)| {
        !text[..at].chars().next_back().is_some_and(part)
            && !text[at + word.len()..].chars().next().is_some_and(part)
    })
}

#[cfg(test)]
mod tests {
    use super::holds_word;

    /// An executable is named as a word: `target/debug/attacker`, `cargo_bin("attacker")`;
    /// not inside another name (`attacker_two`, `my-attacker`).
    #[test]
    fn an_executable_is_named_as_a_word() {
        assert!(holds_word(
            "Command::new(\"../target/debug/attacker\")",
            "attacker"
        ));
        assert!(holds_word("cargo_bin(\"attacker\")", "attacker"));
        assert!(!holds_word("let attacker_two = 1;", "attacker"));
        assert!(!holds_word("\"my-attacker\"", "attacker"));
        assert!(holds_word("\"my-cli\"", "my-cli"));
    }
}
