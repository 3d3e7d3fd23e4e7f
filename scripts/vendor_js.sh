#!/usr/bin/env bash
# Vendor the browser libraries pinned in package.json / package-lock.json into ciic/static/vendor/.
#
#   scripts/vendor_js.sh
#
# Only this script needs node and npm: the copied files are committed, so `make run` and the
# tests serve them without npm. `npm ci` installs exactly what package-lock.json pins (versions
# and integrity hashes) into a temporary directory that is removed afterwards.
# To upgrade tus-js-client: set the new exact version in package.json, run
# `npm install --package-lock-only --ignore-scripts`, run this script, and commit package.json,
# package-lock.json and ciic/static/vendor/.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/ciic/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cp "$root/package.json" "$root/package-lock.json" "$work/"
(cd "$work" && npm ci --ignore-scripts --omit=dev --no-audit --no-fund --loglevel=error)

modules="$work/node_modules"
tus="$modules/tus-js-client"
version="$(node -p "require('$tus/package.json').version")"

# The browser (UMD) build, which defines window.tus, and its source map (named in its last line).
cp "$tus/dist/tus.min.js" "$tus/dist/tus.min.js.map" "$vendor/"

# Its licence, followed by those of the packages its bundle includes.
{
  echo "tus-js-client $version (npm), dist/tus.min.js"
  echo
  cat "$tus/LICENSE"
  for dir in "$modules"/*/; do
    name="$(basename "$dir")"
    [ "$name" = tus-js-client ] && continue
    dep_version="$(node -p "require('$dir/package.json').version")"
    printf '\n\n--- %s %s ---\n\n' "$name" "$dep_version"
    licence="$(find "$dir" -maxdepth 1 -iname 'licen[cs]e*' | head -n 1)"
    if [ -n "$licence" ]; then
      cat "$licence"
    else  # no licence file in the package: its declared licence
      echo "License: $(node -p "require('$dir/package.json').license || 'none declared in package.json'")"
    fi
  done
} > "$vendor/tus-js-client.LICENSE"

echo "tus-js-client $version copied to ${vendor#"$root"/}/"
