"""The lexicon's TSV file (provenance header, one term per row) and the curated glossary.

    # provenance lines
    zh<TAB>en<TAB>weights<TAB>source<TAB>df
    说话<TAB>talking|speaking<TAB>0.83|0.05<TAB>mined<TAB>147

Candidates and their weights are `|`-separated, best first. The file is written in one
deterministic order (by term) so a rebuild can be compared byte for byte.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

from indexer.textproc import fold
from search.errors import LexiconError
from search.lexicon.mine import Entry

COLUMNS = ("zh", "en", "weights", "source", "df")
LEXICON = "data/lexicon_zh_en.tsv"
GLOSSARY = "data/glossary_zh_en.tsv"
# Everyday words of a paper's methods and experiments (附录, 标定, 单层) that the digests'
# summaries rarely write, so mining misses or mistranslates them. Kept apart from the
# glossary because they name no technique: they translate, but are no field terms.
GENERAL = "data/general_zh_en.tsv"


def parse_glossary(text: str) -> dict[str, list[str]]:
    """Curated glossary rows: Chinese term → English translations, best first."""
    terms: dict[str, list[str]] = {}
    for line in text.splitlines()[1:]:
        if "\t" in line:
            zh, en = line.split("\t", 1)
            terms["".join(zh.split())] = [e.strip() for e in en.split("|") if e.strip()]
    return terms


def render(entries: Sequence[Entry], provenance: Sequence[str]) -> str:
    """The file's text: `# ` provenance lines, the column header, one row per entry."""
    lines = [f"# {line}" for line in provenance] + ["\t".join(COLUMNS)]
    lines += ["\t".join([e.zh, "|".join(e.en), "|".join(f"{w:g}" for w in e.weights), e.source,
                         str(e.df)]) for e in entries]
    return "\n".join(lines) + "\n"


def parse(text: str, origin: str = "lexicon") -> dict[str, Entry]:
    """Entries by term. Raises LexiconError naming the line of a malformed row."""
    table: dict[str, Entry] = {}
    rows = [(n, ln) for n, ln in enumerate(text.splitlines(), 1) if ln and not ln.startswith("#")]
    for n, line in rows[1:]:
        cells = line.split("\t")
        try:
            zh, en, weights, source, df = cells
            entry = Entry(zh=zh, en=en.split("|"), weights=[float(w) for w in weights.split("|")],
                          source=source, df=int(df))
        except ValueError as exc:
            raise LexiconError(f"{origin} line {n}: malformed row {line[:60]!r}") from exc
        if len(entry.en) != len(entry.weights):
            raise LexiconError(f"{origin} line {n}: {len(entry.en)} translations but "
                               f"{len(entry.weights)} weights")
        table[zh] = entry
    return table


def write(path: Path, text: str) -> None:
    """Write atomically: a reader never sees half a lexicon."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the lexicon is package data
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def packaged_text(name: str) -> str:
    """A data file shipped in the `search` package."""
    return resources.files("search").joinpath(name).read_text("utf-8")


@lru_cache(maxsize=1)
def packaged_lexicon() -> dict[str, Entry]:
    """The shipped lexicon (mined terms merged with the glossary), by term."""
    return parse(packaged_text(LEXICON), LEXICON)


def glossary() -> dict[str, list[str]]:
    """The curated glossary: Chinese term → English translations, best first."""
    return parse_glossary(packaged_text(GLOSSARY))


def general_words() -> dict[str, list[str]]:
    """Curated everyday research words: Chinese → English translations, best first."""
    return parse_glossary(packaged_text(GENERAL))


def mined_names() -> dict[str, list[str]]:
    """Mined terms whose best English candidate is clearly best (weight ≥ 0.5), that one only."""
    return {zh: e.en[:1] for zh, e in packaged_lexicon().items()
            if e.source == "mined" and e.weights and e.weights[0] >= 0.5}


# Where English terms get their Chinese names; earlier sources win.
ZH_SOURCES: tuple[Callable[[], dict[str, list[str]]], ...] = (glossary, mined_names)
_TOKEN = re.compile(r"[a-z0-9]+")


def english_key(text: str) -> str:
    """How an English term is looked up: lower case, word characters, plurals folded."""
    return " ".join(fold(t) for t in _TOKEN.findall(text.lower().replace("-", " ")))


@lru_cache(maxsize=1)
def english_to_chinese() -> dict[str, str]:
    """English term key → the Chinese term that lists it earliest among its translations
    (earlier sources first, then the term listed first: the glossary's curated order)."""
    best: dict[str, tuple[int, int, int, str]] = {}
    for rank_source, source in enumerate(ZH_SOURCES):
        for order, (zh, translations) in enumerate(source().items()):
            for position, en in enumerate(translations):
                key = english_key(en)
                choice = (rank_source, position, order, zh)
                if key and (key not in best or choice < best[key]):
                    best[key] = choice
    return {key: choice[3] for key, choice in best.items()}


@lru_cache(maxsize=1)
def field_terms() -> frozenset[str]:
    """English keys of the curated glossary's terms: the field's own vocabulary (NeRF,
    3DMM, diffusion model, lip sync), which names a line of work better than a rare word."""
    return frozenset(english_key(en) for translations in glossary().values() for en in translations)


def term_zh(term: str) -> str | None:
    """The Chinese for an English term: whole, else its long form, else its acronym
    ("radiance fields (NeRF)" is looked up by either)."""
    plain, _, acronym = term.partition(" (")
    for key in (term, plain, acronym.rstrip(")")):
        zh = english_to_chinese().get(english_key(key)) if key else None
        if zh:
            return zh
    return None


def chinese_name(term: str) -> str:
    """``中文（English）`` for a term the lexicon names, else the term as it is."""
    zh = term_zh(term)
    return f"{zh}（{term}）" if zh else term
