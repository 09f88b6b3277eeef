"""The Live monitor page: live sensor charts, history, gaps and alarms of equipment."""

from traceapp.ui.live_monitor.page import LiveMonitorPage

__all__ = ["LiveMonitorPage"]
