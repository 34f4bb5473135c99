"""Models served over HTTP with the Open Inference Protocol (V2), as KServe, Seldon MLServer
and Triton speak it: `POST {base}/v2/models/{name}/versions/{version}/infer` with the inputs
as named tensors, one tensor per feature column.

The artifact URI is the model's endpoint, e.g. `http://mlserver:8080/v2/models/loan/versions/3`
(without `/versions/…` for servers that keep one version); `?output=NAME` asks the server for
that output tensor only, otherwise one output gives its value per row and several give a dict
per row.

The request is what the protocol allows and what servers need to read a table: each
tensor's datatype comes from the version's schema (FP64, INT64, BOOL, BYTES as JSON strings),
its shape is `[rows, 1]`, and the request carries the `content_type: pd` parameter (strings
also `content_type: str` per input) with which MLServer decodes a DataFrame rather than one
NumPy array. Parameters are optional in the protocol, so a server that does not use them
ignores them.

What the answers mean (one table, `_verdict`):
- no answer, 429, 502, 503, 504, other 5xx, or a 500 without a model error: the server is
  unavailable. Retried with exponential backoff; still so, the run fails.
- 404: the server has no such model. The run fails at once, naming the URL.
- 400, 413, 422, or a 500 whose OIP body `{"error": …}` names a model or codec error (MLServer
  wraps an exception raised by the model as `builtins.ValueError: …`): the server refused
  these inputs. The batch is bisected so that each refused row gets the server's message and
  the good rows keep their outputs. If every row is refused, the run fails with the first
  message: the endpoint and the inputs do not fit, and no row's error says more than that.
- any other 4xx (401, 403, 405…): the endpoint cannot be used as registered; the run fails."""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import numpy as np
import pandas as pd
from django.conf import settings

from .base import ArtifactError, BackendUnavailable, InputsRefused, LoadedModel, PredictionOutcome
from .oip_http import Answer, NotAllowed, Unreachable, exchange

_PATH = re.compile(r"^/v2/models/[^/]+(/versions/[^/]+)?/?$")

# The version's schema type → the protocol's tensor datatype.
DATATYPES = {"number": "FP64", "integer": "INT64", "boolean": "BOOL", "string": "BYTES"}

# A server-side exception named in a 500's body, as MLServer (`builtins.ValueError: …`) and
# KServe (`ValueError : …`) word it. These say the server itself is in trouble, not the input.
_EXCEPTION_NAME = re.compile(r"^\s*((?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*(?:Error|Exception|Warning)))\s*:")
_SERVER_TROUBLE = {"MemoryError", "TimeoutError", "ConnectionError", "BrokenPipeError", "ConnectionResetError",
                   "OSError", "SystemError", "CancelledError", "RecursionError"}


class InputRefused(Exception):
    """The server refused these rows (bisected into row errors)."""


class _Retry(Exception):
    """This answer means the server is unavailable for now."""


def _split(artifact_uri: str) -> tuple[str, str | None]:
    parts = urlsplit(artifact_uri)
    if parts.scheme not in ("http", "https") or not parts.netloc or not _PATH.match(parts.path):
        raise ArtifactError(
            f"'{artifact_uri}' is not an Open Inference Protocol endpoint: use "
            "http(s)://HOST:PORT/v2/models/NAME[/versions/VERSION][?output=NAME]."
        )
    output = parse_qs(parts.query).get("output", [None])[0]
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", "")), output


# --- Requests --------------------------------------------------------------------------------

def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _fits(datatype: str, value: Any) -> bool:
    if datatype == "BOOL":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if datatype == "INT64":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if datatype == "FP64":
        return isinstance(value, (int, float))
    return isinstance(value, str)


def _inferred_datatype(column: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(column):
        return "BOOL"
    if pd.api.types.is_integer_dtype(column):
        return "INT64"
    if pd.api.types.is_float_dtype(column):
        return "FP64"
    return "BYTES"


def _as_text(value: Any) -> str | None:
    if _missing(value):
        return None
    return value if isinstance(value, str) else json.dumps(value)


def tensor(name: str, column: pd.Series, schema_type: str | None = None) -> dict[str, Any]:
    """One input tensor. The datatype is the schema's when every value of this batch fits it
    (a missing integer makes the column FP64, as pandas would); otherwise — an input that does
    not match its schema — the values travel as text and the server decides, as a local
    model would."""
    values = column.tolist()
    present = [value for value in values if not _missing(value)]
    datatype = DATATYPES.get(schema_type or "") or _inferred_datatype(column)
    if not all(_fits(datatype, value) for value in present):
        datatype = "BYTES"
    elif datatype == "INT64" and len(present) < len(values):
        datatype = "FP64"
    elif datatype == "BOOL" and len(present) < len(values):
        datatype = "BYTES"  # a boolean tensor has no null: NumPy would read it as False
    if datatype == "FP64":
        # JSON has no NaN: a missing number travels as null (NaN to a NumPy/pandas server).
        data = [None if _missing(v) or not math.isfinite(float(v)) else float(v) for v in values]
    elif datatype == "INT64":
        data = [int(value) for value in values]
    elif datatype == "BOOL":
        data = values
    else:
        data = [_as_text(value) for value in values]
    described: dict[str, Any] = {"name": str(name), "shape": [len(values), 1], "datatype": datatype, "data": data}
    if datatype == "BYTES":
        # The protocol's JSON form of BYTES is a string; MLServer's `str` content type keeps
        # them strings (its default would hand the model bytes).
        described["parameters"] = {"content_type": "str"}
    return described


def inference_request(frame: pd.DataFrame, *, feature_types: dict[str, str], output: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        # MLServer decodes a request as one NumPy array unless told it is a table.
        "parameters": {"content_type": "pd"},
        "inputs": [tensor(name, frame[name], feature_types.get(str(name))) for name in frame.columns],
    }
    if output:
        body["outputs"] = [{"name": output}]
    return body


# --- Answers ---------------------------------------------------------------------------------

def _error_text(raw: bytes) -> tuple[str, bool]:
    """The server's message, and whether the body is the protocol's `{"error": "…"}`."""
    text = raw[:4000].decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        return text.strip()[:500], False
    if isinstance(parsed, dict) and isinstance(parsed.get("error"), str):
        return parsed["error"][:500], True
    return text.strip()[:500], False


def _model_error(message: str) -> bool:
    """A 500 whose message names an exception raised by the model or a codec error, rather
    than a worker that died or a server out of memory."""
    if "codec" in message.lower():
        return True
    named = _EXCEPTION_NAME.match(message)
    return bool(named) and named.group(2) not in _SERVER_TROUBLE


def _verdict(url: str, answer: Answer) -> None:
    """Raises what a non-200 answer means (see the module's docstring)."""
    message, protocol_error = _error_text(answer.body)
    status = answer.status
    if status == 404:
        raise ArtifactError(f"The inference server has no model at {url} (HTTP 404: {message}). Check the model "
                            "name and version in the registered endpoint.")
    if status in (400, 413, 422):
        if "not ready" in message.lower():  # MLServer answers 400 while a model loads
            raise _Retry(f"answered HTTP {status} ({message})")
        raise InputRefused(f"The inference server refused the input (HTTP {status}): {message}")
    if status == 500 and protocol_error and _model_error(message):
        raise InputRefused(f"The model failed on the input (HTTP 500): {message}")
    if status >= 500 or status == 429:
        raise _Retry(f"answered HTTP {status}" + (f" ({message})" if message else ""))
    raise ArtifactError(f"The inference server at {url} answered HTTP {status}: {message}")


def _rows(output: dict[str, Any], count: int) -> list[Any]:
    data, shape = output.get("data"), output.get("shape")
    if not isinstance(data, list) or not isinstance(shape, list) or not shape or shape[0] != count:
        raise BackendUnavailable(
            f"The inference server answered an output '{output.get('name')}' of shape {shape} for {count} inputs."
        )
    flat = np.asarray(data, dtype=object).reshape(-1)
    if len(flat) % count:
        raise BackendUnavailable(f"The output '{output.get('name')}' has {len(flat)} values for {count} inputs.")
    width = len(flat) // count
    values = flat.tolist()
    return values if width == 1 else [values[i * width:(i + 1) * width] for i in range(count)]


def _json(url: str, raw: bytes) -> Any:
    if len(raw) > settings.OIP_MAX_RESPONSE_BYTES:
        raise BackendUnavailable(f"The inference server at {url} answered more than "
                                 f"{settings.OIP_MAX_RESPONSE_BYTES} bytes.")
    try:
        return json.loads(raw)
    except ValueError:
        raise BackendUnavailable(f"The inference server at {url} answered something that is not JSON: "
                                 f"{raw[:200]!r}") from None


@dataclass
class OipModel(LoadedModel):
    endpoint: str = ""
    output_name: str | None = None
    feature_types: dict[str, str] = field(default_factory=dict)

    def predict_frame(self, frame: pd.DataFrame) -> PredictionOutcome:
        # Batches keep each request a reasonable size; each batch bisects on its own.
        batch = max(1, settings.OIP_BATCH_SIZE)
        outputs: list[Any] = []
        errors: list[str | None] = []
        for start in range(0, len(frame), batch):
            outcome = super().predict_frame(frame.iloc[start:start + batch])
            outputs += outcome.outputs
            errors += outcome.errors
        refused = f"{InputRefused.__name__}: "
        if errors and all(error is not None and error.startswith(refused) for error in errors):
            raise InputsRefused(f"The inference server at {self.endpoint} refused every input ({len(errors)}); "
                                f"its first answer: {errors[0][len(refused):]}")
        return PredictionOutcome(outputs=outputs, errors=errors)

    def predict_rows(self, frame: pd.DataFrame) -> list[Any]:
        body = inference_request(frame, feature_types=self.feature_types, output=self.output_name)
        answer = self._post(json.dumps(body, allow_nan=False).encode())
        outputs = answer.get("outputs") if isinstance(answer, dict) else None
        if not isinstance(outputs, list) or not outputs or not all(isinstance(t, dict) for t in outputs):
            raise BackendUnavailable(f"The inference server at {self.endpoint} answered without an 'outputs' list: "
                                     f"{json.dumps(answer)[:300]}")
        if self.output_name:
            chosen = [output for output in outputs if output.get("name") == self.output_name]
            if not chosen:
                raise BackendUnavailable(f"The inference server answered no output named '{self.output_name}' "
                                         f"(got {[t.get('name') for t in outputs]}).")
            outputs = chosen
        if len(outputs) == 1:
            return _rows(outputs[0], len(frame))
        columns = {str(output.get("name")): _rows(output, len(frame)) for output in outputs}
        return [{name: values[i] for name, values in columns.items()} for i in range(len(frame))]

    def _post(self, body: bytes) -> Any:
        url = f"{self.endpoint}/infer"
        attempts = max(1, settings.OIP_MAX_ATTEMPTS)
        problem = ""
        for attempt in range(attempts):
            if attempt:
                time.sleep(settings.OIP_BACKOFF_SECONDS * 2 ** (attempt - 1))
            try:
                answer = exchange("POST", url, body=body)
            except NotAllowed as exc:
                raise BackendUnavailable(f"The inference server at {url} may not be called: {exc}. Set "
                                         "OUTBOUND_ALLOW_PRIVATE=true where models are served on a private "
                                         "network.") from exc
            except Unreachable as exc:
                problem = f"could not be reached ({exc})"
                continue
            if answer.status == 200:
                return _json(url, answer.body)
            try:
                _verdict(url, answer)
            except _Retry as exc:
                problem = str(exc)
        raise BackendUnavailable(f"The inference server at {url} {problem}, {attempts} time(s) in a row; "
                                 "the run was stopped. Check that the server is up, then replay again.")


def _metadata(url: str) -> dict[str, Any]:
    try:
        answer = exchange("GET", url)
    except Unreachable as exc:
        raise ArtifactError(f"The inference server at {url} could not be reached ({exc}). Start it, or register "
                            "with --no-check to skip the check (an offline registration).") from exc
    if answer.status != 200:
        message, _ = _error_text(answer.body)
        raise ArtifactError(f"The inference server's metadata endpoint {url} answered HTTP {answer.status}"
                            f"{f': {message}' if message else ''}. Check the model name and version, or register "
                            "with --no-check (an offline registration).")
    metadata = _json(url, answer.body)
    if not isinstance(metadata, dict):
        raise ArtifactError(f"The metadata endpoint {url} answered something that is not the protocol's model "
                            f"metadata: {json.dumps(metadata)[:200]}")
    return metadata


def _tensor_names(metadata: dict[str, Any], key: str) -> list[str]:
    listed = metadata.get(key)
    if not isinstance(listed, list):
        return []
    return [str(item.get("name")) for item in listed if isinstance(item, dict) and item.get("name")]


class OipBackend:
    name = "oip"

    def describe(self, artifact_uri: str) -> dict[str, Any]:
        # Nothing to pin: the server owns the model.
        _split(artifact_uri)
        return {"sha256": "", "library_versions": {"protocol": "open-inference-protocol-v2"}}

    def check(self, artifact_uri: str, *, feature_names: list[str]) -> dict[str, str]:
        """Asks the server for the model's metadata (`GET /v2/models/NAME[/versions/V]`):
        the model must be there, and where the server lists its inputs and outputs, the
        schema's features and the chosen output must be among them. Returns what the server
        says about itself, for the version's library versions."""
        endpoint, output = _split(artifact_uri)
        metadata = _metadata(endpoint)
        inputs, outputs = _tensor_names(metadata, "inputs"), _tensor_names(metadata, "outputs")
        missing = [name for name in feature_names if name not in inputs] if inputs else []
        if missing:
            raise ArtifactError(f"The model at {endpoint} takes the inputs {inputs}; the schema's "
                                f"{missing} are not among them.")
        if output and outputs and output not in outputs:
            raise ArtifactError(f"The model at {endpoint} has the outputs {outputs}, not '{output}'.")
        found = {"server:platform": str(metadata.get("platform") or "")}
        parts = urlsplit(endpoint)
        try:
            server = exchange("GET", urlunsplit((parts.scheme, parts.netloc, "/v2", "", "")))
            described = json.loads(server.body) if server.status == 200 else {}
        except (Unreachable, ValueError):
            described = {}
        if isinstance(described, dict) and described.get("name"):
            found["server"] = f"{described['name']} {described.get('version', '')}".strip()
        return {key: value for key, value in found.items() if value}

    def load(self, *, version_id: int, artifact_uri: str, sha256: str, feature_names: list[str],
             feature_types: dict[str, str] | None = None) -> LoadedModel:
        endpoint, output = _split(artifact_uri)
        return OipModel(feature_names=feature_names, endpoint=endpoint, output_name=output,
                        feature_types=dict(feature_types or {}))
