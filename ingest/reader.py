"""Read raw files: detect the encoding, reject what is not text, never raise past one file.

The decoded string is the coordinate system of the whole project: every ``start``/``end`` offset
indexes it, so decoding must be deterministic (same bytes → same string).
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path


class BadFile(Exception):
    """A file that cannot be ingested; the message is one line, meant for the user."""


@dataclass(frozen=True)
class RawDoc:
    source: str  # path relative to the corpus folder, POSIX style
    text: str
    encoding: str
    sha1: str  # of the raw bytes


def _looks_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM: text in the BMP puts a NUL (Latin) or a small byte on one side."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    for enc in ("utf-16-le", "utf-16-be"):  # CJK-only text has no NULs: judge by the result
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or ch in "，。\n ")
        if han > 0.7 * len(text):
            return enc
    return None


def _controls(text: str) -> float:
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / max(1, len(text))


def decode(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` or raise ``BadFile``.

    Order matters: BOMs are certain; strict UTF-8 almost never mis-decodes other encodings;
    GB18030 accepts nearly any byte string, so Big5 is weighed against it by charset-normalizer.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as e:
            raise BadFile(f"broken UTF-16 ({e.reason})") from None
    enc16 = _looks_utf16(data)
    if enc16:
        try:
            return data.decode(enc16), enc16
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise BadFile("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        text, encoding = _decode_legacy(data)
    if _controls(text) > 0.01:
        raise BadFile("binary file (too many control characters)")
    return text, encoding


def _decode_legacy(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16"]).best()
    if best is not None and best.encoding in ("gb18030", "big5", "utf_16"):
        try:
            return data.decode(best.encoding), best.encoding
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise BadFile("undecodable: not UTF-8, UTF-16, GB18030 or Big5") from None


def read_doc(path: Path, root: Path, max_bytes: int) -> RawDoc:
    """Read and decode one file, raising ``BadFile`` with a one-line reason."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise BadFile("file disappeared before it could be read") from None
    if size > max_bytes:
        mb = size / 1e6
        raise BadFile(
            f"too large ({mb:.1f} MB > {max_bytes / 1e6:.0f} MB; raise RAG_MAX_FILE_MB to ingest it)"
        )
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadFile("file disappeared before it could be read") from None
    except OSError as e:
        raise BadFile(f"cannot read ({e.strerror})") from None
    if not data.strip():
        raise BadFile("empty file")
    text, encoding = decode(data)
    if not text.strip():
        raise BadFile("empty file (whitespace only)")
    return RawDoc(
        source=path.relative_to(root).as_posix(),
        text=text,
        encoding=encoding,
        sha1=hashlib.sha1(data).hexdigest(),
    )


def list_files(root: Path) -> list[Path]:
    """Every regular, non-hidden file below ``root``, sorted.

    No suffix filter: a binary file renamed ``.txt`` or a text file without a suffix is judged by
    its bytes, not its name.
    """
    files = [
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())
