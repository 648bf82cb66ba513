# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cargo_gate_global_optspecs
    string join \n h/help V/version
end

function __fish_cargo_gate_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cargo_gate_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cargo_gate_using_subcommand
    set -l cmd (__fish_cargo_gate_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cargo-gate -n "__fish_cargo_gate_needs_command" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_needs_command" -s V -l version -d 'Print version'
complete -c cargo-gate -n "__fish_cargo_gate_needs_command" -f -a "gate" -d 'Production-readiness gate for Rust workspaces: `cargo gate pilot|controlled|broad`'
complete -c cargo-gate -n "__fish_cargo_gate_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -s V -l version -d 'Print version'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "pilot" -d 'Stage 1: one service or internal tool'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "controlled" -d 'Stage 2: controlled production (includes pilot)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "broad" -d 'Stage 3: broad production rollout (includes controlled)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "verify" -d 'Re-hash run records and walk their chain; exit 1 on any edited, missing or extra file'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "history" -d 'The recorded runs: id, stage, result, commit, time'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "diff" -d 'What changed between two runs: check statuses, findings that appeared or vanished'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "status" -d 'The highest stage this commit is ready for, and the run that shows it'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "merge" -d 'Merge CI jobs\' `--out` directories (one per platform) into a merged record for this commit; each input\'s chain is verified first, and records of another commit refused'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "bench" -d 'Run the workspace\'s benchmarks (`[bench] command`) and compare them with the baseline; with `--save-baseline`, write the baseline instead'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "init" -d 'Write a commented gate.toml, docs/READINESS.md and a CI workflow for this workspace; never overwrites (all or nothing) unless --force'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "cache" -d 'The evidence cache in the output directory: `stats` shows what it holds, `prune` brings it within its size bound (`--all` empties it)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "fetch-advisories" -d 'Clone (or update) the RustSec advisory database that `deps.advisories` reads: the only command that reaches the network on the gate\'s own account'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "kernels" -d 'The CUDA bill of materials: every tracked GPU file and what builds it, the dependencies that compile GPU code, and the GPU code the built artifacts carry, judged against `[cuda]` (archs, min-driver) when declared'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "checks" -d 'List every check: id, stage, description'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "explain" -d 'Explain one check: what it establishes and how to fix a failure. Takes a check id (`deps.licenses`), a SARIF ruleId (`deps.licenses/missing-license`) or a finding code (`missing-license`)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "completions" -d 'Print the shell completion script for `cargo-gate gate …` (bash: `cargo gate completions bash > ~/.local/share/bash-completion/completions/cargo-gate`; docs/GUIDE.md lists each shell\'s place)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "man" -d 'Write the man pages (cargo-gate.1 and cargo-gate-COMMAND.1) into DIR, e.g. `cargo gate man ~/.local/share/man/man1`'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and not __fish_seen_subcommand_from pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l manifest-path -d 'Path to the workspace\'s Cargo.toml' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l config -d 'Read the configuration from this file instead of gate.toml / [workspace.metadata.gate]' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l color -d 'Colour in the text report: auto (a terminal, unless NO_COLOR is set), always or never. Default: CARGO_TERM_COLOR, else auto' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it)'
always\t'Always colour'
never\t'Never colour'"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l format -d 'Report format on stdout' -r -f -a "text\t'Aligned, one line per check, findings under it, a summary and the verdict'
json\t'`report.json`, as written into the run record'
markdown\t'GitHub-flavoured Markdown (CI step summaries, pull-request comments)'
sarif\t'SARIF 2.1.0 (code scanning)'
junit\t'JUnit XML (one test case per check)'
html\t'One self-contained HTML page: the verdict, the checks and findings, and charts of the record (the latest runs, benchmarks, check durations)'"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l out -d 'Where run records go (default: <target-dir>/gate)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l only -d 'Run only these checks (ids, or a prefix ending in `*`: `deps.*`)' -r -f -a "config.valid\t''
lockfile.locked\t''
policy.profile\t''
boundary.unsafe\t''
tests.pass\t''
kernels.build\t''
kernels.shipped\t''
toolchain.pinned\t''
ci.locked\t''
deps.pinned\t''
deps.advisories\t''
deps.licenses\t''
deps.duplicates\t''
profile.cargo\t''
failure.paths\t''
secrets.scan\t''
cuda.contracts\t''
observability.log\t''
repro.environment\t''
deps.bans\t''
bench.regression\t''
platform.matrix\t''
semver.compat\t''
history.window\t''
waivers.current\t''
checklist.closed\t''"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l skip -d 'Leave these checks out (ids, or a prefix ending in `*`)' -r -f -a "config.valid\t''
lockfile.locked\t''
policy.profile\t''
boundary.unsafe\t''
tests.pass\t''
kernels.build\t''
kernels.shipped\t''
toolchain.pinned\t''
ci.locked\t''
deps.pinned\t''
deps.advisories\t''
deps.licenses\t''
deps.duplicates\t''
profile.cargo\t''
failure.paths\t''
secrets.scan\t''
cuda.contracts\t''
observability.log\t''
repro.environment\t''
deps.bans\t''
bench.regression\t''
platform.matrix\t''
semver.compat\t''
history.window\t''
waivers.current\t''
checklist.closed\t''"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l test-shard -d 'Run one shard of the tests: nextest\'s hash bucket K of N (`--partition hash:K/N`). Each CI job runs one; `cargo gate merge` joins them into one verdict, READY only when every shard ran and passed (docs/GUIDE.md, "Sharding the tests")' -r
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l test-archive -d 'With --test-shard: run the tests from this nextest archive (`cargo nextest archive`, built once for every shard) instead of building them in this job' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l message-format -d '`json`: stream on stdout, as cargo\'s own `--message-format json` does, one JSON line per check as it finishes (`{"reason":"check-finished",…}`), then one line with the whole report (`{"reason":"report","report":{…}}`, the run record\'s report.json), instead of the `--format` report' -r -f -a "human\t'The report in `--format` once the run is over'
json\t'JSON lines on stdout as checks finish, then the report as one line'"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l strict -d 'WARN (and SKIP) fail the verdict'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l permissive -d 'WARN and SKIP never fail the verdict (FAIL still does)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l offline -d 'Pass --offline to every cargo call'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l fetch -d 'Fetch the RustSec advisory database before the run (as `cargo gate fetch-advisories`); without it the gate never reaches the network on its own account'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -l no-cache -d 'Gather every fact afresh: build and run the tests even when a cached result for the same inputs exists (the fresh result is cached for the next run)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -s q -l quiet -d 'No progress on stderr (notes and errors still go there)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -s v -l verbose -d 'Progress on stderr for every check as it starts and finishes, on a terminal too'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from pilot" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l manifest-path -d 'Path to the workspace\'s Cargo.toml' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l config -d 'Read the configuration from this file instead of gate.toml / [workspace.metadata.gate]' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l color -d 'Colour in the text report: auto (a terminal, unless NO_COLOR is set), always or never. Default: CARGO_TERM_COLOR, else auto' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it)'
always\t'Always colour'
never\t'Never colour'"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l format -d 'Report format on stdout' -r -f -a "text\t'Aligned, one line per check, findings under it, a summary and the verdict'
json\t'`report.json`, as written into the run record'
markdown\t'GitHub-flavoured Markdown (CI step summaries, pull-request comments)'
sarif\t'SARIF 2.1.0 (code scanning)'
junit\t'JUnit XML (one test case per check)'
html\t'One self-contained HTML page: the verdict, the checks and findings, and charts of the record (the latest runs, benchmarks, check durations)'"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l out -d 'Where run records go (default: <target-dir>/gate)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l only -d 'Run only these checks (ids, or a prefix ending in `*`: `deps.*`)' -r -f -a "config.valid\t''
lockfile.locked\t''
policy.profile\t''
boundary.unsafe\t''
tests.pass\t''
kernels.build\t''
kernels.shipped\t''
toolchain.pinned\t''
ci.locked\t''
deps.pinned\t''
deps.advisories\t''
deps.licenses\t''
deps.duplicates\t''
profile.cargo\t''
failure.paths\t''
secrets.scan\t''
cuda.contracts\t''
observability.log\t''
repro.environment\t''
deps.bans\t''
bench.regression\t''
platform.matrix\t''
semver.compat\t''
history.window\t''
waivers.current\t''
checklist.closed\t''"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l skip -d 'Leave these checks out (ids, or a prefix ending in `*`)' -r -f -a "config.valid\t''
lockfile.locked\t''
policy.profile\t''
boundary.unsafe\t''
tests.pass\t''
kernels.build\t''
kernels.shipped\t''
toolchain.pinned\t''
ci.locked\t''
deps.pinned\t''
deps.advisories\t''
deps.licenses\t''
deps.duplicates\t''
profile.cargo\t''
failure.paths\t''
secrets.scan\t''
cuda.contracts\t''
observability.log\t''
repro.environment\t''
deps.bans\t''
bench.regression\t''
platform.matrix\t''
semver.compat\t''
history.window\t''
waivers.current\t''
checklist.closed\t''"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l test-shard -d 'Run one shard of the tests: nextest\'s hash bucket K of N (`--partition hash:K/N`). Each CI job runs one; `cargo gate merge` joins them into one verdict, READY only when every shard ran and passed (docs/GUIDE.md, "Sharding the tests")' -r
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l test-archive -d 'With --test-shard: run the tests from this nextest archive (`cargo nextest archive`, built once for every shard) instead of building them in this job' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l message-format -d '`json`: stream on stdout, as cargo\'s own `--message-format json` does, one JSON line per check as it finishes (`{"reason":"check-finished",…}`), then one line with the whole report (`{"reason":"report","report":{…}}`, the run record\'s report.json), instead of the `--format` report' -r -f -a "human\t'The report in `--format` once the run is over'
json\t'JSON lines on stdout as checks finish, then the report as one line'"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l strict -d 'WARN (and SKIP) fail the verdict'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l permissive -d 'WARN and SKIP never fail the verdict (FAIL still does)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l offline -d 'Pass --offline to every cargo call'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l fetch -d 'Fetch the RustSec advisory database before the run (as `cargo gate fetch-advisories`); without it the gate never reaches the network on its own account'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -l no-cache -d 'Gather every fact afresh: build and run the tests even when a cached result for the same inputs exists (the fresh result is cached for the next run)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -s q -l quiet -d 'No progress on stderr (notes and errors still go there)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -s v -l verbose -d 'Progress on stderr for every check as it starts and finishes, on a terminal too'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from controlled" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l manifest-path -d 'Path to the workspace\'s Cargo.toml' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l config -d 'Read the configuration from this file instead of gate.toml / [workspace.metadata.gate]' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l color -d 'Colour in the text report: auto (a terminal, unless NO_COLOR is set), always or never. Default: CARGO_TERM_COLOR, else auto' -r -f -a "auto\t'Colour on a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it)'
always\t'Always colour'
never\t'Never colour'"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l format -d 'Report format on stdout' -r -f -a "text\t'Aligned, one line per check, findings under it, a summary and the verdict'
json\t'`report.json`, as written into the run record'
markdown\t'GitHub-flavoured Markdown (CI step summaries, pull-request comments)'
sarif\t'SARIF 2.1.0 (code scanning)'
junit\t'JUnit XML (one test case per check)'
html\t'One self-contained HTML page: the verdict, the checks and findings, and charts of the record (the latest runs, benchmarks, check durations)'"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l out -d 'Where run records go (default: <target-dir>/gate)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l only -d 'Run only these checks (ids, or a prefix ending in `*`: `deps.*`)' -r -f -a "config.valid\t''
lockfile.locked\t''
policy.profile\t''
boundary.unsafe\t''
tests.pass\t''
kernels.build\t''
kernels.shipped\t''
toolchain.pinned\t''
ci.locked\t''
deps.pinned\t''
deps.advisories\t''
deps.licenses\t''
deps.duplicates\t''
profile.cargo\t''
failure.paths\t''
secrets.scan\t''
cuda.contracts\t''
observability.log\t''
repro.environment\t''
deps.bans\t''
bench.regression\t''
platform.matrix\t''
semver.compat\t''
history.window\t''
waivers.current\t''
checklist.closed\t''"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l skip -d 'Leave these checks out (ids, or a prefix ending in `*`)' -r -f -a "config.valid\t''
lockfile.locked\t''
policy.profile\t''
boundary.unsafe\t''
tests.pass\t''
kernels.build\t''
kernels.shipped\t''
toolchain.pinned\t''
ci.locked\t''
deps.pinned\t''
deps.advisories\t''
deps.licenses\t''
deps.duplicates\t''
profile.cargo\t''
failure.paths\t''
secrets.scan\t''
cuda.contracts\t''
observability.log\t''
repro.environment\t''
deps.bans\t''
bench.regression\t''
platform.matrix\t''
semver.compat\t''
history.window\t''
waivers.current\t''
checklist.closed\t''"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l test-shard -d 'Run one shard of the tests: nextest\'s hash bucket K of N (`--partition hash:K/N`). Each CI job runs one; `cargo gate merge` joins them into one verdict, READY only when every shard ran and passed (docs/GUIDE.md, "Sharding the tests")' -r
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l test-archive -d 'With --test-shard: run the tests from this nextest archive (`cargo nextest archive`, built once for every shard) instead of building them in this job' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l message-format -d '`json`: stream on stdout, as cargo\'s own `--message-format json` does, one JSON line per check as it finishes (`{"reason":"check-finished",…}`), then one line with the whole report (`{"reason":"report","report":{…}}`, the run record\'s report.json), instead of the `--format` report' -r -f -a "human\t'The report in `--format` once the run is over'
json\t'JSON lines on stdout as checks finish, then the report as one line'"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l strict -d 'WARN (and SKIP) fail the verdict'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l permissive -d 'WARN and SKIP never fail the verdict (FAIL still does)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l offline -d 'Pass --offline to every cargo call'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l fetch -d 'Fetch the RustSec advisory database before the run (as `cargo gate fetch-advisories`); without it the gate never reaches the network on its own account'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -l no-cache -d 'Gather every fact afresh: build and run the tests even when a cached result for the same inputs exists (the fresh result is cached for the next run)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -s q -l quiet -d 'No progress on stderr (notes and errors still go there)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -s v -l verbose -d 'Progress on stderr for every check as it starts and finishes, on a terminal too'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from broad" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from verify" -l out -d 'The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from verify" -l manifest-path -d 'Path to the workspace\'s Cargo.toml (to find the default output directory)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from verify" -l expect-head -d 'A chain head printed by an earlier run (`sha256:…`), kept outside this directory: fail unless that run is in the chain with everything up to it intact' -r
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from history" -l out -d 'The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from history" -l manifest-path -d 'Path to the workspace\'s Cargo.toml (to find the default output directory)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from diff" -l out -d 'The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from diff" -l manifest-path -d 'Path to the workspace\'s Cargo.toml (to find the default output directory)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from status" -l out -d 'The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from status" -l manifest-path -d 'Path to the workspace\'s Cargo.toml (to find the default output directory)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from merge" -l out -d 'The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from merge" -l manifest-path -d 'Path to the workspace\'s Cargo.toml (to find the default output directory)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from merge" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from bench" -l manifest-path -d 'Path to the workspace\'s Cargo.toml' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from bench" -l save-baseline -d 'Write `[bench] baseline` from this run\'s results'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from bench" -l offline -d 'No network for cargo'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from bench" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from init" -l manifest-path -d 'Path to the workspace\'s Cargo.toml' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from init" -l shards -d 'Run Linux\'s tests in the workflow as N shards across CI jobs, from one nextest archive built once (docs/GUIDE.md, "Sharding the tests")' -r
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from init" -l force -d 'Overwrite existing files'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from init" -l dry-run -d 'Print what would be written; write nothing'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from init" -l baseline -d 'Record today\'s controlled-stage findings as waivers (owner and a 90-day expiry to fill in; failing tests and secrets are listed, never waived), so the team starts green and works the list down'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from init" -l offline -d 'Pass --offline to cargo (for the --baseline run)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from cache" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from cache" -f -a "stats" -d 'Entries per fact, blobs and bytes on disk'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from cache" -f -a "prune" -d 'Remove corrupt entries, the least recently used entries above the size bound, and blobs no entry names'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from cache" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from fetch-advisories" -l manifest-path -d 'Path to the workspace\'s Cargo.toml (for `[advisories] db-path` and `db-url`)' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from fetch-advisories" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from kernels" -l format -d 'text, json (docs/schemas/kernel-bom.schema.json) or cyclonedx (CycloneDX 1.6)' -r -f -a "text\t'For people'
json\t'`gate_formats::kernel_bom::Bom`'
cyclonedx\t'A CycloneDX 1.6 JSON document'"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from kernels" -l manifest-path -d 'Path to the workspace\'s Cargo.toml' -r -F
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from kernels" -l no-build -d 'Read the sources and the dependency graph only: build nothing, read no artifact'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from kernels" -l offline -d 'No network for cargo'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from kernels" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from checks" -l format -d '`text` (one line per check) or `json` (every check with its codes and configuration keys)' -r -f -a "text\t'One line per check: id, stage, description'
json\t'A JSON array: every check with its stage, summary, fix, finding codes and configuration keys'"
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from checks" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from explain" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "pilot" -d 'Stage 1: one service or internal tool'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "controlled" -d 'Stage 2: controlled production (includes pilot)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "broad" -d 'Stage 3: broad production rollout (includes controlled)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Re-hash run records and walk their chain; exit 1 on any edited, missing or extra file'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "history" -d 'The recorded runs: id, stage, result, commit, time'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "diff" -d 'What changed between two runs: check statuses, findings that appeared or vanished'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "status" -d 'The highest stage this commit is ready for, and the run that shows it'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "merge" -d 'Merge CI jobs\' `--out` directories (one per platform) into a merged record for this commit; each input\'s chain is verified first, and records of another commit refused'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "bench" -d 'Run the workspace\'s benchmarks (`[bench] command`) and compare them with the baseline; with `--save-baseline`, write the baseline instead'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "init" -d 'Write a commented gate.toml, docs/READINESS.md and a CI workflow for this workspace; never overwrites (all or nothing) unless --force'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "cache" -d 'The evidence cache in the output directory: `stats` shows what it holds, `prune` brings it within its size bound (`--all` empties it)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "fetch-advisories" -d 'Clone (or update) the RustSec advisory database that `deps.advisories` reads: the only command that reaches the network on the gate\'s own account'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "kernels" -d 'The CUDA bill of materials: every tracked GPU file and what builds it, the dependencies that compile GPU code, and the GPU code the built artifacts carry, judged against `[cuda]` (archs, min-driver) when declared'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "checks" -d 'List every check: id, stage, description'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "explain" -d 'Explain one check: what it establishes and how to fix a failure. Takes a check id (`deps.licenses`), a SARIF ruleId (`deps.licenses/missing-license`) or a finding code (`missing-license`)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "completions" -d 'Print the shell completion script for `cargo-gate gate …` (bash: `cargo gate completions bash > ~/.local/share/bash-completion/completions/cargo-gate`; docs/GUIDE.md lists each shell\'s place)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "man" -d 'Write the man pages (cargo-gate.1 and cargo-gate-COMMAND.1) into DIR, e.g. `cargo gate man ~/.local/share/man/man1`'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand gate; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and not __fish_seen_subcommand_from gate help" -f -a "gate" -d 'Production-readiness gate for Rust workspaces: `cargo gate pilot|controlled|broad`'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and not __fish_seen_subcommand_from gate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "pilot" -d 'Stage 1: one service or internal tool'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "controlled" -d 'Stage 2: controlled production (includes pilot)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "broad" -d 'Stage 3: broad production rollout (includes controlled)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "verify" -d 'Re-hash run records and walk their chain; exit 1 on any edited, missing or extra file'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "history" -d 'The recorded runs: id, stage, result, commit, time'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "diff" -d 'What changed between two runs: check statuses, findings that appeared or vanished'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "status" -d 'The highest stage this commit is ready for, and the run that shows it'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "merge" -d 'Merge CI jobs\' `--out` directories (one per platform) into a merged record for this commit; each input\'s chain is verified first, and records of another commit refused'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "bench" -d 'Run the workspace\'s benchmarks (`[bench] command`) and compare them with the baseline; with `--save-baseline`, write the baseline instead'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "init" -d 'Write a commented gate.toml, docs/READINESS.md and a CI workflow for this workspace; never overwrites (all or nothing) unless --force'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "cache" -d 'The evidence cache in the output directory: `stats` shows what it holds, `prune` brings it within its size bound (`--all` empties it)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "fetch-advisories" -d 'Clone (or update) the RustSec advisory database that `deps.advisories` reads: the only command that reaches the network on the gate\'s own account'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "kernels" -d 'The CUDA bill of materials: every tracked GPU file and what builds it, the dependencies that compile GPU code, and the GPU code the built artifacts carry, judged against `[cuda]` (archs, min-driver) when declared'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "checks" -d 'List every check: id, stage, description'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "explain" -d 'Explain one check: what it establishes and how to fix a failure. Takes a check id (`deps.licenses`), a SARIF ruleId (`deps.licenses/missing-license`) or a finding code (`missing-license`)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "completions" -d 'Print the shell completion script for `cargo-gate gate …` (bash: `cargo gate completions bash > ~/.local/share/bash-completion/completions/cargo-gate`; docs/GUIDE.md lists each shell\'s place)'
complete -c cargo-gate -n "__fish_cargo_gate_using_subcommand help; and __fish_seen_subcommand_from gate" -f -a "man" -d 'Write the man pages (cargo-gate.1 and cargo-gate-COMMAND.1) into DIR, e.g. `cargo gate man ~/.local/share/man/man1`'
