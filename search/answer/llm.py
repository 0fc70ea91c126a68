"""Optional LLM generator: an OpenAI-compatible chat client, prompt assembly, reply validation.

Any endpoint speaking ``POST {base_url}/chat/completions`` works (OpenAI, vLLM, llama.cpp,
Ollama's ``/v1``). Every failure — timeout, connection error, HTTP error, malformed JSON,
an empty reply, a reply that cites nothing or shows signs of prompt injection — raises
`GenerationError`, and the caller falls back to the built-in extractive generator.

Reply policy (documented contract of the ``overview`` text):
  * ``[n]`` markers that do not resolve to a provided passage are removed (notice);
  * sentences without any valid marker are left out of the overview and quoted in a
    notice, so nothing uncited is ever presented as cited;
  * the reply is rejected when it repeats the per-request canary token, contains a link
    that is not in the evidence, cites nothing, or is mostly uncited.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

import httpx

from indexer.redact import redact, split_credentials
from indexer.sentences import split_sentences
from search.answer import prompts
from search.config import LLMSettings
from search.errors import GenerationError

logger = logging.getLogger(__name__)

MARKER = re.compile(r"\[(\s*\d+(?:\s*(?:[,;]|[-–])\s*\d+)*\s*)\]")
_URL = re.compile(r"https?://[^\s)\]>\"']+", re.IGNORECASE)
_FENCE = re.compile(r"<\s*/?\s*evidence", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")


@dataclass(frozen=True)
class PromptPassage:
    """One numbered piece of evidence as the LLM sees it."""

    title: str
    section: str
    text: str


@dataclass
class Reply:
    """A validated LLM overview: markers renumbered 1..N, `used[i]` = passage index of [i+1]."""

    text: str
    used: list[int]
    notices: list[str] = field(default_factory=list)


class ChatClient:
    """A minimal OpenAI-compatible chat-completions client (no streaming, no tools)."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None,
                 timeout: float = 20.0) -> None:
        # user:password in the base URL is sent as HTTP basic auth, never as part of a URL
        # that could reach a log; messages name the endpoint by `shown_url` only.
        url, self._basic_auth = split_credentials(base_url.rstrip("/") + "/chat/completions")
        self.url = url
        self.shown_url = redact(url, [api_key])
        self.model = model
        self.api_key = api_key
        self.timeout = timeout

    @property
    def generator(self) -> str:
        """The `Answer.generator` label for replies from this client."""
        return f"llm:{self.model}"

    def complete(self, messages: list[dict[str, str]], temperature: float = 0.0) -> str:
        """The assistant message for `messages`. Raises GenerationError on any failure."""
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {"model": self.model, "messages": messages, "temperature": temperature}
        try:
            resp = httpx.post(self.url, json=body, headers=headers, auth=self._basic_auth,
                              timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise GenerationError(f"timeout after {self.timeout:g}s") from exc
        except httpx.HTTPError as exc:
            raise GenerationError(f"cannot reach {self.shown_url}: {type(exc).__name__}") from exc
        if resp.status_code != 200:
            raise GenerationError(f"HTTP {resp.status_code} from {self.shown_url}")
        try:
            content = resp.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise GenerationError("malformed JSON in the reply") from exc
        if not isinstance(content, str) or not content.strip():
            raise GenerationError("empty reply")
        return content


def client_from_settings(settings: LLMSettings) -> ChatClient | None:
    """A client when both AVATAR_SCHOLAR_LLM_BASE_URL and _MODEL are set, else None."""
    if not (settings.base_url and settings.model):
        return None
    return ChatClient(settings.base_url, settings.model, settings.api_key, settings.timeout)


def marker_ids(text: str) -> list[int]:
    """Every citation number in `text`, in order (``[1, 3]`` and ``[2-4]`` expanded)."""
    ids: list[int] = []
    for m in MARKER.finditer(text):
        for part in re.split(r"\s*[,;]\s*", m.group(1).strip()):
            lo, _, hi = part.replace("–", "-").partition("-")
            first, last = int(lo), int(hi or lo)
            ids.extend(range(first, min(last, first + 20) + 1) if last >= first else [first])
    return ids


def check_overview(text: str, n_citations: int) -> list[str]:
    """Problems with an overview's markers; empty when every sentence cites and all resolve.

    Checks: each sentence has a marker; each marker is in 1..n; citations are numbered
    in order of first use; every citation is used.
    """
    problems = [f"no marker: {s!r}" for s in split_sentences(text) if not marker_ids(s)]
    ids = marker_ids(text)
    problems += [f"marker [{i}] does not resolve" for i in ids if not 1 <= i <= n_citations]
    first_use = list(dict.fromkeys(ids))
    if first_use != list(range(1, len(first_use) + 1)):
        problems.append(f"citations not numbered by first use: {first_use}")
    if len(first_use) != n_citations:
        problems.append(f"{n_citations - len(first_use)} citation(s) never used")
    return problems


def fence(passages: Sequence[PromptPassage]) -> str:
    """Numbered <evidence> blocks; fence-like tags inside the data are defused."""
    return "\n\n".join(
        prompts.EVIDENCE_BLOCK.format(
            n=i, title=escape(p.title, quote=True), section=escape(p.section, quote=True),
            text=_FENCE.sub(lambda m: m.group(0).replace("<", "&lt;"), p.text))
        for i, p in enumerate(passages, 1))


def language(chinese: bool) -> str:
    """The reply language named in prompts."""
    return prompts.LANGUAGE_ZH if chinese else prompts.LANGUAGE_EN


def llm_answer(client: ChatClient, question: str, passages: Sequence[PromptPassage],
               chinese: bool) -> Reply:
    """Ask the LLM for a cited overview of `passages` and validate it. Raises GenerationError."""
    canary = f"CANARY-{secrets.token_hex(6)}"
    lang = language(chinese)
    messages = [
        {"role": "system", "content": prompts.ANSWER_SYSTEM.format(
            n_min=4, n_max=8, language=lang, canary=canary)},
        {"role": "user", "content": prompts.ANSWER_USER.format(
            question=question, evidence=fence(passages), language=lang)},
    ]
    reply = client.complete(messages)
    return validate_reply(reply, len(passages), canary, " ".join(p.text for p in passages))


def _reject_injection(text: str, canary: str, evidence: str) -> None:
    if canary.lower() in text.lower():
        raise GenerationError("the reply repeated its hidden canary token (prompt injection?)")
    stray = [u for u in _URL.findall(text) if u.rstrip(".,;") not in evidence]
    if stray:
        raise GenerationError(f"the reply links to {stray[0]}, which no passage contains")


def _clean_markers(sentence: str, n: int, invalid: list[int]) -> str:
    def keep(m: re.Match[str]) -> str:
        ids = marker_ids(m.group(0))
        invalid.extend(i for i in ids if not 1 <= i <= n)
        return "".join(f"[{i}]" for i in dict.fromkeys(ids) if 1 <= i <= n)

    return re.sub(r"\s+(?=[.!?。！？]|$)", "", MARKER.sub(keep, sentence)).strip()


def validate_reply(text: str, n: int, canary: str, evidence: str) -> Reply:
    """Apply the reply policy (module docstring). Raises GenerationError when unusable."""
    _reject_injection(text, canary, evidence)
    invalid: list[int] = []
    paragraphs: list[list[str]] = []
    dropped: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        kept: list[str] = []
        for raw in split_sentences(block):
            sentence = _clean_markers(_BULLET.sub("", raw).replace("**", ""), n, invalid)
            (kept if marker_ids(sentence) else dropped).append(sentence)
        if kept:
            paragraphs.append(kept)
    n_kept = sum(map(len, paragraphs))
    if not n_kept:
        raise GenerationError("the reply cited none of the evidence")
    if len(dropped) > n_kept:
        raise GenerationError(f"{len(dropped)} of {len(dropped) + n_kept} sentences cited nothing")
    overview, used = renumber("\n\n".join(" ".join(p) for p in paragraphs))
    notices = []
    if invalid:
        notices.append("removed citation markers that matched no evidence: "
                       + ", ".join(f"[{i}]" for i in dict.fromkeys(invalid)))
    if dropped:
        notices.append(f"left out {len(dropped)} LLM sentence(s) that cited no evidence: "
                       + " | ".join(s[:160] for s in dropped if s))
    return Reply(overview, used, notices)


def renumber(text: str) -> tuple[str, list[int]]:
    """Renumber markers 1..N by first use; returns the text and old index (0-based) per new n."""
    order = list(dict.fromkeys(marker_ids(text)))
    new = {old: i for i, old in enumerate(order, 1)}

    def sub(m: re.Match[str]) -> str:
        return "".join(f"[{new[i]}]" for i in dict.fromkeys(marker_ids(m.group(0))))

    return MARKER.sub(sub, text), [old - 1 for old in order]


def llm_paper_fields(client: ChatClient, title: str, passages: Sequence[PromptPassage],
                     chinese: bool = False) -> dict[str, Any]:
    """one_line / takeaways / background / method / results for one paper, from the LLM.

    Raises:
        GenerationError: transport failure, no JSON object, missing or mistyped keys.
    """
    canary = f"CANARY-{secrets.token_hex(6)}"
    messages = [
        {"role": "system", "content": prompts.PAPER_SYSTEM.format(
            language=language(chinese), canary=canary)},
        {"role": "user", "content": prompts.PAPER_USER.format(title=title, evidence=fence(passages))},
    ]
    reply = client.complete(messages)
    _reject_injection(reply, canary, " ".join(p.text for p in passages))
    start, end = reply.find("{"), reply.rfind("}")
    try:
        data = json.loads(reply[start:end + 1]) if 0 <= start < end else None
    except ValueError as exc:
        raise GenerationError("the reply is not a JSON object") from exc
    keys = ("one_line", "background", "method", "results")
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in keys):
        raise GenerationError("the reply lacks one_line/background/method/results strings")
    takeaways = data.get("takeaways")
    if not isinstance(takeaways, list) or not all(isinstance(t, str) for t in takeaways):
        raise GenerationError("the reply's takeaways are not a list of strings")
    data["takeaways"] = [t.strip() for t in takeaways if t.strip()][:6]
    return data
