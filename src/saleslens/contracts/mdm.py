"""Mobile device management (MDM): the device registry, the tablets and phones the field force
has registered for push notifications. A full snapshot per file (MDM_DEVICES_YYYYMMDD.csv), so a
master: the latest snapshot on or before a date says which devices get a report's notification
(saleslens.delivery.push).

A device token is what Apple (APNS) or Google (FCM, SNS platform ``GCM``) address the device by;
it names a person's device, so it is personal data (``pii``).
"""
from __future__ import annotations

from saleslens.contracts.model import Column, Dataset, ForeignKey

EMPLOYEE = r"E\d{6}"
# SNS platform names: APNS (Apple), GCM (Firebase Cloud Messaging, still called GCM by SNS).
PLATFORMS = ("APNS", "GCM")
# APNS tokens are 64 hex characters; FCM registration tokens are longer, of URL-safe base64 and ':'.
DEVICE_TOKEN = r"[A-Za-z0-9_:\-]{32,1000}"  # RE2 repeats at most 1000

DEVICES = Dataset(
    source="mdm",
    name="devices",
    description="Device registry: each person's devices registered for push notifications, and whether they are enabled.",
    columns=(
        Column("employee_id", "string", "Employee the device belongs to", pattern=EMPLOYEE),
        Column("platform", "string", "APNS (iOS, iPadOS) or GCM (Android, through FCM)", allowed=PLATFORMS),
        Column("device_token", "string", "Push token the platform addresses the device by", pattern=DEVICE_TOKEN,
               pii=True),
        Column("registered_date", "date", "Day the device was first registered"),
        Column("updated_date", "date", "Day the registration last changed (token refreshed, enabled or disabled)"),
        Column("enabled", "boolean", "The person allows report notifications on this device"),
    ),
    key=("platform", "device_token"),
    file_pattern="MDM_DEVICES_{dt:%Y%m%d}.csv",
    foreign_keys=(ForeignKey("employee_id", "hr_employees", "employee_id"),),
    kind="master",
)
