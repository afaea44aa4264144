"""The learned stages: features, the JSON classifier, training, cross-validation, `kg train`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kg.evaluate import read_gold_dirs
from kg.learn.features import DocumentView, candidate_pairs, entity_features, pair_features
from kg.learn.linear import LinearModel, fit
from kg.learn.refine import LearnedModels, Thresholds
from kg.learn.train import entity_label, fit_models, folds, prepare
from kg.model import PREDICATES, Document, Entity, Extraction, Mention, Relation
from tests.conftest import DEV_SET, EXAMPLES, TRAIN_SET, run_kg

TEXT = (
    "The Ministry of Finance issued the Green Plan on Monday.\n"
    "The plan supports solar power and wind power in Kenya."
)


def _extraction() -> Extraction:
    spans = [
        ("Organization", "Ministry of Finance", "ner.ORG"),
        ("Policy", "Green Plan", "policy.instrument.v1"),
        ("Sector", "solar power", "sector.lexicon"),
        ("Sector", "wind power", "sector.lexicon"),
        ("Location", "Kenya", "ner.GPE"),
    ]
    ents = []
    for i, (typ, name, rule) in enumerate(spans, 1):
        start = TEXT.index(name)
        sent_start = 0 if start < TEXT.index("\n") else TEXT.index("\n") + 1
        sent_end = TEXT.index("\n") if sent_start == 0 else len(TEXT)
        m = Mention(f"m{i}", typ, name, start, start + len(name), sent_start, sent_end, rule)
        ents.append(Entity(f"e{i}", typ, name, (), f"{typ}/{name.lower()}", (m,)))
    rel = Relation("e2", "issuedBy", "e1", "issuedBy.verb_dobj.v1", 0, TEXT.index("\n"))
    return Extraction(Document("d1", TEXT), tuple(ents), (rel,))


def test_pair_features_see_words_between_and_sentence_distance() -> None:
    view = DocumentView(_extraction())
    same = pair_features(view, "e2", "issuedBy", "e1")
    assert same["same_sentence"] == 1.0 and same["between=issued"] == 1.0 and same["rule"] == 1.0
    across = pair_features(view, "e2", "concernsSector", "e3")
    assert "same_sentence" not in across and across["sent_dist=1"] == 1.0


def test_pair_features_count_nearer_competitors_and_name_heads() -> None:
    view = DocumentView(_extraction())
    near = pair_features(view, "e2", "concernsSector", "e3")
    far = pair_features(view, "e2", "concernsSector", "e4")
    assert near["o_nearer=0"] == 1.0 and far["o_nearer=1"] == 1.0
    assert near["o_head=power"] == 1.0 and near["s_head=plan"] == 1.0
    issued = pair_features(view, "e2", "issuedBy", "e1")
    assert issued["o_left=the"] == 1.0 and issued["s_right=on"] == 1.0


def test_candidate_pairs_follow_the_type_signatures() -> None:
    pairs = list(candidate_pairs(DocumentView(_extraction())))
    assert ("e2", "concernsSector", "e3") in pairs and ("e1", "locatedIn", "e5") in pairs
    assert ("e3", "concernsSector", "e2") not in pairs and ("e5", "locatedIn", "e1") not in pairs
    assert len(pairs) == len(set(pairs))


def test_entity_features_hold_name_words_and_context() -> None:
    x = _extraction()
    f = entity_features(DocumentView(x), x.entities[1])
    assert f["last=plan"] == 1.0 and f["left=the"] == 1.0 and f["rule=policy.instrument.v1"] == 1.0


def test_entity_label_takes_the_gold_type_or_none() -> None:
    gold = [{"id": "g1", "type": "Policy", "name": "Green Plan", "aliases": []}]
    x = _extraction()
    assert entity_label(x.entities[1], gold) == "Policy"
    assert entity_label(x.entities[0], gold) == "None"


def test_linear_model_round_trips_through_json_and_separates_classes() -> None:
    feats = [{"a": 1.0}, {"b": 1.0}] * 10
    model = fit(feats, ["1", "0"] * 10, c=10.0)
    again = LinearModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again.probabilities({"a": 1.0})["1"] > 0.9 > again.probabilities({"b": 1.0})["1"]
    assert again.to_dict() == model.to_dict()


def test_refine_keeps_a_relation_the_classifier_accepts_across_sentences() -> None:
    # A relation model that accepts every concernsSector pair and nothing else.
    yes = LinearModel(("0", "1"), {}, (10.0,))
    no = LinearModel(("0", "1"), {}, (-10.0,))
    relations = {p: (yes if p == "concernsSector" else no) for p in PREDICATES}
    x = LearnedModels(None, relations, Thresholds()).refine(_extraction())
    assert {(r.subject, r.predicate, r.object) for r in x.relations} == {
        ("e2", "concernsSector", "e3"),
        ("e2", "concernsSector", "e4"),
    }
    assert all(r.rule == "learned.concernsSector.v1" for r in x.relations)
    # The evidence spans both sentences: the policy's and the sector's.
    assert x.relations[0].sentence_start == 0 and x.relations[0].sentence_end == len(TEXT)


def test_refine_drops_and_retypes_entities_and_renumbers() -> None:
    ent = LinearModel(
        ("Location", "None", "Organization", "Policy", "Sector"),
        {"word=ministry": (0, 0, 0, 20, 0), "word=kenya": (0, 20, 0, 0, 0)},
        (0.0, 0.0, 0.0, 0.0, 0.0),
    )
    x = LearnedModels(ent, {}, Thresholds()).refine(_extraction())
    names = [(e.id, e.type, e.name) for e in x.entities]
    assert ("e1", "Policy", "Ministry of Finance") in names
    assert all(name != "Kenya" for _, _, name in names)
    assert [e.id for e in x.entities] == [f"e{i}" for i in range(1, len(x.entities) + 1)]
    assert x.entities[0].key.startswith("Policy/")
    assert x.relations == ()  # issuedBy → a Policy is not a relation any more


def test_folds_are_fixed_by_the_seed_and_cover_every_document() -> None:
    ids = [f"d{i}" for i in range(11)]
    a, b = folds(ids, 3, seed=1), folds(list(reversed(ids)), 3, seed=1)
    assert a == b and sorted(sum(a, [])) == sorted(ids)


def test_bundled_weights_load_and_cover_every_predicate() -> None:
    models = LearnedModels.load()
    assert models.entities is not None and set(models.relations) == set(PREDICATES)
    assert models.card["documents"] >= 40


@pytest.fixture(scope="module")
def small_gold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six development documents in a folder of their own (at test time, never committed)."""
    folder = tmp_path_factory.mktemp("gold")
    for f in sorted(DEV_SET.glob("*.json"))[:6]:
        shutil.copy(f, folder / f.name)
    return folder


def test_training_is_reproducible(small_gold: Path, nlp_rules) -> None:  # type: ignore[no-untyped-def]
    examples = prepare(read_gold_dirs([small_gold]), nlp_rules)
    assert fit_models(examples).to_dict() == fit_models(examples).to_dict()


def test_kg_train_cli_trains_cross_validates_and_builds_with_the_result(
    small_gold: Path, tmp_path: Path
) -> None:
    model_dir = tmp_path / "model"
    done = run_kg("train", str(small_gold), "-o", str(model_dir), "--cv", "2")
    assert done.returncode == 0, done.stderr
    assert "2-fold cross-validation over 6 documents" in done.stdout
    assert "relations  ALL" in done.stdout and "kg: fold 2/2" in done.stderr
    assert (model_dir / "kg_learned" / "learned.json").is_file()
    card = json.loads((model_dir / "kg_learned" / "learned.json").read_text())["card"]
    assert card["documents"] == 6
    out = tmp_path / "graph"
    built = run_kg("build", str(EXAMPLES), "-o", str(out), "--model", str(model_dir))
    assert built.returncode == 0, built.stderr
    assert "Built" in built.stdout
    scored = run_kg("eval", str(small_gold), "--model", str(model_dir), "--json")
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout)["documents"] == 6


def test_kg_train_api_returns_scores_and_models(small_gold: Path) -> None:
    import kg

    result = kg.train([small_gold], cv=3)
    assert result.documents == 6 and result.output is None
    assert result.cv is not None and result.cv_rules is not None
    assert 0.0 < result.cv.f1("entities") <= 1.0
    assert set(result.models.relations) <= set(PREDICATES)


def test_kg_train_bad_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    done = run_kg("train", str(tmp_path / "missing"), "-o", str(tmp_path / "m"))
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "does not exist" in done.stderr
    assert not (tmp_path / "m").exists()


def test_kg_eval_cv_out_of_range_is_a_clear_error(small_gold: Path) -> None:
    done = run_kg("eval", str(small_gold), "--cv", "9")
    assert done.returncode == 2 and "--cv 9 needs between 2 and 6 folds" in done.stderr


@pytest.mark.skipif(not TRAIN_SET.is_dir(), reason=f"train set not found at {TRAIN_SET}")
def test_cross_validated_scores_beat_the_rules_on_train_and_dev(nlp_rules) -> None:  # type: ignore[no-untyped-def]
    from kg.learn.train import cross_validate

    learned, rules = cross_validate(read_gold_dirs([TRAIN_SET, DEV_SET]), 5)
    assert learned.documents == rules.documents >= 50
    assert learned.f1("relations") >= rules.f1("relations") + 0.05
    assert learned.f1("relations") >= 0.36
    assert learned.f1("entities") >= rules.f1("entities") - 0.01


def test_a_predicate_without_a_model_keeps_the_rules_relations() -> None:
    x = LearnedModels(None, {"memberOf": LinearModel(("0", "1"), {}, (-10.0,))}).refine(
        _extraction()
    )
    assert [(r.subject, r.predicate, r.object, r.rule) for r in x.relations] == [
        ("e2", "issuedBy", "e1", "issuedBy.verb_dobj.v1")
    ]
