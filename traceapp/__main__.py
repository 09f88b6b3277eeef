"""Lets `python -m traceapp` run the command line."""

from traceapp.cli import main

raise SystemExit(main())
