//! Hostile gate.toml values, table by table: syntax, unknown keys, wrong types, values out of
//! range. Each row writes the gate.toml, runs `pilot --only config.valid`, and wants exit 2
//! with a message that names gate.toml (with line and column where the row says so) and the
//! key or value at fault; nothing is recorded.

use super::{Case, c, runner};

#[test]
fn hostile_configuration() {
    runner::check_all("configuration", &cases());
}

/// Every row of this table.
pub(super) fn cases() -> Vec<Case> {
    [
        syntax_and_shape(),
        policy(),
        boundary(),
        cache_table(),
        tests_table(),
        bench(),
        history_matrix_checklist(),
        wrong_shapes(),
    ]
    .concat()
}

/// gate.toml: syntax and shape.
fn syntax_and_shape() -> Vec<Case> {
    vec![
        c(
            "syntax: unclosed table",
            "[policy\nprofile = \"portable\"\n",
            "gate.toml:1",
        ),
        c(
            "syntax: unclosed string",
            "[policy]\nprofile = \"portable\n",
            "gate.toml:2",
        ),
        c(
            "syntax: duplicate key",
            "[policy]\nstrict = true\nstrict = false\n",
            "gate.toml:3",
        ),
        c(
            "syntax: duplicate table",
            "[policy]\n[policy]\n",
            "gate.toml:2",
        ),
        c("unknown top-level key", "foo = 1\n", "unknown field `foo`"),
        c(
            "unknown section",
            "[polcy]\nprofile = \"rusty\"\n",
            "unknown field `polcy`",
        ),
        c(
            "unknown policy key",
            "[policy]\nstirct = true\n",
            "unknown field `stirct`",
        ),
        c(
            "unknown tests key",
            "[tests]\ntime-out = \"1m\"\n",
            "unknown field `time-out`",
        ),
        c(
            "unknown check key",
            "[[check]]\nid = \"team.x\"\nstage = \"pilot\"\nrun = [\"true\"]\ntimout = \"1m\"\n",
            "unknown field `timout`",
        ),
        c(
            "unknown waiver key",
            "[[waiver]]\ncheck = \"tests.pass\"\nmatch = \"x\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"2099-01-01\"\nowners = \"o\"\n",
            "unknown field `owners`",
        ),
    ]
}

/// [policy].
fn policy() -> Vec<Case> {
    vec![
        c("profile unknown", "[policy]\nprofile = \"wild\"\n", "wild"),
        c("profile empty", "[policy]\nprofile = \"\"\n", "gate.toml:2"),
        c(
            "profile not a string",
            "[policy]\nprofile = 3\n",
            "invalid type",
        ),
        c(
            "strict not a bool",
            "[policy]\nstrict = \"yes\"\n",
            "invalid type",
        ),
        c(
            "min-driver garbage",
            "[policy]\nmin-driver = \"banana\"\n",
            "banana",
        ),
        c(
            "min-driver no minor",
            "[policy]\nmin-driver = \"12\"\n",
            "gate.toml:2",
        ),
        c(
            "min-driver number",
            "[policy]\nmin-driver = 12.4\n",
            "invalid type",
        ),
    ]
}

/// [boundary].
fn boundary() -> Vec<Case> {
    vec![
        c(
            "allow-unsafe not a list",
            "[boundary]\nallow-unsafe = \"x\"\n",
            "invalid type",
        ),
        c(
            "allow-unsafe numbers",
            "[boundary]\nallow-unsafe = [1]\n",
            "invalid type",
        ),
    ]
}

/// [cache].
fn cache_table() -> Vec<Case> {
    vec![
        c(
            "unknown cache key",
            "[cache]\nmax_size = \"1GiB\"\n",
            "unknown field `max_size`",
        ),
        c(
            "cache size without a unit it knows",
            "[cache]\nmax-size = \"2 parsecs\"\n",
            "`2 parsecs` is not a cache size of at least 1 MiB",
        ),
        c(
            "cache size too small",
            "[cache]\nmax-size = \"10KB\"\n",
            "`10KB` is not a cache size of at least 1 MiB",
        ),
        c(
            "cache env not a name",
            "[cache]\nenv = [\"A=B\"]\n",
            "`A=B` is not an environment variable name",
        ),
        c(
            "cache files holds an empty path",
            "[cache]\nfiles = [\"\"]\n",
            "`` is not a path",
        ),
        c(
            "cache files holds a NUL byte",
            "[cache]\nfiles = [\"data\\u0000x\"]\n",
            "is not a path",
        ),
        c(
            "cache reads holds an empty path",
            "[cache.reads]\n\"tests::tidy\" = [\" \"]\n",
            "` ` is not a path",
        ),
        c(
            "cache reads not a list",
            "[cache.reads]\n\"tests::tidy\" = \"xtask\"\n",
            "invalid type",
        ),
        c(
            "cache broad not a bool",
            "[cache]\nbroad = \"yes\"\n",
            "invalid type",
        ),
    ]
}

/// [tests].
fn tests_table() -> Vec<Case> {
    vec![
        c(
            "failure path empty pattern",
            "[tests]\nfailure-paths = { io = \"\" }\n",
            "empty test-name pattern",
        ),
        c(
            "failure paths not a table",
            "[tests]\nfailure-paths = 5\n",
            "invalid type",
        ),
        c(
            "tests timeout words",
            "[tests]\ntimeout = \"soon\"\n",
            "`soon` is not a duration",
        ),
        c(
            "tests timeout zero",
            "[tests]\ntimeout = \"0s\"\n",
            "`0s` is not a duration",
        ),
        c(
            "tests timeout two days",
            "[tests]\ntimeout = \"48h\"\n",
            "longer than a day",
        ),
        c(
            "tests timeout overflowing",
            "[tests]\ntimeout = \"18446744073709551615s\"\n",
            "gate.toml:2:11",
        ),
        c(
            "tests timeout a number",
            "[tests]\ntimeout = 30\n",
            "invalid type",
        ),
        c(
            "tests timeout negative",
            "[tests]\ntimeout = \"-5m\"\n",
            "not a duration",
        ),
    ]
}

/// [bench].
fn bench() -> Vec<Case> {
    vec![
        c(
            "max-regression zero",
            "[bench]\nmax-regression = 0.0\n",
            "outside (0, 1]",
        ),
        c(
            "max-regression above one",
            "[bench]\nmax-regression = 1.5\n",
            "outside (0, 1]",
        ),
        c(
            "max-regression negative",
            "[bench]\nmax-regression = -0.1\n",
            "outside (0, 1]",
        ),
        c(
            "max-regression a string",
            "[bench]\nmax-regression = \"5%\"\n",
            "invalid type",
        ),
        c(
            "max-regression nan",
            "[bench]\nmax-regression = nan\n",
            "outside (0, 1]",
        ),
        c(
            "bench command a string",
            "[bench]\ncommand = \"cargo bench\"\n",
            "invalid type",
        ),
    ]
}

/// [history] / [matrix] / [checklist].
fn history_matrix_checklist() -> Vec<Case> {
    vec![
        c("window zero", "[history]\nwindow = 0\n", "outside 1..=1000"),
        c(
            "window too large",
            "[history]\nwindow = 1001\n",
            "outside 1..=1000",
        ),
        c(
            "window negative",
            "[history]\nwindow = -1\n",
            "outside 1..=1000",
        ),
        c(
            "window a word",
            "[history]\nwindow = \"five\"\n",
            "invalid type",
        ),
        c(
            "window huge",
            "[history]\nwindow = 99999999999999\n",
            "outside 1..=1000",
        ),
        c(
            "platform unknown",
            "[matrix]\nplatforms = [\"beos\"]\n",
            "unknown platform `beos`",
        ),
        c(
            "platforms a string",
            "[matrix]\nplatforms = \"linux\"\n",
            "invalid type",
        ),
        c(
            "checklist path a number",
            "[checklist]\npath = 7\n",
            "invalid type",
        ),
    ]
}

/// Tables where values belong, values where tables belong, keys that only look right.
fn wrong_shapes() -> Vec<Case> {
    vec![
        c("policy a number", "policy = 5\n", "invalid type"),
        c(
            "policy an array of tables",
            "[[policy]]\nprofile = \"portable\"\n",
            "invalid type",
        ),
        c(
            "profile a table",
            "[policy.profile]\nname = \"portable\"\n",
            "invalid type",
        ),
        c("check a string", "check = \"team.x\"\n", "invalid type"),
        c("waiver a number", "waiver = 1\n", "invalid type"),
        c("empty key", "\"\" = 1\n", "unknown field"),
        c(
            "section name with a Cyrillic o",
            "[p\u{043e}licy]\nprofile = \"portable\"\n",
            "gate.toml:1",
        ),
        c(
            "key with a zero-width space",
            "[policy]\nprofile\u{200b} = \"portable\"\n",
            "gate.toml:2",
        ),
        c(
            "array of mixed types",
            "[matrix]\nplatforms = [\"linux\", 1, true]\n",
            "invalid type",
        ),
        c(
            "a datetime where a string belongs",
            "[policy]\nprofile = 1979-05-27T07:32:00Z\n",
            "invalid type",
        ),
        c(
            "a float for a count",
            "[history]\nwindow = 2.5\n",
            "invalid type",
        ),
        c(
            "an integer beyond 64 bits",
            "[history]\nwindow = 99999999999999999999999\n",
            "gate.toml:2",
        ),
    ]
}
