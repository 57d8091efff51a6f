"""Inputs made to exhaust the machine: ZIP bombs (XLSX, DOCX), huge numbered text, deep HTML.

Each hostile file is made here, in tmp_path; the real command runs in a subprocess whose peak memory
(the process and its children, sampled with psutil) and wall time are measured against the bar of
issue 18: within a minute and 1 GB. Lower limits (settings) keep most cases quick; one case of each
kind is full size.
"""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import psutil
import pytest

from policykg.errors import ParseError
from policykg.ingest.parse import parse_bytes, parse_file
from policykg.ingest.policy import ingest_paths, seed_bytes
from policykg.ingest.readers import read_html

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "policykg" / "data" / "seeds" / "binjiang-2024-16.md"
GB = 1024 ** 3
MINUTE = 60.0


# --------------------------------------------------------------------------------------------
# Hostile files
# --------------------------------------------------------------------------------------------

def _inflate(base: bytes, path: Path, member: str, expanded: int, unit: bytes, before: bytes,
             zip64: bool = True) -> None:
    """Copy the package ``base`` to ``path``, with ``unit`` repeated to ``expanded`` bytes inside
    ``member`` just before ``before``, deflated at level 9 (streamed: the bomb is never in memory)."""
    src = zipfile.ZipFile(io.BytesIO(base))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != member:
                z.writestr(info.filename, data)
                continue
            cut = data.index(before)
            with z.open(member, "w", force_zip64=zip64) as f:
                f.write(data[:cut])
                chunk = unit * max(1, (1 << 20) // len(unit))
                written = 0
                while written < expanded:
                    f.write(chunk)
                    written += len(chunk)
                f.write(data[cut:])


def xlsx_bomb(path: Path, expanded: int, zip64: bool = True) -> Path:
    """A valid enterprises workbook whose sheet XML is one row repeated to ``expanded`` bytes."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "enterprises"
    ws.append(["统一社会信用代码", "企业名称", "成立日期"])
    buf = io.BytesIO()
    wb.save(buf)
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c><c t="inlineStr"><is><t>y</t></is></c></row>'
    _inflate(buf.getvalue(), path, "xl/worksheets/sheet1.xml", expanded, row, b"</sheetData>", zip64)
    return path


def docx_bomb(path: Path, expanded: int, zip64: bool = True) -> Path:
    """A valid DOCX whose document XML is one paragraph repeated to ``expanded`` bytes."""
    import docx

    d = docx.Document()
    d.add_paragraph("1. 支持企业创新。")
    buf = io.BytesIO()
    d.save(buf)
    _inflate(buf.getvalue(), path, "word/document.xml", expanded,
             b"<w:p><w:r><w:t>1. AAAAAAAA</w:t></w:r></w:p>", b"<w:sectPr", zip64)
    return path


def numbered_text(size: int) -> str:
    """The seed policy with its numbered articles repeated (renumbered 1, 2, 3 …) to ``size`` bytes."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    head, tail = "\n".join(lines[:18]), "\n".join(lines[86:])
    articles = [ln for ln in lines[18:86] if re.match(r"\d+\. ", ln)]
    out, total, n = [head, ""], len(head.encode()), 0
    while total < size:
        n += 1
        line = re.sub(r"^\d+\. ", f"{n}. ", articles[(n - 1) % len(articles)]) + "\n"
        out.append(line)
        total += len(line.encode())
    out.append(tail)
    return "\n".join(out)


def deep_html(levels: int) -> bytes:
    body = "<p>1. 支持企业创新。每年安排预算不少于1亿元。</p><p>2. 鼓励人才引进。</p>"
    title = "<h1>关于支持企业创新的若干政策措施</h1>"
    return f"<html><body>{title}{'<div>' * levels}{body}{'</div>' * levels}</body></html>".encode()


# --------------------------------------------------------------------------------------------
# Running the command with its memory measured
# --------------------------------------------------------------------------------------------

def env_with(tmp_path: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POLICYKG_", "NEO4J_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env["POLICYKG_BACKEND"] = "embedded"
    env["POLICYKG_DATA_DIR"] = str(tmp_path / "data")
    env["POLICYKG_BUFFER_POOL_MB"] = "256"
    env.update({f"POLICYKG_{k.upper()}": v for k, v in settings.items()})
    return env


class Measured:
    def __init__(self, proc: subprocess.CompletedProcess[str], peak: int, seconds: float) -> None:
        self.returncode, self.stdout, self.stderr = proc.returncode, proc.stdout, proc.stderr
        self.peak, self.seconds = peak, seconds

    def within_bar(self) -> None:
        assert self.seconds < MINUTE, f"took {self.seconds:.1f} s\n{self.stderr}"
        assert self.peak < GB, f"peak memory {self.peak / 2**20:.0f} MiB\n{self.stderr}"


def run(args: list[str], env: dict[str, str], timeout: float = 3 * MINUTE) -> Measured:
    """``policykg ARGS`` in a subprocess; its peak resident memory (with children) and wall time."""
    cmd = [sys.executable, "-m", "policykg.cli", *args]
    t0 = time.monotonic()
    popen = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            p = psutil.Process(popen.pid)
            while not done.is_set():
                rss = p.memory_info().rss + sum(c.memory_info().rss for c in p.children(recursive=True))
                peak = max(peak, rss)
                done.wait(0.02)
        except psutil.Error:
            pass

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = popen.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        popen.kill()
        out, err = popen.communicate()
        pytest.fail(f"policykg {' '.join(args)} ran over {timeout:.0f} s\n{err}")
    finally:
        done.set()
        sampler.join()
    seconds = time.monotonic() - t0
    return Measured(subprocess.CompletedProcess(cmd, popen.returncode, out, err), peak, seconds)


# --------------------------------------------------------------------------------------------
# ZIP bombs
# --------------------------------------------------------------------------------------------

def test_a_full_size_xlsx_bomb_is_refused_by_load_within_the_bar(tmp_path):
    bomb = xlsx_bomb(tmp_path / "enterprises.xlsx", 1_000_000_000)
    assert bomb.stat().st_size < 5_000_000
    res = run(["load", str(bomb)], env_with(tmp_path))
    res.within_bar()
    assert res.returncode == 2, res.stderr
    assert "refused" in res.stderr and "enterprises.xlsx" in res.stderr
    assert "xl/worksheets/sheet1.xml" in res.stderr and "POLICYKG_MAX_ZIP_RATIO" in res.stderr
    assert "Traceback" not in res.stderr
    assert not list(tmp_path.glob("*.rejects.csv"))


def test_a_full_size_docx_bomb_is_refused_by_parse_within_the_bar(tmp_path):
    bomb = docx_bomb(tmp_path / "policy.docx", 1_000_000_000)
    res = run(["parse", str(bomb)], env_with(tmp_path))
    res.within_bar()
    assert res.returncode == 2, res.stderr
    assert "policy.docx" in res.stderr and "word/document.xml" in res.stderr
    assert "POLICYKG_MAX_ZIP_RATIO" in res.stderr and "Traceback" not in res.stderr


def test_the_ratio_limit_is_a_setting(tmp_path, monkeypatch):
    bomb = docx_bomb(tmp_path / "policy.docx", 20_000_000)
    with pytest.raises(ParseError, match=r"word/document\.xml.*ratio .*over the limit of 100") as info:
        parse_file(bomb)
    assert info.value.reason == "too large" and info.value.details["setting"] == "POLICYKG_MAX_ZIP_RATIO"
    # raised above the bomb's ratio, the total size limit is next
    monkeypatch.setenv("POLICYKG_MAX_ZIP_RATIO", "100000")
    monkeypatch.setenv("POLICYKG_MAX_ZIP_MB", "10")
    with pytest.raises(ParseError, match=r"expand to more than 10 MB .*word/document\.xml.*POLICYKG_MAX_ZIP_MB"):
        parse_file(bomb)


def test_the_total_size_limit_refuses_a_workbook_that_compresses_honestly(tmp_path, monkeypatch):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称"])
    for i in range(30_000):
        ws.append([f"91330100MA{i:08d}", f"企业{i * 7919 % 100003}（虚构）"])
    path = tmp_path / "enterprises.xlsx"
    wb.save(path)
    sizes = [(i.file_size, i.compress_size) for i in zipfile.ZipFile(path).infolist()]
    assert max(f / max(c, 1) for f, c in sizes) < 100  # no bomb: only the total is over
    from policykg.ingest.tabular import find_tables

    monkeypatch.setenv("POLICYKG_MAX_ZIP_MB", "0.5")
    with pytest.raises(ParseError, match=r"enterprises\.xlsx: .*more than 0\.5 MB.*POLICYKG_MAX_ZIP_MB"):
        find_tables([path])
    monkeypatch.setenv("POLICYKG_MAX_ZIP_MB", "200")
    assert [t.kind for t in find_tables([path])] == ["enterprises"]


def test_a_package_with_too_many_members_is_refused(tmp_path, monkeypatch):
    import docx

    d = docx.Document()
    d.add_paragraph("1. 支持企业创新。")
    buf = io.BytesIO()
    d.save(buf)
    with zipfile.ZipFile(buf, "a") as z:
        for i in range(50):
            z.writestr(f"extra/part{i}.xml", "<x/>")
    monkeypatch.setenv("POLICYKG_MAX_ZIP_MEMBERS", "40")
    with pytest.raises(ParseError, match=r"many\.docx.*members, over the limit of 40.*POLICYKG_MAX_ZIP_MEMBERS"):
        parse_bytes(buf.getvalue(), "many.docx")


def _understate(path: Path, member: str) -> None:
    """Rewrite the central directory entry of ``member`` to declare its compressed size as its
    uncompressed size: the directory lies, the ratio looks like 1."""
    data = bytearray(path.read_bytes())
    pos = data.find(b"PK\x01\x02")
    while pos != -1:
        csize, = struct.unpack_from("<I", data, pos + 20)
        name_len, = struct.unpack_from("<H", data, pos + 28)
        name = bytes(data[pos + 46:pos + 46 + name_len]).decode()
        if name == member:
            struct.pack_into("<I", data, pos + 24, csize)
        pos = data.find(b"PK\x01\x02", pos + 46)
    path.write_bytes(bytes(data))


def test_a_directory_that_understates_a_member_cannot_make_the_reader_inflate_it(tmp_path):
    # python-docx reads a whole member into memory: inflated, this one would take 1.5 GB
    bomb = docx_bomb(tmp_path / "policy.docx", 1_500_000_000, zip64=False)
    _understate(bomb, "word/document.xml")
    info = zipfile.ZipFile(bomb).getinfo("word/document.xml")
    assert info.file_size == info.compress_size  # the guard sees nothing wrong in the directory
    res = run(["parse", str(bomb)], env_with(tmp_path))
    res.within_bar()
    assert res.returncode == 2, res.stderr
    assert "refused" in res.stderr and "policy.docx" in res.stderr and "word/document.xml" in res.stderr
    assert "expands past the" in res.stderr and "Traceback" not in res.stderr


# --------------------------------------------------------------------------------------------
# Large numbered text: parsing is linear, and a text over the limit is refused
# --------------------------------------------------------------------------------------------

def _parse_seconds(text: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    doc = parse_bytes(text.encode("utf-8"), "big.md")
    return time.perf_counter() - t0, len(doc.clauses)


def test_parsing_is_linear_in_the_document():
    parse_bytes(SEED.read_bytes(), "warm.md")  # taxonomy and patterns loaded once
    small, n_small = _parse_seconds(numbered_text(250_000))
    large, n_large = _parse_seconds(numbered_text(1_000_000))
    assert n_small > 200 and n_large > 900
    # four times the text: about four times the time when linear, sixteen when quadratic
    assert large < 8 * small + 0.5, (small, large)
    assert large < 10, large


def test_the_largest_accepted_text_parses_within_the_bar(tmp_path):
    path = tmp_path / "big.md"
    path.write_text(numbered_text(5_000_000), encoding="utf-8")
    assert len(path.read_text(encoding="utf-8")) < 2_000_000  # under the default limit
    res = run(["parse", str(path)], env_with(tmp_path))
    res.within_bar()
    assert res.returncode == 0, res.stderr


def test_50_mb_of_numbered_text_is_refused_within_the_bar(tmp_path):
    path = tmp_path / "huge.md"
    path.write_text(numbered_text(50_000_000), encoding="utf-8")
    res = run(["parse", str(path)], env_with(tmp_path))
    res.within_bar()
    assert res.returncode == 2, res.stderr
    assert "huge.md" in res.stderr and "POLICYKG_MAX_DOCUMENT_CHARS" in res.stderr
    small = run(["parse", str(path)], env_with(tmp_path, max_document_mb="10"))
    assert small.returncode == 2 and "POLICYKG_MAX_DOCUMENT_MB" in small.stderr
    small.within_bar()


# --------------------------------------------------------------------------------------------
# Deep HTML
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("levels", [1_000, 100_000])
def test_deeply_nested_html_is_read_without_recursion(levels):
    text = read_html(deep_html(levels), "deep.html")
    assert text.split("\n") == ["# 关于支持企业创新的若干政策措施", "1. 支持企业创新。每年安排预算不少于1亿元。",
                                "2. 鼓励人才引进。"]
    doc = parse_bytes(deep_html(levels), "deep.html")
    assert [c.label for c in doc.clauses] == ["1", "2"]
    assert doc.clauses[0].budget_floor_cny == 100_000_000


# --------------------------------------------------------------------------------------------
# One bad file never stops a batch
# --------------------------------------------------------------------------------------------

def _batch(tmp_path: Path) -> list[Path]:
    good = tmp_path / "binjiang-2024-16.md"
    good.write_bytes(seed_bytes())
    deep = tmp_path / "deep.html"
    deep.write_bytes(deep_html(100_000))
    huge = tmp_path / "huge.md"
    huge.write_text(numbered_text(8_000_000), encoding="utf-8")
    return [docx_bomb(tmp_path / "bomb.docx", 200_000_000), good, huge, deep]


def test_ingest_goes_on_past_bad_files_and_reports_them(backend, tmp_path):
    report = ingest_paths(backend, _batch(tmp_path))
    by_name = {Path(r["source"]).name: r for r in report}
    assert [by_name[n]["status"] for n in ("bomb.docx", "binjiang-2024-16.md", "huge.md", "deep.html")] == \
        ["error", "created", "error", "created"]
    assert by_name["bomb.docx"]["reason"] == by_name["huge.md"]["reason"] == "too large"
    assert "POLICYKG_MAX_ZIP_RATIO" in by_name["bomb.docx"]["error"]
    assert "POLICYKG_MAX_DOCUMENT_CHARS" in by_name["huge.md"]["error"]
    assert backend.counts()["nodes"]["PolicyDocument"] == 2


def test_the_ingest_command_reports_each_bad_file_and_a_total(tmp_path):
    files = _batch(tmp_path)
    res = run(["ingest", *map(str, files)], env_with(tmp_path))
    res.within_bar()
    assert res.returncode == 1, res.stderr
    errors = [ln for ln in res.stderr.splitlines() if ln.startswith("error ")]
    assert len(errors) == 2
    assert any("bomb.docx" in ln and "word/document.xml" in ln for ln in errors)
    assert any("huge.md" in ln and "characters" in ln for ln in errors)
    assert "created " in res.stdout and "deep.html" in res.stdout
    assert "files 4 = created 2 + unchanged 0 + failed 2" in res.stdout
    assert "Traceback" not in res.stderr
