"""Bytes → text: byte-order marks, UTF-8 repairs, detected legacy encodings, binary data.

>>> decode_bytes(b"\\xff\\xfeO\\x00K\\x00").text
'OK'
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Decoded", "decode_bytes", "normalize_text"]

_NUL_LIMIT = 0.01  # above this share of NUL bytes a file is binary, below they are stray
_CONTROL_LIMIT = 0.05  # share of other control bytes that makes a file binary
_UNREADABLE_LIMIT = 0.10  # share of unprintable characters in decoded text that means binary
_SNIFF_CHARS = 100_000  # characters checked for readability (the start says enough)

# Control bytes that do not occur in text: all C0 except \t \n \v \f \r and ESC.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # UTF-32 first: its little-endian mark starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32BE"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"),
)
_ENCODING_LABELS = {"cp1252": "windows-1252", "latin_1": "ISO-8859-1", "iso8859-1": "ISO-8859-1"}
_SURROGATES = re.compile("[\ud800-\udfff]")
_ASCII_UNREADABLE = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


@dataclass(frozen=True)
class Decoded:
    """The result of :func:`decode_bytes`.

    Args:
        text: The decoded text, or ``None`` when the bytes are not text.
        notes: ``(action, detail)`` pairs saying what was done.
    """

    text: str | None
    notes: tuple[tuple[str, str], ...] = ()


def decode_bytes(data: bytes) -> Decoded:
    """Decode a file's bytes to text, saying what it took; ``text`` is None for non-text.

    Line ends and Unicode normalisation are left to :func:`normalize_text`.

    Args:
        data: The raw bytes of a file.

    >>> decode_bytes("café".encode("utf-8")).text
    'café'
    >>> decode_bytes("Décision du ministère".encode("cp1252")).notes
    (('decoded', 'not valid UTF-8; decoded as windows-1252 (detected)'),)
    >>> decode_bytes(bytes(range(256))).notes
    (('skipped', 'binary data (1 NUL byte, 25 control bytes); skipped'),)
    """
    if not data:
        return Decoded(None, (("skipped", "empty file; skipped"),))
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            text = data[len(bom) :].decode(codec, errors="replace")
            return _checked(text, [("decoded", f"decoded as {label} (byte-order mark)")])
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    notes: list[tuple[str, str]] = []
    nuls = data.count(0)
    controls = len(data) - len(data.translate(None, _CONTROL_BYTES)) - nuls
    if len(data) and (nuls > _NUL_LIMIT * len(data) or controls > _CONTROL_LIMIT * len(data)):
        utf16 = _sniff_utf16(data)
        if utf16 is not None:
            return _checked(utf16[0], [("decoded", f"decoded as {utf16[1]} (no byte-order mark)")])
        why = ", ".join(
            f"{count} {kind} byte{'s' * (count > 1)}"
            for count, kind in ((nuls, "NUL"), (controls, "control"))
            if count
        )
        return Decoded(None, (("skipped", f"binary data ({why}); skipped"),))
    if nuls:
        data = data.replace(b"\0", b"")
        notes.append(("repaired", f"removed {nuls} stray NUL byte{'s' * (nuls > 1)}"))
    try:
        return _checked(data.decode("utf-8"), notes)
    except UnicodeDecodeError:
        pass
    escaped = data.decode("utf-8", errors="surrogateescape")
    bad = len(_SURROGATES.findall(escaped))
    good = len(escaped) - len(escaped.encode("ascii", errors="ignore")) - bad
    encoding = None if good >= bad else _detect_encoding(data)
    if encoding is None:
        notes.append(("repaired", f"{bad} invalid UTF-8 byte{'s' * (bad > 1)} replaced by U+FFFD"))
        return _checked(_SURROGATES.sub("\ufffd", escaped), notes)
    label = _ENCODING_LABELS.get(encoding, codecs.lookup(encoding).name)
    notes.append(("decoded", f"not valid UTF-8; decoded as {label} (detected)"))
    return _checked(data.decode(encoding, errors="replace"), notes)


def _checked(text: str, notes: list[tuple[str, str]]) -> Decoded:
    """The decoded text, unless it is mostly unprintable (binary read as text)."""
    sample = text[:_SNIFF_CHARS]
    if sample.isascii():  # the common case, without a Python loop over characters
        unreadable = len(_ASCII_UNREADABLE.findall(sample))
    else:
        unreadable = sum(1 for ch in sample if _unreadable(ch))
    if sample and unreadable > _UNREADABLE_LIMIT * len(sample):
        return Decoded(None, (("skipped", "binary data (not readable as text); skipped"),))
    return Decoded(text, tuple(notes))


def _unreadable(ch: str) -> bool:
    if ch in "\t\n\r\f\v\x1b":
        return False
    if ch == "\ufffd":
        return True
    return unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn")


def _sniff_utf16(data: bytes) -> tuple[str, str] | None:
    """Decode BOM-less UTF-16 whose every other byte is NUL (mostly-Latin text)."""
    if len(data) < 4 or len(data) % 2:
        return None
    half = len(data) // 2
    for codec, label, zeros, other in (
        ("utf-16-le", "UTF-16LE", data[1::2], data[0::2]),
        ("utf-16-be", "UTF-16BE", data[0::2], data[1::2]),
    ):
        if zeros.count(0) >= 0.9 * half and other.count(0) <= 0.01 * half:
            try:
                return data.decode(codec), label
            except UnicodeDecodeError:
                return None
    return None


def _detect_encoding(data: bytes) -> str | None:
    """charset-normalizer's guess, preferring windows-1252 when it reads as well."""
    from charset_normalizer import from_bytes

    # UTF-16/32 without a byte-order mark were ruled out by the NUL count.
    best = next((m for m in from_bytes(data) if not m.encoding.startswith("utf_")), None)
    western = from_bytes(data, cp_isolation=["cp1252"]).best()
    # Short Western texts fit a dozen code pages equally well, and the best
    # guess is often an exotic one; windows-1252 (what browsers read Latin-1
    # as) is by far the likeliest, so it wins whenever it reads as cleanly.
    if western is not None and (best is None or western.chaos <= best.chaos + 0.05):
        return "cp1252"
    return None if best is None else str(best.encoding)


def normalize_text(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The document text kg works on: LF line ends, no BOM or NUL, no lone surrogates, NFC.

    Args:
        text: Decoded text.

    Returns:
        The text and ``(action, detail)`` pairs for the repairs worth telling.

    >>> normalize_text("\\ufeffCafe\\u0301\\r\\nnext\\rline")
    ('Café\\nnext\\nline', ())
    >>> text, notes = normalize_text("a\\x00b\\ud800")
    >>> text, [detail for _, detail in notes]
    ('ab\\ufffd', ['removed 1 NUL character', 'replaced 1 lone surrogate by U+FFFD'])
    """
    notes: list[tuple[str, str]] = []
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    nuls = text.count("\0")
    if nuls:
        text = text.replace("\0", "")
        notes.append(("repaired", f"removed {nuls} NUL character{'s' * (nuls > 1)}"))
    text, lone = _SURROGATES.subn("\ufffd", text)
    if lone:
        notes.append(("repaired", f"replaced {lone} lone surrogate{'s' * (lone > 1)} by U+FFFD"))
    return unicodedata.normalize("NFC", text), tuple(notes)
