"""A stand-in OpenAI-compatible model server (stdlib only): /v1/chat/completions answers with a
chosen text, streamed as chat.completion.chunk events or whole. Tests play the attacker with it."""

from __future__ import annotations

import http.server
import json
import threading
from typing import Iterator


class _Handler(http.server.BaseHTTPRequestHandler):
    server: "StandIn"

    def log_message(self, *a):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        text = self.server.reply
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            for i in range(0, len(text), 7):
                self._event({"delta": {"content": text[i:i + 7]}, "finish_reason": None})
            self._event({"delta": {}, "finish_reason": "stop"})
            self.wfile.write(b"data: [DONE]\n\n")
            return
        out = {"id": "standin", "object": "chat.completion", "created": 0, "model": body.get("model", "m"),
               "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
               "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}
        data = json.dumps(out, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _event(self, choice: dict) -> None:
        chunk = {"id": "standin", "object": "chat.completion.chunk", "created": 0, "model": "m",
                 "choices": [{"index": 0, **choice}]}
        self.wfile.write(b"data: " + json.dumps(chunk, ensure_ascii=False).encode() + b"\n\n")
        self.wfile.flush()


class StandIn(http.server.ThreadingHTTPServer):
    """The server; set ``reply`` to what the 'model' says next."""

    reply = ""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


def serve() -> Iterator[StandIn]:
    """Start a stand-in on a free loopback port; stop it when the generator closes."""
    srv = StandIn(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
