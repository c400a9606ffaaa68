"""Ingest: files in a corpus folder → Documents → sentences → passages (Chunks)."""
