"""`rag mcp`'s start: check the exposure rule before anything loads, then serve over stdio or streamable HTTP."""

from __future__ import annotations

import os
import sys

from rag.config import Settings
from rag.errors import ConfigError


def serve_mcp(settings: Settings, llm: str | None, transport: str, host: str, port: int) -> None:
    """Serve the MCP tools; stdout belongs to the protocol on stdio, so every message goes to stderr."""
    from rag.serve.api import check_exposure

    if transport not in ("stdio", "http"):
        raise ConfigError(f"--transport {transport}: use stdio or http")
    key = os.environ.get("RAG_API_KEY") or None
    if transport == "http":
        check_exposure(host, key)
    from rag.serve.mcp_server import Tools, build_server, http_app

    tools = Tools(settings, llm)
    server = build_server(tools)
    if transport == "stdio":
        server.run("stdio")
        return
    import uvicorn

    print(f"TownBrief MCP on http://{host}:{port}/mcp · {tools.qa.backend.name} · "
          + ("API key required" if key else "no API key (loopback only)"), file=sys.stderr)
    uvicorn.run(http_app(server, host, key), host=host, port=port, log_level="warning", access_log=False)
