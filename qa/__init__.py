"""Offline question answering over a folder of texts.

Packages by stage, in the order data flows: `ingest` (files → passages) → `models` (texts → vectors) →
`index` (the build and the index folder) → `search` (retrieve, rank, highlight) → `engine` (the front door) →
`evaluate`; `web` and `cli` are shells. Importing the package loads no model and configures no logging.
"""

__version__ = "0.1.0"
