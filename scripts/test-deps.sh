#!/usr/bin/env bash
# strace, for tests/test_egress.py (ingest, ask, brief and the page traced for
# network connects and for files written outside the data, model and temp dirs).
set -euo pipefail
if command -v strace >/dev/null; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "the egress test needs strace: run 'sudo apt-get install strace' (it is skipped without it)" >&2
  exit 0
fi
echo "==> installing strace for the egress test"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace >/dev/null
