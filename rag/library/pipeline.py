"""Ingestion: files → clean text → metadata → facts → chunks → vectors.

Each file is handled on its own: a bad file gets a one-line reason and the rest
of the batch goes on; nothing of a failed file is written. Unchanged files
(same bytes, same pipeline) are skipped without embedding work.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterator

from rag.ingest.chunking import chunk_text
from rag.ingest.clean import clean
from rag.errors import BackendError, IngestError, RagError
from rag.extract.confidence import flag_low_confidence
from rag.extract.facts import extract_facts
from rag.ingest.formats.sandbox import ReadBudget
from rag.ingest.load import FORMAT_SUFFIXES, SUPPORTED_SUFFIXES, LoadedFile, load_file
from rag.extract.meta import extract_meta
from rag.index.pageview import keep_original
from rag.index.store import Store
from rag.index.rows import ChunkRow, DocRow, now

# Bump when cleaning, metadata, facts or chunking change what is stored, so
# that re-ingest refreshes documents whose bytes did not change.
_log = logging.getLogger(__name__)

PIPELINE_VERSION = "3"  # 2: meta.format persisted (how the raw text is cleaned); 千/万 numerals; 3: the outline (issue 28)


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    skipped: list[str] = field(default_factory=list)  # not documents (in walked folders)
    chunks: int = 0
    embedded_tokens: int = 0
    seconds: float = 0.0
    # where the time went: read, clean, analyse (metadata + facts), chunk,
    # embed, store (Chroma + registry)
    phase_seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["failed"] = [{"path": p, "reason": r} for p, r in self.failed]
        return d


def collect_files(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]], list[str]]:
    """Expand folders; return (files, errors, skipped). Named files are kept as given."""
    files, errors, skipped = collect_documents(paths)
    return [f for f, _ in files], errors, skipped


def collect_documents(paths: list[Path]) -> tuple[list[tuple[Path, str]], list[tuple[str, str]], list[str]]:
    """Expand folders; return ((file, document id) pairs, errors, skipped).

    A document's id is its path inside the folder given (``a/report.txt``), so
    files at the top of that folder keep their file name as id (EVAL_FORMAT.md);
    a file named on the command line has its file name as id. Two different
    files with one id in a batch: the second is refused, never merged.

    A file named on the command line is taken as given, even when it is a
    link. Inside a folder, a link is followed only when its target stays in
    that folder: ``folder/x.txt -> /etc/passwd`` is reported, not read.
    """
    found: list[tuple[Path, str, bool]] = []  # (path, id, is a link)
    errors: list[tuple[str, str]] = []
    skipped: list[str] = []
    for p in paths:
        if p.is_dir():
            _walk(p, found, errors, skipped)
        elif p.exists() or p.is_symlink():
            found.append((p, p.name, False))
        else:
            errors.append((str(p), "no such file or folder; check the path"))
    # a link inside the tree to a file that is ingested anyway is an alias, not a document
    real = {_resolved(f) for f, _, link in found if not link}
    unique: list[tuple[Path, str]] = []
    seen: dict[str, Path] = {}
    for f, doc, link in found:
        if link and _resolved(f) in real:
            skipped.append(str(f))
            continue
        if doc in seen:
            if _resolved(seen[doc]) != _resolved(f):
                errors.append((str(f), f"another file with the document id '{doc}' is in this batch ({seen[doc]}); "
                                       "ids are paths inside the folder given: rename one, or ingest their common "
                                       "parent folder"))
            continue
        seen[doc] = f
        unique.append((f, doc))
    return unique, errors, skipped


def _walk(root: Path, found: list[tuple[Path, str, bool]], errors: list[tuple[str, str]], skipped: list[str]) -> None:
    """Files under ``root`` (hidden ones left out); links checked against the tree."""
    top = root.resolve()
    mine: list[tuple[Path, str, bool]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for d in list(dirnames):
            if (here / d).is_symlink():
                dirnames.remove(d)  # never descend through a link: no loops, no escapes
                target = (here / d).resolve()
                if not target.is_relative_to(top):
                    errors.append((str(here / d), f"a link to the folder {target}, outside {root}; not followed "
                                                  "(give that folder itself to ingest it)"))
                else:
                    skipped.append(str(here / d))  # its files are walked where they really are
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            f = here / name
            link = f.is_symlink()
            if link:
                target = f.resolve()
                if not target.exists():
                    errors.append((str(f), f"a broken link (to {target}); fix or remove it"))
                    continue
                if not target.is_relative_to(top):
                    errors.append((str(f), f"a link to {target}, outside {root}; not followed "
                                           "(name that file on the command line to ingest it)"))
                    continue
            if not (f.is_file() and f.suffix and f.suffix.lower() in SUPPORTED_SUFFIXES):
                skipped.append(str(f))  # not a document (or a fifo, socket, device)
                continue
            mine.append((f, f.relative_to(root).as_posix(), link))
    found.extend(sorted(mine, key=lambda x: x[0].relative_to(root).parts))  # the order of a sorted recursive listing


def _resolved(p: Path) -> Path:
    try:
        return p.resolve()
    except OSError:
        return p


def document_version(data_sha: str, store: Store) -> str:
    s = store.settings
    key = f"{data_sha}|{PIPELINE_VERSION}|{s.chunk_tokens}|{s.chunk_overlap_tokens}|{store.model_id}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def ingest_paths(
    store: Store,
    paths: list[Path],
    progress: Callable[[int, int, str], None] | None = None,
    pages: Callable[[str, int, int], None] | None = None,
) -> IngestReport:
    """Ingest files and folders into ``store``; see the module docstring.

    ``progress(done, total, doc)`` per file; ``pages(doc, done, total)`` per page of a PDF, scan or OFD
    file while it is read (a 300-page scan takes minutes).
    """
    t0 = time.perf_counter()
    report = IngestReport()
    files, errors, skipped = collect_documents(paths)
    report.failed.extend(errors)
    report.skipped.extend(skipped)
    timer = PhaseTimer()
    with timer("store"):
        store.collect_garbage()  # vectors left by an interrupted earlier run
        store.prune_originals()  # kept PDFs of documents since removed (an older version kept them)
    for i, (path, doc) in enumerate(files):
        if progress:
            progress(i, len(files), doc)
        try:
            status, n_chunks, n_tokens = ingest_file(store, path, timer, doc_id=doc, pages=pages)
        except BackendError:
            raise  # the vector store or embeddings endpoint is down: no use trying the next file
        except RagError as e:
            report.failed.append((str(path), one_line(str(e))))
            _log.warning("ingest: %s failed: %s", path, report.failed[-1][1])
            continue
        except Exception as e:  # noqa: BLE001 — the per-file boundary: a reader's bug fails its file alone
            report.failed.append((str(path), failure_reason(e)))
            _log.warning("ingest: %s failed: %s", path, report.failed[-1][1], exc_info=True)
            continue
        getattr(report, status).append(doc)
        report.chunks += n_chunks
        report.embedded_tokens += n_tokens
    if progress:
        progress(len(files), len(files), "")
    report.seconds = time.perf_counter() - t0
    report.phase_seconds = {k: round(v, 3) for k, v in timer.seconds.items()}
    return report


def failure_reason(e: BaseException) -> str:
    """One line for an unexpected exception raised while reading one file (the report and the log)."""
    if isinstance(e, MemoryError):
        return "reading it needed more memory than one file may use; split the file or save it again"
    if isinstance(e, RecursionError):
        return "the file nests too deeply to read; save it again from its application"
    return one_line(f"could not be read ({type(e).__name__}: {e}); save it again or convert it to PDF")


def one_line(text: str, limit: int = 400) -> str:
    """``text`` on one line, at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


class PhaseTimer:
    """Adds up wall time per named phase: ``with timer("embed"): ...``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] += time.perf_counter() - t


def ingest_file(store: Store, path: Path, timer: PhaseTimer | None = None, doc_id: str | None = None,
                pages: Callable[[str, int, int], None] | None = None) -> tuple[str, int, int]:
    """Ingest one file as ``doc_id`` (default: its name); return (added|updated|unchanged, chunks, embedded tokens)."""
    timer = timer or PhaseTimer()
    name = doc_id or path.name
    with timer("read"):
        if path.suffix.lower() in FORMAT_SUFFIXES and _unchanged_file(store, path, name):
            return "unchanged", 0, 0  # a PDF, scan, Word or OFD file: known before extracting (OCR) it again
        s = store.settings
        loaded = load_file(path, s.max_file_bytes, s.max_pages, s.max_ocr_pages,
                           (lambda done, total: pages(name, done, total)) if pages else None,
                           budget=ReadBudget.of(s), max_document_bytes=s.max_document_bytes)
    if doc_id:
        loaded = replace(loaded, doc_id=doc_id)
    result = ingest_loaded(store, loaded, str(path.absolute()), timer)
    # a PDF's pages are shown with citations: keep the file (uploads' copies go) — the bytes the stored
    # version was read from; a file whose text did not change leaves the stored version and its copy as they are
    if loaded.source is not None and (store.layout(loaded.doc_id) or {}).get("file_sha256") == loaded.source.file_sha256:
        keep_original(store, path, loaded.source.format, loaded.source.file_sha256)
    return result


def ingest_loaded(store: Store, loaded: LoadedFile, source: str | None, timer: PhaseTimer | None = None,
                  force: bool = False, layout: dict | None = None) -> tuple[str, int, int]:
    """Ingest decoded text read from ``source``; ``force`` re-indexes an unchanged document.

    ``layout``: the stored page map of an extracted document re-indexed from the registry
    (``rag rebuild``), which has no extraction of its own to take it from.
    """
    timer = timer or PhaseTimer()
    with timer("read"):
        data_sha = hashlib.sha256(loaded.raw.encode("utf-8")).hexdigest()
        version = document_version(data_sha, store)
        state = store.doc_state(loaded.doc_id)
    previous = state[:2] if state else None
    if state and source and state[1] != data_sha and not same_source(state[2], Path(source)):
        raise IngestError(f"a different document '{loaded.doc_id}' is already stored (from {state[2]}); it is not "
                          f"replaced by a file from another place: remove it first (`rag rm {loaded.doc_id}`) "
                          "or rename this file")
    if previous and previous[0] == version and not force:
        return "unchanged", 0, 0

    with timer("clean"):
        cleaned = clean(loaded.raw, loaded.is_html)
    if not cleaned.text.strip():
        raise IngestError("no content left after removing navigation, spam and footers; is this a document page?")
    with timer("analyse"):
        meta = extract_meta(cleaned)
        meta.format = "html" if loaded.is_html else "text"
        layout = loaded.source.layout() if loaded.source else layout
        facts = flag_low_confidence(extract_facts(cleaned, meta, loaded.doc_id), layout)
    with timer("chunk"):
        chunks = chunk_text(loaded.doc_id, cleaned.mapped, store.settings.chunk_tokens,
                            store.settings.chunk_overlap_tokens)
        rows = [
            ChunkRow(f"{loaded.doc_id}::{version}::{c.index}", loaded.doc_id, version, c.index, c.text,
                     c.start, c.end, c.heading, c.n_tokens)
            for c in chunks
        ]
        embed_texts = [embedding_text(meta.as_dict(), r.heading, r.text) for r in rows]
    with timer("embed"):
        vectors = store.embeddings.embed_documents(embed_texts) if rows else []
    vmeta = [
        {"doc": r.doc, "version": version, "idx": r.idx, "start": r.start, "end": r.end,
         "place": meta.place or "", "doc_type": meta.doc_type, "year": meta.year or 0}
        for r in rows
    ]
    if vmeta and source:
        vmeta[0]["source"] = source  # one per document: what `rag rebuild` re-reads when the registry is lost
    with timer("store"):
        # 1) new vectors, 2) registry swap (atomic), 3) old vectors out
        old_ids = store.chunk_ids(loaded.doc_id)
        store.add_vectors([r.id for r in rows], vectors, vmeta)
        store.commit_document(
            DocRow(
                doc=loaded.doc_id, version=version, sha256=data_sha, source_path=source,
                encoding=loaded.encoding, raw=loaded.raw, text=cleaned.text, meta=meta.as_dict(),
                audit=[asdict(a) for a in cleaned.audit], masks=[asdict(m) for m in cleaned.masks],
                facts=facts, n_chunks=len(rows), ingested_at=now(),
                layout=layout,
            ),
            rows,
        )
        # by id, not by a metadata filter: a filter scans the whole collection
        # (45 ms per document at 40k vectors); strays of a crash are left to
        # collect_garbage
        new_ids = {r.id for r in rows}
        store.delete_vector_ids([i for i in old_ids if i not in new_ids])  # a forced re-index keeps its ids
    return ("updated" if previous else "added"), len(rows), sum(r.n_tokens for r in rows)


def same_source(stored: str | None, path: Path) -> bool:
    """Whether a stored source path names ``path`` (the same file, maybe changed since).

    Registries written before paths were stored absolute hold the path as
    typed; those match when ``path`` ends with it.
    """
    if not stored:
        return True
    old = Path(stored)
    if old.is_absolute():
        return old == path.absolute() or _resolved(old) == _resolved(path)
    parts = [x for x in old.parts if x not in (".", "..")]
    return list(path.absolute().parts[-len(parts):]) == parts if parts else True


def _unchanged_file(store: Store, path: Path, doc_id: str) -> bool:
    """True when the stored document ``doc_id`` came from these very bytes (its layout keeps
    their sha256) through the same pipeline and settings (its version says so)."""
    previous = store.doc_version(doc_id)
    if not previous or document_version(previous[1], store) != previous[0]:
        return False
    try:
        if path.stat().st_size > store.settings.max_document_bytes:
            return False
        file_sha = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return False  # load_file says why
    layout = store.layout(doc_id)
    return layout is not None and layout.get("file_sha256") == file_sha


def embedding_text(meta: dict, heading: str, text: str) -> str:
    """What we embed: a short context line (place, type, date, heading) + the chunk."""
    ctx = " ".join(x for x in (meta.get("place"), meta.get("doc_type"), meta.get("date"), heading) if x)
    return f"{ctx}\n{text}" if ctx else text


