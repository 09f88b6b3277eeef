"""The demo plant generator: a realistic, seeded plant of any size for demos and benchmarks."""

from traceapp.services.demo.builder import build_demo_plant
from traceapp.services.demo.summary import LANDMARKS_META_KEY, DemoSummary

__all__ = ["LANDMARKS_META_KEY", "DemoSummary", "build_demo_plant"]
