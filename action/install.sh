#!/usr/bin/env bash
# The action's install step. For a release ref (vX.Y.Z) it downloads that release's archive for
# this runner, verifies its SHA-256 sum and puts the binary on the PATH: seconds, no compiler.
# For any other ref (a branch, a commit, `uses: ./`) it says `mode=source` and a key made from
# the action's own source files, so the build-from-source steps cache exactly that code.
#
# Inputs (environment): ACTION_REF, RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_OUTPUT,
# GITHUB_PATH, GITHUB_ACTION_PATH; RISKGATE_RELEASE_URL overrides where releases are fetched
# (tests point it at a directory laid out like a release).
set -euo pipefail

say() { printf 'riskgate install: %s\n' "$*" >&2; }
output() { if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s\n' "$1" >> "$GITHUB_OUTPUT"; fi; }

ref="${ACTION_REF:-}"
if ! [[ "$ref" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
  here="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
  key=$(cd "$here" && find src rules hooks Cargo.toml Cargo.lock -type f -print0 | LC_ALL=C sort -z \
        | xargs -0 sha256sum | sha256sum | cut -c1-32)
  say "ref '${ref:-local}' is not a release; building from source (cache key $key)"
  output "mode=source"
  output "key=$key"
  output "bin=$HOME/.cargo/bin/riskgate"
  exit 0
fi

os="${RUNNER_OS:-$(uname -s)}"
arch="${RUNNER_ARCH:-$(uname -m)}"
case "$os/$arch" in
  Linux/X64 | Linux/x86_64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64 | Linux/aarch64) target=aarch64-unknown-linux-musl ;;
  macOS/X64 | Darwin/x86_64) target=x86_64-apple-darwin ;;
  macOS/ARM64 | Darwin/arm64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc ;;
  *) say "no prebuilt binary for $os/$arch; use a branch ref to build from source"; exit 1 ;;
esac
ext=tar.gz
[ "$target" = x86_64-pc-windows-msvc ] && ext=zip
name="riskgate-$ref-$target"
base="${RISKGATE_RELEASE_URL:-https://github.com/riskgate/riskgate/releases/download}/$ref"

work=$(mktemp -d "${RUNNER_TEMP:-/tmp}/riskgate-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
fetch() { curl --fail --silent --show-error --location --retry 3 --proto '=https,file' -o "$2" "$1"; }
fetch "$base/$name.$ext" "$work/$name.$ext" || { say "cannot download $base/$name.$ext"; exit 1; }
fetch "$base/$name.$ext.sha256" "$work/sum" || { say "cannot download $base/$name.$ext.sha256"; exit 1; }

expected=$(head -c 64 "$work/sum")
if ! [[ "$expected" =~ ^[0-9a-f]{64}$ ]]; then
  say "$name.$ext.sha256 does not hold a SHA-256 sum"
  exit 1
fi
if command -v sha256sum >/dev/null; then
  actual=$(sha256sum "$work/$name.$ext" | cut -c1-64)
else
  actual=$(shasum -a 256 "$work/$name.$ext" | cut -c1-64)
fi
if [ "$actual" != "$expected" ]; then
  say "checksum mismatch for $name.$ext: expected $expected, got $actual; refusing to install"
  exit 1
fi

if [ "$ext" = zip ]; then
  unzip -q "$work/$name.$ext" -d "$work/x"
else
  mkdir "$work/x" && tar -xzf "$work/$name.$ext" -C "$work/x"
fi
bin=riskgate
[ "$ext" = zip ] && bin=riskgate.exe
dest="${RISKGATE_INSTALL_DIR:-${RUNNER_TEMP:-$HOME}/riskgate-$ref}"
mkdir -p "$dest"
install -m 0755 "$work/x/$name/$bin" "$dest/$bin"
if [ -n "${GITHUB_PATH:-}" ]; then printf '%s\n' "$dest" >> "$GITHUB_PATH"; fi
say "installed $("$dest/$bin" --version) from $name.$ext (sha256 $actual)"
output "mode=release"
output "bin=$dest/$bin"
