"""Avatar Scholar: ui package."""
