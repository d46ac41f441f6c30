"""Glue Data Catalog tables of the clean zone, one per dataset contract.

Each clean dataset is Parquet under ``s3://<clean>/<dataset.clean_prefix()>dt=YYYY-MM-DD/``;
partition projection over ``dt`` means no crawler and no partition writes: a partition exists
as soon as its files do.

The table definition is the library's ``saleslens.contracts.catalog.glue_table_input`` (the one
the offline runtime uses) as soon as its ``saleslens.contracts.ddl`` exists; until then
``fallback_table_input`` derives the same shape from the contract here.
"""
from __future__ import annotations

import importlib.util
from typing import Any, Dict, List

from aws_cdk import aws_glue as glue
from constructs import Construct
from saleslens.contracts import DATASETS
from saleslens.contracts.model import Dataset

PARTITION_KEY = "dt"
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
_COMMENT_MAX = 255  # Glue's limit on a column comment


def glue_columns(dataset: Dataset) -> List[Dict[str, str]]:
    """Columns of the clean table, typed from the contract (Column.athena_type)."""
    return [{"Name": c.name, "Type": c.athena_type, "Comment": c.description[:_COMMENT_MAX]} for c in dataset.columns]


def table_parameters(dataset: Dataset, location: str) -> Dict[str, str]:
    """Parquet classification and ``dt`` partition projection."""
    return {
        "classification": "parquet",
        "EXTERNAL": "TRUE",
        "projection.enabled": "true",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": "2020-01-01,NOW",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        "storage.location.template": f"{location}dt=${{dt}}/",
    }


def fallback_table_input(dataset: Dataset, location: str) -> Dict[str, Any]:
    """Glue ``TableInput`` (API shape, which CloudFormation shares) derived from the contract."""
    return {
        "Name": dataset.table,
        "Description": dataset.description,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": table_parameters(dataset, location),
        "PartitionKeys": [{"Name": PARTITION_KEY, "Type": "string", "Comment": "partition date YYYY-MM-DD"}],
        "StorageDescriptor": {
            "Columns": glue_columns(dataset),
            "Location": location,
            "InputFormat": PARQUET_INPUT,
            "OutputFormat": PARQUET_OUTPUT,
            "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE, "Parameters": {"serialization.format": "1"}},
        },
    }


def shared_ddl_available() -> bool:
    return importlib.util.find_spec("saleslens.contracts.ddl") is not None


def table_input(dataset: Dataset, location: str) -> Dict[str, Any]:
    if shared_ddl_available():
        from saleslens.contracts.catalog import glue_table_input

        return glue_table_input(dataset, location)
    return fallback_table_input(dataset, location)


class CleanZoneTables(Construct):
    """One ``AWS::Glue::Table`` per contract in ``DATASETS``, in ``database``."""

    def __init__(self, scope: Construct, construct_id: str, *, database: glue.CfnDatabase,
                 database_name: str, clean_bucket: str) -> None:
        super().__init__(scope, construct_id)
        self.tables: Dict[str, glue.CfnTable] = {}
        for name, dataset in sorted(DATASETS.items()):
            table = glue.CfnTable(
                self,
                name,
                catalog_id=database.catalog_id,
                database_name=database_name,
                table_input=glue.CfnTable.TableInputProperty(name=dataset.table),
            )
            # The TableInput shapes of the Glue API and CloudFormation are the same: use it whole.
            table.add_property_override(
                "TableInput", table_input(dataset, f"s3://{clean_bucket}/{dataset.clean_prefix()}"))
            table.add_resource_dependency(database)
            self.tables[name] = table
