"""Opening zip-based documents (.docx, .ofd) without trusting them.

A zip's directory says how large each member unpacks to, and :mod:`zipfile`
never returns more than that; so checking those sizes before anything is
unpacked stops a zip bomb (a small file that unpacks to gigabytes).
"""

from __future__ import annotations

import io
import zipfile

from rag.errors import IngestError

MAX_UNPACKED = 200 * 1024 * 1024  # all members together
MAX_RATIO = 200  # unpacked / packed, for any member over 1 MB (text XML packs about 10:1)
MAX_MEMBERS = 10_000


def open_zip(data: bytes, kind: str, fix: str) -> zipfile.ZipFile:
    """A checked :class:`zipfile.ZipFile`, or :class:`IngestError` saying why not."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise IngestError(f"not a valid {kind} file (not a zip archive, or damaged); {fix}") from None
    total = sum(i.file_size for i in infos)
    worst = max(((i.file_size / max(i.compress_size, 1), i) for i in infos if i.file_size > 1 << 20),
                default=(0.0, None), key=lambda t: t[0])
    if len(infos) > MAX_MEMBERS or total > MAX_UNPACKED or worst[0] > MAX_RATIO:
        raise IngestError(
            f"the {kind} file unpacks to {total / 1e6:,.0f} MB in {len(infos)} parts"
            + (f" ({worst[1].filename} grows {worst[0]:,.0f}×)" if worst[1] is not None and worst[0] > MAX_RATIO else "")
            + f"; refused as a possible zip bomb. {fix}")
    return z
