#!/usr/bin/env bash
# Installs what the browser tests need, once: Debian's Chromium (apt) and
# the pinned npm packages (playwright-core, axe-core). Fast when all present.
# Called by .ci/run and by the e2e test on first use.
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x /usr/bin/chromium ]; then
  echo "browser tests: installing Debian's chromium" >&2
  apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >&2
  }
  if ! apt_install; then
    # The package lists may be missing or stale on a fresh machine.
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    apt_install
  fi
fi

if [ ! -f node_modules/playwright-core/package.json ] || [ ! -f node_modules/axe-core/axe.min.js ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "browser tests: npm ci" >&2
  npm ci --no-audit --no-fund --silent >&2
fi
