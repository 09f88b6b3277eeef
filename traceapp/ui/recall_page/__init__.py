"""Recall & reports page: the timed recall drill, holding what is on site, signed exports."""

from traceapp.ui.recall_page.page import RecallPage

__all__ = ["RecallPage"]
