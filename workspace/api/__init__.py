"""The JSON API (``/api/...``): one router per file in ``routes/``, dependencies in ``deps``."""
