"""Answering: evidence, extractive and LLM overviews of questions and of single papers."""
