"""The Glue Data Catalog table of a dataset's clean zone, derived from its contract.

The CDK app and the offline runtime both create the table from ``glue_table_input``.
Python 3.9-safe.
"""
from __future__ import annotations

from typing import Any, Dict

from saleslens.contracts.model import Dataset

PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"


def glue_table_input(dataset: Dataset, location: str) -> Dict[str, Any]:
    """Glue ``TableInput`` (API shape) for the dataset's clean Parquet under ``location``."""
    from saleslens.contracts.ddl import glue_columns, table_parameters

    location = location if location.endswith("/") else location + "/"
    return {
        "Name": dataset.table,
        "Description": dataset.description,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": table_parameters(dataset, location),
        "PartitionKeys": [{"Name": "dt", "Type": "string", "Comment": "partition date YYYY-MM-DD"}],
        "StorageDescriptor": {
            "Columns": glue_columns(dataset),
            "Location": location,
            "InputFormat": PARQUET_INPUT,
            "OutputFormat": PARQUET_OUTPUT,
            "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE, "Parameters": {"serialization.format": "1"}},
        },
    }
