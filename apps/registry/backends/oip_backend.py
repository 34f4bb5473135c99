"""Models served over HTTP with the Open Inference Protocol (V2), as KServe, Seldon MLServer
and Triton speak it: `POST {base}/v2/models/{name}/versions/{version}/infer` with the inputs
as named tensors, one tensor per feature column.

The artifact URI is the model's endpoint, e.g. `http://mlserver:8080/v2/models/loan/versions/3`
(without `/versions/…` for servers that keep one version); `?output=NAME` picks one output
tensor, otherwise one output gives its value per row and several give a dict per row.

Answers worth retrying (5xx, 429, timeouts, refused connections) are retried with exponential
backoff; a server still unavailable after that, or answering something that is not the
protocol, fails the run with a message saying which. A 4xx means the server refused these
inputs: the frame is bisected so that each refused row gets the server's message."""

from __future__ import annotations

import json
import math
import re
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import numpy as np
import pandas as pd
from django.conf import settings

from .base import ArtifactError, BackendUnavailable, LoadedModel

_PATH = re.compile(r"^/v2/models/[^/]+(/versions/[^/]+)?/?$")


class InputRefused(Exception):
    """The server answered 4xx for these rows (bisected into row errors)."""


def _split(artifact_uri: str) -> tuple[str, str | None]:
    parts = urlsplit(artifact_uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or not _PATH.match(parts.path):
        raise ArtifactError(
            f"'{artifact_uri}' is not an Open Inference Protocol endpoint: use "
            "http(s)://HOST:PORT/v2/models/NAME[/versions/VERSION][?output=NAME]."
        )
    output = parse_qs(parts.query).get("output", [None])[0]
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", "")), output


def _tensor(name: str, column: pd.Series) -> dict[str, Any]:
    if pd.api.types.is_bool_dtype(column):
        datatype, data = "BOOL", column.tolist()
    elif pd.api.types.is_integer_dtype(column):
        datatype, data = "INT64", column.tolist()
    elif pd.api.types.is_float_dtype(column):
        # JSON has no NaN: a missing number travels as null and the server decides.
        datatype, data = "FP64", [None if isinstance(v, float) and not math.isfinite(v) else v for v in column.tolist()]
    else:
        datatype, data = "BYTES", [None if v is None or (isinstance(v, float) and math.isnan(v)) else
                                   v if isinstance(v, (str, int, float, bool)) else json.dumps(v)
                                   for v in column.tolist()]
    return {"name": str(name), "shape": [len(column)], "datatype": datatype, "data": data}


def _rows(tensor: dict[str, Any], count: int) -> list[Any]:
    data, shape = tensor.get("data"), tensor.get("shape")
    if not isinstance(data, list) or not isinstance(shape, list) or not shape or shape[0] != count:
        raise BackendUnavailable(
            f"The inference server answered an output '{tensor.get('name')}' of shape {shape} for {count} inputs."
        )
    flat = np.asarray(data, dtype=object).reshape(-1)
    if len(flat) % count:
        raise BackendUnavailable(f"The output '{tensor.get('name')}' has {len(flat)} values for {count} inputs.")
    width = len(flat) // count
    values = flat.tolist()
    return values if width == 1 else [values[i * width:(i + 1) * width] for i in range(count)]


@dataclass
class OipModel(LoadedModel):
    endpoint: str = ""
    output_name: str | None = None

    def predict_frame(self, frame: pd.DataFrame):
        from .base import PredictionOutcome

        # Batches keep each request a reasonable size; each batch bisects on its own.
        batch = max(1, settings.OIP_BATCH_SIZE)
        outputs: list[Any] = []
        errors: list[str | None] = []
        for start in range(0, len(frame), batch):
            outcome = super().predict_frame(frame.iloc[start:start + batch])
            outputs += outcome.outputs
            errors += outcome.errors
        return PredictionOutcome(outputs=outputs, errors=errors)

    def predict_rows(self, frame: pd.DataFrame) -> list[Any]:
        body = {"id": uuid.uuid4().hex, "inputs": [_tensor(name, frame[name]) for name in frame.columns]}
        answer = self._post(json.dumps(body, allow_nan=False).encode())
        outputs = answer.get("outputs") if isinstance(answer, dict) else None
        if not isinstance(outputs, list) or not outputs or not all(isinstance(t, dict) for t in outputs):
            raise BackendUnavailable(f"The inference server at {self.endpoint} answered without an 'outputs' list: "
                                     f"{json.dumps(answer)[:300]}")
        if self.output_name:
            chosen = [tensor for tensor in outputs if tensor.get("name") == self.output_name]
            if not chosen:
                raise BackendUnavailable(f"The inference server answered no output named '{self.output_name}' "
                                         f"(got {[t.get('name') for t in outputs]}).")
            outputs = chosen
        if len(outputs) == 1:
            return _rows(outputs[0], len(frame))
        columns = {str(tensor.get("name")): _rows(tensor, len(frame)) for tensor in outputs}
        return [{name: values[i] for name, values in columns.items()} for i in range(len(frame))]

    def _post(self, body: bytes) -> Any:
        url = f"{self.endpoint}/infer"
        attempts = max(1, settings.OIP_MAX_ATTEMPTS)
        problem = ""
        for attempt in range(attempts):
            if attempt:
                time.sleep(settings.OIP_BACKOFF_SECONDS * 2 ** (attempt - 1))
            request = urllib.request.Request(url, data=body, method="POST",
                                             headers={"Content-Type": "application/json", "User-Agent": "mlincidents"})
            try:
                with urllib.request.urlopen(request, timeout=settings.OIP_TIMEOUT_SECONDS) as response:  # noqa: S310
                    raw = response.read(settings.OIP_MAX_RESPONSE_BYTES + 1)
            except urllib.error.HTTPError as exc:
                detail = exc.read(2000).decode("utf-8", "replace")
                if exc.code >= 500 or exc.code == 429:
                    problem = f"answered HTTP {exc.code}"
                    continue
                raise InputRefused(f"The inference server refused the input (HTTP {exc.code}): {_message(detail)}")
            except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                problem = f"could not be reached ({reason})"
                continue
            if len(raw) > settings.OIP_MAX_RESPONSE_BYTES:
                raise BackendUnavailable(f"The inference server at {url} answered more than "
                                         f"{settings.OIP_MAX_RESPONSE_BYTES} bytes.")
            try:
                return json.loads(raw)
            except ValueError:
                raise BackendUnavailable(f"The inference server at {url} answered something that is not JSON: "
                                         f"{raw[:200]!r}")
        raise BackendUnavailable(f"The inference server at {url} {problem}, {attempts} time(s) in a row; "
                                 "the run was stopped. Check that the server is up, then replay again.")


def _message(detail: str) -> str:
    try:
        parsed = json.loads(detail)
    except ValueError:
        return detail[:500]
    return str(parsed.get("error", parsed) if isinstance(parsed, dict) else parsed)[:500]


class OipBackend:
    name = "oip"

    def describe(self, artifact_uri: str) -> dict[str, Any]:
        # Nothing to pin: the server owns the model. Registration stays offline.
        _split(artifact_uri)
        return {"sha256": "", "library_versions": {"protocol": "open-inference-protocol-v2"}}

    def load(self, *, version_id: int, artifact_uri: str, sha256: str, feature_names: list[str]) -> LoadedModel:
        endpoint, output = _split(artifact_uri)
        return OipModel(feature_names=feature_names, endpoint=endpoint, output_name=output)
