"""The mock 校務支援システム as a OneRoster 1.2 REST provider (rostering, gradebook, OAuth 2.0 token
endpoint, CSV bulk/delta exports, a school-year admin API), backed by SQLite (``store``)."""
