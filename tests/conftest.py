"""Shared fixtures: every test gets its own data dir; the seeds are ingested once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from bench.serve import free_port  # noqa: F401 - one free-port helper for tests, bench and scripts

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpora" / "towns"
SHARED = ROOT.parent / "shared"
GOV_CORPUS = SHARED / "corpora" / "gov-reports-2022-2025"

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

SEED_IDS = {
    "gangkou": "000_1e67878d57ee9110.txt",
    "houjie": "001_cc7644a91a9315a6.txt",
    "jinfeng": "002_1438b3965b54970e.txt",
    "xinjiebu": "003_c9318c0b836d19af.txt",
    "speech": "004_5f3aa7875b41a2a2.txt",
}


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    """No test touches the user's store: RAG_DATA_DIR points into tmp."""
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    for var in ("RAG_CHROMA_URL", "RAG_EMBEDDINGS", "RAG_LLM", "RAG_LLM_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def seed_raw() -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in sorted(SEEDS.iterdir())}


@pytest.fixture(scope="session")
def seeded_dir(tmp_path_factory) -> Path:
    """A data dir with the five seeds ingested (embedded Chroma, local e5)."""
    from rag.config import Settings
    from rag.library.pipeline import ingest_paths
    from rag.index.store import Store

    d = tmp_path_factory.mktemp("seeded")
    store = Store(Settings(data_dir=d))
    report = ingest_paths(store, [SEEDS])
    assert not report.failed, report.failed
    assert len(report.added) == 5
    store.close()
    return d


@pytest.fixture
def seeded_store(seeded_dir, tmp_path):
    """A private copy of the seeded data dir (tests may change it)."""
    from rag.config import Settings
    from rag.index.store import Store

    d = tmp_path / "seeded-copy"
    shutil.copytree(seeded_dir, d)
    store = Store(Settings(data_dir=d))
    yield store
    store.close()


def within(fn: Callable[[], Any], limit_s: float, what: str = "the call") -> tuple[dict[str, Any], float]:
    """Run ``fn`` in a thread: ({"value": result} or {"error": exception}, seconds). Fails the test
    when it has not returned in ``limit_s`` (the defects these tests catch block for ever)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except Exception as e:  # noqa: BLE001 - handed to the test
            box["error"] = e

    t0 = time.monotonic()
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(limit_s)
    assert not t.is_alive(), f"still waiting after {limit_s:.0f} s: {what} blocks for ever"
    return box, time.monotonic() - t0


@contextmanager
def chroma_run(path: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real ``chroma run`` on loopback storing under ``path``: (url, process) while the block runs."""
    from rag.config import Settings
    from rag.errors import BackendError
    from rag.index.chroma import make_chroma_client

    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={"ANONYMIZED_TELEMETRY": "False", "PATH": "/usr/bin:/bin"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            make_chroma_client(Settings(data_dir=path / "probe", chroma_url=url)).heartbeat()
            break
        except BackendError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not come up in 60 s")
    try:
        yield url, proc
    finally:
        proc.send_signal(signal.SIGCONT)  # a test may have frozen it
        proc.terminate()
        proc.wait(10)
