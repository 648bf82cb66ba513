_cargo__gate() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="cargo__gate"
                ;;
            cargo__gate,gate)
                cmd="cargo__gate__subcmd__gate"
                ;;
            cargo__gate,help)
                cmd="cargo__gate__subcmd__help"
                ;;
            cargo__gate__subcmd__gate,bench)
                cmd="cargo__gate__subcmd__gate__subcmd__bench"
                ;;
            cargo__gate__subcmd__gate,broad)
                cmd="cargo__gate__subcmd__gate__subcmd__broad"
                ;;
            cargo__gate__subcmd__gate,cache)
                cmd="cargo__gate__subcmd__gate__subcmd__cache"
                ;;
            cargo__gate__subcmd__gate,checks)
                cmd="cargo__gate__subcmd__gate__subcmd__checks"
                ;;
            cargo__gate__subcmd__gate,completions)
                cmd="cargo__gate__subcmd__gate__subcmd__completions"
                ;;
            cargo__gate__subcmd__gate,controlled)
                cmd="cargo__gate__subcmd__gate__subcmd__controlled"
                ;;
            cargo__gate__subcmd__gate,diff)
                cmd="cargo__gate__subcmd__gate__subcmd__diff"
                ;;
            cargo__gate__subcmd__gate,explain)
                cmd="cargo__gate__subcmd__gate__subcmd__explain"
                ;;
            cargo__gate__subcmd__gate,fetch-advisories)
                cmd="cargo__gate__subcmd__gate__subcmd__fetch__subcmd__advisories"
                ;;
            cargo__gate__subcmd__gate,help)
                cmd="cargo__gate__subcmd__gate__subcmd__help"
                ;;
            cargo__gate__subcmd__gate,history)
                cmd="cargo__gate__subcmd__gate__subcmd__history"
                ;;
            cargo__gate__subcmd__gate,init)
                cmd="cargo__gate__subcmd__gate__subcmd__init"
                ;;
            cargo__gate__subcmd__gate,kernels)
                cmd="cargo__gate__subcmd__gate__subcmd__kernels"
                ;;
            cargo__gate__subcmd__gate,man)
                cmd="cargo__gate__subcmd__gate__subcmd__man"
                ;;
            cargo__gate__subcmd__gate,merge)
                cmd="cargo__gate__subcmd__gate__subcmd__merge"
                ;;
            cargo__gate__subcmd__gate,pilot)
                cmd="cargo__gate__subcmd__gate__subcmd__pilot"
                ;;
            cargo__gate__subcmd__gate,status)
                cmd="cargo__gate__subcmd__gate__subcmd__status"
                ;;
            cargo__gate__subcmd__gate,verify)
                cmd="cargo__gate__subcmd__gate__subcmd__verify"
                ;;
            cargo__gate__subcmd__gate__subcmd__cache,help)
                cmd="cargo__gate__subcmd__gate__subcmd__cache__subcmd__help"
                ;;
            cargo__gate__subcmd__gate__subcmd__cache,prune)
                cmd="cargo__gate__subcmd__gate__subcmd__cache__subcmd__prune"
                ;;
            cargo__gate__subcmd__gate__subcmd__cache,stats)
                cmd="cargo__gate__subcmd__gate__subcmd__cache__subcmd__stats"
                ;;
            cargo__gate__subcmd__gate__subcmd__cache__subcmd__help,help)
                cmd="cargo__gate__subcmd__gate__subcmd__cache__subcmd__help__subcmd__help"
                ;;
            cargo__gate__subcmd__gate__subcmd__cache__subcmd__help,prune)
                cmd="cargo__gate__subcmd__gate__subcmd__cache__subcmd__help__subcmd__prune"
                ;;
            cargo__gate__subcmd__gate__subcmd__cache__subcmd__help,stats)
                cmd="cargo__gate__subcmd__gate__subcmd__cache__subcmd__help__subcmd__stats"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,bench)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__bench"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,broad)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__broad"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,cache)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__cache"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,checks)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__checks"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,completions)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__completions"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,controlled)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__controlled"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,diff)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__diff"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,explain)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__explain"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,fetch-advisories)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__fetch__subcmd__advisories"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,help)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__help"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,history)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__history"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,init)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__init"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,kernels)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__kernels"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,man)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__man"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,merge)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__merge"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,pilot)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__pilot"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,status)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__status"
                ;;
            cargo__gate__subcmd__gate__subcmd__help,verify)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__verify"
                ;;
            cargo__gate__subcmd__gate__subcmd__help__subcmd__cache,prune)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__cache__subcmd__prune"
                ;;
            cargo__gate__subcmd__gate__subcmd__help__subcmd__cache,stats)
                cmd="cargo__gate__subcmd__gate__subcmd__help__subcmd__cache__subcmd__stats"
                ;;
            cargo__gate__subcmd__help,gate)
                cmd="cargo__gate__subcmd__help__subcmd__gate"
                ;;
            cargo__gate__subcmd__help,help)
                cmd="cargo__gate__subcmd__help__subcmd__help"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,bench)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__bench"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,broad)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__broad"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,cache)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__cache"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,checks)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__checks"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,completions)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__completions"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,controlled)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__controlled"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,diff)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__diff"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,explain)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__explain"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,fetch-advisories)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__fetch__subcmd__advisories"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,history)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__history"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,init)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__init"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,kernels)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__kernels"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,man)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__man"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,merge)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__merge"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,pilot)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__pilot"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,status)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__status"
                ;;
            cargo__gate__subcmd__help__subcmd__gate,verify)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__verify"
                ;;
            cargo__gate__subcmd__help__subcmd__gate__subcmd__cache,prune)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__cache__subcmd__prune"
                ;;
            cargo__gate__subcmd__help__subcmd__gate__subcmd__cache,stats)
                cmd="cargo__gate__subcmd__help__subcmd__gate__subcmd__cache__subcmd__stats"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        cargo__gate)
            opts="-h -V --help --version gate help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate)
            opts="-h -V --help --version pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__bench)
            opts="-h --save-baseline --manifest-path --offline --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__broad)
            opts="-q -v -h --manifest-path --config --strict --permissive --color --format --out --offline --fetch --only --skip --no-cache --test-shard --test-archive --message-format --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "text json markdown sarif junit html" -- "${cur}"))
                    return 0
                    ;;
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --only)
                    COMPREPLY=($(compgen -W "config.valid lockfile.locked policy.profile boundary.unsafe tests.pass kernels.build kernels.shipped toolchain.pinned ci.locked deps.pinned deps.advisories deps.licenses deps.duplicates profile.cargo failure.paths secrets.scan cuda.contracts observability.log repro.environment deps.bans bench.regression platform.matrix semver.compat history.window waivers.current checklist.closed" -- "${cur}"))
                    return 0
                    ;;
                --skip)
                    COMPREPLY=($(compgen -W "config.valid lockfile.locked policy.profile boundary.unsafe tests.pass kernels.build kernels.shipped toolchain.pinned ci.locked deps.pinned deps.advisories deps.licenses deps.duplicates profile.cargo failure.paths secrets.scan cuda.contracts observability.log repro.environment deps.bans bench.regression platform.matrix semver.compat history.window waivers.current checklist.closed" -- "${cur}"))
                    return 0
                    ;;
                --test-shard)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --test-archive)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --message-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__cache)
            opts="-h --help stats prune help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__cache__subcmd__help)
            opts="stats prune help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__cache__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__cache__subcmd__help__subcmd__prune)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__cache__subcmd__help__subcmd__stats)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__cache__subcmd__prune)
            opts="-h --all --max-size --out --manifest-path --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --max-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__cache__subcmd__stats)
            opts="-h --out --manifest-path --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__checks)
            opts="-h --format --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --format)
                    COMPREPLY=($(compgen -W "text json" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__completions)
            opts="-h --help bash elvish fish powershell zsh"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__controlled)
            opts="-q -v -h --manifest-path --config --strict --permissive --color --format --out --offline --fetch --only --skip --no-cache --test-shard --test-archive --message-format --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "text json markdown sarif junit html" -- "${cur}"))
                    return 0
                    ;;
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --only)
                    COMPREPLY=($(compgen -W "config.valid lockfile.locked policy.profile boundary.unsafe tests.pass kernels.build kernels.shipped toolchain.pinned ci.locked deps.pinned deps.advisories deps.licenses deps.duplicates profile.cargo failure.paths secrets.scan cuda.contracts observability.log repro.environment deps.bans bench.regression platform.matrix semver.compat history.window waivers.current checklist.closed" -- "${cur}"))
                    return 0
                    ;;
                --skip)
                    COMPREPLY=($(compgen -W "config.valid lockfile.locked policy.profile boundary.unsafe tests.pass kernels.build kernels.shipped toolchain.pinned ci.locked deps.pinned deps.advisories deps.licenses deps.duplicates profile.cargo failure.paths secrets.scan cuda.contracts observability.log repro.environment deps.bans bench.regression platform.matrix semver.compat history.window waivers.current checklist.closed" -- "${cur}"))
                    return 0
                    ;;
                --test-shard)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --test-archive)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --message-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__diff)
            opts="-h --out --manifest-path --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__explain)
            opts="-h --help config.valid lockfile.locked policy.profile boundary.unsafe tests.pass kernels.build kernels.shipped toolchain.pinned ci.locked deps.pinned deps.advisories deps.licenses deps.duplicates profile.cargo failure.paths secrets.scan cuda.contracts observability.log repro.environment deps.bans bench.regression platform.matrix semver.compat history.window waivers.current checklist.closed"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__fetch__subcmd__advisories)
            opts="-h --manifest-path --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help)
            opts="pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__bench)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__broad)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__cache)
            opts="stats prune"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__cache__subcmd__prune)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__cache__subcmd__stats)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__checks)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__completions)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__controlled)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__diff)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__explain)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__fetch__subcmd__advisories)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__history)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__init)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__kernels)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__man)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__merge)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__pilot)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__status)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__help__subcmd__verify)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__history)
            opts="-h --out --manifest-path --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__init)
            opts="-h --force --dry-run --baseline --manifest-path --offline --shards --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --shards)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__kernels)
            opts="-h --format --no-build --manifest-path --offline --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --format)
                    COMPREPLY=($(compgen -W "text json cyclonedx" -- "${cur}"))
                    return 0
                    ;;
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__man)
            opts="-h --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__merge)
            opts="-h --out --manifest-path --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__pilot)
            opts="-q -v -h --manifest-path --config --strict --permissive --color --format --out --offline --fetch --only --skip --no-cache --test-shard --test-archive --message-format --quiet --verbose --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --color)
                    COMPREPLY=($(compgen -W "auto always never" -- "${cur}"))
                    return 0
                    ;;
                --format)
                    COMPREPLY=($(compgen -W "text json markdown sarif junit html" -- "${cur}"))
                    return 0
                    ;;
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --only)
                    COMPREPLY=($(compgen -W "config.valid lockfile.locked policy.profile boundary.unsafe tests.pass kernels.build kernels.shipped toolchain.pinned ci.locked deps.pinned deps.advisories deps.licenses deps.duplicates profile.cargo failure.paths secrets.scan cuda.contracts observability.log repro.environment deps.bans bench.regression platform.matrix semver.compat history.window waivers.current checklist.closed" -- "${cur}"))
                    return 0
                    ;;
                --skip)
                    COMPREPLY=($(compgen -W "config.valid lockfile.locked policy.profile boundary.unsafe tests.pass kernels.build kernels.shipped toolchain.pinned ci.locked deps.pinned deps.advisories deps.licenses deps.duplicates profile.cargo failure.paths secrets.scan cuda.contracts observability.log repro.environment deps.bans bench.regression platform.matrix semver.compat history.window waivers.current checklist.closed" -- "${cur}"))
                    return 0
                    ;;
                --test-shard)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --test-archive)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --message-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__status)
            opts="-h --out --manifest-path --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__gate__subcmd__verify)
            opts="-h --out --manifest-path --expect-head --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --out)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --manifest-path)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --expect-head)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help)
            opts="gate help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate)
            opts="pilot controlled broad verify history diff status merge bench init cache fetch-advisories kernels checks explain completions man"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__bench)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__broad)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__cache)
            opts="stats prune"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__cache__subcmd__prune)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__cache__subcmd__stats)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 5 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__checks)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__completions)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__controlled)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__diff)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__explain)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__fetch__subcmd__advisories)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__history)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__init)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__kernels)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__man)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__merge)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__pilot)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__status)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__gate__subcmd__verify)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        cargo__gate__subcmd__help__subcmd__help)
            opts=""
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _cargo__gate -o nosort -o bashdefault -o default cargo-gate
else
    complete -F _cargo__gate -o bashdefault -o default cargo-gate
fi
