"""The one instant stamped into reports that need a time (STIX, GitLab SAST), so two runs give
identical bytes: 2024-01-01T00:00:00Z, or SOURCE_DATE_EPOCH (seconds, the reproducible-builds
convention) when set."""

from __future__ import annotations

import os
from datetime import UTC, datetime

__all__ = ["FIXED_TIMESTAMP", "report_time"]

FIXED_TIMESTAMP = datetime(2024, 1, 1, tzinfo=UTC)


def report_time() -> datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return FIXED_TIMESTAMP
