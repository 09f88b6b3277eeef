"""TraceApp: traceability and quality control for factories."""

__version__ = "0.1.0"
