"""Shared pieces of the browser tests: start ``python ui.py`` on loopback, and Debian's Chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def serve_ui(data: Path, log: Path, timeout_s: float = 180, **env: str) -> Iterator[str]:
    """``python ui.py`` over ``data`` (as users run it), its URL while the block runs."""
    port = free_port()
    full = {**os.environ, "RAG_DATA_DIR": str(data), "GRADIO_SERVER_PORT": str(port),
            "GRADIO_SERVER_NAME": "127.0.0.1", "PYTHONPATH": str(ROOT), **env}
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "ui.py")], env=full, stdout=out,
                                stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}/"
        deadline = time.time() + timeout_s
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    proc.kill()
                    raise RuntimeError(f"ui.py did not serve; see {log}") from None
                time.sleep(0.5)
        try:
            yield url
        finally:
            proc.terminate()
            proc.wait(20)


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium under Playwright, headless (one per test module)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


SHOTS = ROOT / "artifacts" / "screenshots"


@contextmanager
def open_page(chromium, url: str) -> Iterator:
    """A fresh browser context (Chinese locale) on the page at ``url``, once its send button is there."""
    ctx = chromium.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    pg = ctx.new_page()
    try:
        pg.goto(url, wait_until="load")
        pg.locator("#tb-send").wait_for(timeout=60_000)
        yield pg
    finally:
        ctx.close()


def shot(pg, name: str) -> None:
    """A full-page screenshot into artifacts/screenshots/NAME.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def tab(pg, name: str) -> None:
    pg.get_by_role("tab", name=name).click()


def ask(pg, question: str) -> None:
    """Type a question into the chat box and send it."""
    pg.get_by_placeholder("例如").fill(question)
    pg.locator("#tb-send").click()


def corpus_store(root: Path, corpus: str, files: list[str] | tuple[str, ...]):
    """A store in ``root/data`` holding ``files`` of ``corpora/<corpus>`` (extractive, the shared embedding cache),
    for a page test that needs documents other than the seeds. The caller closes it."""
    import shutil

    from evals.harness import shared_embed_cache
    from rag.config import get_settings
    from rag.index.store import Store
    from rag.library.pipeline import ingest_paths
    from tests.conftest import ROOT

    src = root / "src"
    src.mkdir()
    for f in files:
        shutil.copy(ROOT / "corpora" / corpus / f, src / f)
    store = Store(get_settings(data_dir=root / "data", llm="extractive", embed_cache=shared_embed_cache()))
    assert not ingest_paths(store, [src]).failed
    return store

