"""The ``caseload`` command: the top layer, a thin click layer over the library.

It calls only the public APIs below it (``allocator``, ``scenarios``,
``models``); heavy imports (OR-Tools, pandas) happen inside the commands that
need them, so ``caseload --help`` starts quickly.
"""
