#!/usr/bin/env bash
# The GPU bundle's one call (built by `cargo xtask gpu-bundle DIR`; docs/gpu/README.md):
#
#   bash DIR/run.sh OUT
#
# on a machine with an NVIDIA driver and CUDA's tools (compute-sanitizer) but no Rust. Every
# step runs, whatever failed before it (one call collects everything), each under `timeout`
# and all under one deadline ($GPU_BUNDLE_DEADLINE_S, default 420 s), so a hang costs one
# step, never the summary. Raw outputs go to OUT/raw/ and are packed into OUT/raw.tar.gz;
# `summarize` judges them into OUT/summary.json. Exit 0 only when that summary is complete:
# a GPU was seen, every test passed, no sanitizer error beyond the provoked ones, every tool
# was found and every gpu_bench run measured.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/bin"
out="${1:?usage: run.sh OUT}"
mkdir -p "$out" && out="$(cd "$out" && pwd)" || exit 2
raw="$out/raw"
rm -rf "$raw" "$out/summary.json" "$out/raw.tar.gz" "$out/run.log"
mkdir -p "$raw"

deadline=$((SECONDS + ${GPU_BUNDLE_DEADLINE_S:-420}))
# Tests of this script cap every step far lower to see a hang killed.
step_cap="${GPU_BUNDLE_STEP_LIMIT_S:-}"
say() { echo "run.sh: $*"; }

# step NAME LIMIT [--stdout FILE] CMD...: CMD's output in raw/NAME.log (stdout in FILE
# instead where given), killed after LIMIT seconds (or what is left before the deadline,
# keeping 20 s for the summary), and NAME, exit code and wall seconds appended to steps.tsv.
step() {
  local name=$1 limit=$2 stdout="" start=$SECONDS rc
  shift 2
  if [ "${1:-}" = --stdout ]; then stdout=$2; shift 2; fi
  local left=$((deadline - SECONDS - 20))
  [ "$left" -lt "$limit" ] && limit=$left
  [ -n "$step_cap" ] && [ "$step_cap" -lt "$limit" ] && limit=$step_cap
  if [ "$limit" -lt 5 ]; then
    say "step $name: not run, the deadline is reached"
    printf '%s\tskipped\t0\n' "$name" >>"$raw/steps.tsv"
    return
  fi
  say "step $name (limit ${limit}s): $*"
  if [ -n "$stdout" ]; then
    timeout -k 10 "$limit" "$@" >"$stdout" 2>"$raw/$name.log" </dev/null
  else
    timeout -k 10 "$limit" "$@" >"$raw/$name.log" 2>&1 </dev/null
  fi
  rc=$?
  printf '%s\t%s\t%s\n' "$name" "$rc" "$((SECONDS - start))" >>"$raw/steps.tsv"
  say "step $name: exit $rc after $((SECONDS - start))s"
  if [ "$rc" -ne 0 ]; then
    tail -n 15 "$raw/$name.log" | sed 's/^/    | /'
  fi
}

# The site-packages directories of the Python on PATH (if any) and the usual venv places.
site_dirs() {
  local py
  for py in python3 python; do
    command -v "$py" >/dev/null 2>&1 || continue
    "$py" -c 'import site, sys
print("\n".join(site.getsitepackages() + [site.getusersitepackages()] + sys.path))' 2>/dev/null
    break
  done
  ls -d /opt/*/.venv/lib/python3*/site-packages /usr/local/lib/python3*/dist-packages \
    /usr/lib/python3/dist-packages 2>/dev/null
}

# cuBLAS is not shipped: gpu_bench loads libcublas.so.13 at run time. raw/cublas.txt says
# `found PATH` or `absent`, then where it looked.
find_cublas() {
  local dirs=() d lib=""
  IFS=: read -ra dirs <<<"${LD_LIBRARY_PATH:-}"
  dirs+=($(ldconfig -p 2>/dev/null | awk '/libcublas\.so\.13 /{print $NF}' | xargs -r -n1 dirname))
  while read -r d; do
    [ -n "$d" ] && dirs+=("$d/nvidia/cu13/lib" "$d/nvidia/cublas/lib")
  done < <(site_dirs)
  dirs+=(/usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib)
  for d in "${dirs[@]}"; do
    if [ -n "$d" ] && [ -e "$d/libcublas.so.13" ]; then lib="$d/libcublas.so.13"; break; fi
  done
  {
    if [ -n "$lib" ]; then echo "found $lib"; else echo "absent"; fi
    printf '%s\n' "${dirs[@]}" | awk 'NF && !seen[$0]++'
  } >"$raw/cublas.txt"
  if [ -n "$lib" ]; then
    export LD_LIBRARY_PATH="$(dirname "$lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    say "cuBLAS: $lib"
  else
    say "cuBLAS: libcublas.so.13 not found; gpu_bench leaves the SGEMM comparison out"
  fi
}

# compute-sanitizer: on PATH, in a CUDA install, or in a Python CUDA wheel.
find_sanitizer() {
  local c d
  if command -v compute-sanitizer >/dev/null 2>&1; then command -v compute-sanitizer; return; fi
  for c in /usr/local/cuda/bin/compute-sanitizer /usr/local/cuda-*/bin/compute-sanitizer \
    /opt/nvidia/compute-sanitizer/compute-sanitizer; do
    [ -x "$c" ] && { echo "$c"; return; }
  done
  while read -r d; do
    for c in "$d"/nvidia/cu13/bin/compute-sanitizer \
      "$d"/nvidia/cuda_sanitizer_api/compute-sanitizer/compute-sanitizer; do
      [ -x "$c" ] && { echo "$c"; return; }
    done
  done < <(site_dirs)
}

main() {
  say "bundle $here, output $out"
  {
    echo "date=$(date -u +%Y-%m-%d)"
    echo "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host=$(uname -srm)"
  } >"$raw/run.env"
  cp "$here/bundle.json" "$raw/bundle.json" 2>/dev/null
  # A copy that lost the executable bits (a carried folder) would fail every step with 126.
  chmod +x "$bin"/* 2>/dev/null

  step nvidia-smi 30 --stdout "$raw/nvidia-smi.csv" \
    nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  find_cublas
  sanitizer="$(find_sanitizer)"
  say "compute-sanitizer: ${sanitizer:-not found}"
  echo "sanitizer=$sanitizer" >>"$raw/run.env"
  if [ -n "$sanitizer" ]; then
    echo "sanitizer_version=$(timeout 20 "$sanitizer" --version 2>/dev/null | tail -n 1)" \
      >>"$raw/run.env"
  fi
  # A missing sanitizer still gets its steps: they fail as "not found" (exit 127).
  sanitizer="${sanitizer:-compute-sanitizer}"

  # The GPU tests cannot pass by skipping (GATE_TESTS_REQUIRE_GPU), and smoke and the service
  # fail without a GPU (GATE_GPU=required; the tests that need another policy set their own).
  # The schema test reads the schemas shipped beside the binaries.
  export GATE_TESTS_REQUIRE_GPU=1 GATE_GPU=required GATE_TESTS_SCHEMA_DIR="$here/schemas"
  local tests=("$bin/kernels" "runtime_gpu::" "schemas::" --test-threads=1)
  local smoke=("$bin/smoke" --out "$raw/smoke-out")
  step tests 180 "${tests[@]}"
  step smoke 120 "${smoke[@]}"
  step service 60 "$bin/gpu-service"
  step service-tests 60 "$bin/pipeline" --test-threads=1
  local i run tool target limit cmd
  for i in 1 2 3; do
    step "gpu-bench-$i" 150 --stdout "$raw/gpu-bench-$i.json" "$bin/gpu_bench"
  done
  # The sanitizers, racecheck (the slowest) last. The application's
  # output stays in the step's log, the tool's goes to NAME.sanitizer.txt; the exit code is
  # the application's.
  for run in memcheck-smoke memcheck-tests initcheck-smoke initcheck-tests synccheck-smoke \
    synccheck-tests racecheck-smoke racecheck-tests; do
    tool=${run%-*} target=${run#*-}
    if [ "$target" = smoke ]; then
      cmd=("${smoke[@]}") limit=180
    else
      cmd=("${tests[@]}") limit=240
    fi
    [ "$tool" = racecheck ] && limit=300
    step "$run" "$limit" "$sanitizer" --tool "$tool" --log-file "$raw/$run.sanitizer.txt" \
      "${cmd[@]}"
  done
}

# Everything the steps print goes to the terminal and to OUT/run.log.
main 2>&1 | tee "$out/run.log"

say "summarizing" | tee -a "$out/run.log"
"$bin/summarize" "$out" 2>&1 | tee -a "$out/run.log"
rc=${PIPESTATUS[0]}
if [ ! -s "$out/summary.json" ] || [ "$rc" -gt 1 ]; then
  printf '{"format": "cargo-gate-gpu-summary/1", "complete": false, "reasons": ["summarize failed (exit %s)"]}\n' \
    "$rc" >"$out/summary.json"
  rc=1
fi
# The device tool brings back a few files: the raw outputs travel packed.
if tar -czf "$out/raw.tar.gz" -C "$out" raw; then rm -rf "$raw"; fi
if [ "$rc" -eq 0 ]; then
  say "complete: $out/summary.json" | tee -a "$out/run.log"
else
  say "NOT complete (exit $rc): see $out/summary.json" | tee -a "$out/run.log"
fi
exit "$rc"
