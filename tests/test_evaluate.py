"""The GOLD_FORMAT scorer on tiny hand-made documents, and floors on the dev set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.evaluate import EvalReport, evaluate, read_gold_dir, score

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"


def ent(eid: str, typ: str, name: str, *aliases: str) -> dict:
    return {"id": eid, "type": typ, "name": name, "aliases": list(aliases)}


def doc(doc_id: str, entities: list[dict], relations: list[tuple] = ()) -> dict:
    return {
        "id": doc_id,
        "text": "",
        "entities": entities,
        "relations": [{"subject": s, "predicate": p, "object": o} for s, p, o in relations],
    }


@pytest.mark.parametrize(
    ("gold_name", "pred_name", "strict", "relaxed"),
    [
        ("State Council", "the State Council\u2019s", True, True),
        ("State Council", "STATE COUNCIL", True, True),
        ("single-window", "single window", True, True),
        ("negative list for market access", "negative list", False, True),
        ("negative list for market access", "market access", False, True),
        ("negative list for market access", "list", False, False),
        ("outsourced services", "outsourced services sector", False, True),
    ],
)
def test_name_matching_rules(gold_name, pred_name, strict, relaxed):
    report = score(
        [doc("d", [ent("g", "Policy", gold_name)])], [doc("d", [ent("p", "Policy", pred_name)])]
    )
    assert report.f1("entities", "Policy", "strict") == (1.0 if strict else 0.0)
    assert report.f1("entities", "Policy", "relaxed") == (1.0 if relaxed else 0.0)


def test_an_alias_on_either_side_can_match():
    gold = [doc("d", [ent("g", "Person", "Li Keqiang", "Premier Li Keqiang", "Li")])]
    pred = [doc("d", [ent("p", "Person", "Premier Li")])]
    assert score(gold, pred).f1("entities", "Person", "relaxed") == 1.0
    pred = [doc("d", [ent("p", "Person", "Keqiang Li", "Li")])]
    assert score(gold, pred).f1("entities", "Person", "strict") == 1.0


def test_type_must_agree():
    gold = [doc("d", [ent("g", "Organization", "Services Plus")])]
    pred = [doc("d", [ent("p", "Policy", "Services Plus")])]
    report = score(gold, pred)
    assert report.f1("entities", "ALL", "relaxed") == 0.0
    assert report.rows[("entities", "Policy")].predicted == 1


def test_matching_is_one_to_one():
    gold = [doc("d", [ent("g1", "Location", "China")])]
    pred = [doc("d", [ent("p1", "Location", "China"), ent("p2", "Location", "china")])]
    report = score(gold, pred)
    assert report.precision("entities", "ALL", "strict") == 0.5
    assert report.recall("entities", "ALL", "strict") == 1.0


def test_strict_pairs_are_taken_before_relaxed_ones():
    # p1 relaxed-matches both golds but strictly only g2; a greedy relaxed pass in
    # gold order would give p1 to g1 and leave g2 unmatched.
    gold = [doc("d", [ent("g1", "Sector", "services trade"), ent("g2", "Sector", "services")])]
    pred = [doc("d", [ent("p1", "Sector", "services"), ent("p2", "Sector", "trade in services")])]
    report = score(gold, pred)
    assert report.rows[("entities", "Sector")].strict == 1
    assert report.rows[("entities", "Sector")].relaxed == 2


def test_relations_need_predicate_and_both_ends():
    ents = [ent("a", "Person", "Li Keqiang"), ent("b", "Organization", "State Council")]
    gold = [doc("d", ents, [("a", "memberOf", "b")])]
    wrong_pred = [doc("d", ents, [("a", "partOf", "b")])]
    wrong_end = [
        doc("d", [ents[0], ent("b", "Organization", "World Bank")], [("a", "memberOf", "b")])
    ]
    right = [
        doc("d", [ent("x", "Person", "Premier Li Keqiang"), ents[1]], [("x", "memberOf", "b")])
    ]
    assert score(gold, wrong_pred).f1("relations", "ALL", "relaxed") == 0.0
    assert score(gold, wrong_end).f1("relations", "ALL", "relaxed") == 0.0
    report = score(gold, right)
    assert report.f1("relations", "memberOf", "relaxed") == 1.0
    assert report.f1("relations", "memberOf", "strict") == 0.0


def test_counts_are_micro_averaged_over_documents():
    gold = [
        doc("a", [ent("1", "Location", "China")]),
        doc("b", [ent("1", "Location", "Beijing"), ent("2", "Location", "Shanghai")]),
    ]
    pred = [doc("a", [ent("1", "Location", "China")]), doc("b", [ent("1", "Location", "Beijing")])]
    report = score(gold, pred)
    assert report.recall("entities", "Location", "strict") == pytest.approx(2 / 3)
    assert report.precision("entities", "Location", "strict") == 1.0
    assert report.documents == 2


def test_missing_prediction_counts_as_empty():
    report = score([doc("a", [ent("1", "Location", "China")])], [])
    assert report.recall("entities", "ALL", "strict") == 0.0
    assert report.rows[("entities", "ALL")].gold == 1


def test_table_and_dict_list_every_row():
    report = score(
        [doc("a", [ent("1", "Location", "China")])], [doc("a", [ent("1", "Location", "China")])]
    )
    table = report.to_table()
    for label in ("Person", "Organization", "Policy", "Sector", "Location", "memberOf", "ALL"):
        assert label in table
    data = report.to_dict()
    json.dumps(data)
    assert data["entities"]["Location"]["strict"]["f1"] == 1.0
    assert data["relations"]["ALL"]["gold"] == 0


def test_unknown_mode_is_a_clear_error():
    with pytest.raises(KeyError, match="strict"):
        EvalReport().f1("entities", "ALL", "fuzzy")


def test_read_gold_dir_rejects_bad_input(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_gold_dir(tmp_path / "nope")
    with pytest.raises(InputError, match="no .json files"):
        read_gold_dir(tmp_path)
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="bad.json"):
        read_gold_dir(tmp_path)
    (tmp_path / "bad.json").write_text('{"entities": []}', encoding="utf-8")
    with pytest.raises(InputError, match="not a gold document"):
        read_gold_dir(tmp_path)


def test_evaluate_runs_the_pipeline_on_gold_texts(tmp_path, nlp):
    text = "Premier Li Keqiang chaired a meeting of the State Council in Beijing."
    gold = doc("mine", [ent("e1", "Person", "Li Keqiang"), ent("e2", "Location", "Beijing")])
    gold["text"] = text
    (tmp_path / "mine.json").write_text(json.dumps(gold), encoding="utf-8")
    report = evaluate(tmp_path, nlp)
    assert report.recall("entities", "ALL", "strict") == 1.0


@pytest.mark.skipif(not DEV_SET.is_dir(), reason=f"dev set not found at {DEV_SET}")
def test_dev_set_floors(nlp):
    report = evaluate(DEV_SET, nlp)
    assert report.f1("entities", "ALL", "relaxed") >= 0.90
    assert report.f1("entities", "ALL", "strict") >= 0.88
    # The learned relation classifiers follow the denser annotation of train/ (they
    # lower dev from 0.78 to 0.69 and raise the cross-validated score: test_learn.py).
    assert report.f1("relations", "ALL", "relaxed") >= 0.65
    for typ in ("Person", "Organization", "Policy", "Sector", "Location"):
        assert report.f1("entities", typ, "relaxed") >= 0.80, typ
