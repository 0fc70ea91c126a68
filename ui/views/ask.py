"""Ask: a question in English or Chinese → a cited overview with linked [n] markers.

The question is in the URL (``?question=…``) and the answers of this session are kept by
question, so Back, a reload or a shared link shows the answer to the question shown
(asked again only when this session has not seen it yet).
"""

from __future__ import annotations

import streamlit as st

from search.models import Answer
from ui.client import ApiClient, ApiError
from ui.components import (
    app_settings,
    get_client,
    render_answer,
    require_index,
    show_error,
    warn_if_cut,
)
from ui.state import from_url, to_url

PAGE = "ask"
ANSWERS_KEY = "answers"
KEEP_ANSWERS = 20  # a session's recent answers, for Back


def answer_for(client: ApiClient, question: str) -> Answer | None:
    """This session's answer to `question`, asking the API when there is none yet."""
    answers: dict[str, Answer] = st.session_state.setdefault(ANSWERS_KEY, {})
    if question not in answers:
        with st.spinner("Reading the papers…"):
            try:
                answers[question] = client.ask(question)
            except ApiError as exc:
                show_error(exc)
                return None
        while len(answers) > KEEP_ANSWERS:
            del answers[next(iter(answers))]
    return answers[question]


client = get_client()
st.title("Ask the papers", anchor=False)
require_index(client)
limit = app_settings().ranking.max_query_chars
from_url(PAGE, "question", "question", lambda text: text[:limit])
warn_if_cut(st.query_params.get("question"), limit, "question")

with st.form("ask"):
    st.text_area(
        f"Your question (English or 中文, up to {limit:,} characters)", key="question",
        height=90, max_chars=limit,
        placeholder="How do recent methods make talking heads lip-sync to audio? "
                    "/ 如何用3D高斯实现实时数字人?",
    )
    submitted = st.form_submit_button("Ask", type="primary")

question = (st.session_state.get("question") or "").strip()
to_url(PAGE, "question", question)
if submitted and not question:
    st.warning("Type a question first.")
elif question:
    answer = answer_for(client, question)
    if answer is not None:
        render_answer(answer)
