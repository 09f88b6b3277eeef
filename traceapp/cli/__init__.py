"""The `traceapp` command line: one subcommand per core use case, `--json` output for scripts."""

from traceapp.cli.runner import main

__all__ = ["main"]
