"""Exports: BibTeX entries and ChatPaperFree-style digests."""
