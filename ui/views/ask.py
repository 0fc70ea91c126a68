"""Ask: a question in English or Chinese → a cited overview with linked [n] markers."""

from __future__ import annotations

import streamlit as st

from ui.client import ApiError
from ui.components import get_client, render_answer, require_index, show_error

client = get_client()
st.title("Ask the papers", anchor=False)
require_index(client)

with st.form("ask"):
    question = st.text_area(
        "Your question (English or 中文)", key="question", height=90,
        placeholder="How do recent methods make talking heads lip-sync to audio? "
                    "/ 如何用3D高斯实现实时数字人?",
    )
    submitted = st.form_submit_button("Ask", type="primary")

if submitted:
    if not question.strip():
        st.warning("Type a question first.")
    else:
        with st.spinner("Reading the papers…"):
            try:
                st.session_state["answer"] = client.ask(question.strip())
            except ApiError as exc:
                st.session_state.pop("answer", None)
                show_error(exc)

answer = st.session_state.get("answer")
if answer is not None:
    render_answer(answer)
