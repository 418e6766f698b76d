"""`python -m agent` is the `onbrand` command."""

import sys

from agent.cli import main

sys.exit(main())
