"""The Chinese→English term lexicon: mined from aligned digest text, merged with the glossary.

`pairs` finds aligned (Chinese, English) text in digests, `units` tokenises both sides,
`model1` aligns them (IBM Model 1, EM), `mine` turns alignments into weighted term
translations, and `table` reads and writes the shipped TSV with its provenance.
"""
