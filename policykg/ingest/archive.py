"""Guard for ZIP-based files (XLSX, DOCX): refuse a file whose members would expand past the limits.

:func:`check_zip` reads the ZIP directory (``ZipInfo.file_size`` / ``compress_size``) before any
member is decompressed and refuses a file with too many members (``POLICYKG_MAX_ZIP_MEMBERS``), a
member that expands more than ``POLICYKG_MAX_ZIP_RATIO`` times, or members that together expand past
``POLICYKG_MAX_ZIP_MB``. The declared sizes bound what is actually read: :mod:`zipfile`, which openpyxl
and python-docx read through, stops decompressing a member at its declared ``file_size`` (a member
whose data runs past it fails its CRC check), so a directory that understates a member cannot make
a reader inflate more than the limits allow.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO

from policykg.errors import ParseError

__all__ = ["check_zip"]

_MB = 1024 * 1024


def check_zip(file: str | Path | IO[bytes], source: str, kind: str) -> None:
    """Refuse (:class:`ParseError`, ``reason="too large"``) a ZIP-based file over the limits;
    ``kind`` names the format in messages ("XLSX", "DOCX"). A file that is no ZIP at all passes: the
    format's reader reports that in its own words."""
    from policykg.settings import get_settings

    settings = get_settings()
    try:
        with zipfile.ZipFile(file) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        return
    finally:
        if hasattr(file, "seek"):
            file.seek(0)

    def refuse(what: str, setting: str) -> ParseError:
        return ParseError(f"refused {source}: {what}; the {kind} is not read (if it is genuine, raise {setting})",
                          file=source, reason="too large", setting=setting)

    if len(infos) > settings.max_zip_members:
        raise refuse(f"the {kind} package has {len(infos):,} members, over the limit of "
                     f"{settings.max_zip_members:,}", "POLICYKG_MAX_ZIP_MEMBERS")
    limit = int(settings.max_zip_mb * _MB)
    total = 0
    for info in infos:
        size, packed = info.file_size, info.compress_size
        if size > settings.max_zip_ratio * max(packed, 1):
            raise refuse(f"the member {info.filename!r} expands from {packed:,} to {size:,} bytes (ratio "
                         f"{size / max(packed, 1):,.0f}, over the limit of {settings.max_zip_ratio:g})",
                         "POLICYKG_MAX_ZIP_RATIO")
        total += size
        if total > limit:
            raise refuse(f"its members expand to more than {settings.max_zip_mb:g} MB (the member "
                         f"{info.filename!r} brings the total to {total:,} bytes)", "POLICYKG_MAX_ZIP_MB")
