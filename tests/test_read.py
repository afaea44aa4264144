"""kg.read: every kind of input gives documents or one clear note, never an exception.

Fixture files are written byte by byte by the tests themselves.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from make_files import Page, write_pdf

from kg.errors import InputError
from kg.model import Document
from kg.read import (
    SUPPORTED_SUFFIXES,
    ReadNote,
    decode_bytes,
    html_to_text,
    iter_documents,
    read_texts,
)

GOOD = "The State Council approved the elderly care plan on Monday.\n"
WESTERN = "Le ministère a publié une décision sur la sécurité des données à Genève.\n"


def read(*inputs: str | Path, **kwargs: object) -> tuple[list[Document], list[ReadNote]]:
    notes: list[ReadNote] = []
    docs = list(iter_documents(list(inputs), on_note=notes.append, **kwargs))  # type: ignore[arg-type]
    return docs, notes


def one_file(tmp_path: Path, name: str, data: bytes) -> tuple[list[Document], list[ReadNote]]:
    path = tmp_path / name
    path.write_bytes(data)
    return read(path)


# ---------------------------------------------------------------- plain text


def test_utf8_text_file_becomes_one_document_without_note(tmp_path: Path) -> None:
    docs, notes = one_file(tmp_path, "council.txt", GOOD.encode())
    assert docs == [Document(id="council", text=GOOD, source="council.txt", title="")]
    assert notes == []


def test_markdown_title_is_first_level_one_heading(tmp_path: Path) -> None:
    data = b"Intro line\n## Not this\n#  Made in China 2025 ten years on  #\n\nBody.\n"
    docs, notes = one_file(tmp_path, "mic.md", data)
    assert docs[0].title == "Made in China 2025 ten years on"
    assert docs[0].text == data.decode()  # the markdown is kept as written
    assert notes == []


def test_crlf_and_cr_become_lf_and_text_is_nfc(tmp_path: Path) -> None:
    docs, _ = one_file(tmp_path, "a.txt", "Cafe\u0301 one\r\ntwo\rthree".encode())
    assert docs[0].text == "Café one\ntwo\nthree"
    assert unicodedata.is_normalized("NFC", docs[0].text)


def test_utf8_bom_is_stripped_silently(tmp_path: Path) -> None:
    docs, notes = one_file(tmp_path, "bom.txt", b"\xef\xbb\xbf" + GOOD.encode())
    assert docs[0].text == GOOD
    assert notes == []


def test_empty_file_is_skipped_with_note(tmp_path: Path) -> None:
    docs, notes = one_file(tmp_path, "empty.txt", b"")
    assert docs == []
    assert [(n.action, n.detail) for n in notes] == [("skipped", "empty file; skipped")]
    assert notes[0].skipped and str(notes[0]).endswith("empty.txt: empty file; skipped")


def test_whitespace_only_file_is_skipped_with_note(tmp_path: Path) -> None:
    docs, notes = one_file(tmp_path, "blank.txt", b" \n\t\r\n  \n")
    assert docs == []
    assert [n.detail for n in notes] == ["only whitespace; skipped"]


# ---------------------------------------------------------------- binary and NUL


def test_binary_file_is_skipped_with_note(tmp_path: Path) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    docs, notes = one_file(tmp_path, "picture.txt", data)
    assert docs == []
    assert len(notes) == 1 and notes[0].skipped
    assert notes[0].detail.startswith("binary data (")


def test_nul_heavy_file_is_binary_and_skipped(tmp_path: Path) -> None:
    data = b"abc\x00\x00\x00def\x00" * 50
    docs, notes = one_file(tmp_path, "dump.txt", data)
    assert docs == []
    assert notes[0].detail == "binary data (200 NUL bytes); skipped"


def test_few_stray_nuls_are_removed_and_noted(tmp_path: Path) -> None:
    data = (GOOD * 10).encode()
    data = data[:100] + b"\x00" + data[100:300] + b"\x00" + data[300:]
    docs, notes = one_file(tmp_path, "stray.txt", data)
    assert docs[0].text == GOOD * 10
    assert [(n.action, n.detail) for n in notes] == [("repaired", "removed 2 stray NUL bytes")]
    assert not notes[0].skipped


# ---------------------------------------------------------------- encodings


def test_invalid_utf8_bytes_in_good_text_become_replacement_characters(tmp_path: Path) -> None:
    data = "Premier Li Keqiang visited Zürich — “twice”. ".encode() + b"\xff\xc3(" + b" end."
    docs, notes = one_file(tmp_path, "bad-bytes.txt", data)
    assert docs[0].text == "Premier Li Keqiang visited Zürich — “twice”. \ufffd\ufffd( end."
    assert [(n.action, n.detail) for n in notes] == [
        ("repaired", "2 invalid UTF-8 bytes replaced by U+FFFD")
    ]


@pytest.mark.parametrize(
    ("codec", "bom", "label"),
    [("utf-16-le", b"\xff\xfe", "UTF-16LE"), ("utf-16-be", b"\xfe\xff", "UTF-16BE")],
)
def test_utf16_with_bom_is_decoded_and_noted(
    tmp_path: Path, codec: str, bom: bytes, label: str
) -> None:
    text = "国务院 approved the plan.\r\nSecond line."
    docs, notes = one_file(tmp_path, "wide.txt", bom + text.encode(codec))
    assert docs[0].text == "国务院 approved the plan.\nSecond line."
    assert [(n.action, n.detail) for n in notes] == [
        ("decoded", f"decoded as {label} (byte-order mark)")
    ]


def test_utf16_without_bom_is_decoded_not_called_binary(tmp_path: Path) -> None:
    docs, notes = one_file(tmp_path, "wide.txt", GOOD.encode("utf-16-le"))
    assert docs[0].text == GOOD
    assert notes[0].detail == "decoded as UTF-16LE (no byte-order mark)"


@pytest.mark.parametrize("codec", ["latin-1", "cp1252"])
def test_legacy_western_encoding_is_detected_and_noted(tmp_path: Path, codec: str) -> None:
    docs, notes = one_file(tmp_path, "legacy.txt", WESTERN.encode(codec))
    assert docs[0].text == WESTERN
    assert [(n.action, n.detail) for n in notes] == [
        ("decoded", "not valid UTF-8; decoded as windows-1252 (detected)")
    ]


def test_windows_1252_punctuation_is_detected(tmp_path: Path) -> None:
    text = "The minister said “we will act” — the plan costs €5 billion. Naïve café.\n"
    docs, notes = one_file(tmp_path, "quotes.txt", text.encode("cp1252"))
    assert docs[0].text == text
    assert "windows-1252" in notes[0].detail


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        ("Государственный совет утвердил план развития отрасли.\n", "cp1251", "cp1251"),
        ("国务院总理主持召开常务会议，研究部署养老服务工作。\n", "gbk", "gb18030"),
    ],
)
def test_other_legacy_encodings_are_detected(
    tmp_path: Path, text: str, codec: str, label: str
) -> None:
    docs, notes = one_file(tmp_path, "legacy.txt", text.encode(codec))
    assert docs[0].text == text
    assert notes[0].detail == f"not valid UTF-8; decoded as {label} (detected)"


def test_decode_bytes_reports_binary_as_none() -> None:
    assert decode_bytes(bytes(range(256)) * 4).text is None
    assert decode_bytes(b"").text is None


# ---------------------------------------------------------------- HTML

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>  State Council
 notice </title>
<style>p { color: red }</style><script>var secret = "SCRIPT TEXT";</script></head>
<body><nav>Home | About | Contact</nav>
<article><p>The State Council approved a new plan on Monday.   Premier Li Keqiang
chaired the meeting in Beijing.</p>
<p>The plan covers elderly care and outsourced services.</p></article>
<noscript>NOSCRIPT TEXT</noscript><script>document.write("MORE SCRIPT")</script>
</body></html>
"""


def test_html_page_text_is_extracted_without_scripts_or_styles(tmp_path: Path) -> None:
    docs, notes = one_file(tmp_path, "notice.html", PAGE.encode())
    doc = docs[0]
    assert doc.id == "notice" and doc.source == "notice.html"
    assert doc.title == "State Council notice"
    assert doc.text == (
        "The State Council approved a new plan on Monday. Premier Li Keqiang chaired the "
        "meeting in Beijing.\n\nThe plan covers elderly care and outsourced services."
    )
    for junk in ("SCRIPT", "color", "NOSCRIPT"):
        assert junk not in doc.text
    assert [(n.action, n.detail) for n in notes] == [
        ("extracted", "HTML page; text extracted with trafilatura")
    ]


def test_html_whole_page_reading_keeps_blocks_as_paragraphs() -> None:
    text, title, extractor = html_to_text(PAGE, main_text=False)
    assert extractor == "lxml" and title == "State Council notice"
    assert text.split("\n\n") == [
        "Home | About | Contact",
        "The State Council approved a new plan on Monday. Premier Li Keqiang chaired the "
        "meeting in Beijing.",
        "The plan covers elderly care and outsourced services.",
    ]


def test_html_with_xml_declaration_in_legacy_encoding(tmp_path: Path) -> None:
    page = (
        '<?xml version="1.0" encoding="iso-8859-1"?>\n<html><head><title>Décision</title></head>'
        f"<body><p>{WESTERN}</p></body></html>"
    )
    docs, notes = one_file(tmp_path, "old.htm", page.encode("latin-1"))
    assert docs[0].text == WESTERN.strip() and docs[0].title == "Décision"
    # Browsers read the iso-8859-1 label as windows-1252 too (WHATWG Encoding).
    assert notes[0].detail == (
        "not valid UTF-8; decoded as windows-1252 (detected); HTML page; text extracted with "
        "trafilatura"
    )
    assert notes[0].action == "decoded"


def test_html_without_text_is_skipped(tmp_path: Path) -> None:
    page = b"<html><head><title>Only a title</title><script>x()</script></head><body></body></html>"
    docs, notes = one_file(tmp_path, "bare.html", page)
    assert docs == []
    assert [n.detail for n in notes] == ["HTML page with no text; skipped"]


# ---------------------------------------------------------------- paths


def test_nonexistent_path_is_noted(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.txt")
    docs, notes = read(missing, tmp_path / "nope-folder")
    assert docs == []
    assert [str(n) for n in notes] == [
        f"{missing}: does not exist; skipped",
        f"{tmp_path / 'nope-folder'}: does not exist; skipped",
    ]


def _read_as_nobody(folder: Path) -> tuple[list[str], list[str]]:
    """Read ``folder`` in a forked child that dropped root, so permissions apply."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        try:
            os.close(r)
            os.setgid(65534)
            os.setuid(65534)
            docs, notes = read(folder)
            os.write(w, json.dumps([[d.id for d in docs], [n.detail for n in notes]]).encode())
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r) as pipe:
        out = pipe.read()
    os.waitpid(pid, 0)
    ids, details = json.loads(out)
    return ids, details


def test_unreadable_file_is_noted_and_the_rest_read() -> None:
    # tmp_path's parents are private to root; a world-traversable folder lets
    # the unprivileged child in.
    folder = Path(tempfile.mkdtemp(prefix="kg-read-"))
    try:
        folder.chmod(0o755)
        (folder / "a-ok.txt").write_text(GOOD)
        (folder / "b-secret.txt").write_text(GOOD)
        (folder / "a-ok.txt").chmod(0o644)
        (folder / "b-secret.txt").chmod(0o000)
        (folder / "c-locked").mkdir(mode=0o000)
        if os.geteuid() == 0:
            ids, details = _read_as_nobody(folder)
        else:
            docs, notes = read(folder)
            ids, details = [d.id for d in docs], [n.detail for n in notes]
        assert ids == ["a-ok"]
        assert details == [
            "cannot be read (permission denied); skipped",
            "cannot be read (permission denied); skipped",
        ]
    finally:
        (folder / "c-locked").chmod(0o755)
        shutil.rmtree(folder)


def test_symlink_loops_are_noted_not_followed_forever(tmp_path: Path) -> None:
    (tmp_path / "loop.txt").symlink_to(tmp_path / "loop.txt")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "back").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "sub" / "x.txt").write_text(GOOD)
    docs, notes = read(tmp_path)
    assert [d.source for d in docs] == ["sub/x.txt"]
    assert [n.detail for n in notes] == [
        "cannot be read (Too many levels of symbolic links); skipped"
    ]


def test_fifo_in_folder_is_skipped_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    docs, notes = read(tmp_path)
    assert docs == []
    assert [n.detail for n in notes] == ["not a regular file or folder; skipped"]


def test_file_over_size_limit_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("word " * 100)
    (tmp_path / "small.txt").write_text(GOOD)
    docs, notes = read(tmp_path, max_bytes=200)
    assert [d.id for d in docs] == ["small"]
    assert notes[0].detail.startswith("larger than the size limit (500 bytes > 200)")


def test_folder_skips_hidden_and_notes_unsupported_files(tmp_path: Path) -> None:
    (tmp_path / ".hidden.txt").write_text(GOOD)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD.txt").write_text(GOOD)
    (tmp_path / "slides.pptx").write_bytes(b"PK\x03\x04")
    (tmp_path / "README").write_text(GOOD)
    (tmp_path / "UPPER.TXT").write_text(GOOD)
    docs, notes = read(tmp_path)
    assert [d.id for d in docs] == ["UPPER"]
    assert sorted(n.detail.split(";")[0] for n in notes) == [
        "no file suffix",
        "unsupported file type '.pptx'",
    ]
    assert all(n.skipped for n in notes)


def test_file_named_explicitly_is_read_whatever_its_suffix(tmp_path: Path) -> None:
    (tmp_path / "README").write_text(GOOD)
    (tmp_path / ".notes.log").write_text(GOOD)
    docs, notes = read(tmp_path / "README", tmp_path / ".notes.log")
    assert [(d.id, d.source) for d in docs] == [("README", "README"), (".notes", ".notes.log")]
    assert notes == []


def test_non_utf8_file_name_gets_a_clean_id_and_a_note(tmp_path: Path) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9.txt"
    with open(raw, "wb") as f:
        f.write(GOOD.encode())
    docs, notes = read(tmp_path)
    assert docs[0].id == "caf\ufffd" and docs[0].source == "caf\ufffd.txt"
    assert notes[0].action == "renamed"
    str(notes[0]).encode("utf-8")  # printable: no lone surrogates


# ---------------------------------------------------------------- ids, sources, order


def test_source_is_relative_and_ids_are_stems(tmp_path: Path) -> None:
    (tmp_path / "in" / "cn").mkdir(parents=True)
    (tmp_path / "in" / "cn" / "elderly.txt").write_text(GOOD)
    (tmp_path / "in" / "top.md").write_text("# Top\n\n" + GOOD)
    docs, _ = read(tmp_path / "in")
    assert [(d.id, d.source, d.title) for d in docs] == [
        ("top", "top.md", "Top"),
        ("elderly", "cn/elderly.txt", ""),
    ]


def test_relative_input_path_gives_the_same_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(GOOD)
    absolute, _ = read(tmp_path / "in")
    monkeypatch.chdir(tmp_path)
    relative, notes = read("in", "in/missing.txt")
    assert relative == absolute
    assert str(notes[0]) == "in/missing.txt: does not exist; skipped"


def test_same_folder_in_two_places_reads_identically(tmp_path: Path) -> None:
    build_mixed_folder(tmp_path / "one")
    shutil.copytree(tmp_path / "one", tmp_path / "elsewhere" / "two", symlinks=True)
    first, first_notes = read(tmp_path / "one")
    again, _ = read(tmp_path / "one")
    moved, moved_notes = read(tmp_path / "elsewhere" / "two")
    assert first == again == moved
    assert [(n.action, n.detail) for n in first_notes] == [
        (n.action, n.detail) for n in moved_notes
    ]


def test_repeated_stems_get_relative_path_ids_with_a_note(tmp_path: Path) -> None:
    for rel in ("a/x.txt", "b/x.txt", "x.md", "x.txt"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text(GOOD)
    docs, notes = read(tmp_path)
    assert [(d.id, d.source) for d in docs] == [
        ("x", "x.md"),
        ("x.txt", "x.txt"),
        ("a/x", "a/x.txt"),
        ("b/x", "b/x.txt"),
    ]
    assert [n.action for n in notes] == ["renamed"] * 3
    assert notes[0].detail == "id 'x' is already used by x.md; id is 'x.txt'"


def test_same_file_name_in_two_inputs_gets_distinct_ids(tmp_path: Path) -> None:
    for side in ("left", "right"):
        (tmp_path / side).mkdir()
        (tmp_path / side / "x.txt").write_text(GOOD)
    docs, notes = read(tmp_path / "left", tmp_path / "right", tmp_path / "right" / "x.txt")
    assert [d.id for d in docs] == ["x", "right/x"]
    assert [n.action for n in notes] == ["renamed", "duplicate"]
    assert notes[1].detail == f"same file as {tmp_path / 'right' / 'x.txt'}; read once"
    assert not notes[1].skipped and not notes[1].lost  # listed twice: nothing lost


def test_file_linked_twice_in_a_folder_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(GOOD)
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    docs, notes = read(tmp_path)
    assert [d.id for d in docs] == ["a"]
    assert [n.action for n in notes] == ["duplicate"]


# ---------------------------------------------------------------- JSONL


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "cn-1", "text": "Premier Li spoke.", "title": "Speech"}),
        "",
        json.dumps({"text": "No id here.\r\nSecond line."}),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "x", "title": "no text"}),
        json.dumps({"id": 7, "text": "Numeric id.", "title": 3}),
        json.dumps({"id": "  ", "text": "Blank id."}),
        json.dumps({"id": "cn-1", "text": "Same id again."}),
        json.dumps({"text": "Raw line separator \u2028 inside."}, ensure_ascii=False),
    ]
    docs, notes = one_file(tmp_path, "batch.jsonl", "\r\n".join(lines).encode())
    assert [(d.id, d.text, d.title, d.source) for d in docs] == [
        ("cn-1", "Premier Li spoke.", "Speech", "batch.jsonl"),
        ("batch-3", "No id here.\nSecond line.", "", "batch.jsonl"),
        ("7", "Numeric id.", "", "batch.jsonl"),
        ("batch/cn-1", "Same id again.", "", "batch.jsonl"),
        ("batch-10", "Raw line separator \u2028 inside.", "", "batch.jsonl"),
    ]
    assert len(notes) == 1 and notes[0].action == "partial"
    assert notes[0].lost and not notes[0].skipped
    assert notes[0].detail == (
        "line 9: id 'cn-1' is already used by batch.jsonl line 1; id is 'batch/cn-1'; "
        "skipped 4 bad line(s): line 4 is not valid JSON (Expecting property name enclosed in "
        'double quotes); line 5 is a JSON list, not an object; line 6 has no "text" string; '
        'line 8 has an "id" that is not a non-empty string'
    )


def test_jsonl_author_and_date_describe_the_document_like_pdf_metadata(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": "One.", "author": " State  Council ", "date": "2025-03-14"}),
        json.dumps({"id": "b", "text": "Two.", "date": "14 March 2025", "author": 3}),
    ]
    docs, [note] = one_file(tmp_path, "meta.jsonl", "\n".join(lines).encode())
    assert [(d.author, d.date) for d in docs] == [("State Council", "2025-03-14"), ("", "")]
    assert note.action == "repaired"
    assert note.detail == "line 2: date '14 March 2025' is not YYYY-MM-DD; left out"


def test_jsonl_with_only_bad_lines_is_skipped(tmp_path: Path) -> None:
    docs, notes = one_file(tmp_path, "bad.jsonl", b"nope\n" * 7)
    assert docs == []
    assert notes[0].skipped
    assert notes[0].detail.endswith("; and 2 more")


def test_jsonl_escapes_for_nul_and_lone_surrogate_are_repaired(tmp_path: Path) -> None:
    line = '{"id": "d", "text": "a\\u0000b \\ud800 c"}'
    docs, notes = one_file(tmp_path, "esc.jsonl", line.encode())
    assert docs[0].text == "ab \ufffd c"
    assert notes[0].action == "repaired"


# ---------------------------------------------------------------- everything at once


def build_mixed_folder(root: Path) -> None:
    """A folder holding every input class (except unreadable ones)."""
    (root / "nested" / "deeper").mkdir(parents=True)
    files = {
        "good.txt": GOOD.encode(),
        "empty.txt": b"",
        "blank.md": b"   \n\n",
        "binary.txt": bytes(range(256)) * 4,
        "nuls.txt": b"abc\x00\x00\x00def\x00" * 50,
        "stray.txt": GOOD.encode() * 3 + b"\x00",
        "broken.txt": "Zürich — ".encode() + b"\xfe" + b" ok",
        "utf16.txt": b"\xff\xfe" + GOOD.encode("utf-16-le"),
        "latin.txt": WESTERN.encode("latin-1"),
        "page.html": PAGE.encode(),
        "batch.jsonl": b'{"text": "From JSON."}\nbad\n',
        "image.png": b"\x89PNG\r\n",
        "nested/good.txt": GOOD.encode(),
        "nested/deeper/notes.markdown": b"# Notes\n\nText.\n",
    }
    for rel, data in files.items():
        (root / rel).write_bytes(data)
    (root / "dangling.txt").symlink_to(root / "gone.txt")
    lines = [[GOOD.strip()]]
    write_pdf(root / "locked.pdf", [Page(lines)], password="secret")
    write_pdf(root / "scanned.pdf", [Page([])])
    whole = write_pdf(root / "cut.pdf", [Page(lines), Page(lines)]).read_bytes()
    (root / "cut.pdf").write_bytes(whole[: len(whole) // 2])


def test_mixed_folder_reads_every_decodable_file_and_notes_each_other(tmp_path: Path) -> None:
    build_mixed_folder(tmp_path)
    docs, notes = read(tmp_path)
    assert [(d.id, d.source) for d in docs] == [
        ("batch-1", "batch.jsonl"),
        ("broken", "broken.txt"),
        ("good", "good.txt"),
        ("latin", "latin.txt"),
        ("page", "page.html"),
        ("stray", "stray.txt"),
        ("utf16", "utf16.txt"),
        ("nested/good", "nested/good.txt"),
        ("notes", "nested/deeper/notes.markdown"),
    ]
    by_file = {Path(n.path).relative_to(tmp_path).as_posix(): n for n in notes}
    assert len(by_file) == len(notes)  # one note per file
    assert {name: n.action for name, n in by_file.items()} == {
        "batch.jsonl": "partial",
        "binary.txt": "skipped",
        "blank.md": "skipped",
        "broken.txt": "repaired",
        "cut.pdf": "skipped",
        "dangling.txt": "skipped",
        "empty.txt": "skipped",
        "image.png": "skipped",
        "latin.txt": "decoded",
        "locked.pdf": "skipped",
        "nested/good.txt": "renamed",
        "nuls.txt": "skipped",
        "page.html": "extracted",
        "scanned.pdf": "skipped",
        "stray.txt": "repaired",
        "utf16.txt": "decoded",
    }
    assert by_file["dangling.txt"].detail == "does not exist (a broken link?); skipped"
    assert by_file["locked.pdf"].detail == "password protected; kg cannot read it; skipped"
    assert by_file["scanned.pdf"].detail == "no text layer; run OCR first, e.g. ocrmypdf; skipped"
    assert by_file["cut.pdf"].detail.startswith("truncated PDF")


@pytest.fixture
def fast_tmp(tmp_path: Path) -> Iterator[Path]:
    """A folder in RAM when the machine has one: 20,000 files on a busy disk take long."""
    if not os.path.isdir("/dev/shm"):
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir="/dev/shm", prefix="kg-test-read-") as folder:
        yield Path(folder)


def test_iter_documents_is_lazy_over_a_20000_file_folder(fast_tmp: Path) -> None:
    n = 20_000
    for i in range(n):
        with open(fast_tmp / f"d{i:05d}.txt", "wb") as f:
            f.write(b"Text %d." % i)
    docs = iter_documents([fast_tmp])
    first = next(docs)
    assert first.id == "d00000"
    # Were the files read up front, the last one would still hold its old text.
    (fast_tmp / f"d{n - 1:05d}.txt").write_bytes(b"Changed after the first document.")
    rest = list(docs)
    assert len(rest) == n - 1
    assert rest[-1].text == "Changed after the first document."


# ---------------------------------------------------------------- API strings and misuse


def test_read_texts_numbers_by_position_and_notes_empty_ones() -> None:
    notes: list[ReadNote] = []
    docs = list(read_texts(["One.\r\n", "", "Thr\x00ee."], prefix="t", on_note=notes.append))
    assert [(d.id, d.text, d.source) for d in docs] == [
        ("t-1", "One.\n", ""),
        ("t-3", "Three.", ""),
    ]
    assert [(n.path, n.action) for n in notes] == [("t-2", "skipped"), ("t-3", "repaired")]


@pytest.mark.parametrize("bad", ["a.txt", Path("a.txt"), b"a.txt", 3])
def test_iter_documents_rejects_a_single_path_or_non_list(bad: object) -> None:
    with pytest.raises(InputError, match="list of paths"):
        iter_documents(bad)  # type: ignore[arg-type]


def test_iter_documents_rejects_items_that_are_not_paths() -> None:
    with pytest.raises(InputError, match="not a path"):
        iter_documents(["ok.txt", 3])  # type: ignore[list-item]


def test_read_texts_rejects_a_single_string_and_non_strings() -> None:
    with pytest.raises(InputError, match="not one string"):
        read_texts("text")
    with pytest.raises(InputError, match="not a str"):
        list(read_texts([b"bytes"]))  # type: ignore[list-item]


def test_no_input_yields_nothing() -> None:
    assert read() == ([], [])


# ---------------------------------------------------------------- random bytes


def check_documents(docs: list[Document]) -> None:
    for doc in docs:
        assert doc.id and doc.text.strip()
        assert "\x00" not in doc.text and "\r" not in doc.text
        doc.text.encode("utf-8")  # no lone surrogates
        assert unicodedata.is_normalized("NFC", doc.text)
        assert not os.path.isabs(doc.source)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        st.text(max_size=500).map(lambda t: t.encode("utf-8", "surrogatepass")),
        st.lists(
            st.sampled_from([b"\x00", b"\xff", b"\xfe", b"a", b"\n", b"\xc3", b"{", b"<p>"])
        ).map(b"".join),
    ),
    suffix=st.sampled_from(SUPPORTED_SUFFIXES),
)
def test_random_bytes_never_raise(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"random{suffix}"
        path.write_bytes(data)
        notes: list[ReadNote] = []
        docs = list(iter_documents([path], on_note=notes.append))
    check_documents(docs)
    assert len(notes) <= 1
    assert docs or (notes and notes[0].skipped)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(max_size=200), max_size=5))
def test_random_strings_never_raise(texts: list[str]) -> None:
    check_documents(list(read_texts(texts)))
