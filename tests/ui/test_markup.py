"""Pure text helpers of the UI: highlighting, LaTeX as text, plurals, API refusals as sentences."""

from __future__ import annotations

import httpx
import pytest

from ui.client import invalid_input_message
from ui.markup import escape_md, highlight, latex_to_text, plural, query_terms

MARK = ":orange-background[{}]"


def test_highlight_escapes_first_then_marks() -> None:
    text = "<b>Talking</b> *heads* from [audio](x) — talking-head"
    out = highlight(text, query_terms("talking head"))
    assert out == (f"&lt;b&gt;{MARK.format('Talking')}&lt;/b&gt; \\*{MARK.format('heads')}\\* "
                   f"from \\[audio\\]\\(x\\) — {MARK.format('talking')}\\-{MARK.format('head')}")


def test_highlight_needs_a_word_start_and_skips_stopwords() -> None:
    terms = query_terms("How do the avatars animate?")
    assert terms == ["animate", "avatar"]  # singular: a term marks both forms
    out = highlight("Avatars and animated avatar heads; reanimate", terms)
    assert out == (f"{MARK.format('Avatars')} and {MARK.format('animated')} "
                   f"{MARK.format('avatar')} heads; reanimate")


def test_hostile_query_cannot_open_markup() -> None:
    terms = query_terms("](javascript:alert(1)) <script> :red[x]")
    assert all(t.isalnum() for t in terms)
    out = highlight("see javascript and script and red", terms)
    assert "<" not in out and "](" not in out and out.count(":orange-background[") == 3


def test_chinese_terms_and_their_english_expansion() -> None:
    terms = query_terms("基于3DGS的数字人", "3DGS based digital human")
    assert set(terms) == {"3dgs", "数字人", "数字", "字人", "digital", "human"}
    out = highlight("数字人 with 3DGS: digital humans", terms)
    assert out == (f"{MARK.format('数字人')} with {MARK.format('3DGS')}\\: "
                   f"{MARK.format('digital')} {MARK.format('humans')}")


def test_chinese_run_is_also_marked_by_its_words() -> None:
    out = highlight("合成3D说话人头运动序列", query_terms("说话人头像生成"))
    assert out == f"合成3D{MARK.format('说话')}{MARK.format('人头')}运动序列"


def test_no_terms_is_plain_escaping() -> None:
    assert highlight("a *b*", []) == escape_md("a *b*") == "a \\*b\\*"


@pytest.mark.parametrize(("raw", "text"), [
    ("We present \\textbf{Disco4D}. \\textbf{1)} It fits. \\textit{e.g.}, done",
     "We present Disco4D. 1) It fits. e.g., done"),
    ("\\textit{\\textbf{In the first stage}}, we", "In the first stage, we"),
    ("found in \\url{https://disco-4d.github.io/}.", "found in https://disco-4d.github.io/."),
    ("at \\href{https://github.com/x/y}{this link}\\footnote{x}.", "at this link."),
    ("$20\\times$ faster, $\\sim\\!30$ fps, 30$^\\circ$, $\\mathbf{1.75}\\times$",
     "20× faster, ~30 fps, 30°, 1.75×"),
    ("$\\text{NFE}=10$, $x^{2}$, $e^{-x}$, $O(n^2)$, $3{DG^2}$", "NFE=10, x², e^(-x), O(n²), 3DG²"),
    ("100\\% and \\& of $\\alpha \\leq \\beta$", "100% and & of α ≤ β"),
    ("plain {kahe}@x.com a_b x^2 costs $5", "plain {kahe}@x.com a_b x^2 costs $5"),
    ("the na\\\"ive Pok\\'{e}mon of Schr\\\"{o}dinger, \\v{C}ech, $a^{\\prime}$",
     "the naïve Pokémon of Schrödinger, Čech, a′"),
])
def test_latex_to_text(raw: str, text: str) -> None:
    assert latex_to_text(raw) == text


def test_plural() -> None:
    assert [plural(n, "paper") for n in (0, 1, 2, 1500)] == [
        "0 papers", "1 paper", "2 papers", "1,500 papers"]


def _refusal(body: object, status: int = 422) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_validation_errors_become_sentences() -> None:
    too_long = _refusal({"detail": "question: String should have at most 1000 characters",
                         "errors": [{"loc": "question", "type": "string_too_long",
                                     "msg": "String should have at most 1000 characters"}]})
    assert invalid_input_message(too_long, {"question": "x" * 5000}) == (
        "Your question is 5,000 characters long; the limit is 1,000. Shorten it and try again.")
    empty = _refusal({"errors": [{"loc": "q", "type": "string_too_short", "msg": "at least 1"}]})
    assert invalid_input_message(empty, {"q": ""}) == "The search text is empty. Type something first."
    big = _refusal({"errors": [{"loc": "k", "type": "less_than_equal",
                                "msg": "Input should be less than or equal to 100"}]})
    assert invalid_input_message(big, {"k": 500}) == "The number of papers must be at most 100."


def test_domain_refusals_name_the_field() -> None:
    bad_date = _refusal({"detail": "since: expected a date as YYYY-MM-DD, got '2024-13'"})
    assert invalid_input_message(bad_date, {}) == (
        "The “From” date is not valid: expected a date as YYYY-MM-DD, got '2024-13'.")
    assert invalid_input_message(_refusal({"detail": "odd"}, 400), {}) == (
        "The API refused the request: odd.")
