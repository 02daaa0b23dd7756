"""`python -m hyperdesk.core.cli`: the headless commands without the window."""

import sys

from hyperdesk.core.cli import main

sys.exit(main())
