"""QuarantineFile: set a rejected file aside whole, next to a record of why."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Dict


def quarantine_file(s3: Any, *, bucket: str, key: str, quarantine_bucket: str, run_id: str, error: str, cause: str) -> Dict[str, str]:
    target = f"_files/{key}"
    s3.copy_object(Bucket=quarantine_bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
    reason = {
        "source": f"s3://{bucket}/{key}",
        "run_id": run_id,
        "error": error,
        "reason": _message(cause),
        "quarantined_at": datetime.now(timezone.utc).isoformat(),
    }
    s3.put_object(Bucket=quarantine_bucket, Key=f"{target}.reason.json", Body=json.dumps(reason, indent=2).encode(),
                  ContentType="application/json")
    return {"location": f"s3://{quarantine_bucket}/{target}", "reason": reason["reason"]}


def _message(cause: str) -> str:
    """The Lambda error's message, when the cause is Lambda's JSON error document."""
    try:
        return str(json.loads(cause).get("errorMessage") or cause)
    except (ValueError, AttributeError):
        return cause
