"""Push-style metrics: one ``DBManager.ReportObservationLog`` call (Katib's api.v1.beta1).

The request is encoded here with the protobuf wire format directly (four small messages), so the
helper needs ``grpcio`` but neither ``protobuf`` stubs nor the Katib SDK. Field numbers are those
of Katib's api.proto::

    ReportObservationLogRequest { string trial_name = 1; ObservationLog observation_log = 2; }
    ObservationLog { repeated MetricLog metric_logs = 1; }
    MetricLog { string time_stamp = 1; Metric metric = 2; }
    Metric { string name = 1; string value = 2; }
"""

import datetime
import json
import math
import os
import urllib.error
import urllib.parse
import urllib.request
from typing import Mapping, Optional

DEFAULT_DB_MANAGER_ADDRESS = "127.0.0.1:6789"
_METHOD = "/api.v1.beta1.DBManager/ReportObservationLog"


class ReportMetricsError(Exception):
    """A metric report that was refused or could not be delivered; the message says why."""


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def encode_request(trial_name: str, metrics: Mapping[str, float], time_stamp: str) -> bytes:
    """The serialized ``ReportObservationLogRequest`` for ``metrics``, all stamped ``time_stamp``."""
    logs = b""
    for name, value in metrics.items():
        metric = _field(1, name.encode()) + _field(2, repr(float(value)).encode())
        logs += _field(1, _field(1, time_stamp.encode()) + _field(2, metric))
    return _field(1, trial_name.encode()) + _field(2, logs)


def report_metrics(
    metrics: Mapping[str, float],
    db_manager_address: Optional[str] = None,
    timeout: float = 120,
    trial_name: Optional[str] = None,
    transport: Optional[str] = None,
) -> None:
    """Reports ``metrics`` (name → finite number) for the current trial.

    The trial is ``trial_name`` or ``$KATIB_TRIAL_NAME`` (katib-ts sets it for every trial).
    ``transport`` is ``"grpc"`` (Katib's DBManager service at ``db_manager_address``, else
    ``$KATIB_DB_MANAGER_ADDRESS``, else 127.0.0.1:6789) or ``"http"`` (katib-ts's REST endpoint at
    ``$KATIB_API_URL``, standard library only); by default gRPC when ``grpcio`` is installed, else
    HTTP. All values are stamped with the current second in UTC, like Katib's SDK.
    Raises ``ReportMetricsError`` for a missing trial name, an empty or non-numeric report, or an
    error from the server (for example NOT_FOUND / 404 for an unknown trial).
    """
    name = trial_name if trial_name is not None else os.environ.get("KATIB_TRIAL_NAME", "")
    if not name:
        raise ReportMetricsError("no trial name: set KATIB_TRIAL_NAME or pass trial_name")
    if not metrics:
        raise ReportMetricsError("metrics: report at least one metric")
    for key, value in metrics.items():
        if not isinstance(key, str) or not key:
            raise ReportMetricsError(f"metrics: metric names must be non-empty strings, got {key!r}")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ReportMetricsError(f"metrics.{key}: must be a number, got {value!r}") from None
        if not math.isfinite(number):
            raise ReportMetricsError(f"metrics.{key}: must be a finite number, got {value!r}")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if transport is None:
        try:
            import grpc  # noqa: F401

            transport = "grpc"
        except ImportError:
            transport = "http"
    if transport == "http":
        _report_http(name, metrics, stamp, timeout)
        return
    if transport != "grpc":
        raise ReportMetricsError(f"transport: must be grpc or http, got {transport!r}")
    import grpc  # imported here so that the HTTP path needs only the standard library

    address = db_manager_address or os.environ.get("KATIB_DB_MANAGER_ADDRESS") or DEFAULT_DB_MANAGER_ADDRESS
    request = encode_request(name, metrics, stamp)
    with grpc.insecure_channel(address) as channel:
        call = channel.unary_unary(_METHOD, request_serializer=None, response_deserializer=None)
        try:
            call(request, timeout=timeout)
        except grpc.RpcError as err:  # a status from the server, or the channel's failure
            raise ReportMetricsError(
                f"ReportObservationLog to {address} failed: {err.code().name}: {err.details()}"
            ) from None


def _report_http(name: str, metrics: Mapping[str, float], stamp: str, timeout: float) -> None:
    """POST /api/v1beta1/trials/<name>/observations on $KATIB_API_URL."""
    base = os.environ.get("KATIB_API_URL")
    if not base:
        raise ReportMetricsError("no REST endpoint: KATIB_API_URL is not set (katib run sets it for Push trials)")
    url = f"{base.rstrip('/')}/api/v1beta1/trials/{urllib.parse.quote(name, safe='')}/observations"
    body = json.dumps({"metrics": {k: float(v) for k, v in metrics.items()}, "timestamp": stamp}).encode()
    req = urllib.request.Request(url, data=body, method="POST", headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout):
            pass
    except urllib.error.HTTPError as err:
        try:
            detail = json.loads(err.read().decode() or "{}")
        except ValueError:
            detail = {}
        paths = "; ".join(f"{d.get('path')}: {d.get('message')}" for d in detail.get("details", []))
        raise ReportMetricsError(
            f"POST {url} failed: {err.code}: {detail.get('error', err.reason)}" + (f" ({paths})" if paths else "")
        ) from None
    except urllib.error.URLError as err:
        raise ReportMetricsError(f"POST {url} failed: {err.reason}") from None
