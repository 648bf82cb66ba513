//! Deterministic generator of a large synthetic Rust source tree, used to benchmark and
//! cross-check the unsafe/FFI boundary scanner (`cargo_gate::scan`).
//!
//! The code is realistic in shape (docs, structs, impls, generics, matches, closures, literals of
//! every kind) but is not meant to compile. About a third of the files contain real `unsafe`
//! constructs and FFI markers; about half contain decoys that a text search would miscount
//! (the word `unsafe` in comments, strings, raw strings, identifiers and lifetimes). The
//! generator counts the real sites it writes so a test can compare the scanner against it.

use std::fmt::Write as _;
use std::path::Path;

/// What [`generate`] wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct GenStats {
    /// Number of `.rs` files written.
    pub(crate) files: u64,
    /// Total size of those files in bytes.
    pub(crate) bytes: u64,
    /// Real `unsafe` constructs written: those `scan_source` classifies as an unsafe block, fn,
    /// impl, trait or extern block.
    pub(crate) unsafe_sites: u64,
}

/// Files per leaf directory and leaf directories per top-level directory.
const FILES_PER_DIR: u64 = 8;
const SUBDIRS_PER_DIR: u64 = 8;

/// Writes `.rs` files under `dir` (created if missing) until their total size reaches
/// `target_bytes`, laid out as `dir_NNN/mod_NN/file_NNNNN.rs`, 20–60 KB each.
///
/// The same `seed` always produces a byte-identical tree. Existing files with the same names
/// are overwritten; other contents of `dir` are left alone, so pass a fresh directory.
pub(crate) fn generate(dir: &Path, target_bytes: u64, seed: u64) -> std::io::Result<GenStats> {
    let mut stats = GenStats::default();
    std::fs::create_dir_all(dir)?;
    while stats.bytes < target_bytes {
        let index = stats.files;
        // One generator per file, seeded from the file index, so each file is independent of
        // how the others came out.
        let mut file = FileGen::new(seed ^ index.wrapping_mul(0xA076_1D64_78BD_642F));
        let text = file.generate();
        let leaf = dir
            .join(format!(
                "dir_{:03}",
                index / (FILES_PER_DIR * SUBDIRS_PER_DIR)
            ))
            .join(format!(
                "mod_{:02}",
                (index / FILES_PER_DIR) % SUBDIRS_PER_DIR
            ));
        if index % FILES_PER_DIR == 0 {
            std::fs::create_dir_all(&leaf)?;
        }
        std::fs::write(leaf.join(format!("file_{index:05}.rs")), &text)?;
        stats.files += 1;
        stats.bytes += text.len() as u64;
        stats.unsafe_sites += file.unsafe_sites;
    }
    Ok(stats)
}

/// The deterministic generator (gate-support's SplitMix64; also used by `gen_secrets`).
pub(crate) type Rng = gate_support::rng::SplitMix64;

/// Identifier vocabulary. None of these contain a scanner needle (`unsafe`, `extern`, `asm`,
/// `no_mangle`, `export_name`), so ordinary code never produces accidental hits.
const WORDS: &[&str] = &[
    "buffer", "index", "count", "node", "tree", "value", "state", "config", "parser", "token",
    "frame", "queue", "cache", "entry", "handle", "request", "response", "client", "server",
    "item", "record", "window", "event", "signal", "stream", "reader", "writer", "block", "chunk",
    "slot", "graph", "edge", "route", "table", "column", "schema", "batch", "limit", "offset",
    "cursor", "session", "metric", "sample", "packet", "header", "payload", "budget", "ledger",
];

const TYPES: &[&str] = &[
    "u8",
    "u16",
    "u32",
    "u64",
    "usize",
    "i32",
    "i64",
    "f64",
    "bool",
    "String",
    "Vec<u8>",
    "Option<u32>",
    "Box<str>",
    "&'a str",
    "HashMap<String, usize>",
    "Arc<Mutex<Vec<T>>>",
];

const PROSE: &[&str] = &[
    "Returns the number of entries that are still pending.",
    "Keeps the invariant that `len <= capacity` at all times.",
    "The caller must hold the lock while iterating.",
    "This is the slow path; the fast path lives in the caller.",
    "See the module documentation for the overall design.",
    "Errors are reported, never swallowed.",
    "Values are compared by key, not by identity.",
    "Panics if the index is out of bounds.",
    "Amortised O(1); occasionally reallocates.",
    "Kept separate so the hot loop stays small.",
];

/// Generates one file and counts the real unsafe sites in it.
#[derive(Debug)]
struct FileGen {
    rng: Rng,
    out: String,
    /// Suffix that keeps generated names unique within the file.
    serial: u32,
    unsafe_sites: u64,
}

/// Appends formatted text to the output; writing to a `String` cannot fail.
macro_rules! emit {
    ($gen:expr, $($arg:tt)*) => {
        let _ = write!($gen.out, $($arg)*);
    };
}

impl FileGen {
    fn new(seed: u64) -> Self {
        FileGen {
            rng: Rng::new(seed),
            out: String::new(),
            serial: 0,
            unsafe_sites: 0,
        }
    }

    fn generate(&mut self) -> String {
        let target = 20_000 + self.rng.below(40_001) as usize;
        let has_unsafe = self.rng.below(3) == 0;
        let has_decoys = self.rng.percent(50);
        self.header(has_unsafe, has_decoys);
        let mut wrote_unsafe = false;
        while self.out.len() < target {
            if has_unsafe && (!wrote_unsafe || self.rng.percent(25)) {
                self.unsafe_item();
                wrote_unsafe = true;
            } else if has_decoys && self.rng.percent(20) {
                self.decoy_item();
            } else {
                self.ordinary_item();
            }
            self.out.push('\n');
        }
        self.tests_module();
        std::mem::take(&mut self.out)
    }

    fn name(&mut self) -> String {
        self.serial += 1;
        let a = *self.rng.pick(WORDS);
        let b = *self.rng.pick(WORDS);
        format!("{a}_{b}_{}", self.serial)
    }

    fn type_name(&mut self) -> String {
        self.serial += 1;
        let mut name = String::new();
        for _ in 0..2 {
            let word = *self.rng.pick(WORDS);
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                name.push(first.to_ascii_uppercase());
                name.push_str(chars.as_str());
            }
        }
        format!("{name}{}", self.serial)
    }

    fn doc(&mut self, indent: &str) {
        for _ in 0..1 + self.rng.below(3) {
            let line = *self.rng.pick(PROSE);
            emit!(self, "{indent}/// {line}\n");
        }
    }

    fn header(&mut self, has_unsafe: bool, has_decoys: bool) {
        emit!(
            self,
            "//! Generated module. {}\n//!\n",
            *self.rng.pick(PROSE)
        );
        if has_decoys && !has_unsafe && self.rng.percent(60) {
            // The lint name contains `unsafe` but is no unsafe code.
            emit!(self, "#![forbid(unsafe_code)]\n");
        }
        emit!(
            self,
            "\nuse std::collections::HashMap;\nuse std::fmt;\nuse std::sync::{{Arc, Mutex}};\n\n"
        );
        if has_decoys && self.rng.percent(30) {
            emit!(self, "extern crate alloc;\n\n");
        }
    }

    // ----- ordinary code -------------------------------------------------------------------

    fn ordinary_item(&mut self) {
        match self.rng.below(5) {
            0 | 1 => self.struct_with_impl(),
            2 => self.enum_with_match(),
            3 => self.generic_fn(),
            _ => self.trait_and_consts(),
        }
    }

    fn struct_with_impl(&mut self) {
        let ty = self.type_name();
        self.doc("");
        emit!(
            self,
            "#[derive(Debug, Clone, PartialEq)]\npub struct {ty}<'a, T> {{\n"
        );
        let mut fields = Vec::new();
        for _ in 0..2 + self.rng.below(4) {
            let field = self.name();
            let field_ty = *self.rng.pick(TYPES);
            emit!(
                self,
                "    /// {}\n    pub {field}: {field_ty},\n",
                *self.rng.pick(PROSE)
            );
            fields.push(field);
        }
        emit!(self, "    items: Vec<T>,\n    label: &'a str,\n}}\n\n");
        emit!(self, "impl<'a, T: Clone + fmt::Debug> {ty}<'a, T> {{\n");
        for i in 0..1 + self.rng.below(3) {
            if i > 0 {
                self.out.push('\n');
            }
            let method = self.name();
            self.doc("    ");
            emit!(
                self,
                "    pub fn {method}(&mut self, input: &[T], limit: usize) -> Result<usize, String> {{\n"
            );
            let statements = 3 + self.rng.below(6);
            self.body(2, statements);
            emit!(self, "        Ok(self.items.len().min(limit))\n    }}\n");
        }
        emit!(self, "}}\n");
    }

    fn enum_with_match(&mut self) {
        let ty = self.type_name();
        self.doc("");
        emit!(
            self,
            "#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum {ty} {{\n"
        );
        let variants: Vec<String> = (0..3 + self.rng.below(4))
            .map(|_| self.type_name())
            .collect();
        for v in &variants {
            emit!(self, "    {v},\n");
        }
        emit!(self, "}}\n\nimpl fmt::Display for {ty} {{\n");
        emit!(
            self,
            "    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{\n        let text = match self {{\n"
        );
        for v in &variants {
            emit!(self, "            {ty}::{v} => \"{}\",\n", v.to_lowercase());
        }
        emit!(self, "        }};\n        f.write_str(text)\n    }}\n}}\n");
    }

    fn generic_fn(&mut self) {
        let name = self.name();
        self.doc("");
        emit!(
            self,
            "pub fn {name}<'a, K, V>(map: &'a HashMap<K, V>, keys: &[K]) -> Vec<&'a V>\nwhere\n    K: std::hash::Hash + Eq,\n{{\n"
        );
        let statements = 2 + self.rng.below(5);
        self.body(1, statements);
        emit!(
            self,
            "    keys.iter().filter_map(|k| map.get(k)).collect()\n}}\n"
        );
    }

    fn trait_and_consts(&mut self) {
        let tr = self.type_name();
        let konst = self.name().to_uppercase();
        emit!(
            self,
            "pub const {konst}: [u32; 4] = [0xFF_u32, 1_000, 0b1010, 0o17];\n\
             static {konst}_NAME: &str = \"{konst}\\t(v{})\";\n\n",
            self.rng.below(10)
        );
        self.doc("");
        emit!(self, "pub trait {tr}: fmt::Debug + Send {{\n");
        for _ in 0..1 + self.rng.below(3) {
            let m = self.name();
            emit!(self, "    fn {m}(&self, value: u64) -> Option<u64>;\n");
        }
        emit!(
            self,
            "    fn describe(&self) -> String {{\n        format!(\"{{self:?}} ({{}})\", {konst}_NAME)\n    }}\n}}\n"
        );
    }

    /// A function body of `statements` statements at `depth` levels of indentation.
    fn body(&mut self, depth: usize, statements: u64) {
        let pad = "    ".repeat(depth);
        for _ in 0..statements {
            let v = self.name();
            match self.rng.below(10) {
                0 => {
                    emit!(self, "{pad}// {}\n", *self.rng.pick(PROSE));
                }
                1 => {
                    emit!(
                        self,
                        "{pad}let {v} = input.iter().map(|x| format!(\"{{x:?}}\")).collect::<Vec<_>>();\n"
                    );
                }
                2 => {
                    emit!(
                        self,
                        "{pad}let {v}: f64 = 2.5e3 * {} as f64 + 1.0 / 3.0;\n",
                        self.rng.below(1000)
                    );
                }
                3 => {
                    emit!(
                        self,
                        "{pad}if limit > {} {{\n{pad}    return Err(format!(\"limit {{limit}} too large for {{}}\", \"quote \\\" and \\\\ slash\"));\n{pad}}}\n",
                        self.rng.below(100)
                    );
                }
                4 => {
                    emit!(
                        self,
                        "{pad}let {v} = match limit % 4 {{\n{pad}    0 => 'a',\n{pad}    1 => '\\n',\n{pad}    2 => '\\u{{1F600}}',\n{pad}    _ => b'z' as char,\n{pad}}};\n"
                    );
                }
                5 => {
                    emit!(
                        self,
                        "{pad}'outer: for (i, chunk) in input.chunks(4).enumerate() {{\n{pad}    for _ in chunk {{\n{pad}        if i > limit {{\n{pad}            break 'outer;\n{pad}        }}\n{pad}    }}\n{pad}}}\n"
                    );
                }
                6 => {
                    emit!(
                        self,
                        "{pad}let {v} = Arc::new(Mutex::new(Vec::<u8>::with_capacity(limit)));\n{pad}if let Ok(mut guard) = {v}.lock() {{\n{pad}    guard.extend_from_slice(b\"bytes\\x00\\xff\");\n{pad}}}\n"
                    );
                }
                7 => {
                    emit!(
                        self,
                        "{pad}/* {} */\n{pad}let {v} = (0..limit).filter(|n| n % 3 == 0).sum::<usize>();\n",
                        *self.rng.pick(PROSE)
                    );
                }
                8 => {
                    emit!(
                        self,
                        "{pad}let {v} = r\"C:\\path\\to\\file\".len() + \"line\\n\".len();\n"
                    );
                }
                _ => {
                    emit!(
                        self,
                        "{pad}let mut {v} = HashMap::new();\n{pad}{v}.insert(String::from(\"key\"), limit);\n{pad}let _ = {v}.get(\"key\").copied().unwrap_or_default();\n"
                    );
                }
            }
        }
    }

    fn tests_module(&mut self) {
        emit!(
            self,
            "#[cfg(test)]\nmod tests {{\n    use super::*;\n\n    #[test]\n    fn smoke() {{\n        assert_eq!(1 + 1, 2, \"arithmetic\");\n    }}\n}}\n"
        );
    }

    // ----- decoys: must produce no hits ------------------------------------------------------

    fn decoy_item(&mut self) {
        let name = self.name();
        match self.rng.below(6) {
            0 => {
                emit!(
                    self,
                    "// SAFETY: nothing unsafe here; `unsafe {{ }}` and extern \"C\" {{ }} are only words.\n\
                     /* unsafe fn not_code() {{}} /* nested: unsafe impl Send for X {{}} */ still a comment */\n\
                     /// Calling `unsafe {{ ptr.read() }}` or `asm!(\"nop\")` is documented, not done.\n\
                     /** unsafe trait Doc {{}} */\n\
                     pub fn {name}() -> usize {{\n    0\n}}\n"
                );
            }
            1 => {
                emit!(
                    self,
                    "pub fn {name}() -> Vec<&'static str> {{\n\
                     \x20   let plain = \"unsafe {{ not code }}\";\n\
                     \x20   let escaped = \"quote \\\" unsafe {{ \\\\\";\n\
                     \x20   let raw = r#\"unsafe fn \"quoted\" {{ }}\"#;\n\
                     \x20   let hashes = r##\"has \"# inside unsafe {{ }}\"##;\n\
                     \x20   vec![plain, escaped, raw, hashes]\n}}\n"
                );
            }
            2 => {
                emit!(
                    self,
                    "pub fn {name}() -> usize {{\n\
                     \x20   let bytes = b\"unsafe impl Send\";\n\
                     \x20   let raw_bytes = br#\"extern \"C\" {{ }}\"#;\n\
                     \x20   let c_string = c\"asm!(\\\"nop\\\") unsafe\";\n\
                     \x20   let chars = ['{{', '\\'', 'u', '\"'];\n\
                     \x20   bytes.len() + raw_bytes.len() + c_string.count_bytes() + chars.len()\n}}\n"
                );
            }
            3 => {
                emit!(
                    self,
                    "pub fn {name}(unsafe_code: u32) -> u32 {{\n\
                     \x20   let my_unsafe = unsafe_code + 1;\n\
                     \x20   let r#unsafe = {{ my_unsafe * 2 }};\n\
                     \x20   let asm = r#unsafe;\n\
                     \x20   if asm != 2 {{ asm }} else {{ my_unsafe }}\n}}\n"
                );
            }
            4 => {
                let ty = self.type_name();
                emit!(
                    self,
                    "pub fn {name}<'unsafe_a>(text: &'unsafe_a str) -> &'unsafe_a str {{\n\
                     \x20   'unsafe_loop: loop {{\n        break 'unsafe_loop text;\n    }}\n}}\n\n\
                     /// Function pointer types declare no code.\n\
                     pub type {ty}Callback = unsafe extern \"C\" fn(i32) -> i32;\n"
                );
            }
            _ => {
                emit!(
                    self,
                    "extern \"Rust\" fn {name}() {{}}\n\n\
                     fn asm() -> u8 {{\n    7\n}}\n\n\
                     #[allow(clippy::unsafe_removed_from_name)]\n\
                     pub fn {name}_unsafe_free() -> u8 {{\n    asm()\n}}\n"
                );
            }
        }
    }

    // ----- real unsafe and FFI code ---------------------------------------------------------

    fn unsafe_item(&mut self) {
        let name = self.name();
        let ty = self.type_name();
        match self.rng.below(12) {
            0 => {
                emit!(
                    self,
                    "pub fn {name}(data: &[u8], idx: usize) -> u8 {{\n\
                     \x20   assert!(idx < data.len());\n\
                     \x20   // SAFETY: bounds checked above.\n\
                     \x20   unsafe {{ *data.get_unchecked(idx) }}\n}}\n"
                );
                self.unsafe_sites += 1;
            }
            1 => {
                emit!(
                    self,
                    "/// # Safety\n/// `ptr` must be valid for reads and aligned.\n\
                     pub unsafe fn {name}(ptr: *const u32) -> u32 {{\n\
                     \x20   // SAFETY: forwarded to the caller.\n\
                     \x20   unsafe {{ ptr.read() }}\n}}\n"
                );
                self.unsafe_sites += 2;
            }
            2 => {
                emit!(
                    self,
                    "pub struct {ty}<T>(*mut T);\n\n\
                     // SAFETY: the pointer is owned and never aliased.\n\
                     unsafe impl<T: Send> Send for {ty}<T> {{}}\n\
                     unsafe impl<T: Sync> Sync for {ty}<T> {{}}\n"
                );
                self.unsafe_sites += 2;
            }
            3 => {
                emit!(
                    self,
                    "/// # Safety\n/// Implementors must return a valid, initialised length.\n\
                     pub unsafe trait {ty} {{\n    fn raw_len(&self) -> usize;\n}}\n\n\
                     unsafe impl {ty} for Vec<u8> {{\n    fn raw_len(&self) -> usize {{\n        self.len()\n    }}\n}}\n"
                );
                self.unsafe_sites += 2;
            }
            4 => {
                let other = self.name();
                emit!(
                    self,
                    "unsafe extern \"C\" {{\n\
                     \x20   pub fn {name}(s: *const u8) -> usize;\n\
                     \x20   pub safe fn {other}(x: f64) -> f64;\n}}\n"
                );
                self.unsafe_sites += 1;
            }
            5 => {
                emit!(
                    self,
                    "extern \"C\" {{\n    fn {name}(p: *const u8, n: usize) -> i32;\n}}\n\n\
                     extern {{\n    static {}: u32;\n}}\n",
                    name.to_uppercase()
                );
            }
            6 => {
                emit!(
                    self,
                    "#[unsafe(no_mangle)]\npub extern \"C\" fn {name}(x: u32) -> u32 {{\n    x.wrapping_add(1)\n}}\n"
                );
            }
            7 => {
                emit!(
                    self,
                    "/// # Safety\n/// `p` must be valid for writes.\n\
                     #[no_mangle]\npub unsafe extern \"C\" fn {name}(p: *mut u8) {{\n\
                     \x20   unsafe {{\n        *p = 0;\n    }}\n}}\n"
                );
                self.unsafe_sites += 2;
            }
            8 => {
                emit!(
                    self,
                    "#[cfg(target_arch = \"x86_64\")]\npub fn {name}() {{\n\
                     \x20   // SAFETY: `nop` has no effects.\n\
                     \x20   unsafe {{\n        core::arch::asm!(\"nop\", options(nomem, nostack));\n    }}\n}}\n\n\
                     #[cfg(target_arch = \"x86_64\")]\nstd::arch::global_asm!(\".globl {name}_sym\", \"{name}_sym: ret\");\n"
                );
                self.unsafe_sites += 1;
            }
            9 => {
                emit!(
                    self,
                    "#[unsafe(export_name = \"{name}_v1\")]\npub extern \"C-unwind\" fn {name}() -> i32 {{\n    0\n}}\n"
                );
            }
            10 => {
                emit!(
                    self,
                    "pub(crate) const unsafe fn {name}(x: *const u64) -> u64 {{\n\
                     \x20   unsafe /* trusted */ {{ *x }}\n}}\n\n\
                     pub async unsafe fn {name}_async(x: *const u64) -> u64 {{\n\
                     \x20   // unsafe {{ in a comment }} does not count\n\
                     \x20   unsafe {{ x.read_volatile() }}\n}}\n"
                );
                self.unsafe_sites += 4;
            }
            _ => {
                emit!(
                    self,
                    "impl {ty} {{\n\
                     \x20   pub fn get(&self, i: usize) -> Option<&u8> {{\n\
                     \x20       let s = \"unsafe {{ decoy }}\";\n\
                     \x20       if i < s.len() {{\n\
                     \x20           Some(unsafe {{ &*self.0.add(i) }})\n\
                     \x20       }} else {{\n\
                     \x20           None\n\
                     \x20       }}\n\
                     \x20   }}\n}}\n"
                );
                self.unsafe_sites += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::generate;
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    /// Relative path → contents of every file under `root`.
    fn read_tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        let mut files = BTreeMap::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("read_dir") {
                let path = entry.expect("dir entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let rel = path.strip_prefix(root).expect("under root").to_path_buf();
                    files.insert(rel, std::fs::read(&path).expect("read file"));
                }
            }
        }
        files
    }

    #[test]
    fn same_seed_gives_identical_tree() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let target = 200_000;
        let stats_a = generate(a.path(), target, 7).expect("generate a");
        let stats_b = generate(b.path(), target, 7).expect("generate b");
        let stats_c = generate(c.path(), target, 8).expect("generate c");
        assert_eq!(stats_a, stats_b);

        let tree_a = read_tree(a.path());
        assert_eq!(tree_a, read_tree(b.path()), "same seed, different trees");
        assert_ne!(tree_a, read_tree(c.path()), "different seeds, same tree");

        assert!(stats_a.bytes >= target);
        assert_eq!(stats_a.files, tree_a.len() as u64);
        assert_eq!(
            stats_a.bytes,
            tree_a.values().map(|f| f.len() as u64).sum::<u64>()
        );
        for (path, text) in &tree_a {
            assert!(path.extension().is_some_and(|e| e == "rs"), "{path:?}");
            assert!((20_000..70_000).contains(&text.len()), "{path:?} size");
        }
        let joined: Vec<u8> = tree_a.values().flatten().copied().collect();
        let text = String::from_utf8(joined).expect("generated text is UTF-8");
        assert!(stats_a.unsafe_sites + stats_c.unsafe_sites > 0);
        assert!(text.contains("r#unsafe"), "decoys are generated");
    }
}
