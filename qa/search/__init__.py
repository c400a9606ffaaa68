"""Search: tokens, candidate retrieval, one ranking module, answer sentences and spans."""
