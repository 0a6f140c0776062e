"""The indexer: Chinese analysis, embeddings, and the search index backends."""
