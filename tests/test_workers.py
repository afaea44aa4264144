"""``--workers N``: whole documents extracted in local worker processes (kg.cluster.PoolExtractor).

That a build with two workers gives the graph one worker gives is tested with the
other reproducibility checks (tests/test_reproducible.py).
"""

from __future__ import annotations

import os
import signal

import pytest

from kg.cluster import PoolExtractor
from kg.config import Config
from kg.errors import KGError
from kg.extraction import Extractor
from kg.model import Document

TEXTS = [
    "Premier Li Qiang chaired a State Council meeting in Beijing on Friday.",
    "The Ministry of Commerce issued the Negative List for foreign investment.",
    "The European Commission adopted the InvestEU programme for small firms.",
]


@pytest.fixture(scope="module")
def pool():
    with Extractor.from_config(Config(workers=2)) as extractor:
        assert isinstance(extractor, PoolExtractor)
        yield extractor


def test_workers_give_the_extractions_of_one_process_in_input_order(pool, nlp):
    docs = [Document(f"d{i}", t) for i, t in enumerate(TEXTS * 3)]
    here = [x.to_dict() for x in Extractor(nlp)(docs)]
    assert [x.to_dict() for x in pool(docs)] == here
    assert pool.pipeline_name == Extractor(nlp).pipeline_name


def test_a_worker_that_dies_gives_one_clear_error():
    with Extractor.from_config(Config(workers=2)) as extractor:
        assert isinstance(extractor, PoolExtractor)
        for process in list(extractor.executor._processes.values()):
            os.kill(process.pid, signal.SIGKILL)
            process.join(30)
        with pytest.raises(KGError, match="worker process died"):
            list(extractor([Document("d", TEXTS[0])]))
