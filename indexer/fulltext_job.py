"""The full-text job: fetch, parse and index the bodies of papers indexed from metadata only.

The plan is every paper of the current generation with an arXiv id and no body (or a
body of an older version), newest first, minus those given up on earlier (a 404, an
unreadable PDF: see `indexer.store_fulltext`). `indexer.fulltext_pipeline` downloads
and parses them; this module publishes: every `batch` parsed papers it runs an ordinary
build with no sources (`mode="add"`), whose attach stage picks up the cached bodies, so
exactly those papers are re-chunked and re-embedded, and a new generation goes live.
Downloads (≥ 3 s each, in their own thread) overlap parsing and embedding.

All state is in the cache, so the job is resumable and safe to interrupt: a second run
skips what is cached, and an interrupt loses at most the unpublished batch's embedding
(never a download). Progress (done/total/ETA) is written to ``pdfs/progress.json`` after
every paper. After three papers in a row fail on the network, the job stops with one
notice instead of a skip line per remaining paper.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import Field
from tqdm import tqdm

from indexer import store
from indexer.build import BuildReport, build
from indexer.config import IndexerSettings
from indexer.embed import Embedder
from indexer.errors import LockedError
from indexer.fulltext import BodyCheck, cache_key
from indexer.fulltext_pipeline import Outcome, Pipeline, Task
from indexer.models import Document, FulltextProgress, ProgressState, SkipReport
from indexer.sources.arxiv import network_available

logger = logging.getLogger(__name__)

MAX_TRANSIENT_IN_A_ROW = 3
LOCK_WAIT = 5.0  # seconds between tries when another indexing job holds the index
LOCK_PATIENCE = 1800.0


class FulltextReport(BuildReport):
    """A `BuildReport` summed over the job's batches, with the job's own counts."""

    total: int = 0
    attached: int = 0
    downloaded: int = 0
    downloaded_bytes: int = 0
    given_up: int = 0
    left: int = 0
    offline: bool = False
    interrupted: bool = False
    wall: float = 0.0
    batches: list[str] = Field(default_factory=list)
    stages: dict[str, float] = Field(default_factory=dict)  # summed, they overlap in time

    def summary(self) -> str:
        """The one line printed at the end of the job."""
        earlier = f", {self.given_up} given up earlier" if self.given_up else ""
        return (f"{plural(self.attached, 'full text')} added, {len(self.skipped)} skipped{earlier};"
                f" {plural(self.downloaded, 'PDF')} downloaded ({self.downloaded_bytes / 1e6:.1f} MB);"
                f" {plural(self.left, 'paper')} still without full text;"
                f" {plural(len(self.batches), 'generation')} published; {self.wall:.1f}s")


def plural(n: int, noun: str) -> str:
    """``1 paper``, ``2 papers``."""
    return f"{n} {noun}{'s' * (n != 1)}"


@dataclass
class Plan:
    """What the job will do, and where the index stands."""

    tasks: list[Task]
    ready: int = 0  # bodies cached but not in the index yet (an interrupted run)
    given_up: int = 0
    papers: int = 0  # arXiv papers in the index
    with_text: int = 0
    unknown: list[str] = field(default_factory=list)  # asked for by id, but not in the index


def _newest_first(doc: Document) -> tuple[date, str]:
    paper = doc.paper
    return (paper.published or paper.first_seen or date.min, paper.paper_id)


def make_plan(data_dir: Path, only: set[str] | None = None, limit: int | None = None) -> Plan:
    """The papers of the current generation that need a body, newest first.

    Raises:
        IndexNotFoundError: there is no index yet.
    """
    con = store.connect_readonly(store.generation_path(data_dir))
    try:
        docs = [d for d, _ in store.read_documents(con).values()]
    finally:
        con.close()
    check, plan = BodyCheck(data_dir), Plan(tasks=[])
    for doc in sorted(docs, key=_newest_first, reverse=True):
        key = cache_key(doc.paper)
        if key is None:
            continue
        plan.papers += 1
        if not check.needs_body(doc):
            plan.with_text += 1
        elif only is not None and doc.paper.paper_id not in only:
            continue
        elif store.read_passages(store.passages_file(data_dir, key)) is not None:
            plan.ready += 1
        elif store.read_skip(data_dir, key) is not None:
            plan.given_up += 1
        else:
            cached = store.pdf_file(data_dir, key).is_file()
            plan.tasks.append(Task(doc.paper.paper_id, doc.paper.arxiv_id or "",
                                   doc.paper.version, doc.paper.title,
                                   "parse" if cached else "fetch"))
    plan.tasks = plan.tasks[:limit] if limit is not None else plan.tasks
    plan.unknown = sorted((only or set()) - {d.paper.paper_id for d in docs})
    return plan


class _Progress:
    """Writes pdfs/progress.json as the job goes."""

    def __init__(self, data_dir: Path, plan: Plan) -> None:
        self.data_dir = data_dir
        self.t0 = time.monotonic()
        self.with_text = plan.with_text
        started = datetime.now(UTC).replace(microsecond=0)
        self.record = FulltextProgress(state="running", started=started, updated=started,
                                       total=len(plan.tasks), papers=plan.papers,
                                       with_text=plan.with_text, pid=os.getpid())

    def update(self, report: FulltextReport, done: int, state: ProgressState = "running",
               message: str = "") -> None:
        """Rewrite the record: counts, and an ETA from the pace so far while running."""
        left = self.record.total - done
        pace = (time.monotonic() - self.t0) / done if done else None
        self.record = self.record.model_copy(update={
            "state": state, "updated": datetime.now(UTC).replace(microsecond=0), "done": done,
            "attached": report.attached, "skipped": len(report.skipped),
            "downloaded": report.downloaded, "with_text": self.with_text + report.attached,
            "eta_seconds": pace * left if pace is not None and state == "running" else None,
            "message": message})
        store.write_progress(self.data_dir, self.record)


def _memo(factory: Callable[[], Embedder]) -> Callable[[], Embedder]:
    """One encoder for every batch of the job, loaded when the first batch needs it."""
    loaded: list[Embedder] = []

    def get() -> Embedder:
        if not loaded:
            loaded.append(factory())
        return loaded[0]

    return get


def publish(settings: IndexerSettings, embedder: Callable[[], Embedder],
            report: FulltextReport) -> None:
    """Index what the cache holds as a new generation; wait while another job holds the index."""
    waited = 0.0
    while True:
        try:
            built = build([], settings, embedder, mode="add", progress=False)
            break
        except LockedError:
            if waited >= LOCK_PATIENCE:
                raise
            logger.info("another indexing job holds the index; waiting")
            time.sleep(LOCK_WAIT)
            waited += LOCK_WAIT
    if built.generation:
        report.batches.append(built.generation)
        report.generation, report.papers, report.chunks = built.generation, built.papers, built.chunks
        report.attached += built.updated
        report.updated += built.updated
        report.unchanged = built.unchanged
        report.embedded += built.embedded
        for stage, secs in built.seconds.items():
            report.stages[f"index {stage}"] = report.stages.get(f"index {stage}", 0.0) + secs


def _account(outcome: Outcome, data_dir: Path, report: FulltextReport) -> bool:
    """Record one paper's outcome; True when its body is now cached."""
    task, parsed, failure = outcome.task, outcome.parsed, outcome.failure
    if failure is not None:
        if failure.permanent:
            store.write_skip(data_dir, task.key, str(failure))
        report.skipped.append(SkipReport(path=outcome.url, entry=task.title, reason=str(failure)))
        return False
    report.downloaded += bool(outcome.downloaded)
    report.downloaded_bytes += outcome.downloaded
    if parsed is not None:
        report.stages["parse PDFs"] = report.stages.get("parse PDFs", 0.0) + parsed.seconds
    if parsed is not None and parsed.error:
        store.write_skip(data_dir, task.key, parsed.error)
        report.skipped.append(SkipReport(path=outcome.url, entry=task.title, reason=parsed.error))
        return False
    return parsed is not None


def run_fulltext(settings: IndexerSettings, embedder_factory: Callable[[], Embedder], *,
                 limit: int | None = None, batch: int = 50, only: set[str] | None = None,
                 retry_skipped: bool = False, progress: bool = True,
                 pipeline: type[Pipeline] = Pipeline) -> FulltextReport:
    """Fetch and index the bodies of the papers that have none (see the module docstring).

    `only` restricts the job to these paper ids (what `index arxiv:` just added); `limit`
    caps the papers handled this run. A KeyboardInterrupt ends the job cleanly, with
    ``report.interrupted`` set. `pipeline` is the download/parse stage (benchmarks swap it).

    Raises:
        LockedError: another full-text job is running on this data directory.
        IndexNotFoundError: there is no index yet.
    """
    report, t0, data_dir = FulltextReport(), time.monotonic(), settings.data_dir
    if not settings.fulltext:
        report.notices.append("full text is switched off (AVATAR_SCHOLAR_FULLTEXT=false):"
                              " nothing downloaded")
        return report
    with store.fetch_lock(data_dir):
        store.remove_partial_files(data_dir)
        if retry_skipped:
            store.clear_skips(data_dir)
        plan = make_plan(data_dir, only, limit)
        report.given_up = plan.given_up
        if plan.unknown:
            report.notices.append(f"not in the index: {', '.join(plan.unknown)}")
        if any(t.step == "fetch" for t in plan.tasks) and not network_available(settings.pdf_url):
            report.offline = True
            report.notices.append(f"arXiv unreachable ({settings.pdf_url}): no PDFs downloaded;"
                                  " the papers keep their abstracts")
            plan.tasks = [t for t in plan.tasks if t.step == "parse"]
        report.total = len(plan.tasks)
        _run_plan(plan, settings, _memo(embedder_factory), report, batch, progress, pipeline)
        report.left = plan.papers - plan.with_text - report.attached
        report.wall = time.monotonic() - t0
        report.seconds = {"total": report.wall}  # the stages overlap: only the wall time adds up
    return report


def _run_plan(plan: Plan, settings: IndexerSettings, embedder: Callable[[], Embedder],
              report: FulltextReport, batch: int, progress: bool,
              pipeline: type[Pipeline]) -> None:
    """Download, parse and publish in batches, keeping the progress record current."""
    tracker, done, pending, in_a_row = _Progress(settings.data_dir, plan), 0, plan.ready, 0
    tracker.update(report, 0)
    state: ProgressState = "offline" if report.offline else "done"
    message = report.notices[-1] if report.offline else ""
    try:
        with pipeline(plan.tasks, settings) as pipe, tqdm(
                total=len(plan.tasks), desc="full text", unit="paper", disable=not progress) as bar:
            for outcome in pipe.results():
                pending += _account(outcome, settings.data_dir, report)
                failure = outcome.failure
                in_a_row = in_a_row + 1 if failure is not None and failure.transient else 0
                done += 1
                bar.update(1)
                tracker.update(report, done)
                if pending >= batch:
                    publish(settings, embedder, report)
                    pending = 0
                if in_a_row >= MAX_TRANSIENT_IN_A_ROW:
                    message = (f"arXiv stopped answering ({in_a_row} papers in a row failed:"
                               f" {failure}); run `avatar-scholar fulltext` again later")
                    report.notices.append(message)
                    break
        if pending:
            publish(settings, embedder, report)
    except KeyboardInterrupt:
        report.interrupted, state = True, "stopped"
        message = "interrupted; downloaded PDFs are kept and the next run resumes"
        report.notices.append(message)
    except BaseException:
        tracker.update(report, done, "stopped", "the job failed")
        raise
    tracker.update(report, done, state, message)
