"""Settings, the database engine and security: what every part of the workspace shares."""
