"""The field registry (flownb.schema) and what the reader makes of the fields it lists."""

from __future__ import annotations

import pandas as pd
import pytest

import flownb
from flownb import schema

#: version 11 (June 2026), as the copies of the VPC User Guide's "Available fields" table list them
V11 = (
    "instance-tag",
    "instance-tag-2",
    "interface-tag",
    "interface-tag-2",
    "asg-tag",
    "asg-tag-2",
    "interface-type",
    "next-hop-interface-id",
    "next-hop-subnet-id",
    "next-hop-az-id",
    "next-hop-vpc-id",
    "next-hop-interface-type",
)


def test_vpc_field_versions_follow_the_available_fields_table():
    versions = {name: f.version for name, f in schema.FIELDS.items() if f.scope != "tgw"}
    assert versions["reject-reason"] == 8
    assert versions["resource-id"] == 9
    assert versions["encryption-status"] == 10
    assert {n for n, v in versions.items() if v == 11} == set(V11)
    assert sorted(set(versions.values())) == [2, 3, 4, 5, 7, 8, 9, 10, 11]  # 6 is Transit Gateway's


@pytest.mark.parametrize("name", V11)
def test_version_11_fields_are_strings_with_a_meaning(name):
    f = schema.field(name)
    assert f.dtype == "category" and f.parquet == "STRING" and not f.is_integer
    assert f.scope == "vpc" and f.meaning.endswith(".")
    assert f.column == name.replace("-", "_") and schema.dtype_for(f.column) == "category"
    assert f.insights == schema._camel(name)  # flownb's convention: AWS documents default-format names only


def test_the_default_format_is_unchanged_by_newer_versions():
    assert schema.DEFAULT_FIELDS[0] == "version" and len(schema.DEFAULT_FIELDS) == 14
    assert all(schema.FIELDS[n].version == 2 for n in schema.DEFAULT_FIELDS)


def test_a_version_11_file_reads_with_the_registry_dtypes(tmp_path):
    names = [
        "version",
        "interface-id",
        "srcaddr",
        "dstaddr",
        "resource-id",
        "encryption-status",
        *V11,
        "action",
    ]
    header = " ".join(names)
    rows = [
        "11 eni-0a1b2c3d4e5f60718 10.0.1.5 10.0.0.220 - 1 prod - web - app-asg - - "
        "eni-0f0e0d0c0b0a09080 subnet-0123456789abcdef0 use1-az1 vpc-0123456789abcdef0 nat_gateway ACCEPT",
        "11 - 10.0.1.6 203.0.113.5 nat-0123456789abcdef0 0 - - - - - - regional_nat_gateway - - - - - ACCEPT",
    ]
    path = tmp_path / "v11.log"
    path.write_text("\n".join([header, *rows]) + "\n")
    df = flownb.read_flow_logs(path)
    assert list(df.columns) == [schema.column_name(n) for n in names]
    for column in df.columns:
        assert str(df[column].dtype) == schema.dtype_for(column), column
    assert df["version"].tolist() == [11, 11]
    assert df["encryption_status"].tolist() == [1, 0]
    assert df["instance_tag"].tolist()[0] == "prod" and pd.isna(df["instance_tag_2"].iloc[0])
    assert df["next_hop_interface_type"].tolist()[0] == "nat_gateway"
    assert pd.isna(df["interface_id"].iloc[1]) and df["resource_id"].iloc[1] == "nat-0123456789abcdef0"
    assert pd.isna(df["interface_type"].iloc[0]) and df["interface_type"].iloc[1] == "regional_nat_gateway"
    assert len(df.flow.bad_lines) == 0


def test_a_format_string_with_version_11_fields_is_known():
    names = schema.parse_format("${next_hop_vpc_id} ${instance-tag-2}")
    assert names == ["next-hop-vpc-id", "instance-tag-2"]  # column-style names map back to AWS names
    assert schema.format_string(names) == "${next-hop-vpc-id} ${instance-tag-2}"
