"""EPCIS 2.0 JSON-LD documents built from `traceapp.domain.epcis` events."""

from traceapp.reports.epcis.document import document_json, dumps_document, event_json

__all__ = ["document_json", "dumps_document", "event_json"]
