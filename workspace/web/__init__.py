"""The pages: server-rendered HTML (Jinja2), one router per file in ``routes/``."""
