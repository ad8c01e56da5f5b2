"""Starting the TUI fast: the first screenful is read while the interface starts.

- ``launch``: recognises ``rcv`` with global options only, forks the start-up process (or,
  with ``RECOUVREMENT_PREFETCH=0``, checks the database first) and runs the app.
- ``prefetch``: the start-up process and the pipe its answers come through.
- ``messages``: what it sends, one dataclass each.
- ``first_screen``: what the dossier list shows first, read with the database driver alone.
- ``driver``: the database opened with its driver alone, and the checks every command makes.

Nothing here imports Textual or the database layer at module level (see
docs/ARCHITECTURE.md, "Starting fast").
"""
