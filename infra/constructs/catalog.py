"""Glue Data Catalog tables of the clean zone, one per dataset contract.

Each clean dataset is Parquet under ``s3://<clean>/<dataset.clean_prefix()>dt=YYYY-MM-DD/``;
partition projection over ``dt`` means no crawler and no partition writes: a partition exists
as soon as its files do. The table definition is ``saleslens.contracts.ddl.glue_table_input``,
the function the offline runtime creates its tables with, so the two cannot drift apart.
"""
from __future__ import annotations

from typing import Dict

from aws_cdk import aws_glue as glue
from constructs import Construct
from saleslens.contracts import DATASETS
from saleslens.contracts.ddl import glue_table_input


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
            # The Glue API's TableInput is also CloudFormation's: take the library's whole.
            table.add_property_override(
                "TableInput", glue_table_input(dataset, f"s3://{clean_bucket}/{dataset.clean_prefix()}"))
            table.add_resource_dependency(database)
            self.tables[name] = table
