"""``python -m caseload``: the same as the ``caseload`` command."""

from caseload.cli import main

main()
