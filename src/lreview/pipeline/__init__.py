"""The steps of a living review, each one call (harvest, import, ingest, dedupe, rank, emit, report),
and the loops that run them in the one order of `steps.py` (refresh, ingest, PRISMA).

Each returns a small summary value that the CLI prints and the Prefect flows publish.
"""

from lreview.pipeline.common import open_store, table
from lreview.pipeline.cycle import (
    IngestLoopSummary,
    PrismaLoopSummary,
    RefreshSummary,
    ingest_loop,
    prisma_loop,
    refresh,
)
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
from lreview.pipeline.locking import LOCK_WAIT, refresh_lock, review_lock, unlock
from lreview.pipeline.pubmed import (
    HarvestSummary,
    find_search,
    harvest,
    harvest_search,
    harvest_window,
    pubmed_client,
)
from lreview.pipeline.ranking import (
    RankStepSummary,
    apply_stopping_rule,
    emit_ranked,
    feature_cache_path,
    rank,
    rank_store,
    reproduce,
)
from lreview.pipeline.report import StatusReport, status
from lreview.pipeline.screening import EmitSummary, emit_workbooks, review_states, screening_dir
from lreview.pipeline.steps import (
    INGEST_STEPS,
    LOOPS,
    PRISMA_STEPS,
    REFRESH_STEPS,
    LoopInputs,
    LoopRun,
    Step,
    StepTime,
    run_loop,
)

__all__ = [
    "INGEST_STEPS",
    "LOCK_WAIT",
    "LOOPS",
    "PRISMA_STEPS",
    "REFRESH_STEPS",
    "DedupStepSummary",
    "EmitSummary",
    "FileResult",
    "HarvestSummary",
    "InboxResult",
    "ImportSummary",
    "IngestLoopSummary",
    "IngestSummary",
    "LoopInputs",
    "LoopRun",
    "PrismaLoopSummary",
    "RankStepSummary",
    "RefreshSummary",
    "StatusReport",
    "Step",
    "StepTime",
    "apply_stopping_rule",
    "decide_possible_duplicates",
    "deduplicate",
    "deduplicate_store",
    "emit_ranked",
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
    "ingest_loop",
    "open_store",
    "prisma_loop",
    "pubmed_client",
    "rank",
    "rank_store",
    "read_decisions_csv",
    "refresh",
    "refresh_lock",
    "reproduce",
    "review_lock",
    "review_states",
    "run_loop",
    "screening_dir",
    "status",
    "table",
    "unlock",
]
