
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'cargo-gate' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'cargo-gate'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'cargo-gate' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('gate', 'gate', [CompletionResultType]::ParameterValue, 'Production-readiness gate for Rust workspaces: `cargo gate pilot|controlled|broad`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cargo-gate;gate' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('pilot', 'pilot', [CompletionResultType]::ParameterValue, 'Stage 1: one service or internal tool')
            [CompletionResult]::new('controlled', 'controlled', [CompletionResultType]::ParameterValue, 'Stage 2: controlled production (includes pilot)')
            [CompletionResult]::new('broad', 'broad', [CompletionResultType]::ParameterValue, 'Stage 3: broad production rollout (includes controlled)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Re-hash run records and walk their chain; exit 1 on any edited, missing or extra file')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'The recorded runs: id, stage, result, commit, time')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'What changed between two runs: check statuses, findings that appeared or vanished')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The highest stage this commit is ready for, and the run that shows it')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge CI jobs'' `--out` directories (one per platform) into a merged record for this commit; each input''s chain is verified first, and records of another commit refused')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Run the workspace''s benchmarks (`[bench] command`) and compare them with the baseline; with `--save-baseline`, write the baseline instead')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented gate.toml, docs/READINESS.md and a CI workflow for this workspace; never overwrites (all or nothing) unless --force')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'The evidence cache in the output directory: `stats` shows what it holds, `prune` brings it within its size bound (`--all` empties it)')
            [CompletionResult]::new('fetch-advisories', 'fetch-advisories', [CompletionResultType]::ParameterValue, 'Clone (or update) the RustSec advisory database that `deps.advisories` reads: the only command that reaches the network on the gate''s own account')
            [CompletionResult]::new('kernels', 'kernels', [CompletionResultType]::ParameterValue, 'The CUDA bill of materials: every tracked GPU file and what builds it, the dependencies that compile GPU code, and the GPU code the built artifacts carry, judged against `[cuda]` (archs, min-driver) when declared')
            [CompletionResult]::new('checks', 'checks', [CompletionResultType]::ParameterValue, 'List every check: id, stage, description')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain one check: what it establishes and how to fix a failure. Takes a check id (`deps.licenses`), a SARIF ruleId (`deps.licenses/missing-license`) or a finding code (`missing-license`)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for `cargo-gate gate …` (bash: `cargo gate completions bash > ~/.local/share/bash-completion/completions/cargo-gate`; docs/GUIDE.md lists each shell''s place)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages (cargo-gate.1 and cargo-gate-COMMAND.1) into DIR, e.g. `cargo gate man ~/.local/share/man/man1`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cargo-gate;gate;pilot' {
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read the configuration from this file instead of gate.toml / [workspace.metadata.gate]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in the text report: auto (a terminal, unless NO_COLOR is set), always or never. Default: CARGO_TERM_COLOR, else auto')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Report format on stdout')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where run records go (default: <target-dir>/gate)')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks (ids, or a prefix ending in `*`: `deps.*`)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Leave these checks out (ids, or a prefix ending in `*`)')
            [CompletionResult]::new('--test-shard', '--test-shard', [CompletionResultType]::ParameterName, 'Run one shard of the tests: nextest''s hash bucket K of N (`--partition hash:K/N`). Each CI job runs one; `cargo gate merge` joins them into one verdict, READY only when every shard ran and passed (docs/GUIDE.md, "Sharding the tests")')
            [CompletionResult]::new('--test-archive', '--test-archive', [CompletionResultType]::ParameterName, 'With --test-shard: run the tests from this nextest archive (`cargo nextest archive`, built once for every shard) instead of building them in this job')
            [CompletionResult]::new('--message-format', '--message-format', [CompletionResultType]::ParameterName, '`json`: stream on stdout, as cargo''s own `--message-format json` does, one JSON line per check as it finishes (`{"reason":"check-finished",…}`), then one line with the whole report (`{"reason":"report","report":{…}}`, the run record''s report.json), instead of the `--format` report')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'WARN (and SKIP) fail the verdict')
            [CompletionResult]::new('--permissive', '--permissive', [CompletionResultType]::ParameterName, 'WARN and SKIP never fail the verdict (FAIL still does)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Pass --offline to every cargo call')
            [CompletionResult]::new('--fetch', '--fetch', [CompletionResultType]::ParameterName, 'Fetch the RustSec advisory database before the run (as `cargo gate fetch-advisories`); without it the gate never reaches the network on its own account')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Gather every fact afresh: build and run the tests even when a cached result for the same inputs exists (the fresh result is cached for the next run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress on stderr (notes and errors still go there)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress on stderr (notes and errors still go there)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Progress on stderr for every check as it starts and finishes, on a terminal too')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Progress on stderr for every check as it starts and finishes, on a terminal too')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cargo-gate;gate;controlled' {
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read the configuration from this file instead of gate.toml / [workspace.metadata.gate]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in the text report: auto (a terminal, unless NO_COLOR is set), always or never. Default: CARGO_TERM_COLOR, else auto')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Report format on stdout')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where run records go (default: <target-dir>/gate)')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks (ids, or a prefix ending in `*`: `deps.*`)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Leave these checks out (ids, or a prefix ending in `*`)')
            [CompletionResult]::new('--test-shard', '--test-shard', [CompletionResultType]::ParameterName, 'Run one shard of the tests: nextest''s hash bucket K of N (`--partition hash:K/N`). Each CI job runs one; `cargo gate merge` joins them into one verdict, READY only when every shard ran and passed (docs/GUIDE.md, "Sharding the tests")')
            [CompletionResult]::new('--test-archive', '--test-archive', [CompletionResultType]::ParameterName, 'With --test-shard: run the tests from this nextest archive (`cargo nextest archive`, built once for every shard) instead of building them in this job')
            [CompletionResult]::new('--message-format', '--message-format', [CompletionResultType]::ParameterName, '`json`: stream on stdout, as cargo''s own `--message-format json` does, one JSON line per check as it finishes (`{"reason":"check-finished",…}`), then one line with the whole report (`{"reason":"report","report":{…}}`, the run record''s report.json), instead of the `--format` report')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'WARN (and SKIP) fail the verdict')
            [CompletionResult]::new('--permissive', '--permissive', [CompletionResultType]::ParameterName, 'WARN and SKIP never fail the verdict (FAIL still does)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Pass --offline to every cargo call')
            [CompletionResult]::new('--fetch', '--fetch', [CompletionResultType]::ParameterName, 'Fetch the RustSec advisory database before the run (as `cargo gate fetch-advisories`); without it the gate never reaches the network on its own account')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Gather every fact afresh: build and run the tests even when a cached result for the same inputs exists (the fresh result is cached for the next run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress on stderr (notes and errors still go there)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress on stderr (notes and errors still go there)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Progress on stderr for every check as it starts and finishes, on a terminal too')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Progress on stderr for every check as it starts and finishes, on a terminal too')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cargo-gate;gate;broad' {
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read the configuration from this file instead of gate.toml / [workspace.metadata.gate]')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'Colour in the text report: auto (a terminal, unless NO_COLOR is set), always or never. Default: CARGO_TERM_COLOR, else auto')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Report format on stdout')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Where run records go (default: <target-dir>/gate)')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Run only these checks (ids, or a prefix ending in `*`: `deps.*`)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Leave these checks out (ids, or a prefix ending in `*`)')
            [CompletionResult]::new('--test-shard', '--test-shard', [CompletionResultType]::ParameterName, 'Run one shard of the tests: nextest''s hash bucket K of N (`--partition hash:K/N`). Each CI job runs one; `cargo gate merge` joins them into one verdict, READY only when every shard ran and passed (docs/GUIDE.md, "Sharding the tests")')
            [CompletionResult]::new('--test-archive', '--test-archive', [CompletionResultType]::ParameterName, 'With --test-shard: run the tests from this nextest archive (`cargo nextest archive`, built once for every shard) instead of building them in this job')
            [CompletionResult]::new('--message-format', '--message-format', [CompletionResultType]::ParameterName, '`json`: stream on stdout, as cargo''s own `--message-format json` does, one JSON line per check as it finishes (`{"reason":"check-finished",…}`), then one line with the whole report (`{"reason":"report","report":{…}}`, the run record''s report.json), instead of the `--format` report')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'WARN (and SKIP) fail the verdict')
            [CompletionResult]::new('--permissive', '--permissive', [CompletionResultType]::ParameterName, 'WARN and SKIP never fail the verdict (FAIL still does)')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Pass --offline to every cargo call')
            [CompletionResult]::new('--fetch', '--fetch', [CompletionResultType]::ParameterName, 'Fetch the RustSec advisory database before the run (as `cargo gate fetch-advisories`); without it the gate never reaches the network on its own account')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Gather every fact afresh: build and run the tests even when a cached result for the same inputs exists (the fresh result is cached for the next run)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress on stderr (notes and errors still go there)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress on stderr (notes and errors still go there)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Progress on stderr for every check as it starts and finishes, on a terminal too')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Progress on stderr for every check as it starts and finishes, on a terminal too')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cargo-gate;gate;verify' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate)')
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml (to find the default output directory)')
            [CompletionResult]::new('--expect-head', '--expect-head', [CompletionResultType]::ParameterName, 'A chain head printed by an earlier run (`sha256:…`), kept outside this directory: fail unless that run is in the chain with everything up to it intact')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cargo-gate;gate;history' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate)')
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml (to find the default output directory)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cargo-gate;gate;diff' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate)')
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml (to find the default output directory)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cargo-gate;gate;status' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate)')
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml (to find the default output directory)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cargo-gate;gate;merge' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate)')
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml (to find the default output directory)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cargo-gate;gate;bench' {
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml')
            [CompletionResult]::new('--save-baseline', '--save-baseline', [CompletionResultType]::ParameterName, 'Write `[bench] baseline` from this run''s results')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'No network for cargo')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cargo-gate;gate;init' {
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml')
            [CompletionResult]::new('--shards', '--shards', [CompletionResultType]::ParameterName, 'Run Linux''s tests in the workflow as N shards across CI jobs, from one nextest archive built once (docs/GUIDE.md, "Sharding the tests")')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Overwrite existing files')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be written; write nothing')
            [CompletionResult]::new('--baseline', '--baseline', [CompletionResultType]::ParameterName, 'Record today''s controlled-stage findings as waivers (owner and a 90-day expiry to fill in; failing tests and secrets are listed, never waived), so the team starts green and works the list down')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'Pass --offline to cargo (for the --baseline run)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cargo-gate;gate;cache' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Entries per fact, blobs and bytes on disk')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove corrupt entries, the least recently used entries above the size bound, and blobs no entry names')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cargo-gate;gate;cache;stats' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate)')
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml (to find the default output directory)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cargo-gate;gate;cache;prune' {
            [CompletionResult]::new('--max-size', '--max-size', [CompletionResultType]::ParameterName, 'The bound to prune to, e.g. `500MB` (default: `[cache] max-size`, else 2 GiB)')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'The output directory holding `runs/` and `history.jsonl` (default: <target-dir>/gate)')
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml (to find the default output directory)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Remove everything')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cargo-gate;gate;cache;help' {
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Entries per fact, blobs and bytes on disk')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove corrupt entries, the least recently used entries above the size bound, and blobs no entry names')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cargo-gate;gate;cache;help;stats' {
            break
        }
        'cargo-gate;gate;cache;help;prune' {
            break
        }
        'cargo-gate;gate;cache;help;help' {
            break
        }
        'cargo-gate;gate;fetch-advisories' {
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml (for `[advisories] db-path` and `db-url`)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cargo-gate;gate;kernels' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'text, json (docs/schemas/kernel-bom.schema.json) or cyclonedx (CycloneDX 1.6)')
            [CompletionResult]::new('--manifest-path', '--manifest-path', [CompletionResultType]::ParameterName, 'Path to the workspace''s Cargo.toml')
            [CompletionResult]::new('--no-build', '--no-build', [CompletionResultType]::ParameterName, 'Read the sources and the dependency graph only: build nothing, read no artifact')
            [CompletionResult]::new('--offline', '--offline', [CompletionResultType]::ParameterName, 'No network for cargo')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cargo-gate;gate;checks' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '`text` (one line per check) or `json` (every check with its codes and configuration keys)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cargo-gate;gate;explain' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cargo-gate;gate;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cargo-gate;gate;man' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'cargo-gate;gate;help' {
            [CompletionResult]::new('pilot', 'pilot', [CompletionResultType]::ParameterValue, 'Stage 1: one service or internal tool')
            [CompletionResult]::new('controlled', 'controlled', [CompletionResultType]::ParameterValue, 'Stage 2: controlled production (includes pilot)')
            [CompletionResult]::new('broad', 'broad', [CompletionResultType]::ParameterValue, 'Stage 3: broad production rollout (includes controlled)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Re-hash run records and walk their chain; exit 1 on any edited, missing or extra file')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'The recorded runs: id, stage, result, commit, time')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'What changed between two runs: check statuses, findings that appeared or vanished')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The highest stage this commit is ready for, and the run that shows it')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge CI jobs'' `--out` directories (one per platform) into a merged record for this commit; each input''s chain is verified first, and records of another commit refused')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Run the workspace''s benchmarks (`[bench] command`) and compare them with the baseline; with `--save-baseline`, write the baseline instead')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented gate.toml, docs/READINESS.md and a CI workflow for this workspace; never overwrites (all or nothing) unless --force')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'The evidence cache in the output directory: `stats` shows what it holds, `prune` brings it within its size bound (`--all` empties it)')
            [CompletionResult]::new('fetch-advisories', 'fetch-advisories', [CompletionResultType]::ParameterValue, 'Clone (or update) the RustSec advisory database that `deps.advisories` reads: the only command that reaches the network on the gate''s own account')
            [CompletionResult]::new('kernels', 'kernels', [CompletionResultType]::ParameterValue, 'The CUDA bill of materials: every tracked GPU file and what builds it, the dependencies that compile GPU code, and the GPU code the built artifacts carry, judged against `[cuda]` (archs, min-driver) when declared')
            [CompletionResult]::new('checks', 'checks', [CompletionResultType]::ParameterValue, 'List every check: id, stage, description')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain one check: what it establishes and how to fix a failure. Takes a check id (`deps.licenses`), a SARIF ruleId (`deps.licenses/missing-license`) or a finding code (`missing-license`)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for `cargo-gate gate …` (bash: `cargo gate completions bash > ~/.local/share/bash-completion/completions/cargo-gate`; docs/GUIDE.md lists each shell''s place)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages (cargo-gate.1 and cargo-gate-COMMAND.1) into DIR, e.g. `cargo gate man ~/.local/share/man/man1`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cargo-gate;gate;help;pilot' {
            break
        }
        'cargo-gate;gate;help;controlled' {
            break
        }
        'cargo-gate;gate;help;broad' {
            break
        }
        'cargo-gate;gate;help;verify' {
            break
        }
        'cargo-gate;gate;help;history' {
            break
        }
        'cargo-gate;gate;help;diff' {
            break
        }
        'cargo-gate;gate;help;status' {
            break
        }
        'cargo-gate;gate;help;merge' {
            break
        }
        'cargo-gate;gate;help;bench' {
            break
        }
        'cargo-gate;gate;help;init' {
            break
        }
        'cargo-gate;gate;help;cache' {
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Entries per fact, blobs and bytes on disk')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove corrupt entries, the least recently used entries above the size bound, and blobs no entry names')
            break
        }
        'cargo-gate;gate;help;cache;stats' {
            break
        }
        'cargo-gate;gate;help;cache;prune' {
            break
        }
        'cargo-gate;gate;help;fetch-advisories' {
            break
        }
        'cargo-gate;gate;help;kernels' {
            break
        }
        'cargo-gate;gate;help;checks' {
            break
        }
        'cargo-gate;gate;help;explain' {
            break
        }
        'cargo-gate;gate;help;completions' {
            break
        }
        'cargo-gate;gate;help;man' {
            break
        }
        'cargo-gate;gate;help;help' {
            break
        }
        'cargo-gate;help' {
            [CompletionResult]::new('gate', 'gate', [CompletionResultType]::ParameterValue, 'Production-readiness gate for Rust workspaces: `cargo gate pilot|controlled|broad`')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cargo-gate;help;gate' {
            [CompletionResult]::new('pilot', 'pilot', [CompletionResultType]::ParameterValue, 'Stage 1: one service or internal tool')
            [CompletionResult]::new('controlled', 'controlled', [CompletionResultType]::ParameterValue, 'Stage 2: controlled production (includes pilot)')
            [CompletionResult]::new('broad', 'broad', [CompletionResultType]::ParameterValue, 'Stage 3: broad production rollout (includes controlled)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Re-hash run records and walk their chain; exit 1 on any edited, missing or extra file')
            [CompletionResult]::new('history', 'history', [CompletionResultType]::ParameterValue, 'The recorded runs: id, stage, result, commit, time')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'What changed between two runs: check statuses, findings that appeared or vanished')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'The highest stage this commit is ready for, and the run that shows it')
            [CompletionResult]::new('merge', 'merge', [CompletionResultType]::ParameterValue, 'Merge CI jobs'' `--out` directories (one per platform) into a merged record for this commit; each input''s chain is verified first, and records of another commit refused')
            [CompletionResult]::new('bench', 'bench', [CompletionResultType]::ParameterValue, 'Run the workspace''s benchmarks (`[bench] command`) and compare them with the baseline; with `--save-baseline`, write the baseline instead')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Write a commented gate.toml, docs/READINESS.md and a CI workflow for this workspace; never overwrites (all or nothing) unless --force')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'The evidence cache in the output directory: `stats` shows what it holds, `prune` brings it within its size bound (`--all` empties it)')
            [CompletionResult]::new('fetch-advisories', 'fetch-advisories', [CompletionResultType]::ParameterValue, 'Clone (or update) the RustSec advisory database that `deps.advisories` reads: the only command that reaches the network on the gate''s own account')
            [CompletionResult]::new('kernels', 'kernels', [CompletionResultType]::ParameterValue, 'The CUDA bill of materials: every tracked GPU file and what builds it, the dependencies that compile GPU code, and the GPU code the built artifacts carry, judged against `[cuda]` (archs, min-driver) when declared')
            [CompletionResult]::new('checks', 'checks', [CompletionResultType]::ParameterValue, 'List every check: id, stage, description')
            [CompletionResult]::new('explain', 'explain', [CompletionResultType]::ParameterValue, 'Explain one check: what it establishes and how to fix a failure. Takes a check id (`deps.licenses`), a SARIF ruleId (`deps.licenses/missing-license`) or a finding code (`missing-license`)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for `cargo-gate gate …` (bash: `cargo gate completions bash > ~/.local/share/bash-completion/completions/cargo-gate`; docs/GUIDE.md lists each shell''s place)')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man pages (cargo-gate.1 and cargo-gate-COMMAND.1) into DIR, e.g. `cargo gate man ~/.local/share/man/man1`')
            break
        }
        'cargo-gate;help;gate;pilot' {
            break
        }
        'cargo-gate;help;gate;controlled' {
            break
        }
        'cargo-gate;help;gate;broad' {
            break
        }
        'cargo-gate;help;gate;verify' {
            break
        }
        'cargo-gate;help;gate;history' {
            break
        }
        'cargo-gate;help;gate;diff' {
            break
        }
        'cargo-gate;help;gate;status' {
            break
        }
        'cargo-gate;help;gate;merge' {
            break
        }
        'cargo-gate;help;gate;bench' {
            break
        }
        'cargo-gate;help;gate;init' {
            break
        }
        'cargo-gate;help;gate;cache' {
            [CompletionResult]::new('stats', 'stats', [CompletionResultType]::ParameterValue, 'Entries per fact, blobs and bytes on disk')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove corrupt entries, the least recently used entries above the size bound, and blobs no entry names')
            break
        }
        'cargo-gate;help;gate;cache;stats' {
            break
        }
        'cargo-gate;help;gate;cache;prune' {
            break
        }
        'cargo-gate;help;gate;fetch-advisories' {
            break
        }
        'cargo-gate;help;gate;kernels' {
            break
        }
        'cargo-gate;help;gate;checks' {
            break
        }
        'cargo-gate;help;gate;explain' {
            break
        }
        'cargo-gate;help;gate;completions' {
            break
        }
        'cargo-gate;help;gate;man' {
            break
        }
        'cargo-gate;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
