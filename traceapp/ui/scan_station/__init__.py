"""The scan station page: steps, scanning, one-key confirm, green/red feedback, undo."""

from traceapp.ui.scan_station.page import ScanStationPage

__all__ = ["ScanStationPage"]
