"""Rebuild the lexicon from digest folders: pairs → mining → glossary merge → TSV text.

Deterministic: the same digests, glossary, parameters and jieba version give the same
bytes, so a committed lexicon can be checked against a rebuild (tests/search/test_lexicon.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

from search.errors import LexiconError
from search.lexicon.mine import MiningParams, curated_entries, merge, mine
from search.lexicon.pairs import TITLE_WEIGHT, corpus_pairs, digest_papers
from search.lexicon.table import general_words, glossary, parse_glossary, render

logger = logging.getLogger(__name__)

MINER_VERSION = 1  # bump when mining changes what it produces from the same input


def build_lexicon(roots: Sequence[Path], params: MiningParams | None = None,
                  glossary_text: str | None = None) -> str:
    """The lexicon file's text, mined from the digests under `roots`.

    Raises:
        ParseError: a root does not exist.
        LexiconError: the digests hold no aligned Chinese/English text.
    """
    params = params or MiningParams()
    papers = digest_papers(roots)
    pairs = corpus_pairs(papers)
    if not pairs:
        raise LexiconError(f"no digest entries with Chinese summaries under {', '.join(map(str, roots))}")
    logger.info("lexicon: aligning %d Chinese/English pairs of %d papers (IBM Model 1, %d EM "
                "iterations each way)", len(pairs), len(papers), params.iterations)
    mined = mine(pairs, params)
    terms = parse_glossary(glossary_text) if glossary_text else glossary()
    curated = curated_entries({**general_words(), **terms})  # the field's glossary wins
    entries = merge(mined, curated)
    titles = sum(1 for p in pairs if p.weight == TITLE_WEIGHT)
    replaced = len(mined) + len(curated) - len(entries)
    provenance = [
        "Avatar Scholar Chinese→English term lexicon. Generated, do not edit: change",
        "search/data/glossary_zh_en.tsv, search/data/general_zh_en.tsv or the miner, then run",
        "`avatar-scholar lexicon ../shared/corpus/chatpaperfree -o search/data/lexicon_zh_en.tsv`.",
        f"source: ChatPaperFree digests in {', '.join(sorted(r.name for r in roots))}: "
        f"{len(papers)} papers, {len(pairs)} aligned pairs ({titles} title pairs, weight {TITLE_WEIGHT:g})",
        "method: IBM Model 1 by EM in both directions, t(English token | Chinese unit) and back; "
        "Chinese units are jieba words, glued single characters and frequent two-word phrases; "
        "English words the Chinese side writes in Latin letters are left out; a candidate needs "
        "t, expected links and a Dunning G2 co-occurrence test; candidates merged by lemma, "
        "spelled as their most frequent English word; a phrase also keeps its words' "
        "translations that its English nearly always holds; the glossary and the general words "
        "replace mined terms",
        "params: " + " ".join(f"{k}={v}" for k, v in params.model_dump().items()),
        f"code: miner v{MINER_VERSION}, jieba {version('jieba')}",
        f"entries: {len(entries)} ({len(entries) - len(curated)} mined, {len(curated)} curated; "
        f"{replaced} mined terms replaced by curated ones)",
    ]
    return render(entries, provenance)
