"""Index: the build pipeline and the index folder (generations, manifest, chunk store, FAISS, BM25)."""
