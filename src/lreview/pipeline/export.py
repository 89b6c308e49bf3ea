"""`lreview export`: the included studies (CSV or RIS for Zotero/EndNote) or the whole decision log (CSV).

Which publications are included comes from the lifecycle states (`screening.states`): included at full
text. The files are formatted by `screening.export` and written here.
"""

from __future__ import annotations

from pathlib import Path

from lreview.config import ReviewConfig
from lreview.decisions import FULL_TEXT
from lreview.errors import InputError
from lreview.pipeline.common import open_store
from lreview.pipeline.screening import review_states
from lreview.screening.export import IncludedStudy, decisions_csv, included_csv, included_ris
from lreview.screening.states import Lifecycle

WHAT = ("included", "decisions")
FORMATS = ("csv", "ris")


def export(config: ReviewConfig, what: str, fmt: str, output: Path) -> str:
    """Write the export to `output`; return a one-line summary."""
    if what not in WHAT or fmt not in FORMATS:
        raise InputError(
            f"export: --what must be one of {'/'.join(WHAT)} and --format one of {'/'.join(FORMATS)}"
        )
    if what == "decisions" and fmt != "csv":
        raise InputError("export: the decision log is exported as CSV only (--format csv)")
    with open_store(config) as store:
        if what == "decisions":
            log = store.decisions(config.review_id)
            found = store.get_records(config.review_id, sorted({d.record_id for d in log}))
            text = decisions_csv(log, {rid: s.record.title for rid, s in found.items()})
            count = len(log)
        else:
            states = review_states(config, store)
            included = [p for p in states.publications if p.lifecycle == Lifecycle.INCLUDED]
            found = store.get_records(config.review_id, [p.record_id for p in included])
            studies = []
            for p in included:
                said = [
                    *p.title_abstract.current.values(),
                    *(p.full_text.current.values() if p.full_text else ()),
                ]
                arbiter = [s.arbiter for s in (p.title_abstract, p.full_text) if s is not None and s.arbiter]
                people = [*said, *arbiter]
                studies.append(
                    IncludedStudy(
                        record=found[p.record_id].record,
                        record_id=p.record_id,
                        stage=FULL_TEXT,
                        decision="include",
                        reasons=tuple(d.reason for d in people if d.reason),
                        notes=tuple(d.notes for d in people if d.notes),
                        reviewers=tuple(dict.fromkeys(d.reviewer for d in people)),
                    )
                )
            text = included_ris(studies) if fmt == "ris" else included_csv(studies)
            count = len(studies)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8", newline="")
    kind = "decisions" if what == "decisions" else "included studies"
    return f"{count} {kind} of review {config.review_id} written to {output} ({fmt.upper()})"
