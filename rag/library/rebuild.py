"""``rag rebuild``: make the store whole again from what survives.

- The registry reads: every document is re-indexed from the raw text the
  registry holds (vectors lost, or a collection to refill).
- The registry cannot be read: it is renamed aside (kept for salvage), a new
  one is started, and every document is re-ingested from the file its
  vectors name (chunk 0 of each document records it), under the same id.
- Folders given: ingested afterwards like ``rag ingest``.

Documents whose file is gone are listed as lost, with the reason; their
vectors stay until the next ingest collects them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from rag.config import Settings
from rag.errors import RagError
from rag.index import registry
from rag.index.store import RegistryError, Store, write_lock
from rag.ingest.load import LoadedFile, is_html
from rag.library.pipeline import IngestReport, PhaseTimer, ingest_file, ingest_loaded, ingest_paths


@dataclass
class RebuildReport:
    source: str = ""  # registry | vectors
    moved_aside: str | None = None  # where the unreadable registry was kept
    rebuilt: list[str] = field(default_factory=list)
    lost: list[tuple[str, str]] = field(default_factory=list)  # (doc, reason)
    notes: list[str] = field(default_factory=list)
    folders: IngestReport | None = None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["lost"] = [{"doc": doc, "reason": r} for doc, r in self.lost]
        d["folders"] = self.folders.as_dict() if self.folders else None
        return d


def rebuild(settings: Settings, folders: list[Path] | None = None,
            progress: Callable[[int, int, str], None] | None = None, wait: bool = False) -> RebuildReport:
    """Rebuild the data dir's store; see the module docstring."""
    report = RebuildReport()
    with write_lock(settings, wait):
        try:
            store = Store(settings)
        except RegistryError:
            report.moved_aside = str(registry.move_aside(settings.db_path) or "") or None
            store = Store(settings, new_registry=True)
            report.source = "vectors"
            _from_vectors(store, report, progress)
        else:
            report.source = "registry"
            _from_registry(store, report, progress)
        if folders:
            report.folders = ingest_paths(store, folders, progress)
        store.close()
    return report


def _from_registry(store: Store, report: RebuildReport, progress) -> None:
    docs = store.list_docs()
    timer = PhaseTimer()
    for i, info in enumerate(docs):
        if progress:
            progress(i, len(docs), info.doc)
        d = store.get_doc(info.doc)  # one document's texts at a time
        html = d.meta.get("format") == "html" if d.meta.get("format") else is_html(Path(d.doc), d.raw)
        loaded = LoadedFile(d.doc, d.raw, d.encoding or "utf-8", html, len(d.raw.encode()))
        try:
            ingest_loaded(store, loaded, d.source_path, timer, force=True, layout=store.layout(d.doc))
        except RagError as e:
            report.lost.append((d.doc, str(e)))
            continue
        report.rebuilt.append(d.doc)


def _from_vectors(store: Store, report: RebuildReport, progress) -> None:
    sources = store.vector_sources()
    if not sources:
        report.notes.append("the vectors name no files (none stored, or ingested before `rag rebuild` existed); "
                            "give the documents' folder: `rag rebuild FOLDER`")
    timer = PhaseTimer()
    for i, (doc, source) in enumerate(sorted(sources.items())):
        if progress:
            progress(i, len(sources), doc)
        path = Path(source)
        if not path.is_file():
            report.lost.append((doc, f"its file {source} is gone; give its folder: `rag rebuild FOLDER`"))
            continue
        try:
            ingest_file(store, path, timer, doc_id=doc)
        except RagError as e:
            report.lost.append((doc, f"{source}: {e}"))
            continue
        report.rebuilt.append(doc)
