"""Every place the pipeline keeps a person's personal data, and what erasing it there means.

In the order erasure changes them (``PLACES``): first the copies found by the person's name,
email or mobile, while the clean and curated HR rows still say what those are (so a run stopped
half way finds them again), then the structured zones, the clean zone's HR rows last but one.

| place | what holds the person | erasure |
|---|---|---|
| report pages | ``reports/<cadence>/<date>/<position>/<id>.html`` | deleted: the page is theirs |
| run recipients | ``runs/<run>/recipients.json``: name and email per recipient | their entries dropped |
| link holders | ``links/holders.json``: the address on record per current holder | their entries dropped (their links stop opening) |
| query results | Athena results listing people (a personal column in the header) | their rows dropped |
| run ledger | any text naming them (error texts, kept 400 days) | name, email, mobile replaced |
| delivery ledger | one record per report emailed to them (the message id of their email) | deleted |
| refused files | files quarantined whole (``_files/``), their reasons | their lines dropped / values replaced |
| landing | raw HR files holding their row | deleted once ingested (see ``Landing``) |
| rejected rows | quarantined rows of the HR datasets | their rows dropped |
| clean zone | HR partitions, their files' members, staged rows | personal columns blanked |
| curated zone | cur_hr__employees | personal columns blanked |

Ids alone (``employee_id`` in facts, outcomes files, a run's items file, the Map's inputs) stay:
they hold no name or contact and keep other people's figures and each run's accounting whole.
The email suppression table is no place: it keeps a salted hash of an address, never the address
or an id (``saleslens.delivery.suppression``), and expires its rows by TTL.
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from saleslens.contracts import UnknownDatasetError, dataset_for_key
from saleslens.erasure import rows
from saleslens.erasure.objects import (
    Content,
    Edit,
    ObjectChange,
    Version,
    count_lines,
    grouped_versions,
    head_bytes,
    read,
    versions_of,
)
from saleslens.erasure.person import (
    Person,
    decode,
    employee_datasets,
    employee_tables,
    encode,
    personal_columns,
)
from saleslens.ingest.naming import execution_name_for, member_id, member_key
from saleslens.links.holders import HOLDERS_KEY
from saleslens.retention import REFUSED_PREFIX, REPORTS_PREFIX, RUNS_PREFIX

REASON_SUFFIX = ".reason.json"  # ingest.quarantine: <key>.reason.json beside a refused file
RECIPIENTS_FILE = "/recipients.json"  # distribution.recipients.recipients_key


@dataclass
class Context:
    s3: Any
    buckets: Dict[str, str]  # zone -> bucket name
    person: Person

    def bucket(self, zone: str) -> str:
        return self.buckets[zone]


def _all_personal_columns() -> Tuple[str, ...]:
    names = {c for d in employee_datasets() for c in personal_columns(d.columns)}
    names |= {c for t in employee_tables() for c in personal_columns(t.columns)}
    return tuple(sorted(names))


class ObjectPlace(ABC):
    """Objects of one bucket (``zone``) that may hold the person."""

    name = ""
    zone = ""

    @abstractmethod
    def keys(self, ctx: Context) -> Iterator[Tuple[str, List[Version]]]:
        """Each key of the place with its versions."""

    @abstractmethod
    def examine(self, ctx: Context, version: Version) -> Optional[Edit]:
        """What the version becomes without the person; None when it does not hold them."""

    def keep_current(self, ctx: Context, latest: Version) -> str:
        """Why the current version must stay for now, or empty."""
        return ""


class OwnObjects(ObjectPlace):
    """Objects that are the person's by their key (``.../<employee id><suffix>``): deleted unread."""

    def __init__(self, name: str, zone: str, prefix: str, suffix: str) -> None:
        self.name, self.zone, self.prefix, self.suffix = name, zone, prefix, suffix

    def keys(self, ctx: Context) -> Iterator[Tuple[str, List[Version]]]:
        own = f"/{ctx.person.employee_id}{self.suffix}"
        return grouped_versions(ctx.s3, ctx.bucket(self.zone), self.prefix, lambda k: k.endswith(own))

    def examine(self, ctx: Context, version: Version) -> Optional[Edit]:
        return Edit(rows=1, gone=True)


class RunRecipients(ObjectPlace):
    name, zone = "run recipients", "reports"

    def keys(self, ctx: Context) -> Iterator[Tuple[str, List[Version]]]:
        return grouped_versions(ctx.s3, ctx.bucket(self.zone), RUNS_PREFIX, lambda k: k.endswith(RECIPIENTS_FILE))

    def examine(self, ctx: Context, version: Version) -> Optional[Edit]:
        content = read(ctx.s3, ctx.bucket(self.zone), version)
        body, dropped = rows.drop_entries(content.body, ctx.person, _all_personal_columns())
        if not dropped or body is None:
            return None
        return Edit(rows=dropped, body=lambda: body, original=content)


class LinkHolders(ObjectPlace):
    """The link service's holders file (saleslens.links.holders): an address per employee and position."""

    name, zone = "link holders", "reports"

    def keys(self, ctx: Context) -> Iterator[Tuple[str, List[Version]]]:
        return grouped_versions(ctx.s3, ctx.bucket(self.zone), HOLDERS_KEY, lambda k: k == HOLDERS_KEY)

    def examine(self, ctx: Context, version: Version) -> Optional[Edit]:
        content = read(ctx.s3, ctx.bucket(self.zone), version)
        doc = json.loads(content.body)
        theirs = [k for k in doc.get("holders", {}) if k.split("|", 1)[0] == ctx.person.employee_id]
        if not theirs:
            return None
        for k in theirs:
            del doc["holders"][k]
        body = json.dumps(doc, sort_keys=True).encode()
        return Edit(rows=len(theirs), body=lambda: body, original=content)


class QueryResults(ObjectPlace):
    """Athena results whose header names a personal column (the recipients mart, ad hoc queries
    of the HR tables). Other results carry ids and figures only, and expire after
    lake.athena_results_expiry_days."""

    name, zone = "query results", "athena-results"

    def keys(self, ctx: Context) -> Iterator[Tuple[str, List[Version]]]:
        return grouped_versions(ctx.s3, ctx.bucket(self.zone), "", lambda k: k.endswith(".csv"))

    def examine(self, ctx: Context, version: Version) -> Optional[Edit]:
        columns = _all_personal_columns()
        bucket = ctx.bucket(self.zone)
        if not set(rows.csv_header(head_bytes(ctx.s3, bucket, version))) & set(columns):
            return None
        content = read(ctx.s3, bucket, version)
        body, changes = rows.drop_csv_rows(content.body, ctx.person, columns)
        if not changes:
            return None
        return Edit(rows=changes, body=lambda: body, original=content)


class RefusedFiles(ObjectPlace):
    """Files quarantined whole: the person's lines go (the file was refused, nothing reads its
    rows; the other lines stay for the ops who look into why), their name is replaced elsewhere,
    and the reason file beside it has their values replaced."""

    name, zone = "refused files", "quarantine"

    def keys(self, ctx: Context) -> Iterator[Tuple[str, List[Version]]]:
        return grouped_versions(ctx.s3, ctx.bucket(self.zone), REFUSED_PREFIX)

    def examine(self, ctx: Context, version: Version) -> Optional[Edit]:
        bucket = ctx.bucket(self.zone)
        if not count_lines(ctx.s3, bucket, version, lambda line: ctx.person.holds(decode(line))):
            return None
        content = read(ctx.s3, bucket, version)
        text = decode(content.body)
        if version.key.endswith(REASON_SUFFIX):
            new, changes = ctx.person.redact(text)
        else:
            new, removed, replaced = ctx.person.redact_lines(text)
            changes = removed + replaced
        if not changes:
            return None
        return Edit(rows=changes, body=lambda: encode(new), original=content)


class Landing(ObjectPlace):
    """Raw files holding the person: the HR files of the datasets with their rows, and any file
    refused whole (its copy in the quarantine zone says where it landed).

    A raw file cannot be rewritten: a new object in the landing bucket is a new delivery (its S3
    event starts an ingest run), and the run would replace the file's rows in the clean zone
    with rows lacking the person, or quarantine them. So a file holding the person is deleted,
    every version of it, once its clean copy is in place: the current version's rows published
    as its partition's member by its own ingest run, or the file refused whole by that run. A
    file whose ingest did not publish it (failed, not yet run) is kept and reported: erasure
    exits 1 until it is redriven or removed and erasure runs again. Earlier versions of a file
    were replaced by its later versions and go regardless."""

    name, zone = "landing", "landing"

    def keys(self, ctx: Context) -> Iterator[Tuple[str, List[Version]]]:
        bucket = ctx.bucket(self.zone)
        seen = set()
        for dataset in employee_datasets():
            for key, versions in grouped_versions(ctx.s3, bucket, dataset.landing_prefix()):
                seen.add(key)
                yield key, versions
        refused = sorted({k[len(REFUSED_PREFIX):] for k, _ in grouped_versions(ctx.s3, ctx.bucket("quarantine"), REFUSED_PREFIX)
                          if not k.endswith(REASON_SUFFIX)})
        for key in refused:
            if key not in seen:
                versions = versions_of(ctx.s3, bucket, key)
                if versions:
                    yield key, versions

    def examine(self, ctx: Context, version: Version) -> Optional[Edit]:
        person = ctx.person
        lines = count_lines(ctx.s3, ctx.bucket(self.zone), version,
                            lambda line: person.named_by_id(decode(line)) or person.contacted_in(decode(line)))
        return Edit(rows=lines, gone=True) if lines else None

    def keep_current(self, ctx: Context, latest: Version) -> str:
        run = execution_name_for(latest.key, latest.etag)
        if _member_run(ctx, latest.key, run) or _refused_by(ctx, latest.key, run):
            return ""
        return (f"its ingest run {run} published no clean copy of it: redrive that run (or remove the file), "
                "then run erase again")


def _ran(run_id: str, run: str) -> bool:
    """``run_id`` is the ingest run ``run`` or a restart of it (``<run>-r<N>``)."""
    return run_id == run or run_id.startswith(f"{run}-r")


def _member_run(ctx: Context, key: str, run: str) -> bool:
    try:
        dataset, dt = dataset_for_key(key)
    except UnknownDatasetError:
        return False
    mkey = member_key(dataset.clean_prefix(), dt.isoformat(), member_id(key))
    try:
        head = ctx.s3.head_object(Bucket=ctx.bucket("clean"), Key=mkey)
    except ctx.s3.exceptions.ClientError:
        return False
    return _ran(head.get("Metadata", {}).get("run-id", ""), run)


def _refused_by(ctx: Context, key: str, run: str) -> bool:
    try:
        body = ctx.s3.get_object(Bucket=ctx.bucket("quarantine"), Key=f"{REFUSED_PREFIX}{key}{REASON_SUFFIX}")["Body"].read()
        return _ran(str(json.loads(body).get("run_id", "")), run)
    except (ctx.s3.exceptions.ClientError, ValueError, AttributeError):
        return False


class ParquetRows(ObjectPlace):
    """Parquet objects under ``prefixes`` holding rows of the person, blanked or dropped."""

    def __init__(self, name: str, zone: str, prefixes: Sequence[str], columns: Sequence[str], how: str,
                 match: str = "") -> None:
        self.name, self.zone, self.prefixes, self.columns, self.how, self.match = name, zone, tuple(prefixes), tuple(columns), how, match

    def keys(self, ctx: Context) -> Iterator[Tuple[str, List[Version]]]:
        for prefix in self.prefixes:
            yield from grouped_versions(ctx.s3, ctx.bucket(self.zone), prefix,
                                        lambda k: k.endswith(".parquet") and self.match in k)

    def examine(self, ctx: Context, version: Version) -> Optional[Edit]:
        content = read(ctx.s3, ctx.bucket(self.zone), version)
        table = rows.read_parquet(content.body)
        if self.how == "blank":
            new, changed = rows.blank(table, ctx.person, self.columns)
            gone = False
        else:
            new, dropped, replaced = rows.drop(table, ctx.person, self.columns)
            changed, gone = dropped + replaced, new.num_rows == 0
        if not changed:
            return None
        return Edit(rows=changed, gone=gone, body=lambda: rows.parquet_bytes(new), original=content)


def places() -> List[ObjectPlace]:
    """Every object place, in the order erasure changes them."""
    out: List[ObjectPlace] = [
        OwnObjects("report pages", "reports", REPORTS_PREFIX, ".html"),
        RunRecipients(),
        LinkHolders(),
        QueryResults(),
        RefusedFiles(),
        Landing(),
    ]
    datasets = employee_datasets()
    for d in datasets:
        out.append(ParquetRows(f"rejected rows {d.table}", "quarantine", [d.clean_prefix()], personal_columns(d.columns),
                               "drop", match="/rejects-"))
    # A published partition is the merge of its members: both are blanked, members first, so
    # that the next merge (a new file for the partition) cannot bring the person back.
    for d in datasets:
        p = d.clean_prefix()
        out.append(ParquetRows(f"clean {d.table} members", "clean", [f"_members/{p}", f"_staging/{p}"],
                               personal_columns(d.columns), "blank"))
    for d in datasets:
        out.append(ParquetRows(f"clean {d.table}", "clean", [f"{d.clean_prefix()}dt="], personal_columns(d.columns), "blank"))
    for t in employee_tables():
        out.append(ParquetRows(f"curated {t.name}", "curated", [t.prefix], personal_columns(t.columns), "blank"))
    return out


def structured(all_places: Sequence[ObjectPlace]) -> List[ObjectPlace]:
    """The places that find the person by id alone (and tell their names, emails and mobiles)."""
    return [p for p in all_places if isinstance(p, ParquetRows)]


# -- planning and changing one object ------------------------------------------------------------
@dataclass
class Planned:
    change: ObjectChange
    edit: Optional[Edit]  # the current version's, when it is rewritten
    latest: Optional[Version]


def plan_key(ctx: Context, place: ObjectPlace, key: str, versions: List[Version]) -> Optional[Planned]:
    holding: List[str] = []
    rows_of, latest_edit = 0, None
    latest = next((v for v in versions if v.latest), None)
    for version in versions:
        edit = place.examine(ctx, version)
        if edit is None:
            continue
        holding.append(version.version_id)
        rows_of = rows_of or edit.rows  # the newest version holding them
        if version.latest:
            latest_edit = edit
    if not holding:
        return None
    bucket = ctx.bucket(place.zone)
    if latest is None or latest_edit is None:
        return Planned(ObjectChange(place.name, bucket, key, "pruned", holding, rows_of), None, latest)
    why = place.keep_current(ctx, latest)
    if why:
        holding.remove(latest.version_id)
        return Planned(ObjectChange(place.name, bucket, key, "kept", holding, rows_of, note=why), None, latest)
    action = "deleted" if latest_edit.gone else "rewritten"
    return Planned(ObjectChange(place.name, bucket, key, action, holding, rows_of), latest_edit, latest)


def content_of(edit: Edit) -> Content:
    assert edit.body is not None and edit.original is not None
    return Content(edit.body(), edit.original.content_type, edit.original.metadata)
