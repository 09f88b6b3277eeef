"""Typed errors for labels: content that cannot be labelled, or a label too small for it."""

from __future__ import annotations

from traceapp.domain.errors import InvalidInput


class LabelError(InvalidInput):
    """A label cannot be made from this content; the message says which field to fix."""

    code = "label_error"


class LabelDoesNotFit(LabelError):
    """The symbol or the text cannot fit the label size at the smallest readable size."""

    code = "label_does_not_fit"
