"""Arrow types of the clean zone: one per contract column type."""
from __future__ import annotations

import pyarrow as pa

from saleslens.contracts.model import Column, Dataset


def arrow_type(column: Column) -> pa.DataType:
    """Arrow type of a contract column in the clean zone."""
    dec = column.decimal
    if dec:
        return pa.decimal128(dec[0], dec[1])
    return {
        "string": pa.string(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        # Athena reads Parquet timestamps at millisecond precision.
        "timestamp": pa.timestamp("ms"),
    }[column.type]


def clean_schema(dataset: Dataset) -> pa.Schema:
    return pa.schema([pa.field(c.name, arrow_type(c), nullable=c.nullable) for c in dataset.columns])
