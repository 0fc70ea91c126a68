"""Lines of work: group papers by the method terms they share, and name each group.

Terms come from `indexer.terms` (shared with the themes' names): a run of one to three
content words of a paper's title and abstract, or an acronym; "Gaussian splatting (3DGS)"
makes "3DGS" and "Gaussian splatting" one term. Greedily, the term shared by the most not-yet-grouped papers (weighted by how specific
its words are in the index) opens a group, until every paper is grouped or `max_groups`
groups exist; the rest form a last group of other approaches. Terms made only of the
question's own words are skipped: every paper shares them, so they tell nothing apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from indexer.terms import overlaps, term_index, terms_of

__all__ = ["Group", "group_papers", "signature_terms", "terms_of"]


@dataclass
class Group:
    """A line of work: the terms naming it (best first) and its papers (in the order given)."""

    terms: list[str]
    papers: list[str] = field(default_factory=list)

    @property
    def term(self) -> str:
        """The group's name: its terms joined ("NeRF and 3DGS"), or '' for the rest."""
        if len(self.terms) <= 1:
            return "".join(self.terms)
        return ", ".join(self.terms[:-1]) + " and " + self.terms[-1]


def group_papers(docs: dict[str, str], question_tokens: set[str],
                 specificity: Callable[[str], float], max_groups: int = 3,
                 terms_per_group: int = 3,
                 technical: Callable[[str, str], bool] = lambda key, form: True,
                 naming: Callable[[str, str], bool] = lambda key, form: True) -> list[Group]:
    """Papers (id → title and abstract) grouped by shared method terms, best term first.

    A group is opened by the term that the most remaining papers share (weighted by its
    specificity), and also named by up to `terms_per_group - 1` further terms that at
    least two of its papers share, no other group uses and `naming` accepts. Only
    `technical` terms (key, surface form) name groups.
    """
    papers, surface = term_index(docs)
    usable = {k: v for k, v in papers.items()
              if len(v) >= 2 and not set(k.split()) <= question_tokens
              and technical(k, surface[k].most_common(1)[0][0])}
    spec = {k: specificity(k) * (1.2 if " " in k else 1.0) for k in usable}

    def weight(key: str, among: list[str]) -> float:
        shared = sum(p in usable[key] for p in among)
        if shared < 2 or (shared >= 0.8 * len(docs) and len(docs) >= 4):
            return 0.0  # a term (nearly) every paper uses tells no line of work apart
        return shared * spec[key]

    left, used = list(docs), set()
    groups: list[Group] = []
    while len(groups) < max_groups and len(left) >= 2:
        best = max(usable, key=lambda k: weight(k, left), default=None)
        if best is None or weight(best, left) <= 0:
            break
        members = [p for p in left if p in usable[best]]
        extra = sorted((k for k in usable if k != best and k not in used
                        and not overlaps(k, best) and weight(k, members) > 0),
                       key=lambda k: -weight(k, members))
        names = [best]
        for key in extra:
            if len(names) >= terms_per_group:
                break
            if not any(overlaps(key, n) for n in names) and naming(key, surface[key].most_common(1)[0][0]):
                names.append(key)
        used.update(names)
        groups.append(Group([surface[k].most_common(1)[0][0] for k in names], members))
        left = [p for p in left if p not in members]
    if left:
        groups.append(Group([], left))
    return groups



def signature_terms(docs: dict[str, str], known: dict[str, set[str]],
                    specificity: Callable[[str], float], technical: Callable[[str, str], bool],
                    per_paper: int = 2) -> dict[str, list[str]]:
    """What each paper (id → abstract) uses that its neighbours do not: up to `per_paper`
    `technical` terms (key, surface form), the rarer in the index and the fewer papers of
    `docs` share them the better, none made only of the paper's `known` words (the
    question's, its title's, its line of work's), no two sharing a word."""
    papers, surface = term_index(docs)
    out: dict[str, list[str]] = {}
    for pid in docs:
        ranked = sorted(
            (k for k, ids in papers.items() if pid in ids
             and not set(k.split()) <= known.get(pid, set())),
            # On a tie the longer term says more ("latent motion space", not "latent motion").
            key=lambda k: (-specificity(k) * (1.2 if " " in k else 1.0) / len(papers[k]),
                           -len(k.split())))
        picks: list[str] = []
        for key in ranked:
            if len(picks) >= per_paper:
                break
            form = surface[key].most_common(1)[0][0]
            # `technical` may count uses in the library: asked only of the best few.
            if not any(overlaps(key, p) for p in picks) and technical(key, form):
                picks.append(key)
        out[pid] = [surface[k].most_common(1)[0][0] for k in picks]
    return out
