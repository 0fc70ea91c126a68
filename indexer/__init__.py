"""Avatar Scholar: indexer package."""
