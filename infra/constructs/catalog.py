"""Glue Data Catalog tables of the clean zone, one per dataset contract.

Each clean dataset is Parquet under ``s3://<clean>/<dataset.clean_prefix()>dt=YYYY-MM-DD/``;
partition projection over ``dt`` means no crawler and no partition writes: a partition exists
as soon as its files do.
"""
from __future__ import annotations

from typing import Dict, List

from aws_cdk import aws_glue as glue
from constructs import Construct
from saleslens.contracts import DATASETS
from saleslens.contracts.model import Dataset

PARTITION_KEY = "dt"
PARQUET = {
    "input_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
    "output_format": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    "serde": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
}
_COMMENT_MAX = 255  # Glue's limit on a column comment


def glue_columns(dataset: Dataset) -> List[Dict[str, str]]:
    """Columns of the clean table, typed from the contract (Column.athena_type)."""
    return [
        {"name": c.name, "type": c.athena_type, "comment": c.description[:_COMMENT_MAX]}
        for c in dataset.columns
    ]


def table_parameters(dataset: Dataset, location: str) -> Dict[str, str]:
    """Table parameters: Parquet classification and ``dt`` partition projection."""
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


class CleanZoneTables(Construct):
    """One ``AWS::Glue::Table`` per contract in ``DATASETS``, in ``database``."""

    def __init__(self, scope: Construct, construct_id: str, *, database: glue.CfnDatabase,
                 database_name: str, clean_bucket: str) -> None:
        super().__init__(scope, construct_id)
        self.tables: Dict[str, glue.CfnTable] = {}
        for name, dataset in sorted(DATASETS.items()):
            location = f"s3://{clean_bucket}/{dataset.clean_prefix()}"
            table = glue.CfnTable(
                self,
                name,
                catalog_id=database.catalog_id,
                database_name=database_name,
                table_input=glue.CfnTable.TableInputProperty(
                    name=dataset.table,
                    description=dataset.description,
                    table_type="EXTERNAL_TABLE",
                    parameters=table_parameters(dataset, location),
                    partition_keys=[glue.CfnTable.ColumnProperty(name=PARTITION_KEY, type="string")],
                    storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                        columns=[glue.CfnTable.ColumnProperty(**c) for c in glue_columns(dataset)],
                        location=location,
                        input_format=PARQUET["input_format"],
                        output_format=PARQUET["output_format"],
                        serde_info=glue.CfnTable.SerdeInfoProperty(
                            serialization_library=PARQUET["serde"],
                            parameters={"serialization.format": "1"},
                        ),
                    ),
                ),
            )
            table.add_dependency(database)
            self.tables[name] = table
