"""`onbrand`, the command line: a thin shell over `agent.core.Onbrand`."""

from agent.cli.main import main

__all__ = ["main"]
