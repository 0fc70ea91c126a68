"""Avatar Scholar: search package."""
