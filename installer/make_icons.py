"""Render resources/icons/traceapp.svg into the Windows .ico and macOS .icns the spec uses.

    .venv/bin/python installer/make_icons.py

Writes installer/windows/traceapp.ico and installer/macos/traceapp.icns (not committed: made from
the SVG on the build machine, so the icon has one source). Linux menus take the SVG itself.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "resources" / "icons" / "traceapp.svg"
ICO = ROOT / "installer" / "windows" / "traceapp.ico"
ICNS = ROOT / "installer" / "macos" / "traceapp.icns"
ICO_SIZES = [16, 24, 32, 48, 64, 128, 256]
ICNS_SIZES = [16, 32, 64, 128, 256, 512, 1024]


def render(svg: Path, size: int) -> Image.Image:
    """The SVG drawn on a transparent square of `size` pixels (Qt's SVG renderer)."""
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _app = QGuiApplication.instance() or QGuiApplication([])
    image = QImage(size, size, QImage.Format.Format_RGBA8888)  # Pillow's RGBA byte order
    image.fill(0)
    painter = QPainter(image)
    QSvgRenderer(str(svg)).render(painter)
    painter.end()
    return Image.frombytes("RGBA", (size, size), bytes(image.constBits()))


def main() -> int:
    largest = render(SOURCE, max(ICNS_SIZES))
    ICO.parent.mkdir(parents=True, exist_ok=True)
    largest.save(ICO, sizes=[(size, size) for size in ICO_SIZES])
    ICNS.parent.mkdir(parents=True, exist_ok=True)
    largest.save(ICNS, sizes=[(size, size) for size in ICNS_SIZES])
    print(f"make_icons: {ICO.relative_to(ROOT)}, {ICNS.relative_to(ROOT)} from {SOURCE.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
