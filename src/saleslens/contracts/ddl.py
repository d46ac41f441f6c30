"""Athena DDL and Glue table definitions, derived from a dataset contract.

Two tables per dataset, both Parquet, partitioned by ``dt`` (the landing date, a string
YYYY-MM-DD) and found through partition projection, so no crawler or MSCK REPAIR is ever needed:
- ``<source>_<name>``: the clean rows, typed as the contract says;
- ``<source>_<name>_quarantine``: the rejected rows, raw values as text, with rule and reason.

The SQL (``create_table_ddl``) and the Glue API / CDK shapes (``glue_columns``,
``table_parameters``, ``glue_table_input``) come from the same functions, so the table the
offline runtime creates and the one ``cdk deploy`` creates cannot drift apart.
Python 3.9-safe.
"""
from __future__ import annotations

from typing import Dict, List, Optional

from saleslens.contracts.model import Dataset

PARTITION_COLUMN = "dt"
PARTITION_COMMENT = "Landing date of the source file, YYYY-MM-DD"
PROJECTION_RANGE = "2020-01-01,NOW"
QUARANTINE_SUFFIX = "_quarantine"

# Glue StorageDescriptor pieces for Parquet (what Athena writes for STORED AS PARQUET).
PARQUET_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"

Columns = List[Dict[str, str]]


# -- the data both the DDL and CDK use -----------------------------------------------------------
def glue_columns(dataset: Dataset) -> Columns:
    """Clean-table columns as Glue/CfnTable wants them: [{Name, Type, Comment}], contract order."""
    return [
        {"Name": c.name, "Type": c.athena_type, "Comment": c.description + (" (personal data)" if c.pii else "")}
        for c in dataset.columns
    ]


def quarantine_columns(dataset: Dataset) -> Columns:
    """Quarantine-table columns: the line, every contract column as raw text, rule, reason, run."""
    return (
        [{"Name": "source_line", "Type": "bigint", "Comment": "Physical line in the landed file (header = 1)"}]
        + [
            {"Name": c.name, "Type": "string", "Comment": f"Raw {c.name} as it arrived"}
            for c in dataset.columns
        ]
        + [
            {"Name": "rule", "Type": "string", "Comment": "First rule the row broke, e.g. range:billed_qty"},
            {"Name": "reason", "Type": "string", "Comment": "What is wrong, in words"},
            {"Name": "run_id", "Type": "string", "Comment": "Ingest run that quarantined the row"},
        ]
    )


def glue_partition_keys() -> Columns:
    return [{"Name": PARTITION_COLUMN, "Type": "string", "Comment": PARTITION_COMMENT}]


def table_parameters(dataset: Dataset, location: str) -> Dict[str, str]:
    """TBLPROPERTIES: Parquet/Snappy and partition projection over dt from 2020-01-01 to today.

    The same for the clean and the quarantine table; only the location differs.
    """
    location = _location(location)
    return {
        "classification": "parquet",
        "parquet.compression": "SNAPPY",
        "projection.enabled": "true",
        f"projection.{PARTITION_COLUMN}.type": "date",
        f"projection.{PARTITION_COLUMN}.format": "yyyy-MM-dd",
        f"projection.{PARTITION_COLUMN}.range": PROJECTION_RANGE,
        f"projection.{PARTITION_COLUMN}.interval": "1",
        f"projection.{PARTITION_COLUMN}.interval.unit": "DAYS",
        "storage.location.template": f"{location}{PARTITION_COLUMN}=${{{PARTITION_COLUMN}}}/",
    }


def quarantine_table_name(dataset: Dataset) -> str:
    return dataset.table + QUARANTINE_SUFFIX


def glue_table_input(dataset: Dataset, location: str) -> Dict[str, object]:
    """Glue ``TableInput`` of the clean table (boto3 ``glue.create_table``; CDK ``CfnTable``)."""
    return _table_input(dataset.table, dataset.description, glue_columns(dataset), dataset, location)


def glue_quarantine_table_input(dataset: Dataset, location: str) -> Dict[str, object]:
    return _table_input(
        quarantine_table_name(dataset), _quarantine_description(dataset), quarantine_columns(dataset), dataset, location
    )


# -- Athena DDL ----------------------------------------------------------------------------------
def create_table_ddl(dataset: Dataset, location: str, database: Optional[str] = None) -> str:
    """``CREATE EXTERNAL TABLE IF NOT EXISTS`` for the clean table, Athena (Hive DDL) dialect."""
    return _ddl(dataset.table, dataset.description, glue_columns(dataset), dataset, location, database)


def create_quarantine_table_ddl(dataset: Dataset, location: str, database: Optional[str] = None) -> str:
    return _ddl(
        quarantine_table_name(dataset), _quarantine_description(dataset), quarantine_columns(dataset),
        dataset, location, database,
    )


def _ddl(
    name: str, comment: str, columns: Columns, dataset: Dataset, location: str, database: Optional[str]
) -> str:
    table = f"{_ident(database)}.{_ident(name)}" if database else _ident(name)
    column_lines = ",\n".join(f"  {_ident(c['Name'])} {c['Type']} COMMENT {_literal(c['Comment'])}" for c in columns)
    partition = glue_partition_keys()[0]
    properties = ",\n".join(
        f"  {_literal(k)}={_literal(v)}" for k, v in table_parameters(dataset, location).items()
    )
    return (
        f"CREATE EXTERNAL TABLE IF NOT EXISTS {table} (\n{column_lines}\n)\n"
        f"COMMENT {_literal(comment)}\n"
        f"PARTITIONED BY ({_ident(partition['Name'])} {partition['Type']} COMMENT {_literal(partition['Comment'])})\n"
        f"STORED AS PARQUET\n"
        f"LOCATION {_literal(_location(location))}\n"
        f"TBLPROPERTIES (\n{properties}\n)"
    )


def _table_input(name: str, description: str, columns: Columns, dataset: Dataset, location: str) -> Dict[str, object]:
    return {
        "Name": name,
        "Description": description,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"EXTERNAL": "TRUE", **table_parameters(dataset, location)},
        "PartitionKeys": glue_partition_keys(),
        "StorageDescriptor": {
            "Columns": columns,
            "Location": _location(location),
            "InputFormat": PARQUET_INPUT_FORMAT,
            "OutputFormat": PARQUET_OUTPUT_FORMAT,
            "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE},
        },
    }


def _quarantine_description(dataset: Dataset) -> str:
    return f"Rows of {dataset.table} that broke a contract rule: raw values, the rule and the reason."


def _location(location: str) -> str:
    if not location.startswith("s3://"):
        raise ValueError(f"table location must be an s3:// URI, got {location!r}")
    return location if location.endswith("/") else location + "/"


def _ident(name: str) -> str:
    if "`" in name:
        raise ValueError(f"identifier {name!r} contains a backtick")
    return f"`{name}`"


def _literal(text: str) -> str:
    # Hive DDL string literals escape with a backslash.
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
