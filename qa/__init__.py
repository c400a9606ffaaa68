"""Offline question answering over a folder of texts.

Pipeline stages, one module each: load → chunk → embed → index → retrieve → highlight → evaluate.
Importing the package loads no model and configures no logging.
"""

__version__ = "0.1.0"
