#!/usr/bin/env bash
# Debian's Chromium (Playwright drives it; no browser download) and a CJK font so
# screenshots show Chinese, for the browser tests.
set -euo pipefail
# (grep without -q: under pipefail an early-exiting grep would fail the pipe and force a reinstall)
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -i "wqy\|noto.*cjk" >/dev/null; then exit 0; fi
if [ "$(id -u)" != "0" ]; then
  echo "browser tests need Debian's chromium: run 'sudo apt-get install chromium' (they are skipped without it)" >&2
  exit 0
fi
echo "==> installing Debian's chromium and a CJK font for the browser tests"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null
