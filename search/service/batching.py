"""Shared batches for concurrent query encodes.

Encoding one short query costs about as much as encoding eight: the forward pass is
bound by reading the model's weights, not by arithmetic. So queries that arrive while
the model is busy are encoded together in the next pass; a lone query never waits.

Only batch-invariant backends are batched. Dynamic int8 quantization scales the
activations of a whole batch (padding included), so an int8 query's vector would move
with whatever else shared its pass (cosine ≈ 0.99) and the same query could rank
differently under load; int8 queries are encoded one by one instead.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from indexer.embed import Embedder

BATCH_DEPENDENT = frozenset({"onnx-int8"})  # backends whose vectors depend on batch-mates


@dataclass
class _Job:
    text: str
    done: threading.Event = field(default_factory=threading.Event)
    vector: np.ndarray | None = None
    error: Exception | None = None
    lead: bool = False


class BatchingEmbedder:
    """Wraps an Embedder so that concurrent one-text `embed` calls share forward passes.

    No timer and no extra thread: the first caller to find the model idle encodes
    everything queued (up to `max_batch`, its own text first), hands the lead to the
    oldest caller still waiting, and returns. A lone caller never waits.
    """

    def __init__(self, inner: Embedder, max_batch: int = 16) -> None:
        self.inner, self.max_batch = inner, max_batch
        self.model_id, self.dim, self.backend = inner.model_id, inner.dim, inner.backend
        self.batches = 0  # forward passes run for single-text calls (tests read it)
        self._lock = threading.Lock()
        self._queue: list[_Job] = []
        self._busy = False

    def count_tokens(self, text: str) -> int:
        """Word pieces of `text` (delegated)."""
        return self.inner.count_tokens(text)

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Vectors of `texts`; a single text joins the next shared batch."""
        if len(texts) != 1 or self.inner.backend in BATCH_DEPENDENT:
            return self.inner.embed(texts, progress=progress)
        job = _Job(texts[0])
        with self._lock:
            self._queue.append(job)
            if not self._busy:
                self._busy = job.lead = True
        if not job.lead:
            job.done.wait()  # woken with a result, or to take the lead
        if job.lead:
            self._run_batch()
        if job.error is not None:
            raise job.error
        assert job.vector is not None  # set by whichever caller ran the batch
        return job.vector[None, :]

    def _run_batch(self) -> None:
        with self._lock:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
        try:
            vectors = self.inner.embed([job.text for job in batch])
            for job, vector in zip(batch, vectors, strict=True):
                job.vector = vector
        except Exception as exc:  # every caller of the batch gets the failure
            for job in batch:
                job.error = exc
        finally:
            self.batches += 1
            with self._lock:
                if self._queue:
                    self._queue[0].lead = True
                    self._queue[0].done.set()
                else:
                    self._busy = False
            for job in batch:
                job.done.set()
