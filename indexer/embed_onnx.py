"""all-MiniLM-L6-v2 on ONNX Runtime: fp32 ("onnx") and dynamic int8 ("onnx-int8").

The ONNX graph is exported locally from the packaged weights (never downloaded),
fused with ONNX Runtime's BERT optimizer and, for int8, quantized with
`quantize_dynamic` (per-channel weights). The files are cached under
``<cache_dir>/onnx/<model-hash>/`` (settings' ``cache_dir``: $AVATAR_SCHOLAR_CACHE_DIR, default
``~/.cache/avatar-scholar``),
so only the first use pays for torch and the export. Pooling and normalisation
repeat sentence-transformers' modules (mean over real tokens, then L2), so the
vectors match the torch backend's.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.errors import StoreError
from indexer.model_spec import MODEL_DIM, MODEL_ID, MODEL_MAX_TOKENS, model_path

logger = logging.getLogger(__name__)

# Part of the cache key: bump it whenever the export recipe below changes.
EXPORT_RECIPE = "bert-legacy-opset17-fused-v1"
FP32_FILE, INT8_FILE = "model.onnx", "model-int8.onnx"
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
HASHED_FILES = ("config.json", "tokenizer.json", "model.safetensors")


DEFAULT_CACHE = Path.home() / ".cache" / "avatar-scholar"


def cache_root(cache_dir: Path | None = None) -> Path:
    """Where exported models live: ``<cache_dir>/onnx`` (settings' `cache_dir`)."""
    return Path(cache_dir or DEFAULT_CACHE).expanduser() / "onnx"


def model_hash(model_dir: Path) -> str:
    """A short digest of the model files, the export recipe and the runtime version."""
    import onnxruntime

    digest = hashlib.sha256(f"{EXPORT_RECIPE}|{onnxruntime.__version__}".encode())
    for name in HASHED_FILES:
        with open(model_dir / name, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def physical_cores() -> int:
    """Physical cores this process may use; SMT siblings only add contention in GEMMs."""
    logical = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores: set[tuple[str, str]] = set()
    try:
        phys = core = ""
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key.strip() == "physical id":
                    phys = value.strip()
                elif key.strip() == "core id":
                    core = value.strip()
                    cores.add((phys, core))
    except OSError:
        pass
    return max(1, min(len(cores) or logical or 1, logical or 1))


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


def _torch_encoder(model_dir: Path) -> Any:
    """The packaged BertModel behind a keyword call with one tensor out.

    BertModel's positional argument order changes between transformers versions, and
    eager attention traces to plain ops that ORT's BERT optimizer fuses into Attention.
    """
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    return Encoder().eval()


def _export_fp32(model_dir: Path, out: Path) -> None:
    """Trace the packaged model to ONNX, fuse it, check it against torch, then publish it."""
    import torch
    from onnxruntime.transformers.optimizer import optimize_model

    model = _torch_encoder(model_dir)
    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]])
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    # Per-process temporary names: two first uses at once must not write the same file.
    raw = out.with_name(f"{out.name}.raw.{os.getpid()}.tmp")
    tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")  # tracer chatter about masks that are constant here
            # The TorchScript exporter: seconds instead of the dynamo exporter's tens of
            # seconds, and a graph ORT's BERT fusions recognise.
            torch.onnx.export(model, (ids, (ids != 0).long(), torch.zeros_like(ids)), str(raw),
                              input_names=list(INPUTS), output_names=["last_hidden_state"],
                              dynamic_axes=axes, opset_version=17, do_constant_folding=True,
                              dynamo=False)
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        fused = optimize_model(str(raw), model_type="bert", hidden_size=config["hidden_size"],
                               num_heads=config["num_attention_heads"])
        fused.save_model_to_file(str(tmp))
        _check_export(model, tmp)
        os.replace(tmp, out)
    finally:
        raw.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)


def _check_export(model: Any, path: Path) -> None:
    """Refuse an export whose outputs differ from torch on a padded batch of new shape."""
    import onnxruntime as ort
    import torch

    ids = torch.tensor([[101, *range(2000, 2020), 102], [101, *range(3000, 3010), 102, *[0] * 10]])
    mask = (ids != 0).long()
    with torch.no_grad():
        want = model(ids, mask, torch.zeros_like(ids)).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = sess.run(None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy(),
                          "token_type_ids": np.zeros_like(ids.numpy())})[0]
    real = mask.numpy().astype(bool)
    err = float(np.abs(got[real] - want[real]).max())
    if err > 1e-3:
        raise ValueError(f"exported graph differs from torch by {err:.2e}")


def _quantize(src: Path, out: Path) -> None:
    """Dynamic int8: weights per channel (per-tensor loses ~3x more cosine), activations at run time."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)  # its root-logger advice about pre-processing is noise here
    try:
        # The fused contrib ops defeat shape inference; their outputs are float tensors.
        quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        os.replace(tmp, out)
    finally:
        logging.disable(previous)
        tmp.unlink(missing_ok=True)


def ensure_model(quantized: bool, cache_dir: Path | None = None) -> Path:
    """The cached ONNX file for the packaged model, exported (and quantized) on first use.

    Raises:
        StoreError: the ONNX tooling is missing or the export failed (one line).
    """
    model_dir = Path(model_path())
    try:
        folder = cache_root(cache_dir) / model_hash(model_dir)
        fp32, int8 = folder / FP32_FILE, folder / INT8_FILE
        target = int8 if quantized else fp32
        if target.is_file():
            return target
        folder.mkdir(parents=True, exist_ok=True)
        logger.info("exporting %s to ONNX in %s (once)", MODEL_ID, folder)
        # ORT's optimizer logs every fusion at INFO; the user only needs the line above.
        logging.disable(logging.INFO)
        try:
            if not fp32.is_file():
                _export_fp32(model_dir, fp32)
            if quantized:
                _quantize(fp32, int8)
        finally:
            logging.disable(logging.NOTSET)
        return target
    except ImportError as exc:
        raise StoreError(f"ONNX backend needs onnx and onnxruntime: pip install onnx onnxruntime"
                         f" ({_one_line(exc)})") from exc
    except Exception as exc:  # torch/ORT raise many types; the user needs one line either way
        raise StoreError(f"could not export {MODEL_ID} to ONNX under"
                         f" {cache_root(cache_dir)}: {_one_line(exc)}") from exc


class OnnxEmbedder:
    """all-MiniLM-L6-v2 on ONNX Runtime (CPU), fp32 or dynamic int8."""

    model_id = MODEL_ID
    dim = MODEL_DIM

    def __init__(self, quantized: bool = False, batch_size: int = 32,
                 cache_dir: Path | None = None, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.backend = "onnx-int8" if quantized else "onnx"
        self.batch_size = batch_size
        self.path = ensure_model(quantized, cache_dir)
        tok_file = str(Path(model_path()) / "tokenizer.json")
        # tokenizer.json ships with truncation and padding at 128: reset both to the model's
        # 256-token window (sentence_bert_config.json) and pad per batch ourselves.
        self._tok = Tokenizer.from_file(tok_file)
        self._tok.enable_truncation(MODEL_MAX_TOKENS)
        self._tok.no_padding()
        self._count_tok = Tokenizer.from_file(tok_file)
        self._count_tok.no_truncation()
        self._count_tok.no_padding()
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or physical_cores()
        opts.inter_op_num_threads = 1
        # Spinning workers steal cycles from parsing and from other jobs on a shared box;
        # batches are large enough that waking a thread costs nothing measurable.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(self.path), opts,
                                             providers=["CPUExecutionProvider"])
        self.calls = 0  # texts encoded so far; tests use it to prove reuse

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for `text`, special tokens included, not truncated."""
        return len(self._count_tok.encode(text).ids)

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Encode texts to normalised float32 vectors of shape (len(texts), dim).

        Batches are formed in order of token count so that padding is minimal; the
        result is in the caller's order.
        """
        from tqdm import tqdm

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self._tok.encode_batch(list(texts))]
        order = np.argsort([-len(x) for x in ids], kind="stable")
        with tqdm(total=len(texts), desc="embed", unit="text", disable=not progress) as bar:
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                out[rows] = self._encode([ids[i] for i in rows])
                bar.update(len(rows))
        self.calls += len(texts)
        return out

    def _encode(self, batch: list[list[int]]) -> np.ndarray:
        """One padded batch → mean-pooled, L2-normalised vectors (sentence-transformers' maths)."""
        width = max(len(x) for x in batch)
        ids = np.zeros((len(batch), width), dtype=np.int64)
        for r, x in enumerate(batch):
            ids[r, : len(x)] = x
        mask = (np.arange(width)[None, :] < np.array([len(x) for x in batch])[:, None])
        feeds = {"input_ids": ids, "attention_mask": mask.astype(np.int64),
                 "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
