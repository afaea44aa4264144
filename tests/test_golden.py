"""Extraction output pinned: the ``kg extract`` JSON of every example, dev and train document.

Restructuring kg must not change what it extracts. Each set goes through the real
``kg extract`` command (the gold documents of ``../shared/eval/`` as one JSONL file of
their ids and texts, which the reader leaves unchanged) and every output file must
equal its copy under ``tests/golden/extract/<set>/`` byte for byte.

After an intended change of extraction, record the files again and review the diff:

    KG_RECORD_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import DEV_SET, EXAMPLES, ROOT, TRAIN_SET, run_kg

GOLDEN = ROOT / "tests" / "golden" / "extract"
SETS = {"examples": EXAMPLES, "dev": DEV_SET, "train": TRAIN_SET}
RECORD = os.environ.get("KG_RECORD_GOLDEN") == "1"


def _input(name: str, source: Path, tmp: Path) -> Path:
    """What ``kg extract`` reads for a set: the folder, or a JSONL of the gold documents."""
    if name == "examples":
        return source
    jsonl = tmp / f"{name}.jsonl"
    with jsonl.open("w", encoding="utf-8") as out:
        for path in sorted(source.glob("*.json")):
            gold = json.loads(path.read_text(encoding="utf-8"))
            record = {"id": gold.get("id", path.stem), "text": gold["text"]}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return jsonl


def extract_set(name: str, source: Path, tmp: Path) -> dict[str, bytes]:
    """``kg extract`` output of one set: file name → bytes."""
    out = tmp / "out"
    result = run_kg("extract", str(_input(name, source, tmp)), "--json-dir", str(out))
    assert result.returncode == 0, result.stderr
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.json"))}


@pytest.mark.parametrize("name", list(SETS))
def test_extract_json_is_unchanged(name: str, tmp_path: Path) -> None:
    source = SETS[name]
    if not source.is_dir():
        pytest.skip(f"{name} set not found at {source}")
    got = extract_set(name, source, tmp_path)
    folder = GOLDEN / name
    if RECORD:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for file, data in got.items():
            (folder / file).write_bytes(data)
    want = {p.name: p.read_bytes() for p in sorted(folder.glob("*.json"))}
    assert sorted(got) == sorted(want), "documents differ from tests/golden/extract"
    changed = [file for file in want if got[file] != want[file]]
    assert not changed, f"extraction JSON changed for {name}: {', '.join(changed)}"
