"""``python -m tui.cli``: the command line, as the ``recouvrement`` script runs it."""

import sys

from tui.cli import main

# Guarded: a process that multiprocessing spawns (a large batch's QR codes,
# engine.documents.pdf) imports the main module again, and must not run a command.
if __name__ == "__main__":
    sys.exit(main())
