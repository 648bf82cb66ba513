//! The Rust source files of a set of packages, walked once and scanned in parallel for
//! unsafe and FFI boundaries ([`crate::scan`]): what `boundary.unsafe` judges and what
//! `cargo gate init` reads to propose `[boundary] allow-unsafe`.
//!
//! A walk's problems ([`WalkProblem`]) are findings of `boundary.unsafe` (`walk-incomplete`,
//! `non-utf8-path`): the check reports them with its codes, `init` ignores them.

use crate::scan::{self, BoundaryHit, Elsewhere};
use crate::workspace::{Member, Workspace};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// A Rust source file and the member that owns it.
#[derive(Debug, Clone)]
pub struct OwnedFile {
    /// The file.
    pub path: PathBuf,
    /// The owning member's package name.
    pub krate: String,
}

/// What a walk could not do well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalkProblem {
    /// Part of the tree could not be walked (so it was not scanned): the walker's error.
    Incomplete(String),
    /// A path that is not valid UTF-8 (it was scanned): where, and its package.
    NonUtf8 {
        /// Relative to the workspace root, shown lossily.
        rel: String,
        /// The owning package.
        krate: String,
    },
}

/// Every `.rs` file of every member, each exactly once, owned by the member whose directory
/// is the deepest one containing it. Directories holding a Cargo.toml of their own belong to
/// that package (another member, or a package outside the workspace such as a test
/// fixture), so a walk never enters them; `.gitignore`d paths, hidden directories and the
/// target directory are skipped; symbolic links are not followed, so a link loop cannot
/// hang the walk. Non-UTF-8 paths are scanned and reported as warnings. The target roots
/// each member's manifest names by path are walked too ([`files_with_targets`]), as
/// `boundary.unsafe` walks them, so what `cargo gate init` finds is what the check judges.
pub fn member_files(ws: &Workspace) -> (Vec<OwnedFile>, Vec<WalkProblem>) {
    let targets: Vec<Vec<PathBuf>> = (ws.members.iter())
        .map(|m| {
            crate::workspace::read_toml(&m.dir.join("Cargo.toml"))
                .map(|doc| crate::workspace::target_paths(&doc, &m.dir))
                .unwrap_or_default()
        })
        .collect();
    let packages: Vec<(&Member, &[PathBuf])> = (ws.members.iter())
        .zip(&targets)
        .map(|(m, t)| (m, t.as_slice()))
        .collect();
    files_with_targets(ws, &packages)
}

/// Like [`member_files`], for any list of packages (members and the crates they reach).
///
/// The packages inside the workspace root are walked in one pass from the root, which
/// enters only the directories of those packages and the ones on the way to them: one
/// walker reads the ignore files once, where a walker per package read them per package (a
/// tenth of a second on 500 members). A package that pass does not reach (outside the
/// root, or under a directory it skips: hidden, ignored, a link) is walked from its own
/// directory, as every package once was.
pub fn files_of<'a>(
    ws: &Workspace,
    packages: impl IntoIterator<Item = &'a Member>,
) -> (Vec<OwnedFile>, Vec<WalkProblem>) {
    let packages: Vec<&Member> = packages.into_iter().collect();
    let mut owners: HashMap<&Path, &Member> = HashMap::new();
    for package in &packages {
        owners.entry(package.dir.as_path()).or_insert(package);
    }
    let mut walk = Walk {
        ws,
        owners: &owners,
        files: Vec::new(),
        problems: Vec::new(),
        reached: HashSet::new(),
    };
    if packages.iter().any(|p| p.dir.starts_with(&ws.root)) {
        walk.whole_root();
    }
    for package in &packages {
        if !walk.reached.contains(package.dir.as_path()) {
            walk.member(package);
        }
    }
    let Walk {
        mut files,
        problems,
        ..
    } = walk;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    (files, problems)
}

/// [`files_of`], and the Rust files beside each target root a package's manifest names by
/// path that those walks did not reach (EmbarkStudios/crash-handling's `[[bin]] path =
/// "crash-client/src/main.rs"`, under a stale `crash-client/Cargo.toml` of its own, a
/// directory the walks never enter): the root's directory is walked as the package's own.
/// Only inside the repository (git's top level, else the workspace root): a root a manifest
/// names outside it (`path = "/.dockerenv"`: a walk of the whole machine) is no code of the
/// commit's, and is said to be unscanned.
pub fn files_with_targets(
    ws: &Workspace,
    packages: &[(&Member, &[PathBuf])],
) -> (Vec<OwnedFile>, Vec<WalkProblem>) {
    let (mut files, mut problems) = files_of(ws, packages.iter().map(|(member, _)| *member));
    let walked: HashSet<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    let owners = HashMap::new();
    let mut beside = Walk {
        ws,
        owners: &owners,
        files: Vec::new(),
        problems: Vec::new(),
        reached: HashSet::new(),
    };
    let repository = ws.git.as_ref().map_or(&ws.root, |git| &git.toplevel);
    let real = |path: &Path| std::fs::canonicalize(path).ok();
    let inside = real(repository);
    for (member, roots) in packages {
        for root in roots.iter().filter(|r| r.is_file() && !walked.contains(*r)) {
            // As the file system resolves it: a directory in the repository that links out
            // leads out too (and `/tmp` may be a link to `/private/tmp`).
            let resolved = root.parent().and_then(real);
            if !(resolved.zip(inside.as_ref())).is_some_and(|(dir, top)| dir.starts_with(top)) {
                problems.push(WalkProblem::Incomplete(format!(
                    "{} names the target root {}, outside the repository: not scanned (move \
                     the code into the repository)",
                    member.name,
                    root.display()
                )));
                continue;
            }
            let Some(dir) = root
                .parent()
                .filter(|d| beside.reached.insert(d.to_path_buf()))
            else {
                continue;
            };
            beside.member(&Member {
                name: member.name.clone(),
                dir: dir.to_owned(),
            });
        }
    }
    files.extend(beside.files);
    problems.extend(beside.problems);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    (files, problems)
}

/// Adds to `files` the tracked Rust files (`path`, package) the walks passed over: a file
/// `.gitignore` names but that is committed all the same (`git add -f`), a file in a hidden
/// directory. The commit holds them and `mod` or `#[path]` compiles them, so they are
/// scanned as their package's code. `files` stays sorted; the files added are returned.
pub fn with_tracked<'a>(
    files: &mut Vec<OwnedFile>,
    tracked: impl IntoIterator<Item = (&'a Path, &'a str)>,
) -> Vec<PathBuf> {
    let walked: HashSet<&Path> = files.iter().map(|f| f.path.as_path()).collect();
    let missed: Vec<OwnedFile> = (tracked.into_iter())
        .filter(|(path, _)| path.extension().is_some_and(|e| e == "rs") && !walked.contains(path))
        .map(|(path, krate)| OwnedFile {
            path: path.to_owned(),
            krate: krate.to_owned(),
        })
        .collect();
    let added = missed.iter().map(|f| f.path.clone()).collect();
    files.extend(missed);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    added
}

/// The walks of one [`files_of`].
struct Walk<'w, 'a> {
    ws: &'w Workspace,
    /// Each package by its directory.
    owners: &'w HashMap<&'a Path, &'a Member>,
    files: Vec<OwnedFile>,
    problems: Vec<WalkProblem>,
    /// The package directories a walk entered.
    reached: HashSet<PathBuf>,
}

impl Walk<'_, '_> {
    /// One walk from the root for every package inside it: a directory is entered when it
    /// is a package's, inside one, or on the way to one; never the target directory, nor a
    /// directory with a Cargo.toml of a package not walked (a fixture, an excluded crate).
    fn whole_root(&mut self) {
        let root = self.ws.root.clone();
        let target = self.ws.target_dir.clone();
        let dirs: HashSet<PathBuf> = self.owners.keys().map(|d| d.to_path_buf()).collect();
        let on_the_way: HashSet<PathBuf> = dirs
            .iter()
            .flat_map(|d| d.ancestors().skip(1).take_while(|a| a.starts_with(&root)))
            .map(Path::to_path_buf)
            .collect();
        let walker = ignore::WalkBuilder::new(&self.ws.root)
            .follow_links(false)
            .require_git(false)
            .filter_entry(move |entry| {
                let path = entry.path();
                if !entry.file_type().is_some_and(|t| t.is_dir()) || path == root {
                    return true;
                }
                if path.starts_with(&target) {
                    return false;
                }
                // Another package's directory is never entered: a walked package beneath
                // it is walked from its own directory.
                if path.join("Cargo.toml").exists() {
                    return dirs.contains(path);
                }
                on_the_way.contains(path) || path.ancestors().any(|a| dirs.contains(a))
            })
            .build();
        for entry in walker {
            self.entry(entry, None);
        }
    }

    /// The walk of one package from its own directory.
    fn member(&mut self, member: &Member) {
        let root = member.dir.clone();
        let target = self.ws.target_dir.clone();
        let walker = ignore::WalkBuilder::new(&member.dir)
            .follow_links(false)
            .require_git(false)
            .filter_entry(move |entry| {
                let path = entry.path();
                let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                !(is_dir
                    && (path.starts_with(&target)
                        || (path != root && path.join("Cargo.toml").exists())))
            })
            .build();
        self.reached.insert(member.dir.clone());
        for entry in walker {
            self.entry(entry, Some(member));
        }
    }

    /// One entry of a walk: a `.rs` file goes to `owner`, or to the package whose
    /// directory is the deepest one holding it.
    fn entry(&mut self, entry: Result<ignore::DirEntry, ignore::Error>, owner: Option<&Member>) {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                self.problems.push(WalkProblem::Incomplete(err.to_string()));
                return;
            }
        };
        let path = entry.path();
        if entry.file_type().is_some_and(|t| t.is_dir()) {
            if self.owners.contains_key(path) {
                self.reached.insert(path.to_owned());
            }
            return;
        }
        if !entry.file_type().is_some_and(|t| t.is_file())
            || path.extension().is_none_or(|e| e != "rs")
        {
            return;
        }
        let owners = self.owners;
        let Some(owner) = owner.or_else(|| {
            path.ancestors()
                .skip(1)
                .find_map(|dir| owners.get(dir).copied())
        }) else {
            return;
        };
        if path.to_str().is_none() {
            self.problems.push(WalkProblem::NonUtf8 {
                rel: self.ws.relative(path),
                krate: owner.name.clone(),
            });
        }
        self.files.push(OwnedFile {
            path: path.to_owned(),
            krate: owner.name.clone(),
        });
    }
}

/// Threads for scanning: what the machine offers.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// One file's size and hits, or why it could not be read.
pub type ScanResult = std::io::Result<(u64, Vec<BoundaryHit>)>;

/// Reads and scans `files` on `threads` threads; results are in the order of `files`, each
/// the file's size and its hits. Each file is read, scanned and dropped, so memory stays
/// bounded by the largest file per thread. A site inside `quote!` runs elsewhere only where
/// the crate's `quote!` is the real one (`forged_quotes_are_code`).
pub fn scan_files(files: &[OwnedFile], threads: usize) -> Vec<ScanResult> {
    let mut scanned = scan_paths(
        files
            .iter()
            .map(|f| f.path.as_path())
            .collect::<Vec<_>>()
            .as_slice(),
        threads,
    );
    forged_quotes_are_code(files, &mut scanned);
    scanned
}

/// A crate any of whose files could make `quote!` someone else's macro (defining one of the
/// quoting names, renaming to one, importing one from another crate:
/// [`crate::scan::quoting_is_genuine`]) has its quoted sites judged as its own code: a macro
/// defined in one file reaches the others, so one forged file is enough to take every
/// `quote!` of the crate for code. Only crates with quoted sites have their files read again.
fn forged_quotes_are_code(files: &[OwnedFile], scanned: &mut [ScanResult]) {
    let emitted = |result: &ScanResult| {
        result
            .as_ref()
            .is_ok_and(|(_, hits)| hits.iter().any(|h| h.elsewhere == Some(Elsewhere::Emitted)))
    };
    let mut crates: Vec<&str> = files
        .iter()
        .zip(scanned.iter())
        .filter(|(_, result)| emitted(result))
        .map(|(file, _)| file.krate.as_str())
        .collect();
    crates.sort_unstable();
    crates.dedup();
    let forged: Vec<&str> = crates
        .into_iter()
        .filter(|krate| {
            files.iter().filter(|f| f.krate == *krate).any(|f| {
                // An unreadable file is said by the scan itself; here it counts as forged.
                std::fs::read(&f.path).map_or(true, |text| !crate::scan::quoting_is_genuine(&text))
            })
        })
        .collect();
    for (file, result) in files.iter().zip(scanned.iter_mut()) {
        if !forged.contains(&file.krate.as_str()) {
            continue;
        }
        if let Ok((_, hits)) = result {
            for hit in hits.iter_mut() {
                if hit.elsewhere == Some(Elsewhere::Emitted) {
                    hit.elsewhere = None;
                }
            }
        }
    }
}

/// [`scan_files`] over bare paths: threads claim files by index; each thread reads into one
/// reused buffer, so memory stays near (largest file × threads) however big the tree is. The
/// benchmark harness (`examples/scan_tree.rs`) measures this very function.
pub fn scan_paths(paths: &[&Path], threads: usize) -> Vec<ScanResult> {
    crate::parallel::map_files(paths, threads, 16 << 20, |path, buf| {
        buf.clear();
        File::open(path)
            .and_then(|mut f| f.read_to_end(buf))
            .map(|_| (buf.len() as u64, scan::scan_source(buf)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Each `.rs` file found, as `member: path`.
    fn found(ws: &Workspace, extra: &[Member]) -> Vec<String> {
        let (files, _) = files_of(ws, ws.members.iter().chain(extra));
        files
            .iter()
            .map(|f| format!("{}: {}", f.krate, ws.relative(&f.path)))
            .collect()
    }

    /// A target root outside the repository, or in a directory of it that links out, is not
    /// walked (`path = "/.dockerenv"` walked the whole machine): said, not scanned.
    #[test]
    fn a_target_root_outside_the_repository_is_not_walked() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        let ws = Workspace::for_tests(&root, &["app"]);
        write(&root, "app/Cargo.toml", "[package]\n");
        write(&root, "app/src/lib.rs", "");
        write(outside.path(), "main.rs", "fn main() {}\n");
        write(outside.path(), "other.rs", "unsafe fn f() {}\n");
        let roots = if cfg!(unix) {
            #[cfg(unix)]
            std::os::unix::fs::symlink(outside.path(), root.join("link")).unwrap();
            vec![outside.path().join("main.rs"), root.join("link/main.rs")]
        } else {
            vec![outside.path().join("main.rs")]
        };
        let app = &ws.members[0];
        let (files, problems) = files_with_targets(&ws, &[(app, &roots)]);
        let found: Vec<String> = files.iter().map(|f| ws.relative(&f.path)).collect();
        assert_eq!(found, ["app/src/lib.rs"]);
        assert_eq!(problems.len(), roots.len(), "{problems:?}");
        let WalkProblem::Incomplete(said) = &problems[0] else {
            panic!("{problems:?}")
        };
        assert!(
            said.contains("outside the repository: not scanned"),
            "{said}"
        );
    }

    /// The tracked Rust files a walk passed over are added, once, with their package; the
    /// files walked and anything that is no Rust file are left as they are.
    #[test]
    fn tracked_files_the_walk_passed_over_are_added() {
        let owned = |path: &str, krate: &str| OwnedFile {
            path: PathBuf::from(path),
            krate: krate.to_owned(),
        };
        let mut files = vec![owned("/w/src/lib.rs", "app"), owned("/w/src/z.rs", "app")];
        let tracked = [
            (Path::new("/w/src/lib.rs"), "app"),
            (Path::new("/w/src/bindings.rs"), "app"),
            (Path::new("/w/src/.hidden/more.rs"), "app"),
            (Path::new("/w/README.md"), "app"),
        ];
        let added = with_tracked(&mut files, tracked);
        assert_eq!(
            added,
            [
                PathBuf::from("/w/src/bindings.rs"),
                PathBuf::from("/w/src/.hidden/more.rs")
            ]
        );
        let paths: Vec<&Path> = files.iter().map(|f| f.path.as_path()).collect();
        assert_eq!(
            paths,
            [
                "/w/src/.hidden/more.rs",
                "/w/src/bindings.rs",
                "/w/src/lib.rs",
                "/w/src/z.rs"
            ]
            .map(Path::new)
        );
    }

    #[test]
    fn one_walk_finds_what_a_walk_per_package_found() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut ws = Workspace::for_tests(root, &["a", "a/inner", "crates/b", ".hidden/c"]);
        for member in ["a", "a/inner", "crates/b", ".hidden/c"] {
            write(root, &format!("{member}/Cargo.toml"), "[package]\n");
            write(root, &format!("{member}/src/lib.rs"), "");
        }
        // Files of no package: the root's own, a docs tree, the target directory.
        write(root, "build.rs", "");
        write(root, "docs/example.rs", "");
        write(root, "target/debug/build/out.rs", "");
        // A fixture package inside a member is its own; a member beneath it is walked.
        write(root, "a/fixture/Cargo.toml", "[package]\n");
        write(root, "a/fixture/src/lib.rs", "");
        write(root, "a/fixture/deep/Cargo.toml", "[package]\n");
        write(root, "a/fixture/deep/src/lib.rs", "");
        ws.members.push(Member {
            name: "deep".to_owned(),
            dir: root.join("a/fixture/deep"),
        });
        // Ignored files stay out, in the root walk as in a package's own.
        write(root, ".gitignore", "generated.rs\n");
        write(root, "crates/b/src/generated.rs", "");
        // A package outside the root (a path dependency) is walked from its own directory.
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "Cargo.toml", "[package]\n");
        write(outside.path(), "src/lib.rs", "");
        let dep = Member {
            name: "dep".to_owned(),
            dir: outside.path().to_owned(),
        };
        let mut got = found(&ws, std::slice::from_ref(&dep));
        let outside_lib = got
            .iter()
            .position(|f| f.starts_with("dep: "))
            .map(|at| got.remove(at));
        assert!(outside_lib.is_some_and(|f| f.ends_with("src/lib.rs")));
        assert_eq!(
            got,
            [
                ".hidden/c: .hidden/c/src/lib.rs",
                "deep: a/fixture/deep/src/lib.rs",
                "a/inner: a/inner/src/lib.rs",
                "a: a/src/lib.rs",
                "crates/b: crates/b/src/lib.rs",
            ]
        );
    }
}
