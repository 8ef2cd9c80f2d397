"""`python -m builder` runs the command line."""

from builder.cli.main import run

run()
