"""Entry point of the bundled program: the `traceapp` command line, the window when started bare."""

from __future__ import annotations

import sys

from traceapp.cli import main

if __name__ == "__main__":
    # A menu entry or a double click starts the program without arguments: that means the window.
    # With arguments it is the same command line as `traceapp` in a development checkout.
    arguments = sys.argv[1:] or ["gui"]
    sys.exit(main(arguments))
