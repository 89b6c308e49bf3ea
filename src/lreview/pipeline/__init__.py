"""The steps a flow runs, each one call: harvest, import, ingest, refresh, status.

Each step opens the review's store, does one idempotent piece of work and returns a small summary
value that the CLI prints and the Prefect flows publish.
"""

from lreview.pipeline.common import open_store, table
from lreview.pipeline.cycle import RefreshSummary, refresh
from lreview.pipeline.decisions import read_decisions_csv
from lreview.pipeline.duplicates import (
    DedupStepSummary,
    decide_possible_duplicates,
    deduplicate,
    deduplicate_store,
    export_possible_duplicates,
)
from lreview.pipeline.imports import (
    FileResult,
    ImportSummary,
    import_dropped_files,
    import_files,
    import_folders,
)
from lreview.pipeline.ingest import InboxResult, IngestSummary, ingest_decisions, ingest_inbox
from lreview.pipeline.pubmed import (
    HarvestSummary,
    find_search,
    harvest,
    harvest_search,
    harvest_window,
    pubmed_client,
    refresh_lock,
    unlock,
)
from lreview.pipeline.ranking import (
    RankStepSummary,
    apply_stopping_rule,
    feature_cache_path,
    rank,
    rank_store,
    reproduce,
)
from lreview.pipeline.report import StatusReport, status
from lreview.pipeline.screening import EmitSummary, emit_workbooks, review_states, screening_dir

__all__ = [
    "DedupStepSummary",
    "EmitSummary",
    "FileResult",
    "HarvestSummary",
    "InboxResult",
    "ImportSummary",
    "IngestSummary",
    "RankStepSummary",
    "RefreshSummary",
    "StatusReport",
    "apply_stopping_rule",
    "decide_possible_duplicates",
    "deduplicate",
    "deduplicate_store",
    "emit_workbooks",
    "export_possible_duplicates",
    "feature_cache_path",
    "find_search",
    "harvest",
    "harvest_search",
    "harvest_window",
    "import_dropped_files",
    "import_files",
    "import_folders",
    "ingest_decisions",
    "ingest_inbox",
    "open_store",
    "pubmed_client",
    "rank",
    "rank_store",
    "read_decisions_csv",
    "refresh",
    "refresh_lock",
    "reproduce",
    "review_states",
    "screening_dir",
    "status",
    "table",
    "unlock",
]
