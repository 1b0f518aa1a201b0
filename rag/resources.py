"""Files the package ships beside its code: prompt templates and the model pin files.

They live at the top of the repository (``prompts/``, ``models/``) and are
installed as package data (``rag.templates``, ``rag.model_specs`` in
pyproject.toml), so a wheel install has them too. A source checkout that runs
without installing finds them at the repository root.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_REPO_ROOT = Path(__file__).resolve().parents[1]


def data_dir(package: str, repo_folder: str) -> Path:
    """The folder of ``package``'s data files, installed or in the checkout."""
    spec = importlib.util.find_spec(package) if _importable(package) else None
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return _REPO_ROOT / repo_folder


def _importable(package: str) -> bool:
    try:
        return importlib.util.find_spec(package) is not None
    except ModuleNotFoundError:
        return False


def prompts_dir() -> Path:
    """Where the prompt templates (``*.yaml``) are."""
    return data_dir("rag.templates", "prompts")


def model_specs_dir() -> Path:
    """Where the hash-pinned requirement files of the local models (``*.txt``) are."""
    return data_dir("rag.model_specs", "models")
