"""Bytes to text: ``decode`` turns a file's bytes into ``str`` (UTF-8 with or without BOM, UTF-16 with
BOM, else GB18030, which covers GBK and GB2312) and rejects what is not text. Re-exported by
:mod:`policykg.ingest.text`.
"""

from __future__ import annotations

import unicodedata

from policykg.errors import ParseError

__all__ = ["decode"]


_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}

# Formats a caller may hand us by mistake (e.g. a PDF saved as .txt); named in the error.
_MAGIC = [
    (b"%PDF-", "a PDF file"),
    (b"PK\x03\x04", "a ZIP container (e.g. .docx/.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE container (e.g. .doc/.xls)"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF file"),
]

# Control bytes that do occur in text files (tab, LF, VT, FF, CR).
_TEXT_CONTROLS = frozenset(b"\t\n\v\f\r")
_CONTROL_RATIO = 0.10  # more than this share of control characters: not text


def decode(data: bytes, source: str) -> str:
    """Decode a text file's bytes.

    UTF-8 (a leading BOM is dropped), UTF-16 when it starts with a BOM, otherwise GB18030 (a
    superset of GBK and GB2312). Raises :class:`policykg.errors.ParseError` with ``reason``
    ``"empty input"``, ``"binary input"`` or ``"undecodable text"``.
    """
    if not data or not data.strip(b" \t\r\n\v\f"):
        raise ParseError("empty input (the file has no text)", file=source, reason="empty input")
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise ParseError(f"binary input, looks like {what}, not a text file",
                             file=source, reason="binary input")

    for bom, codec in _UTF16_BOMS.items():
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise ParseError("undecodable text: starts with a UTF-16 BOM but is not valid "
                                 f"UTF-16 (byte {exc.start + len(bom)})", file=source, reason="undecodable text") from None
            return _check_text(text, source)

    if b"\x00" in data:
        raise ParseError("binary input (contains NUL bytes), not a text file",
                         file=source, reason="binary input")
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 0x20 and b not in _TEXT_CONTROLS) + sample.count(0x7F)
    if controls > _CONTROL_RATIO * len(sample):
        raise ParseError(f"binary input ({controls} of {len(sample)} bytes are control codes), "
                         "not a text file", file=source, reason="binary input")

    if data.startswith(_UTF8_BOM):
        try:
            return _check_text(data[len(_UTF8_BOM):].decode("utf-8"), source)
        except UnicodeDecodeError as exc:
            raise ParseError("undecodable text: starts with a UTF-8 BOM but is not valid UTF-8 "
                             f"(byte {exc.start + 3})", file=source, reason="undecodable text") from None
    try:
        return _check_text(data.decode("utf-8"), source)
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ParseError("undecodable text: neither UTF-8 nor GB18030/GBK "
                         f"(invalid byte 0x{data[exc.start]:02x} at offset {exc.start})",
                         file=source, reason="undecodable text") from None
    if not _plausible_gb(text):
        raise ParseError("undecodable text: neither UTF-8 nor GB18030/GBK "
                         "(decodes as GB18030 only to improbable characters)", file=source, reason="undecodable text")
    return _check_text(text, source)


def _check_text(text: str, source: str) -> str:
    if not text.strip():
        raise ParseError("empty input (only whitespace)", file=source, reason="empty input")
    if "\x00" in text:
        raise ParseError("binary input (contains NUL characters), not a text file",
                         file=source, reason="binary input")
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\v\f\r\x85")
    if controls > _CONTROL_RATIO * len(text):
        raise ParseError(f"binary input ({controls} of {len(text)} characters are control codes), "
                         "not a text file", file=source, reason="binary input")
    return text


def _plausible_gb(text: str) -> bool:
    """GB18030 decodes many byte strings; real GBK-era text rarely needs its four-byte codes."""
    non_ascii = [ch for ch in text if ord(ch) > 0x7F]
    if not non_ascii:
        return True
    four_byte = 0
    for ch in non_ascii:
        try:
            ch.encode("gbk")
        except UnicodeEncodeError:
            four_byte += 1
    return four_byte <= 0.05 * len(non_ascii)
