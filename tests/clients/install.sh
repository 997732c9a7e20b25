#!/usr/bin/env bash
# Installs what the client tests need, once: the pinned npm packages
# (graphql-ws, Apollo's gateway and subgraph, GraphQL Code Generator, the
# Subsonic client subsonic-api) and
# Debian's nginx (the caching proxy). Fast when all present. Called by
# .ci/run and by the e2e tests on first use.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  echo "client tests: installing Debian's nginx" >&2
  apt_install() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx >&2
  }
  if ! apt_install; then
    # The package lists may be missing or stale on a fresh machine.
    DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    apt_install
  fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "client tests: npm ci" >&2
  npm ci --no-audit --no-fund --silent >&2
fi
