"""Glue Data Catalog tables of the clean, quarantine and curated zones, each from its one declaration.

- clean zone: one table per dataset contract (``saleslens.contracts.DATASETS``), Parquet under
  ``s3://<clean>/<dataset.clean_prefix()>dt=YYYY-MM-DD/``, table input from
  ``saleslens.contracts.ddl.glue_table_input``;
- quarantine zone: one ``<dataset>_quarantine`` table per contract, the rejected rows (raw values
  as text, source line, rule, reason, run) under ``s3://<quarantine>/<dataset.clean_prefix()>
  dt=YYYY-MM-DD/``, table input from ``saleslens.contracts.ddl.glue_quarantine_table_input``
  (files refused whole stay under ``_files/``, outside every table);
- curated zone: one table per ``saleslens.curate.tables.TABLES`` entry, Parquet under
  ``s3://<curated>/<table.prefix>``, table input from ``saleslens.curate.tables.glue_table_input``.
  Facts are partitioned by ``dt``; dimensions are one object each and have no partitions.

Partition projection over ``dt`` means no crawler and no partition writes: a partition exists
as soon as its files do. The clean and curated table inputs are the functions the offline
runtime creates its tables with, so the deployed catalog and the offline one cannot drift apart.
The quarantine tables are for people (ops querying rejected rows in Athena); no pipeline query
reads them, so the offline runtime does not create them.
"""
from __future__ import annotations

from typing import Dict, Mapping

from aws_cdk import aws_glue as glue
from constructs import Construct

from saleslens.contracts import DATASETS
from saleslens.contracts.ddl import glue_quarantine_table_input, glue_table_input
from saleslens.curate import tables as curated


def catalog_table(scope: Construct, construct_id: str, *, database: glue.CfnDatabase, database_name: str,
                  table_input: Mapping[str, object]) -> glue.CfnTable:
    """One ``AWS::Glue::Table`` whose ``TableInput`` is the library's, whole."""
    table = glue.CfnTable(
        scope,
        construct_id,
        catalog_id=database.catalog_id,
        database_name=database_name,
        table_input=glue.CfnTable.TableInputProperty(name=str(table_input["Name"])),
    )
    # The Glue API's TableInput is also CloudFormation's: take the library's whole.
    table.add_property_override("TableInput", dict(table_input))
    table.add_resource_dependency(database)
    return table


class CleanZoneTables(Construct):
    """One ``AWS::Glue::Table`` per contract in ``DATASETS``, in ``database``."""

    def __init__(self, scope: Construct, construct_id: str, *, database: glue.CfnDatabase,
                 database_name: str, clean_bucket: str) -> None:
        super().__init__(scope, construct_id)
        self.tables: Dict[str, glue.CfnTable] = {
            name: catalog_table(self, name, database=database, database_name=database_name,
                                table_input=glue_table_input(dataset, f"s3://{clean_bucket}/{dataset.clean_prefix()}"))
            for name, dataset in sorted(DATASETS.items())
        }


class QuarantineZoneTables(Construct):
    """One ``AWS::Glue::Table`` of rejected rows per contract in ``DATASETS``, in ``database``."""

    def __init__(self, scope: Construct, construct_id: str, *, database: glue.CfnDatabase,
                 database_name: str, quarantine_bucket: str) -> None:
        super().__init__(scope, construct_id)
        self.tables: Dict[str, glue.CfnTable] = {
            name: catalog_table(self, name, database=database, database_name=database_name,
                                table_input=glue_quarantine_table_input(
                                    dataset, f"s3://{quarantine_bucket}/{dataset.clean_prefix()}"))
            for name, dataset in sorted(DATASETS.items())
        }


class CuratedZoneTables(Construct):
    """One ``AWS::Glue::Table`` per curated table in ``curate.tables.TABLES``, in ``database``."""

    def __init__(self, scope: Construct, construct_id: str, *, database: glue.CfnDatabase,
                 database_name: str, curated_bucket: str) -> None:
        super().__init__(scope, construct_id)
        self.tables: Dict[str, glue.CfnTable] = {
            name: catalog_table(self, name, database=database, database_name=database_name,
                                table_input=curated.glue_table_input(table, f"s3://{curated_bucket}/{table.prefix}"))
            for name, table in sorted(curated.TABLES.items())
        }
