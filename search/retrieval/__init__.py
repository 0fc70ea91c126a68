"""Retrieval: the engine over a loaded generation, query parsing, fusion, filters, catalogue."""
