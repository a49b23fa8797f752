#!/usr/bin/env bash
# Packs a built riskgate binary as a release asset: riskgate-vX.Y.Z-TARGET.tar.gz (.zip for
# Windows) holding riskgate-vX.Y.Z-TARGET/{riskgate,README.md,LICENSE-*}, and beside it the
# archive's SHA-256 sum in `sha256sum` format. The release workflow runs it for every target;
# the tests run it to lay out a fake release for the action's install script.
#
# usage: release/archive.sh BINARY VERSION TARGET OUTDIR
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 BINARY VERSION TARGET OUTDIR" >&2; exit 2; }
binary=$1 version=$2 target=$3 out=$4
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "version must look like v1.2.3, got '$version'" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
name="riskgate-$version-$target"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" "$out"
cp "$binary" "$stage/$name/"
cp "$root/README.md" "$root"/LICENSE-* "$stage/$name/"
if [[ "$target" == *windows* ]]; then
  archive="$name.zip"
  if command -v 7z >/dev/null; then
    (cd "$stage" && 7z a -bd -tzip "$archive" "$name" >/dev/null)
  else
    (cd "$stage" && zip -qr "$archive" "$name")
  fi
else
  archive="$name.tar.gz"
  tar -C "$stage" -czf "$stage/$archive" "$name"
fi
mv "$stage/$archive" "$out/"
if command -v sha256sum >/dev/null; then
  (cd "$out" && sha256sum "$archive" > "$archive.sha256")
else
  (cd "$out" && shasum -a 256 "$archive" > "$archive.sha256")
fi
echo "$out/$archive"
