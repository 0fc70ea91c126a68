"""The term extractor shared by answers and themes, and what a whole library needs of it."""

from __future__ import annotations

from indexer.terms import library_term_index, term_index, terms_of
from indexer.theme_names import distinctive_terms, nameable, unique_names


def _docs(*texts: str) -> dict[str, str]:
    return {f"p{i}": t for i, t in enumerate(texts)}


def test_an_acronym_in_common_use_merges_with_its_long_form() -> None:
    docs = _docs("Neural Radiance Fields (NeRF) for heads.", "Neural radiance fields (NeRF) again.",
                 "A NeRF of a room.", "Radiance fields for scenes.")
    papers, names = library_term_index(docs)
    assert papers["radiance field"] == {"p0", "p1", "p2", "p3"}
    assert names["radiance field"] == "Neural Radiance Fields (NeRF)"
    assert "nerf" not in papers
    assert not any(key.endswith(" nerf") for key in papers)  # no "fields nerf" run-on


def test_a_starting_number_belongs_to_the_long_form() -> None:
    docs = _docs("3D Gaussian Splatting (3DGS) avatars.", "Fast 3D Gaussian Splatting (3DGS).")
    papers, names = library_term_index(docs)
    assert names["gaussian splatt"] == "3D Gaussian Splatting (3DGS)"


def test_one_papers_odd_acronym_does_not_rename_a_common_term() -> None:
    common = [f"A diffusion prior for task {i}." for i in range(30)]
    docs = _docs(*common, "A Video Diffusion Model (VDM).", "Another Video Diffusion Model (VDM).",
                 "Gallium nitride (GaN) devices.", "A GAN for faces.", "A GAN for hands.")
    papers, names = library_term_index(docs)
    assert names["diffusion"] == "diffusion"  # VDM is rarer than a tenth of "diffusion"
    # "(GaN)" is written once: GAN stays GAN, not gallium nitride
    assert papers["gan"] == {"p32", "p33", "p34"} and papers["gallium nitride"] == {"p32"}
    loose, surface = term_index(docs)  # the answers' small-set index keeps its loose rule
    assert "(VDM)" in surface["diffusion"].most_common(1)[0][0]


def test_terms_are_content_word_runs_or_acronyms() -> None:
    found = terms_of("We propose a novel talking head method with NeRF and realistic rendering.")
    assert found["talk head"] == "talking head" and found["nerf"] == "NeRF"
    assert not any(k in found for k in ("novel", "propose", "realistic"))


def test_distinctive_terms_prefer_what_sets_a_theme_apart() -> None:
    texts = {f"a{i}": f"Lip sync for talking head video {i}. Results beat prior work." for i in range(6)}
    texts |= {f"b{i}": f"Gaussian splatting of a scene {i}. Results beat prior work." for i in range(6)}
    texts |= {f"c{i}": f"Concerns about robustness in scene {i}." for i in range(3)}
    terms = distinctive_terms(texts, {0: [f"a{i}" for i in range(6)], 1: [f"b{i}" for i in range(6)]})
    assert terms[0][0].lower() in ("lip sync", "talking head")
    assert terms[1][0].lower() == "gaussian splatting"
    assert not any("result" in t.lower() for t in terms[0] + terms[1])
    assert not nameable("concerns about") and nameable("talking head")


def test_names_are_unique() -> None:
    names = unique_names({1: ["NeRF", "view synthesis", "relighting"], 2: ["NeRF", "view synthesis",
                                                                            "SLAM"], 3: []},
                         order=[1, 2, 3])
    assert names == {1: "NeRF · view synthesis", 2: "NeRF · SLAM", 3: "theme 3"}


def test_a_term_never_spans_punctuation() -> None:
    from indexer.terms import terms_of
    terms = terms_of("In addition, the majority of methods use 3D Gaussian Splatting (3DGS).")
    assert "addition majority" not in terms and "gaussian splatt" in terms and "3dgs" in terms
