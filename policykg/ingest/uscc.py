"""统一社会信用代码 (Unified Social Credit Code, GB 32100-2015): check, explain, make.

A code has 18 characters from ``0123456789ABCDEFGHJKLMNPQRTUWXY`` (31 characters: no I, O, S, V,
Z). The 18th is a check character over the first 17: with the weights below, ``check =
ALPHABET[(31 - sum(index * weight) % 31) % 31]``.

>>> is_valid("91330000733796106P")
True
>>> check_character("91330000733796106")
'P'
"""

from __future__ import annotations

import unicodedata
from operator import mul

__all__ = ["ALPHABET", "WEIGHTS", "check_character", "complete", "explain", "is_valid", "normalise", "parse"]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_FULL_WIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)}
                            | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
                            | {chr(0xFF41 + i): chr(0x41 + i) for i in range(26)})


def check_character(first17: str) -> str:
    """The check character for the first 17 characters (which must be in the alphabet)."""
    total = 0
    for ch, w in zip(first17, WEIGHTS, strict=True):
        total += _INDEX[ch] * w
    return ALPHABET[(31 - total % 31) % 31]


def complete(first17: str) -> str:
    """The full 18-character code: ``first17`` plus its check character."""
    return first17 + check_character(first17)


def normalise(text: str) -> str:
    """Upper case, half-width, without surrounding or inner spaces (as codes are often pasted)."""
    s = text.translate(_FULL_WIDTH).upper()
    if " " in s or "\u3000" in s or "\t" in s:
        s = "".join(s.split())
    return s


def explain(code: str) -> str | None:
    """Why ``code`` (already normalised) is not a valid USCC, or None when it is."""
    if len(code) != 18:
        return f"统一社会信用代码 must have 18 characters, {code!r} has {len(code)}"
    for pos, ch in enumerate(code, 1):
        if ch not in _INDEX:
            hint = " (I, O, S, V and Z are never used)" if ch in "IOSVZ" else ""
            return f"统一社会信用代码 {code!r}: character {pos} {ch!r} is not allowed{hint}"
    want = check_character(code[:17])
    if code[17] != want:
        return f"统一社会信用代码 {code!r}: check character is {code[17]!r}, GB 32100-2015 gives {want!r}"
    return None


def is_valid(code: str) -> bool:
    """True when ``code`` is 18 characters of the alphabet with the right check character."""
    if len(code) != 18:
        return False
    try:
        total = sum(map(mul, map(_INDEX.__getitem__, code[:17]), WEIGHTS))
    except KeyError:
        return False
    return ALPHABET[(31 - total % 31) % 31] == code[17]


def parse(text: str) -> str:
    """The normalised code, or raise ValueError saying what is wrong with it."""
    code = text if is_valid(text) else normalise(unicodedata.normalize("NFKC", text))
    reason = explain(code)
    if reason:
        raise ValueError(reason)
    return code
