"""katib-ts helpers for Python trial code.

``report_metrics`` pushes metrics for ``metricsCollectorSpec.collector.kind: Push`` experiments,
the way Katib's ``kubeflow.katib.report_metrics`` does, with only ``grpcio`` installed (no
generated stubs, no Katib SDK)::

    from katib_ts import report_metrics
    report_metrics({"loss": 0.21, "accuracy": 0.93})
"""

from .report import DEFAULT_DB_MANAGER_ADDRESS, ReportMetricsError, report_metrics

__all__ = ["report_metrics", "ReportMetricsError", "DEFAULT_DB_MANAGER_ADDRESS"]
