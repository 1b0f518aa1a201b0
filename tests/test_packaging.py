"""A non-editable install has what the code reads: prompts and model pin files as package data."""

import subprocess
import sys
import tomllib
from pathlib import Path

from tests.conftest import ROOT


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["packages"])
    folders = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "rag").rglob("__init__.py")}
    assert folders <= listed, f"add to [tool.setuptools] packages: {sorted(folders - listed)}"


def test_wheel_install_ships_prompts_and_model_specs(tmp_path):
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels),
                    str(ROOT)], check=True, capture_output=True)
    wheel = next(wheels.glob("townbrief-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    probe = ("import rag, rag.llm.prompts as p, rag.llm.models as m;"
             "assert rag.__file__.startswith(%r), rag.__file__;"
             "print(p.load_prompt('qa').fingerprint); print(m.model_specs_dir())") % str(target)
    # run away from the checkout, with the installed copy first on the path
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env={"PYTHONPATH": str(target), "PATH": "/usr/bin"},
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("qa@v")
    assert Path(out.stdout.splitlines()[1], "qwen2.5-coder-1.5b.txt").is_file()


def test_the_lock_holds_every_dependency_of_what_it_installs():
    """run.sh installs requirements.lock with --no-deps: a package the lock forgets is simply absent in a
    fresh venv (mypy 2.4's ast-serialize was, and CI's mypy crashed on it). The one substitution on
    purpose: rapidocr declares the desktop opencv build, the lock has the headless one."""
    r = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    missing = [line for line in r.stdout.splitlines() if "not installed" in line and "opencv-python" not in line]
    assert not missing, missing
