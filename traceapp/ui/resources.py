"""Find the files shipped in traceapp.resources, from a source tree or an installed wheel."""

from __future__ import annotations

from importlib.resources import as_file, files

from PySide6.QtGui import QIcon


def app_icon() -> QIcon:
    resource = files("traceapp.resources").joinpath("icons/traceapp.svg")
    with as_file(resource) as path:
        return QIcon(str(path))
