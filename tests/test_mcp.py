"""`rag mcp` (issue 30): the store over MCP, driven by the SDK's own client — over stdio (the server a
subprocess, as an MCP client starts it) and once over streamable HTTP. Tools listed, each called;
every citation and passage satisfies ``raw[start:end] == quote``. The stdio session's transcript is
written to artifacts/mcp/transcript.md (the README's transcript is taken from it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import anyio
import httpx
import pytest

from tests.conftest import ROOT, SEED_IDS, free_port

mcp_client = pytest.importorskip("mcp")  # pinned in pyproject.toml; skipped only where the lock is not installed

TOOLS = {"ask", "brief", "places", "track", "compare", "search"}
TRANSCRIPT = ROOT / "artifacts" / "mcp" / "transcript.md"


def _env(data: Path, **more: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    return {**env, "RAG_DATA_DIR": str(data), "RAG_LLM": "extractive", **more}


@pytest.fixture(scope="module")
def data(seeded_dir, tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("mcp") / "data"
    shutil.copytree(seeded_dir, d)
    return d


def _raw(data: Path, doc: str) -> str:
    from rag.config import get_settings
    from rag.index.store import Store

    store = Store(get_settings(data_dir=data))
    try:
        return store.get_doc(doc).raw
    finally:
        store.close()


def _structured(result) -> object:
    assert not result.is_error, result.content
    s = result.structured_content
    return s["result"] if isinstance(s, dict) and set(s) == {"result"} else s


async def _session(server, data: Path, log: list[tuple[str, object, object]]) -> dict[str, object]:
    """List the tools and resources, call every tool; each call logged for the transcript."""
    from mcp import Client

    got: dict[str, object] = {}
    async with Client(server) as client:
        tools = await client.list_tools()
        got["tools"] = {t.name: t for t in tools.tools}
        log.append(("tools/list", {}, [t.name for t in tools.tools]))
        calls = {
            "ask": {"question": "副镇长易昊宏在港口镇作了什么报告？"},
            "brief": {"place": "港口镇"},
            "places": {},
            "track": {},
            "compare": {"label": "固定资产投资"},
            "search": {"query": "港口镇 财政收入", "k": 3},
        }
        for name, args in calls.items():
            got[name] = _structured(await client.call_tool(name, args))
            log.append((f"tools/call {name}", args, got[name]))
        templates = await client.list_resource_templates()
        got["templates"] = [t.uri_template for t in templates.resource_templates]
        doc = SEED_IDS["gangkou"]
        text = await client.read_resource(f"townbrief://documents/{doc}/text")
        got["text"] = text.contents[0].text
        audit = await client.read_resource(f"townbrief://documents/{doc}/audit")
        got["audit"] = json.loads(audit.contents[0].text)
        bad = await client.call_tool("brief", {"place": "不存在镇"})
        got["unknown_place"] = (bad.is_error, bad.content[0].text if bad.content else "")
    return got


def _write_transcript(log: list[tuple[str, object, object]]) -> None:
    TRANSCRIPT.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# rag mcp over stdio: the SDK's client (mcp.Client), as tests/test_mcp.py ran it", ""]
    for what, args, result in log:
        shown = json.dumps(result, ensure_ascii=False, indent=1)
        if len(shown) > 1500:
            shown = shown[:1500] + "\n… (cut here; the full result is longer)"
        lines += [f"## {what} {json.dumps(args, ensure_ascii=False) if args else ''}".rstrip(), "", "```json", shown, "```", ""]
    TRANSCRIPT.write_text("\n".join(lines), "utf-8")


def test_stdio_lists_and_calls_every_tool_with_exact_spans(data):
    from mcp import StdioServerParameters

    params = StdioServerParameters(command=sys.executable, args=["-m", "rag.cli", "mcp"], env=_env(data), cwd=str(ROOT))
    log: list[tuple[str, object, object]] = []
    got = anyio.run(_session, params, data, log)
    _write_transcript([x for x in log if x[0] in ("tools/list", "tools/call ask", "tools/call brief")])

    assert TOOLS <= set(got["tools"])  # type: ignore[arg-type]
    ask = got["ask"]
    assert isinstance(ask, dict) and not ask["abstained"] and ask["citations"] and ask["label"]
    assert "易昊宏" in ask["answer"]
    for c in ask["citations"]:
        assert _raw(data, c["doc"])[c["start"]:c["end"]] == c["quote"]
    brief = got["brief"]
    assert isinstance(brief, dict) and brief["town"] == "港口镇"
    assert any(p["place"] == "港口镇" for p in got["places"])  # type: ignore[union-attr]
    assert isinstance(got["track"], list)
    rows = got["compare"]
    assert rows and all(_raw(data, r["doc"])[r["start"]:r["end"]] for r in rows)  # type: ignore[union-attr]
    passages = got["search"]
    assert isinstance(passages, list) and 1 <= len(passages) <= 3
    for p in passages:
        assert _raw(data, p["doc"])[p["start"]:p["end"]] == p["quote"]
    assert set(got["templates"]) == {"townbrief://documents/{doc}/text", "townbrief://documents/{doc}/audit"}  # type: ignore[arg-type]
    assert "港口镇" in got["text"]  # type: ignore[operator]
    assert got["audit"]["doc"] == SEED_IDS["gangkou"] and isinstance(got["audit"]["audit"], list)  # type: ignore[index]
    is_error, message = got["unknown_place"]  # type: ignore[misc]
    assert is_error and "不存在镇" in message and "Traceback" not in message


def _wait(url: str, proc: subprocess.Popen, limit_s: float = 120) -> None:
    t0 = time.time()
    while time.time() - t0 < limit_s:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer in {limit_s}s")


def test_streamable_http_call_and_the_api_key_rule(data):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "mcp", "--transport", "http", "--port", str(port)],
                            env=_env(data, RAG_API_KEY="k3y"), cwd=str(ROOT), stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/mcp"
        _wait(url, proc)
        assert httpx.post(url, json={}, timeout=10).status_code == 401  # a key set: every request needs it

        async def call() -> object:
            import httpx2
            from mcp import Client
            from mcp.client.streamable_http import streamable_http_client

            async with httpx2.AsyncClient(headers={"Authorization": "Bearer k3y"}, timeout=120) as http:
                async with Client(streamable_http_client(url, http_client=http)) as client:  # type: ignore[arg-type]
                    return _structured(await client.call_tool("places", {}))

        got = anyio.run(call)
        assert any(p["place"] == "港口镇" for p in got)  # type: ignore[union-attr]
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    # off loopback without a key: refused in one line, before anything loads
    r = subprocess.run([sys.executable, "-m", "rag.cli", "mcp", "--transport", "http", "--host", "0.0.0.0"],
                       env=_env(data), cwd=str(ROOT), capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "RAG_API_KEY" in r.stderr and "Traceback" not in r.stderr
