"""Package list for setuptools: traceapp's own packages plus resources/ as traceapp.resources."""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["traceapp", "traceapp.*"]), "traceapp.resources"])
