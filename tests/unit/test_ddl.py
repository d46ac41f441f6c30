"""Athena DDL and Glue table shapes derived from the contracts."""
from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from saleslens.contracts import DATASETS
from saleslens.contracts.ddl import (
    create_quarantine_table_ddl,
    create_table_ddl,
    glue_columns,
    glue_quarantine_table_input,
    glue_table_input,
    quarantine_columns,
    table_parameters,
)
from saleslens.contracts.model import Column, Dataset

INVOICES = DATASETS["erp_primary_invoices"]
LOCATION = "s3://saleslens-dev-clean-123456789012-ap-south-1/erp/primary_invoices/"


def parsed(sql: str):
    """(table name, [(column, type)], [(partition column, type)], location, {property: value})."""
    tree = sqlglot.parse_one(sql, read="athena")
    assert isinstance(tree, exp.Create) and tree.args.get("exists")
    schema = tree.this
    columns = [(c.name, c.args["kind"].sql(dialect="hive").lower().replace(" ", "")) for c in schema.expressions]
    props = tree.args["properties"].expressions
    part = next(p for p in props if isinstance(p, exp.PartitionedByProperty))
    partitions = [(c.name, c.args["kind"].sql(dialect="hive").lower()) for c in part.this.expressions]
    location = next(p for p in props if isinstance(p, exp.LocationProperty)).this.this
    tblprops = {p.this.this: p.args["value"].this for p in props if type(p) is exp.Property}
    assert any(isinstance(p, exp.FileFormatProperty) and p.this.name.upper() == "PARQUET" for p in props)
    assert any(isinstance(p, exp.ExternalProperty) for p in props)
    return schema.this.name, columns, partitions, location, tblprops


def test_invoice_ddl_by_hand():
    name, columns, partitions, location, props = parsed(create_table_ddl(INVOICES, LOCATION, database="saleslens_dev"))
    assert name == "erp_primary_invoices"
    assert columns == [
        ("invoice_no", "string"), ("line_no", "bigint"), ("invoice_date", "date"), ("stockist_code", "string"),
        ("sku", "string"), ("billed_qty", "bigint"), ("free_qty", "bigint"),
        ("price_to_stockist", "decimal(12,2)"), ("trade_discount", "decimal(12,2)"),
    ]
    assert partitions == [("dt", "string")]
    assert location == LOCATION
    assert props == {
        "classification": "parquet",
        "parquet.compression": "SNAPPY",
        "projection.enabled": "true",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": "2020-01-01,NOW",
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        "storage.location.template": LOCATION + "dt=${dt}/",
    }
    assert "CREATE EXTERNAL TABLE IF NOT EXISTS `saleslens_dev`.`erp_primary_invoices` (" in create_table_ddl(
        INVOICES, LOCATION, database="saleslens_dev")


@pytest.mark.parametrize("table", sorted(DATASETS))
def test_every_dataset_ddl_parses_and_matches_its_contract(table):
    dataset = DATASETS[table]
    location = f"s3://bucket/{dataset.clean_prefix()}"
    name, columns, partitions, where, props = parsed(create_table_ddl(dataset, location))
    assert name == table
    assert columns == [(c.name, c.athena_type.replace(" ", "")) for c in dataset.columns]
    assert partitions == [("dt", "string")]
    assert where == location
    assert props == table_parameters(dataset, location)


@pytest.mark.parametrize("table", sorted(DATASETS))
def test_every_quarantine_ddl_parses(table):
    dataset = DATASETS[table]
    name, columns, partitions, _, props = parsed(create_quarantine_table_ddl(dataset, "s3://q/x"))
    assert name == table + "_quarantine"
    assert columns == (
        [("source_line", "bigint")] + [(c, "string") for c in dataset.column_names]
        + [("rule", "string"), ("reason", "string"), ("run_id", "string")]
    )
    assert partitions == [("dt", "string")]
    assert props["storage.location.template"] == "s3://q/x/dt=${dt}/"  # trailing slash added


def test_hr_positions_quarantine_columns_by_hand():
    names = [c["Name"] for c in quarantine_columns(DATASETS["hr_positions"])]
    assert names == ["source_line", "position_id", "role", "parent_position_id", "territory_code",
                     "position_name", "rule", "reason", "run_id"]


def test_glue_columns_for_cdk():
    cols = glue_columns(DATASETS["hr_assignments"])
    assert cols[:2] == [
        {"Name": "employee_id", "Type": "string", "Comment": "Employee number"},
        {"Name": "employee_name", "Type": "string", "Comment": "Full name (personal data)"},
    ]
    assert [c["Type"] for c in cols] == ["string", "string", "string", "string", "date", "date"]


def test_glue_table_input_shape():
    table = glue_table_input(INVOICES, LOCATION)
    assert table["Name"] == "erp_primary_invoices"
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert table["PartitionKeys"] == [{"Name": "dt", "Type": "string",
                                       "Comment": "Landing date of the source file, YYYY-MM-DD"}]
    sd = table["StorageDescriptor"]
    assert sd["Location"] == LOCATION
    assert sd["SerdeInfo"] == {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}
    assert [c["Name"] for c in sd["Columns"]][-1] == "trade_discount"
    assert table["Parameters"]["projection.dt.range"] == "2020-01-01,NOW"
    assert table["Parameters"]["EXTERNAL"] == "TRUE"
    assert glue_quarantine_table_input(INVOICES, LOCATION)["Name"] == "erp_primary_invoices_quarantine"


def test_quotes_in_comments_are_escaped():
    ds = Dataset(source="t", name="q", description="Stockist's \\ file",
                 columns=(Column("a", "string", "it's 'quoted'"),), key=("a",))
    tree = sqlglot.parse_one(create_table_ddl(ds, "s3://b/t/"), read="athena")
    comments = [c.this for c in tree.find_all(exp.CommentColumnConstraint)]
    assert comments[0].this == "it's 'quoted'"
    assert tree.find(exp.SchemaCommentProperty).this.this == "Stockist's \\ file"


def test_location_must_be_s3():
    with pytest.raises(ValueError, match="s3://"):
        create_table_ddl(INVOICES, "/tmp/clean/")


def test_call_reports_ddl_by_hand():
    calls = DATASETS["crm_call_reports"]
    location = "s3://clean/crm/call_reports/"
    name, columns, partitions, _, props = parsed(create_table_ddl(calls, location, database="saleslens_dev"))
    assert name == "crm_call_reports"
    assert columns == [
        ("call_id", "string"), ("call_date", "date"), ("call_started_at", "timestamp"), ("employee_id", "string"),
        ("territory_code", "string"), ("call_type", "string"), ("hcp_id", "string"), ("chemist_code", "string"),
        ("stockist_code", "string"), ("clm_used", "boolean"), ("joint_employee_id", "string"),
        ("submitted_at", "timestamp"),
    ]
    assert partitions == [("dt", "string")]
    assert props["storage.location.template"] == location + "dt=${dt}/"


def test_money_and_counts_in_the_new_facts():
    types = {c["Name"]: c["Type"] for c in glue_columns(DATASETS["erp_credit_notes"])}
    assert (types["credit_value"], types["return_qty"], types["document_date"]) == ("decimal(14,2)", "bigint", "date")
    types = {c["Name"]: c["Type"] for c in glue_columns(DATASETS["stk_statements"])}
    assert [types[c] for c in ("opening_qty", "received_qty", "returned_qty", "closing_qty", "secondary_qty")] == ["bigint"] * 5
