"""统一社会信用代码 (GB 32100-2015): the real codes of the reference pass, every corruption fails."""

from __future__ import annotations

import pytest

from policykg.ingest import uscc
from policykg.ingest.synth import synthetic_uscc

REAL = ["91330000733796106P", "91330100716105852F"]  # 海康威视, 阿里巴巴(中国) (domain notes)


@pytest.mark.parametrize("code", REAL)
def test_real_codes_pass(code):
    assert uscc.is_valid(code)
    assert uscc.explain(code) is None
    assert uscc.check_character(code[:17]) == code[17]
    assert uscc.complete(code[:17]) == code
    assert uscc.parse(code) == code


@pytest.mark.parametrize("code", REAL)
def test_every_single_character_corruption_fails(code):
    tried = 0
    for pos in range(18):
        for ch in uscc.ALPHABET + "IOSVZ":
            if ch == code[pos]:
                continue
            bad = code[:pos] + ch + code[pos + 1:]
            assert not uscc.is_valid(bad), bad
            assert uscc.explain(bad) is not None
            with pytest.raises(ValueError):
                uscc.parse(bad)
            tried += 1
    assert tried == 18 * 35


def test_reasons_name_the_problem():
    assert "18 characters" in uscc.explain("91330000733796106")
    assert "'O' is not allowed" in uscc.explain("9133000073379610OP")
    reason = uscc.explain("91330000733796106Q")
    assert "check character is 'Q'" in reason and "gives 'P'" in reason


def test_pasted_forms_are_normalised():
    assert uscc.parse("91330000733796106p") == "91330000733796106P"
    assert uscc.parse(" 9133 0000 7337 9610 6P ") == "91330000733796106P"
    assert uscc.parse("９１３３００００７３３７９６１０６Ｐ") == "91330000733796106P"


def test_synthetic_codes_are_valid_and_unique():
    codes = [synthetic_uscc(i, 99) for i in range(5000)]
    assert len(set(codes)) == len(codes)
    assert all(uscc.is_valid(c) and c.startswith("91330108XY") for c in codes)
