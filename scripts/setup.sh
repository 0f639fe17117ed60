#!/usr/bin/env bash
# Installs what liqmap needs on a Debian/Ubuntu machine with Node 20+: the cairo/pango libraries
# node-canvas builds against, redis-server for the multi-instance tests, chromium for the web view's
# browser tests (headless, driven by puppeteer-core; no browser is downloaded), then the npm packages.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in pkg-config libcairo2-dev libpango1.0-dev libpixman-1-dev libjpeg-dev libgif-dev librsvg2-dev redis-server chromium; do
  # "install ok installed" only: a removed package whose config files remain still answers dpkg -s.
  [ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null)" = "install ok installed" ] || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: liqmap needs Node 20.19 or newer (found $(node --version))" >&2
  exit 1
fi

# npm ci is skipped when node_modules already matches the lockfile.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.liqmap-lock-stamp 2>/dev/null; then
  echo "setup: installing npm packages (native modules build from source here: about two minutes)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.liqmap-lock-stamp
fi
# A native addon that failed to build is a broken install, not a warning.
for addon in node_modules/canvas/build/Release/canvas.node node_modules/sqlite3/build/Release/node_sqlite3.node; do
  if [ ! -f "$addon" ]; then
    echo "setup: $addon was not built; run 'npm rebuild' and read its output" >&2
    exit 1
  fi
done
