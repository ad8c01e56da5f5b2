"""``python -m tui.cli``: the command line, as the ``recouvrement`` script runs it."""

import sys

from tui.cli import main

sys.exit(main())
