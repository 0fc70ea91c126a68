"""Ask: retrieve evidence, then write a cited overview (built-in extractive or an LLM).

Evidence: the hybrid search picks the top-k papers; within them, English chunks are
ranked again (dense + keyword, RRF) and at most `PER_PAPER` chunks per paper are kept.
Each chunk's relevance is its cosine to the question plus 0.3 × the IDF-weighted share
of the question's keywords it contains; when even the best chunk is below
`MIN_RELEVANCE` (calibrated on the shared corpus) the answer abstains instead of
stitching unrelated text together.

Built-in generator (deterministic, offline): split evidence into sentences, score each
against the question (0.6 × cosine with the question's English/expanded form, 0.2 ×
keyword coverage, 0.2 × the paper's search rank), pick 4–8 with MMR (≤ 2 per paper,
near-duplicates dropped, the top-ranked paper first), group them by paper, chain the
groups by similarity (a new paragraph when the theme changes) and end every sentence
with its ``[n]``. Citation excerpts are verbatim spans of stored chunks.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from indexer.models import Paper
from indexer.sentences import sentence_spans
from indexer.textproc import has_cjk, tokenize
from search.answer.extract import mmr, usable_sentence
from search.answer.llm import ChatClient, PromptPassage, client_from_settings, llm_answer
from search.config import LLMSettings
from search.errors import GenerationError
from search.models import Answer, Citation
from search.retrieval.engine import Searcher
from search.retrieval.query import ParsedQuery, parse_query
from search.retrieval.snapshot import Snapshot

logger = logging.getLogger(__name__)

ABSTAIN = "No indexed paper addresses this question closely enough to answer it."
ABSTAIN_ZH = "索引中没有与这个问题足够相关的论文。"
# Relevance of the best evidence chunk = cosine + 0.3 × IDF-weighted share of the
# question's keywords it contains. Shared corpus: 39 on-topic questions (specific and
# broad, EN + ZH) score 0.51-1.05; 17 off-topic ones (pizza, stock markets, tax law,
# football, protein folding, "How?", ...) -0.08-0.44. ("quantum error correction codes"
# scores 0.52: the corpus does hold a few quantum-computing papers.)
MIN_RELEVANCE = 0.48
PAPER_FLOOR = 0.40  # papers whose best chunk is below this are not used as evidence
PER_PAPER = 2
CANDIDATES_PER_PAPER = 3  # sentences embedded per paper: ≤ 24 encodes per answer
EMBED_BATCH = 8  # small length-sorted batches: less padding than one batch of 24
THEME_SIM = 0.45  # consecutive paper groups less similar than this start a new paragraph
QUESTION_WORDS = frozenset("how what why when where who whom whose which do does did done there "
                           "any some way ways get make made give exist exists kind kinds type "
                           "types good best better".split())


@dataclass
class Evidence:
    """One retrieved chunk: the paper, where it is, its text, its relevance and paper rank."""

    paper: Paper
    row: int
    section: str
    page: int | None
    text: str
    relevance: float
    rank: int


@dataclass
class _Sentence:
    ev: int
    start: int
    end: int
    text: str


def answer(searcher: Searcher, question: str, k: int = 8, llm_settings: LLMSettings | None = None,
           llm: ChatClient | None = None) -> Answer:
    """Answer `question` from the index with a cited overview.

    Args:
        searcher: the loaded index.
        question: English or Chinese; glossary expansion happens in the search.
        k: papers retrieved (evidence comes from at most this many).
        llm_settings: the LLM endpoint; `searcher.settings.llm` when None.
        llm: an explicit client; otherwise one from settings when configured.

    Raises:
        QueryError: the question is empty.
    """
    t0 = time.perf_counter()
    q = parse_query(question, searcher.settings.ranking.max_query_chars)
    # Take the snapshot before searching, so evidence comes from the generation the hits came
    # from (search's own refresh will not switch again within its one-second interval).
    snap = searcher.refresh(min_interval=0)
    resp = searcher.search(question, k=k)
    notices = list(resp.notices)
    qvec = searcher.embedder.embed([q.dense_text])[0]
    keywords = Keywords(snap, q)
    evidence = select_evidence(snap, q, qvec, [h.paper_id for h in resp.hits], keywords)
    weak = not evidence or max(e.relevance for e in evidence) < MIN_RELEVANCE
    if weak and not (q.arxiv_id and evidence):  # a paper named by its id is always relevant
        if q.chinese and not q.expansions:
            notices.append("none of the question's Chinese terms is in the glossary; "
                           "try English keywords")
        return _finish(q, abstention(q), [], "builtin", t0, notices)
    client = llm or client_from_settings(llm_settings or searcher.settings.llm)
    if client is not None:
        try:
            reply = llm_answer(client, q.raw, [PromptPassage(e.paper.title, e.section, e.text)
                                               for e in evidence], q.chinese)
            cites = [_citation(i, evidence[j], evidence[j].text) for i, j in enumerate(reply.used, 1)]
            return _finish(q, reply.text, cites, client.generator, t0, notices + reply.notices)
        except GenerationError as exc:
            logger.warning("LLM generator failed: %s", exc)
            notices.append(f"LLM unavailable ({exc}); showing the built-in overview")
    text, cites = builtin_overview(searcher, q, qvec, evidence, keywords)
    return _finish(q, text, cites, "builtin", t0, notices)


def abstention(q: ParsedQuery) -> str:
    """The no-answer text, with a Chinese line first for a Chinese question."""
    return f"{ABSTAIN_ZH} {ABSTAIN}" if q.chinese else ABSTAIN


def _finish(q: ParsedQuery, text: str, cites: list[Citation], generator: str, t0: float,
            notices: list[str]) -> Answer:
    took = round((time.perf_counter() - t0) * 1000, 2)
    return Answer(question=q.raw, overview=text, citations=cites, generator=generator,
                  took_ms=took, notices=notices)


def _citation(n: int, ev: Evidence, excerpt: str) -> Citation:
    p = ev.paper
    return Citation(n=n, arxiv_id=p.arxiv_id, paper_id=p.paper_id, title=p.title,
                    section=ev.section, page=ev.page, excerpt=excerpt, url=p.url)


class Keywords:
    """The question's English keywords with IDF weights from the index's BM25 statistics."""

    def __init__(self, snap: Snapshot, q: ParsedQuery) -> None:
        self.tokens = list(dict.fromkeys(t for t in tokenize(q.dense_text)
                                         if not has_cjk(t) and t not in QUESTION_WORDS))
        self.idf = {t: _idf(snap, t) for t in self.tokens}
        self.total = sum(self.idf.values())

    def coverage(self, text: str) -> float:
        """IDF-weighted share of the keywords present in `text` (0..1)."""
        if not self.total:
            return 0.0
        present = set(tokenize(text))
        return sum(w for t, w in self.idf.items() if t in present) / self.total


def _idf(snap: Snapshot, token: str) -> float:
    """BM25 IDF of a token; a word the index has never seen weighs the most."""
    try:
        scores, vocab = snap.bm25.scores, snap.bm25.vocab_dict
        n_docs, indptr = int(scores["num_docs"]), scores["indptr"]
        df = int(indptr[vocab[token] + 1] - indptr[vocab[token]]) if token in vocab else 0
    except (AttributeError, KeyError, TypeError, IndexError):  # another BM25 backend
        return 1.0
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


def select_evidence(snap: Snapshot, q: ParsedQuery, qvec: np.ndarray, paper_ids: list[str],
                    keywords: Keywords, per_paper: int = PER_PAPER) -> list[Evidence]:
    """Best English chunks of the given papers (≤ `per_paper` each), in search-rank order."""
    papers = [snap.paper_index[p] for p in paper_ids if p in snap.paper_index]
    allowed = np.isin(snap.paper_of_row, papers) & (snap.lang_of_row == "en")
    n = int(allowed.sum())
    if not n:
        return []
    dense_rows, cosines = snap.dense(qvec, n, allowed)
    cos = dict(zip(dense_rows, cosines, strict=True))
    fused: dict[int, float] = {}
    for ranked in (dense_rows, snap.sparse(q.sparse_tokens, n, allowed)[0]):
        for rank, row in enumerate(ranked):
            fused[row] = fused.get(row, 0.0) + 1.0 / (60 + rank)
    picked: dict[int, list[int]] = {}
    for row in sorted(fused, key=lambda r: -fused[r]):
        rows = picked.setdefault(int(snap.paper_of_row[row]), [])
        if len(rows) < per_paper:
            rows.append(row)
    out: list[Evidence] = []
    for rank, p in enumerate(p for p in papers if p in picked):
        chunks = [(row, *snap.chunk(row)) for row in sorted(picked[p])]
        rel = [cos.get(row, 0.0) + 0.3 * keywords.coverage(text) for row, text, *_ in chunks]
        if max(rel) < PAPER_FLOOR and out:
            continue
        out += [Evidence(snap.papers[p], row, section, page, text, r, rank)
                for (row, text, section, page, _), r in zip(chunks, rel, strict=True)]
    return out


def _candidates(evidence: list[Evidence], keywords: Keywords) -> list[_Sentence]:
    """Usable sentences, deduplicated per paper, the best few per paper by keyword coverage."""
    per_paper: dict[str, list[tuple[float, _Sentence]]] = {}
    seen: set[tuple[str, str]] = set()
    for i, ev in enumerate(evidence):
        for start, end in sentence_spans(ev.text):
            text = ev.text[start:end]
            key = (ev.paper.paper_id, " ".join(text.lower().split()))
            if key in seen or not usable_sentence(text):
                continue
            seen.add(key)
            item = (keywords.coverage(text), _Sentence(i, start, end, text))
            per_paper.setdefault(ev.paper.paper_id, []).append(item)
    out: list[_Sentence] = []
    for scored in per_paper.values():
        ranked = sorted(range(len(scored)), key=lambda j: (-scored[j][0], j))
        out.extend(scored[j][1] for j in sorted(ranked[:CANDIDATES_PER_PAPER]))
    return out


def _relevance(sents: list[_Sentence], vecs: np.ndarray, qvec: np.ndarray, keywords: Keywords,
               evidence: list[Evidence]) -> np.ndarray:
    """0.6 · cosine + 0.2 · keyword coverage + 0.2 · the paper's search-rank prior."""
    n_ranks = max(e.rank for e in evidence) + 1
    cover = [keywords.coverage(s.text) for s in sents]
    prior = [1.0 - evidence[s.ev].rank / n_ranks for s in sents]
    return (0.6 * (vecs @ qvec) + 0.2 * np.asarray(cover, dtype=np.float32)
            + 0.2 * np.asarray(prior, dtype=np.float32))


def _order(chosen: list[int], sents: list[_Sentence], groups: list[str], rel: np.ndarray,
           vecs: np.ndarray) -> list[list[list[int]]]:
    """Paragraphs of paper groups: the first pick's paper leads, the rest chained by
    similarity to the previous group (and relevance); sentences in reading order."""
    by_group: dict[str, list[int]] = {}
    for i in chosen:
        by_group.setdefault(groups[i], []).append(i)
    for members in by_group.values():
        members.sort(key=lambda i: (sents[i].ev, sents[i].start))
    cent = {g: vecs[m].mean(axis=0) / max(1e-6, float(np.linalg.norm(vecs[m].mean(axis=0))))
            for g, m in by_group.items()}
    score = {g: max(float(rel[i]) for i in m) for g, m in by_group.items()}
    current = groups[chosen[0]]
    paragraphs: list[list[list[int]]] = [[by_group.pop(current)]]
    while by_group:
        nxt = max(by_group, key=lambda g: 0.6 * float(cent[g] @ cent[current]) + 0.4 * score[g])
        if float(cent[nxt] @ cent[current]) < THEME_SIM:
            paragraphs.append([])
        paragraphs[-1].append(by_group.pop(nxt))
        current = nxt
    return paragraphs


def builtin_overview(searcher: Searcher, q: ParsedQuery, qvec: np.ndarray,
                     evidence: list[Evidence], keywords: Keywords) -> tuple[str, list[Citation]]:
    """The extractive overview and its citations (numbered by first use)."""
    sents = _candidates(evidence, keywords)
    if not sents:
        return abstention(q), []
    vecs = _embed(searcher, [s.text for s in sents])
    rel = _relevance(sents, vecs, qvec, keywords, evidence)
    groups = [evidence[s.ev].paper.paper_id for s in sents]
    top_rank = min(evidence[s.ev].rank for s in sents)
    first = max((i for i, s in enumerate(sents) if evidence[s.ev].rank == top_rank),
                key=lambda i: float(rel[i]))
    chosen = mmr(rel, vecs @ vecs.T, groups, first=first)
    numbers: dict[int, int] = {}
    used: dict[int, list[_Sentence]] = {}
    texts: list[str] = []
    for para in _order(chosen, sents, groups, rel, vecs):
        parts = []
        for i in (i for group in para for i in group):
            s = sents[i]
            n = numbers.setdefault(s.ev, len(numbers) + 1)
            used.setdefault(s.ev, []).append(s)
            parts.append(f"{s.text.rstrip().rstrip('.;!?').rstrip()} [{n}].")
        texts.append(" ".join(parts))
    n_papers = len({groups[i] for i in chosen})
    lead = (f"根据 {n_papers} 篇论文的摘录：" if q.chinese else
            f"Drawing on {n_papers} paper{'s' if n_papers != 1 else ''}: ")
    cites = [_citation(n, evidence[ev], _excerpt(evidence[ev].text, used[ev]))
             for ev, n in sorted(numbers.items(), key=lambda kv: kv[1])]
    return lead + "\n\n".join(texts), cites


def _embed(searcher: Searcher, texts: list[str]) -> np.ndarray:
    """Sentence vectors, encoded in small batches of similar length."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), searcher.embedder.dim), dtype=np.float32)
    for i in range(0, len(order), EMBED_BATCH):
        part = order[i:i + EMBED_BATCH]
        out[part] = searcher.embedder.embed([texts[j] for j in part])
    return out


def _excerpt(text: str, used: list[_Sentence]) -> str:
    """The verbatim span of the chunk covering the quoted sentences plus one on each side."""
    spans = sentence_spans(text)
    first = min(s.start for s in used)
    last = max(s.end for s in used)
    idx = [i for i, (a, b) in enumerate(spans) if a < last and b > first]
    lo, hi = max(0, idx[0] - 1), min(len(spans) - 1, idx[-1] + 1)
    return text[spans[lo][0]:spans[hi][1]]
