"""`python -m agent` is the `onbrand` command."""

import sys

from agent.cli.main import main

sys.exit(main())
