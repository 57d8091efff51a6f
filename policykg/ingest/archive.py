"""Guard for ZIP-based files (XLSX, DOCX): refuse a file whose members would expand past the limits.

:func:`check_zip` reads the ZIP directory (``ZipInfo.file_size`` / ``compress_size``) before any
member is decompressed and refuses a file with too many members (``POLICYKG_MAX_ZIP_MEMBERS``), a
member that expands more than ``POLICYKG_MAX_ZIP_RATIO`` times, or members that together expand past
``POLICYKG_MAX_ZIP_MB``. The declared sizes can lie, so each member is then inflated a chunk at a
time, keeping nothing, and refused if it expands past its declared size: what the reader then
inflates is at most what the limits allow.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from contextlib import nullcontext
from pathlib import Path
from typing import IO, Any

from policykg.errors import ParseError

__all__ = ["check_zip"]

_MB = 1024 * 1024
_CHUNK = 1 << 20


def check_zip(file: str | Path | IO[bytes], source: str, kind: str) -> None:
    """Refuse (:class:`ParseError`, ``reason="too large"``) a ZIP-based file over the limits;
    ``kind`` names the format in messages ("XLSX", "DOCX"). A file that is no ZIP at all passes: the
    format's reader reports that in its own words."""
    from policykg.settings import get_settings

    settings = get_settings()
    with open(file, "rb") if isinstance(file, (str, Path)) else nullcontext(file) as fp:
        try:
            infos = zipfile.ZipFile(fp).infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
            fp.seek(0)
            return
        _check_declared(infos, source, kind, settings)
        for info in infos:
            _check_actual(fp, info, source, kind)
        fp.seek(0)


def _refuse(source: str, kind: str, what: str, setting: str | None) -> ParseError:
    raise_it = f" (if it is genuine, raise {setting})" if setting else ""
    return ParseError(f"refused {source}: {what}; the {kind} is not read{raise_it}",
                      file=source, reason="too large", setting=setting)


def _check_declared(infos: list[zipfile.ZipInfo], source: str, kind: str, settings: Any) -> None:
    def refuse(what: str, setting: str) -> ParseError:
        return _refuse(source, kind, what, setting)

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


def _check_actual(fp: IO[bytes], info: zipfile.ZipInfo, source: str, kind: str) -> None:
    """Inflate the member a chunk at a time, keeping nothing, and refuse it if it expands past the size
    its directory entry declares: a reader that inflates a member in one call (python-docx does)
    would otherwise hold all of it at once before :mod:`zipfile` cuts it to the declared size."""
    if info.compress_type == zipfile.ZIP_STORED or info.file_size == 0 and info.compress_size == 0:
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise _refuse(source, kind, f"the member {info.filename!r} uses compression method {info.compress_type}, "
                      "which office files do not use", None)
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        return  # a broken package: the reader reports it
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    left, produced = info.compress_size, 0
    while left > 0 and not inflater.eof:
        data = fp.read(min(_CHUNK, left))
        if not data:
            return
        left -= len(data)
        while data and not inflater.eof:
            try:
                produced += len(inflater.decompress(data, _CHUNK))
            except zlib.error:
                return  # corrupt data: the reader reports it
            if produced > info.file_size:
                raise _refuse(source, kind, f"the member {info.filename!r} expands past the {info.file_size:,} "
                              "bytes its directory entry declares (a forged package)", None)
            data = inflater.unconsumed_tail
