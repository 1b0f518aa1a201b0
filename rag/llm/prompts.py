"""Prompt templates from ``prompts/*.yaml``: id, version, variables, and a hash.

The hash (sha256 of the file's canonical content) is logged with every answer
and written into eval reports, so a number can be traced to the exact prompt.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from typing import TYPE_CHECKING

import yaml

from rag.errors import ConfigError

from rag.resources import prompts_dir

if TYPE_CHECKING:
    from langchain_core.prompts import ChatPromptTemplate

PROMPTS_DIR = prompts_dir()


@dataclass(frozen=True)
class PromptSpec:
    id: str
    version: int
    system: str
    user: str
    variables: tuple[str, ...]
    sha256: str

    @property
    def fingerprint(self) -> str:
        return f"{self.id}@v{self.version}#{self.sha256[:12]}"

    def template(self) -> "ChatPromptTemplate":
        # imported here: langchain's prompt module costs a cold `rag ask` 1–3 s, and a typed answer uses no prompt
        from langchain_core.prompts import ChatPromptTemplate

        return ChatPromptTemplate.from_messages([("system", self.system), ("human", self.user)])


@lru_cache(maxsize=None)
def load_prompt(prompt_id: str, directory: Path = PROMPTS_DIR) -> PromptSpec:
    path = directory / f"{prompt_id}.yaml"
    if not path.exists():
        raise ConfigError(f"prompt file {path} is missing; restore it from the repository")
    data = yaml.safe_load(path.read_text("utf-8"))
    missing = {"id", "version", "system", "user"} - set(data)
    if missing:
        raise ConfigError(f"prompt file {path} lacks {sorted(missing)}")
    canonical = json.dumps({k: data[k] for k in ("id", "version", "system", "user")}, ensure_ascii=False, sort_keys=True)
    return PromptSpec(data["id"], int(data["version"]), data["system"], data["user"],
                      tuple(data.get("variables", [])), hashlib.sha256(canonical.encode()).hexdigest())
