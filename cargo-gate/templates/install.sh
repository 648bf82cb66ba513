# Installs cargo-gate $GATE_VERSION into $HOME/.cargo-gate/bin: the release archive for this
# runner (seconds), checked against the .sha256 published beside it; when there is none for
# this platform, or it does not download or does not verify, built from the release tag with
# stable (minutes; cargo-gate may need a newer Rust than the workspace pins).
# GATE_RELEASES: where the archives are (default: the GitHub releases; a mirror works too).
# GATE_FALLBACK_PATH: build from this source tree instead of the tag (the action's own).
set -euo pipefail
version="${GATE_VERSION:?GATE_VERSION names the release}"
releases="${GATE_RELEASES:-https://github.com/cargo-gate/cargo-gate/releases/download}"
case "${RUNNER_OS:-}-${RUNNER_ARCH:-}" in
  Linux-X64) target=x86_64-unknown-linux-gnu ;;
  Linux-ARM64) target=aarch64-unknown-linux-gnu ;;
  macOS-ARM64) target=aarch64-apple-darwin ;;
  macOS-X64) target=x86_64-apple-darwin ;;
  Windows-X64) target=x86_64-pc-windows-msvc ;;
  *) target="" ;;
esac
root="$HOME/.cargo-gate"
tmp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/cargo-gate-install.$$"
mkdir -p "$root/bin" "$tmp"
name="cargo-gate-$version-$target"
verify() {
  (cd "$tmp" && if command -v sha256sum >/dev/null 2>&1; then sha256sum -c "$name.tar.gz.sha256"
               else shasum -a 256 -c "$name.tar.gz.sha256"; fi)
}
if [ -n "$target" ] \
  && curl -sSfL --retry 3 -o "$tmp/$name.tar.gz" "$releases/v$version/$name.tar.gz" \
  && curl -sSfL --retry 3 -o "$tmp/$name.tar.gz.sha256" "$releases/v$version/$name.tar.gz.sha256" \
  && verify; then
  tar -xzf "$tmp/$name.tar.gz" -C "$tmp"
  cp "$tmp/$name"/cargo-gate* "$root/bin/"
  echo "cargo-gate $version: the release archive for $target, sha256 verified"
else
  rustup toolchain install stable --profile minimal --no-self-update
  if [ -n "${GATE_FALLBACK_PATH:-}" ]; then
    echo "cargo-gate $version: no verified release archive for ${target:-this runner}; building it from $GATE_FALLBACK_PATH"
    cargo +stable install --locked --root "$root" --path "$GATE_FALLBACK_PATH"
  else
    echo "cargo-gate $version: no verified release archive for ${target:-this runner}; building it from the tag v$version"
    cargo +stable install --locked --root "$root" --git https://github.com/cargo-gate/cargo-gate --tag "v$version" cargo-gate
  fi
fi
rm -rf "$tmp"
