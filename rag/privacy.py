"""Nothing leaves the machine: every library's telemetry is off before it is imported.

Government documents stay local, and the tool is promised as offline. Several
libraries we load phone home by default: onnxruntime ≥ 1.29 on Linux sends
usage events to ``mobile.events.data.microsoft.com`` and keeps a device id and
an event database under ``~/.cache/Microsoft/DeveloperTools/.onnxruntime/``;
Chroma sends anonymised product telemetry; Gradio sends analytics; the
Hugging Face hub may look for updates. Each reads an environment variable when
it is imported (onnxruntime when it initialises), so :func:`no_telemetry` runs
at the top of ``rag/__init__.py``, before any of them.

``setdefault`` throughout: a user who sets a variable keeps their value.
``tests/test_egress.py`` proves the result under ``strace``.
"""

from __future__ import annotations

import os

OPT_OUTS: dict[str, str] = {
    # onnxruntime 1.32 reads ORT_DISABLE_TELEMETRY (a string in its
    # pybind module); ORT_TELEMETRY_DISABLED is the name onnxruntime PR #29843
    # gives it, set too so that an upgrade keeps it off
    "ORT_DISABLE_TELEMETRY": "1",
    "ORT_TELEMETRY_DISABLED": "1",
    # Chroma (posthog product telemetry)
    "ANONYMIZED_TELEMETRY": "False",
    "CHROMA_TELEMETRY": "False",
    # Gradio analytics (and the version check that goes with them)
    "GRADIO_ANALYTICS_ENABLED": "False",
    # Hugging Face hub and libraries built on it: no downloads, no telemetry
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_UPDATE_CHECK": "1",
    "TRANSFORMERS_OFFLINE": "1",
    # LangChain's tracing service: never, unless the user asks for it
    "LANGCHAIN_TRACING_V2": "false",
    "LANGSMITH_TRACING": "false",
    # OpenTelemetry exporters (Chroma can configure one)
    "OTEL_SDK_DISABLED": "true",
    # the cross-tool convention (https://donottrack.sh), read by HF among others
    "DO_NOT_TRACK": "1",
}


def no_telemetry(environ: "os._Environ[str] | dict[str, str] | None" = None) -> dict[str, str]:
    """Set every opt-out that is not already set; return the ones this call set."""
    env = os.environ if environ is None else environ
    added = {}
    for name, value in OPT_OUTS.items():
        if name not in env:
            env[name] = value
            added[name] = value
    return added
