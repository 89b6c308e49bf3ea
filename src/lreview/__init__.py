"""lreview: a living systematic-review screening pipeline (library; never imports Prefect)."""

__version__ = "0.1.0"
