"""Ingest: from a landed file to a published clean partition and its quarantine."""
