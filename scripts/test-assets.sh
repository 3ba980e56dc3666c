#!/usr/bin/env bash
# Test assets fetched from a package registry by the test command (never from a CDN):
#   axe-core (npm, MPL-2.0: its licence comes with it in .test-assets/node_modules/axe-core/LICENSE),
#   the accessibility rules tests/test_accessibility.py runs in the browser.
# Installed once into .test-assets/ (git-ignored); prints `export AXE_JS=...` for the tests.
set -u
AXE_VERSION="4.14.1"
say() { echo "test-assets: $*" >&2; }
cd "$(dirname "$0")/.."
dir=".test-assets"
axe="$dir/node_modules/axe-core/axe.min.js"
if [ ! -f "$axe" ] || ! grep -q "\"version\": \"$AXE_VERSION\"" "$dir/node_modules/axe-core/package.json" 2>/dev/null; then
  if ! command -v npm >/dev/null 2>&1; then
    say "npm not installed: installing Debian's npm"
    if [ "$(id -u)" = 0 ]; then apt-get update -qq >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >&2
    else sudo apt-get update -qq >&2; sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >&2; fi
  fi
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"private": true, "description": "test assets of petitions"}' > "$dir/package.json"
  say "installing axe-core@$AXE_VERSION from the npm registry into $dir"
  npm install --prefix "$dir" --no-audit --no-fund --save-exact "axe-core@$AXE_VERSION" >&2 || { say "axe-core install FAILED"; exit 1; }
fi
say "axe-core: $(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$dir/node_modules/axe-core/package.json" | head -1) at $axe"
echo "export AXE_JS='$(pwd)/$axe'"
