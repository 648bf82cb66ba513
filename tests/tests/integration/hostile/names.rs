//! Hostile names: source files named with bytes that are not UTF-8, newlines, terminal
//! escapes, bidi overrides, shell syntax, a leading dash, 255 bytes; sources nested a hundred
//! directories deep; tests named in Cyrillic; a failing test and a team check whose output is
//! a forged verdict. Each is read as data: no escape code reaches the report, no line of it
//! says READY that the verdict does not, nothing named is ever run.

use super::{CONFIG, Case, Fixture, runner};
use crate::support::fixture;

#[test]
fn hostile_names() {
    runner::check_all("names", &cases());
}

/// Every row of this table.
pub(super) fn cases() -> Vec<Case> {
    [file_names(), tests_and_checks()].concat()
}

const UNSAFE: &str = "pub fn f(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n";
const BOUNDARY: &[&str] = &["pilot", "--only", "boundary.unsafe"];

/// `boundary.unsafe` over a tree holding `path`: PASS for a safe file, FAIL for an unsafe one,
/// and never a forged line or an escape code in the report.
fn named(name: &str, path: &str, unsafe_code: bool) -> Case {
    let (code, contents) = if unsafe_code {
        (1, UNSAFE)
    } else {
        (0, "pub fn g() {}\n")
    };
    Case::new(name, BOUNDARY, code, &["boundary.unsafe"])
        .text(path, contents)
        .absent("\u{1b}")
        .absent("\u{202e}")
        .absent("\nREADY for pilot")
}

fn file_names() -> Vec<Case> {
    let mut rows = vec![
        named(
            "a source named with a newline and a verdict",
            "src/x\nREADY for pilot.rs",
            true,
        ),
        named(
            "a source named with terminal escapes",
            "src/\u{1b}[2K\u{1b}[32mx.rs",
            true,
        ),
        named(
            "a source named with a bidi override",
            "src/\u{202e}sr.evil.rs",
            true,
        ),
        named(
            "a source named with a carriage return",
            "src/a\rREADY for pilot.rs",
            true,
        ),
        named(
            "a source whose name starts with a dash",
            "src/-rf.rs",
            false,
        ),
        named("a source directory named --help", "src/--help/x.rs", false),
        named(
            "a source named like a command substitution",
            "src/$(touch pwned).rs",
            false,
        ),
        named(
            "a source named with shell separators",
            "src/;touch pwned;`touch pwned2`.rs",
            false,
        ),
        named(
            "a source of a 255-byte name",
            &format!("src/{}.rs", "n".repeat(252)),
            false,
        ),
        named(
            "sources nested 100 directories deep",
            &format!("src/{}x.rs", "d/".repeat(100)),
            true,
        ),
        named("a source holding the planted secrets", "src/keys.rs", false).text(
            "src/keys.rs",
            "pub const K: &str = \"{AWS}\";\npub const T: &str = \"{GHP}\";\n",
        ),
    ];
    if cfg!(unix) {
        rows.push(
            Case::new(
                "a source whose name is not UTF-8",
                BOUNDARY,
                0,
                &["boundary.unsafe"],
            )
            .prepare(not_utf8_name),
        );
    }
    rows
}

#[cfg(unix)]
fn not_utf8_name(fx: &Fixture) {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9\xff.rs");
    std::fs::write(fx.root.join("src").join(name), "pub fn g() {}\n").expect("written");
}

#[cfg(not(unix))]
fn not_utf8_name(_: &Fixture) {}

/// Appends `code` to the fixture's library.
fn append_to_lib(fx: &Fixture, code: &str) {
    let lib = fx.root.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).expect("the fixture's lib.rs");
    std::fs::write(lib, format!("{text}\n{code}")).expect("written");
}

fn cyrillic_test(fx: &Fixture) {
    append_to_lib(
        fx,
        "#[cfg(test)]\nmod \u{0442}\u{0435}\u{0441}\u{0442}\u{044b} {\n    #[test]\n    fn \u{043f}\u{0440}\u{043e}\u{0432}\u{0435}\u{0440}\u{043a}\u{0430}_\u{00fc}() {}\n}\n",
    );
}

fn forging_test(fx: &Fixture) {
    append_to_lib(
        fx,
        "#[cfg(test)]\nmod forged {\n    #[test]\n    fn forged() -> Result<(), String> {\n        println!(\"\\nREADY for pilot\\n\\u{1b}[2K\\u{202e}\");\n        Err(\"\\nREADY for pilot\\u{1b}[32m\".to_owned())\n    }\n}\n",
    );
}

/// A team check that prints a forged verdict, an escape code and a bidi override, and fails.
const FORGING_CHECK: &str = "[policy]\nprofile = \"portable\"\n\n[[check]]\nid = \"team.forge\"\nstage = \"pilot\"\nrun = [\"sh\", \"-c\", \"printf '\\\\nREADY for pilot\\\\n\\\\033[2K\\\\342\\\\200\\\\256'; exit 1\"]\n";

/// A valid waiver whose reason and owner hold terminal escapes.
const ESCAPING_WAIVER: &str = "[policy]\nprofile = \"portable\"\n\n[[waiver]]\ncheck = \"boundary.unsafe\"\nfile = \"src/lib.rs\"\nreason = \"r\\u001b[2K\"\nowner = \"o\\u001b]0;owned\\u0007\"\nexpires = \"{EXPIRES}\"\n";

/// `args`, exit `code`, `mention` said, and nothing forged on the way.
fn unforged(name: &str, args: &[&str], code: i32, mention: &str) -> Case {
    Case::new(name, args, code, &[mention])
        .absent("\u{1b}")
        .absent("\u{202e}")
        .absent("\nREADY for pilot")
}

fn tests_and_checks() -> Vec<Case> {
    let tests = &["pilot", "--only", "tests.pass"];
    vec![
        Case::new("a test named in Cyrillic", tests, 0, &["3 passed"])
            .prepare(cyrillic_test)
            .builds(),
        unforged(
            "a failing test whose output is a forged verdict",
            tests,
            1,
            "FAIL    tests.pass",
        )
        .prepare(forging_test)
        .builds(),
        unforged(
            "a team check whose output is a forged verdict",
            &["pilot", "--only", "team.forge"],
            1,
            "FAIL    team.forge",
        )
        .text("gate.toml", FORGING_CHECK),
        unforged(
            "a waiver owner with terminal escapes",
            CONFIG,
            0,
            "PASS    config.valid",
        )
        .text("gate.toml", ESCAPING_WAIVER),
    ]
}

/// A file name and a waiver's reason and owner that hold a newline, a carriage return,
/// terminal escape codes and a bidi override: the text report shows them as escapes, so no
/// line of its own says `READY for pilot` and no escape code reaches the terminal.
#[test]
fn hostile_names_and_reasons_cannot_forge_a_line() {
    let fx = fixture("clean");
    let unsafe_code = "pub fn f(p: *const u8) -> u8 {\n    unsafe { *p }\n}\n";
    fx.write("src/waived\nREADY for pilot\u{1b}[2K.rs", unsafe_code);
    fx.write(
        "src/evil\r\u{1b}[32mREADY for pilot\u{202e}sr.rs",
        unsafe_code,
    );
    let expires = cargo_gate::init::add_days(&cargo_gate::init::today_utc(), 30).unwrap();
    fx.write(
        "gate.toml",
        &format!(
            "[policy]\nprofile = \"portable\"\n\n[[waiver]]\ncheck = \"boundary.unsafe\"\n\
             file = \"src/waived\\nREADY for pilot\\u001b[2K.rs\"\n\
             reason = \"reviewed\\n\\nREADY for pilot\\u001b[0m\"\n\
             owner = \"sec\\u001b]0;owned\\u0007\"\nexpires = \"{expires}\"\n"
        ),
    );
    fx.commit();
    let mut run = fx.gate(&["pilot", "--only", "boundary.unsafe"]);
    run.stdout = run.stdout.replace(&expires, "<expires>");
    assert!(!run.stdout.contains('\u{1b}'), "{}", run.stdout);
    assert!(!run.stdout.contains('\r'), "{}", run.stdout);
    assert!(!run.stdout.contains('\u{202e}'), "{}", run.stdout);
    assert!(
        !run.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("READY")),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!("hostile-names-text", run.transcript());
    let markdown = fx.gate(&["pilot", "--only", "boundary.unsafe", "--format", "markdown"]);
    assert!(!markdown.stdout.contains('\u{1b}'), "{}", markdown.stdout);
    assert!(
        !markdown.stdout.contains(['\r', '\u{202e}']),
        "{}",
        markdown.stdout
    );
    assert!(
        !markdown.stdout.lines().any(|l| l
            .trim_start_matches(['#', '-', '|', ' '])
            .starts_with("READY")),
        "{}",
        markdown.stdout
    );
    // JUnit: each finding one line of the failure's text, escapes shown, never obeyed.
    let junit = fx.gate(&["pilot", "--only", "boundary.unsafe", "--format", "junit"]);
    assert!(!junit.stdout.contains('\u{1b}'), "{}", junit.stdout);
    assert!(
        !junit.stdout.contains(['\r', '\u{202e}']),
        "{}",
        junit.stdout
    );
    assert!(
        !junit
            .stdout
            .lines()
            .any(|l| l.trim_start().starts_with("READY")),
        "{}",
        junit.stdout
    );
}
