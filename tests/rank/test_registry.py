"""Unknown part names give one error naming the kind, the name and what is known."""

from __future__ import annotations

import pytest

from lreview.rank.active import get_model
from lreview.rank.models import get_classifier
from lreview.rank.stopping import get_stopper


def test_unknown_names_are_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown model 'elas'; known: \['elas_u4', 'lreview'\]"):
        get_model("elas")
    with pytest.raises(ValueError, match=r"unknown classifier 'svn'; known: \[.*'svm'"):
        get_classifier("svn")
    with pytest.raises(ValueError, match=r"unknown stopping rule 'knee'; known: \['buscar'\]"):
        get_stopper("knee")
    assert get_stopper("buscar", recall_target=0.9).recall_target == 0.9
