"""Read raw files: detect the encoding, reject what is not text, never raise past one file.

The decoded string is the coordinate system of the whole project: every ``start``/``end`` offset
indexes it, so decoding must be deterministic (same bytes → same string).
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
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


# Characters plain Chinese or English news text is made of: ASCII, Latin-1, general punctuation
# and symbols (℃ ① ■ ★), CJK punctuation, CJK ideographs, full-width forms.
_NOT_TEXTY = re.compile(
    "[^\n\r\t\f\x20-\x7e\xa0-\xff\u2000-\u27bf\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
)


def _texty(text: str) -> float:
    """Share of ordinary text characters in a sample (byte-swapped UTF-16 scores about 0.3)."""
    sample = text[:100_000]
    return 1 - len(_NOT_TEXTY.findall(sample)) / max(1, len(sample))


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without a BOM: the byte order whose decoding reads as text, if either does.

    NUL counts alone miss Chinese text (no NULs at all) and pages mixing CJK with ASCII digits
    and commas, so both byte orders are decoded and judged by the characters they produce.
    """
    if len(data) < 2 or len(data) % 2:
        return None
    best: tuple[float, str, str] | None = None
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        score = _texty(text)
        if score >= 0.85 and (best is None or score > best[0]):
            best = (score, text, enc)
    return (best[1], best[2]) if best else None


def _controls(text: str) -> float:
    bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return bad / max(1, len(text))


def decode(data: bytes) -> tuple[str, str]:
    """Return ``(text, encoding)`` or raise ``BadFile``.

    Order matters: BOMs are certain; strict UTF-8 without NULs almost never mis-decodes other
    encodings; UTF-16 is then judged by its characters; GB18030 accepts nearly any byte string,
    so Big5 is weighed against it by charset-normalizer.
    """
    if data.startswith(codecs.BOM_UTF8):
        try:
            text, encoding = data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise BadFile("broken UTF-8 (invalid bytes after a UTF-8 BOM)") from None
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as e:
            raise BadFile(f"broken UTF-16 ({e.reason})") from None
    else:
        text, encoding = _decode_without_bom(data)
    if _controls(text) > 0.01:
        raise BadFile("binary file (too many control characters)")
    return text, encoding


def _decode_without_bom(data: bytes) -> tuple[str, str]:
    if b"\x00" not in data:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    found = _utf16_without_bom(data)
    if found:
        return found
    if b"\x00" in data:
        raise BadFile("binary file (contains NUL bytes)")
    return _decode_legacy(data)


def _decode_legacy(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["gb18030", "big5"]).best()
    if best is not None and best.encoding in ("gb18030", "big5"):
        try:
            return data.decode(best.encoding), best.encoding
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise BadFile("undecodable: not UTF-8, UTF-16, GB18030 or Big5") from None


def read_doc(path: Path, root: Path, max_bytes: int) -> RawDoc:
    """Read and decode one file, raising ``BadFile`` with a one-line reason.

    The size is checked on the open file before reading, and the read is capped, so an oversized
    file (or one growing while it is read) is never loaded whole.
    """
    try:
        with path.open("rb") as f:
            size = os.fstat(f.fileno()).st_size
            data = f.read(max_bytes + 1) if size <= max_bytes else b""
    except FileNotFoundError:
        raise BadFile("file disappeared before it could be read") from None
    except OSError as e:
        raise BadFile(f"cannot read ({e.strerror or type(e).__name__})") from None
    if size > max_bytes or len(data) > max_bytes:
        mb, limit = max(size, len(data)) / 1e6, max_bytes / 1e6
        raise BadFile(f"too large ({mb:.1f} MB > {limit:g} MB; raise RAG_MAX_FILE_MB to ingest it)")
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


def list_files(root: Path, errors: list[str] | None = None) -> list[Path]:
    """Every regular, non-hidden file below ``root``, sorted.

    No suffix filter: a binary file renamed ``.txt`` or a text file without a suffix is judged by
    its bytes, not its name. Folders that vanish or cannot be listed are reported in ``errors``.
    """

    def failed(e: OSError) -> None:
        if errors is not None:
            where = Path(e.filename or root)
            rel = where.relative_to(root).as_posix() if where != root else str(root)
            errors.append(f"{rel}: cannot list ({e.strerror or type(e).__name__})")

    files: list[Path] = []
    for folder, dirs, names in os.walk(root, onerror=failed):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            p = Path(folder) / name
            if not name.startswith(".") and p.is_file():
                files.append(p)
    return sorted(files, key=lambda p: p.relative_to(root).as_posix())
