"""`python -m builder` runs the command line."""

import sys

from builder.cli import main

sys.exit(main())
