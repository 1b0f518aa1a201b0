"""``rag serve``, ``rag mcp``, ``rag ui``: the API, the MCP server and the page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from rag.console import err, out
from rag.console import fail as _fail

from rag.cli.shell import app, settings


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on; off loopback RAG_API_KEY is required"),
    port: int = typer.Option(8000, "--port", help="port to listen on"),
    llm: Optional[str] = typer.Option(None, "--llm", envvar="RAG_LLM", help="local | openai | extractive"),
    queue: int = typer.Option(8, "--queue", min=0, help="questions that may wait for the model; more get 503"),
    with_ui: bool = typer.Option(False, "--ui", help="also serve the page (Gradio) at /ui"),
    cors_origin: list[str] = typer.Option([], "--cors-origin", help="allow browser calls from this origin "
                                           "(repeatable; CORS is off by default)"),
) -> None:
    """Serve the API: OpenAI-compatible chat (/v1/chat/completions), REST (/v1/ask, /v1/documents,
    /v1/briefs, /v1/compare), docs at /docs; one process with the warm model."""
    import socket

    from rag.serve.api import Service, check_exposure, create_app

    key = os.environ.get("RAG_API_KEY") or None
    check_exposure(host, key)
    try:  # say so now, not after the model has loaded
        fam, typ, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(fam, typ, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(addr)
    except OSError as e:
        _fail(f"cannot listen on {host}:{port} ({e.strerror or e}); pick another --port or stop what uses it")
    s = settings(llm=llm)
    err.print(f"[dim]loading the store and the {s.llm} backend…[/]", highlight=False)
    svc = Service(s, llm, max_waiting=queue)
    warmed = svc.warm()
    if warmed is not None:
        err.print(f"[dim]the model has read the answer prompt's opening ({warmed:.1f}s); questions pay for their own "
                  "evidence only[/]", highlight=False)
    application = create_app(svc, api_key=key, cors_origins=cors_origin, ui=with_ui)
    base = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    err.print(f"TownBrief on {base} · OpenAI base URL {base}/v1, model townbrief · docs {base}/docs"
              + (f" · page {base}/ui" if with_ui else "")
              + f" · {svc.qa.backend.name}/{svc.qa.backend.model} · queue {queue} · "
              + ("API key required" if key else "no API key (loopback only)"), highlight=False)
    import uvicorn

    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False,
                timeout_graceful_shutdown=5)


@app.command()
def mcp(
    transport: str = typer.Option("stdio", "--transport", help="stdio (an MCP client starts `rag mcp`) | http "
                                  "(streamable HTTP at http://HOST:PORT/mcp)"),
    host: str = typer.Option("127.0.0.1", "--host", help="with --transport http; off loopback RAG_API_KEY is required"),
    port: int = typer.Option(8765, "--port", help="with --transport http"),
    llm: Optional[str] = typer.Option(None, "--llm", envvar="RAG_LLM", help="local | openai | extractive"),
) -> None:
    """Serve the store over MCP (Model Context Protocol): tools ask, brief, places, track, compare, search, and
    each document's cleaned text and audit as resources (see README: MCP)."""
    from rag.serve.mcp_cli import serve_mcp

    serve_mcp(settings(llm=llm), llm, transport, host, port)


@app.command()
def ui(
    host: str = typer.Option("127.0.0.1", "--host", envvar="GRADIO_SERVER_NAME", help="address to listen on"),
    port: int = typer.Option(7860, "--port", envvar="GRADIO_SERVER_PORT", help="port to listen on"),
) -> None:
    """Open the chat page (Gradio) on http://HOST:PORT."""
    ui_file = Path(__file__).resolve().parent.parent / "ui.py"
    if not ui_file.exists():
        out.print("the chat page is not built yet (issue: The Gradio page); the documents are ingested and "
                  "`rag docs` / `rag show` work now")
        return
    os.environ["GRADIO_SERVER_NAME"], os.environ["GRADIO_SERVER_PORT"] = host, str(port)
    import runpy

    runpy.run_path(str(ui_file), run_name="__main__")
