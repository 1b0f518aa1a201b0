"""Nothing leaves the machine: ingest, ask, brief and the page under strace.

Each command runs as users run it (``python -m rag.cli`` / ``python ui.py``)
in a subprocess traced by ``strace -f``, with HOME pointed at an empty temp
folder and every telemetry opt-out removed from the environment, so that only
the code's own settings keep the libraries quiet. The test fails on

- any ``connect``/``sendto``/``sendmsg`` to an address outside loopback
  (DNS queries included: they go to the resolver's address), and any name
  lookup through nscd;
- any file or folder created or opened for writing outside the data dir,
  the model dir and the temp dir (``~/.cache/Microsoft/...`` is what
  onnxruntime's telemetry writes).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS, SEED_IDS

STRACE = shutil.which("strace")
SYSCALLS = ("connect,sendto,sendmsg,sendmmsg,open,openat,creat,mkdir,mkdirat,"
            "rename,renameat,renameat2,link,linkat,symlink,symlinkat")
# what a user's shell may carry: removed, so that the code must opt out itself
OPT_OUTS = re.compile(r"^(?:ORT_|ANONYMIZED_TELEMETRY|CHROMA_|GRADIO_|HF_|TRANSFORMERS_|DO_NOT_TRACK|"
                      r"POSTHOG|XDG_|MPLCONFIGDIR|TIKTOKEN_|RAG_|PYTHONPYCACHEPREFIX)")


def _strace_works() -> str | None:
    """None when strace can trace here, else why not."""
    if STRACE is None:
        return "strace is not installed (scripts/test-deps.sh installs it)"
    r = subprocess.run([STRACE, "-f", "-qq", "-e", "trace=connect", "-o", "/dev/null", "true"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        return f"strace cannot trace here: {r.stderr.strip()[:200]}"
    return None


_why = _strace_works()
if _why:
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must run the egress test: {_why}")
    pytest.skip(_why, allow_module_level=True)


class Sandbox:
    """Empty HOME, data, model and temp dirs; an environment without opt-outs."""

    def __init__(self, root: Path):
        self.root = root
        self.home, self.data, self.models, self.tmp, self.cwd, self.docs, self.traces = (
            root / n for n in ("home", "data", "models", "tmp", "cwd", "docs", "traces"))
        for d in (self.home, self.models, self.tmp, self.cwd, self.docs, self.traces):
            d.mkdir(parents=True)
        self.env = {k: v for k, v in os.environ.items() if not OPT_OUTS.match(k)}
        self.env.update(HOME=str(self.home), TMPDIR=str(self.tmp), RAG_DATA_DIR=str(self.data),
                        RAG_MODEL_DIR=str(self.models), PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1",
                        PYTHONUNBUFFERED="1")
        self.allowed = [str(p) for p in (self.data, self.models, self.tmp)] + ["/dev/"]
        self.n = 0

    def command(self, name: str, argv: list[str]) -> tuple[list[str], Path]:
        self.n += 1
        trace = self.traces / f"{self.n}-{name}.trace"
        return [STRACE, "-f", "-qq", "-y", "-s", "512", "-e", f"trace={SYSCALLS}", "-o", str(trace), *argv], trace

    def run(self, name: str, *args: str, timeout: float = 600) -> Path:
        cmd, trace = self.command(name, [sys.executable, "-m", "rag.cli", *args])
        r = subprocess.run(cmd, cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=timeout)
        assert r.returncode == 0, f"rag {' '.join(args)} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
        return trace


_ADDR4 = re.compile(r'sin_addr=inet_addr\("([\d.]+)"\)')
_ADDR6 = re.compile(r'inet_pton\(AF_INET6, "([0-9a-fA-F:.]+)"')
_PATH_CALL = re.compile(r'^\d+\s+(open|openat|creat|mkdir|mkdirat|rename|renameat2?|link|linkat|symlink|symlinkat)\((.*)\)\s+=\s+(-?\d+)')
_STR = re.compile(r'"((?:[^"\\]|\\.)*)"')
_DIRFD = re.compile(r'^\d+<([^>]*)>, ')  # strace -y: openat(5</some/dir>, "name", ...)


def _loopback(addr: str) -> bool:
    return addr.startswith("127.") or addr in ("::1", "::") or addr.startswith("::ffff:127.") or addr == "0.0.0.0"


def network_events(trace: Path) -> list[str]:
    """Connects and sends to non-loopback addresses, and name-service lookups."""
    bad = []
    for line in trace.read_text(errors="replace").splitlines():
        if not re.search(r"\b(connect|sendto|sendmsg|sendmmsg)\(", line):
            continue
        if "/var/run/nscd/socket" in line or "/run/nscd/socket" in line:
            bad.append(line)  # a host-name lookup (DNS by another road)
            continue
        for addr in _ADDR4.findall(line) + _ADDR6.findall(line):
            if not _loopback(addr):
                bad.append(line)
        if "sin_port=htons(53)" in line and line not in bad:
            bad.append(line)
    return bad


def written_paths(trace: Path, cwd: Path) -> list[str]:
    """Paths successfully created or opened for writing (the target of a rename or link)."""
    out = []
    for line in trace.read_text(errors="replace").splitlines():
        m = _PATH_CALL.match(line)
        if not m or int(m.group(3)) < 0:
            continue
        call, args = m.group(1), m.group(2)
        paths = _STR.findall(args)
        if not paths:
            continue
        if call in ("open", "openat"):
            if not re.search(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND", args):
                continue
            path = paths[0]
        elif call in ("creat", "mkdir", "mkdirat"):
            path = paths[0]
        else:  # rename/link: what is created is the last path
            path = paths[-1]
        if not path.startswith("/"):
            # relative to a directory fd (shown by -y) or to the working directory
            base = _DIRFD.match(args) if call.endswith("at") and call != "creat" else None
            path = str(Path(base.group(1)) / path) if base else str(cwd / path)
        out.append(path)
    return out


def outside(paths: list[str], allowed: list[str]) -> list[str]:
    return sorted({p for p in paths if not any(p == a or p.startswith(a.rstrip("/") + "/") or p.startswith(a)
                                              for a in allowed)})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_page(box: Sandbox) -> Path:
    """Start ``python ui.py`` under strace, load the page and its config, stop it."""
    port = _free_port()
    env = {**box.env, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1", "RAG_LLM": "extractive"}
    cmd, trace = box.command("page", [sys.executable, str(ROOT / "ui.py")])
    log = open(box.traces / "page.log", "w")
    proc = subprocess.Popen(cmd, cwd=box.cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 240
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise AssertionError(f"ui.py did not serve: {(box.traces / 'page.log').read_text()[-2000:]}")
                time.sleep(0.5)
        for path in ("config", "gradio_api/info"):
            try:
                urllib.request.urlopen(url + path, timeout=30).read()
            except OSError:
                pass
        time.sleep(3)  # let background threads (telemetry, update checks) have their go
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        log.close()
    return trace


@pytest.mark.slow
def test_ingest_ask_brief_and_page_send_nothing_and_write_only_where_allowed(tmp_path):
    box = Sandbox(tmp_path / "box")
    shutil.copy(SEEDS / SEED_IDS["gangkou"], box.docs)
    traces = [
        box.run("ingest", "ingest", str(box.docs)),
        box.run("ask", "ask", "港口镇的镇长是谁？", "--llm", "extractive"),
        box.run("brief", "brief", "--place", "港口镇", "--llm", "extractive"),
        box.run("ask-again", "ask", "港口镇人代会有多少名代表出席？", "--llm", "extractive"),
        start_page(box),
    ]
    net = {t.name: network_events(t) for t in traces}
    writes = {t.name: outside(written_paths(t, box.cwd), box.allowed) for t in traces}
    left_in_home = sorted(str(p.relative_to(box.home)) for p in box.home.rglob("*"))
    left_in_cwd = sorted(str(p.relative_to(box.cwd)) for p in box.cwd.rglob("*"))
    assert not any(net.values()), {k: v[:5] for k, v in net.items() if v}
    assert not any(writes.values()), {k: v[:10] for k, v in writes.items() if v}
    assert not left_in_home, left_in_home
    assert not left_in_cwd, left_in_cwd


def test_the_checks_can_fail(tmp_path):
    """The parsers see a DNS query, a remote connect and a write to HOME."""
    t = tmp_path / "t.trace"
    t.write_text(
        '1 connect(5, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 0\n'
        '1 connect(5, {sa_family=AF_INET, sin_port=htons(7860), sin_addr=inet_addr("127.0.0.1")}, 16) = 0\n'
        '1 connect(3, {sa_family=AF_INET6, sin6_port=htons(443), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr)}, 28) = 0\n'
        '1 openat(AT_FDCWD, "/h/.cache/Microsoft/x.db", O_RDWR|O_CREAT|O_CLOEXEC, 0644) = 7\n'
        '1 openat(AT_FDCWD, "/d/data/x", O_WRONLY|O_CREAT, 0644) = 8\n'
        '1 openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 9\n'
        '1 mkdir("/h/.cache", 0777) = 0\n'
        '1 openat(7</h/.cache/Microsoft>, "deviceid", O_WRONLY|O_CREAT, 0600) = 8\n'
        '1 mkdir("/h/.nope", 0777) = -1 EEXIST (File exists)\n')
    assert len(network_events(t)) == 2
    assert outside(written_paths(t, tmp_path), ["/d/data", "/dev/"]) == [
        "/h/.cache", "/h/.cache/Microsoft/deviceid", "/h/.cache/Microsoft/x.db"]


def test_importing_rag_turns_telemetry_off_and_keeps_what_the_user_set(tmp_path):
    env = {k: v for k, v in os.environ.items() if not OPT_OUTS.match(k) and k != "DO_NOT_TRACK"}
    env.update(PYTHONPATH=str(ROOT), GRADIO_ANALYTICS_ENABLED="True")
    code = ("import os, rag, onnxruntime; print(os.environ['ORT_DISABLE_TELEMETRY'], "
            "os.environ['ANONYMIZED_TELEMETRY'], os.environ['GRADIO_ANALYTICS_ENABLED'], os.environ['DO_NOT_TRACK'])")
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["1", "False", "True", "1"]
