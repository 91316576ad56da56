"""schema.py agrees with columns.py and with the CSV121 tables it transcribes."""

from __future__ import annotations

import pytest

from renkei.harness.oneroster.model import schema as S
from renkei.harness.oneroster.model.columns import VARIANTS, roster_headers


@pytest.mark.parametrize("variant", VARIANTS)
def test_rostering_headers_come_from_columns_py(variant: str) -> None:
    schemas = S.schema_for(variant)
    for name, header in roster_headers(variant).items():
        assert schemas[name].header == header


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_reference_points_backwards_in_file_order(variant: str) -> None:
    schemas = S.schema_for(variant)
    order = list(schemas)
    for name, schema in schemas.items():
        for col in schema.refs():
            assert col.ref in schemas, (name, col.name)
            assert order.index(col.ref) <= order.index(name), (name, col.name)  # type: ignore[arg-type]


@pytest.mark.parametrize("variant", VARIANTS)
def test_columns_are_well_formed(variant: str) -> None:
    for schema in S.schema_for(variant).values():
        assert schema.header[:3] == ("sourcedId", "status", "dateLastModified")
        assert len(set(schema.header)) == len(schema.header)
        for c in schema.columns:
            assert c.kind in S.KINDS
            assert bool(c.values) == (c.kind in (S.ENUM, S.ENUMS)), (schema.name, c.name)
            assert (c.ref is not None) == (c.kind in (S.REF, S.REFS)), (schema.name, c.name)


def test_extensible_vocabularies_are_exactly_those_of_csv121_4_1_2() -> None:
    ext = {(s.name, c.name) for s in S.schema_for("1.2.1").values() for c in s.columns if c.extensible}
    assert ext == {
        ("classes", "classType"), ("enrollments", "role"), ("roles", "role"), ("resources", "roles"),
        ("results", "scoreStatus"), ("demographics", "sex"), ("lineItemLearningObjectiveIds", "source"),
        ("resultLearningObjectiveIds", "source"), ("academicSessions", "type"), ("orgs", "type"),
    }


def test_file_sets() -> None:
    assert len(S.schema_for("1.1")) == 13 and len(S.schema_for("1.2.1")) == 21
    assert S.files_for("1.2") == S.files_for("jp-k12")
    with pytest.raises(ValueError, match="unknown"):
        S.schema_for("2.0")


def test_gradebook_headers_1_2_1() -> None:
    s = S.schema_for("1.2.1")
    assert s["lineItems"].header[3:] == (
        "title", "description", "assignDate", "dueDate", "classSourcedId", "categorySourcedId",
        "academicSessionSourcedId", "resultValueMin", "resultValueMax", "schoolSourcedId")
    assert s["results"].header[3:] == (
        "lineItemSourcedId", "studentSourcedId", "scoreStatus", "score", "scoreDate", "comment",
        "textScore", "classSourcedId", "inProgress", "incomplete", "late", "missing")
    assert s["scoreScales"].header[3:] == (
        "title", "type", "orgSourcedId", "courseSourcedId", "classSourcedId", "scoreScaleValue")
    assert s["resultLearningObjectiveIds"].header[3:] == (
        "resultSourcedId", "source", "learningObjectiveId", "score", "textScore")
    assert s["userResources"].header[3:] == (
        "userSourcedId", "orgSourcedId", "classSourcedId", "resourceSourcedId")
    assert s["resources"].header[3:] == (
        "vendorResourceId", "title", "roles", "importance", "vendorId", "applicationId")


def test_gradebook_differences_1_1() -> None:
    s = S.schema_for("1.1")
    assert "gradingPeriodSourcedId" in s["lineItems"].header and "schoolSourcedId" not in s["lineItems"].header
    assert s["lineItems"].by_name["resultValueMin"].required
    assert s["results"].by_name["score"].required and "late" not in s["results"].header
    assert s["categories"].header == ("sourcedId", "status", "dateLastModified", "title")
    assert s["demographics"].by_name["sex"].values == ("male", "female")


def test_type_constrained_references() -> None:
    s = S.schema_for("1.2.1")
    assert s["classes"].by_name["schoolSourcedId"].ref_type == "school"
    assert s["enrollments"].by_name["schoolSourcedId"].ref_type == "school"
    assert s["courses"].by_name["schoolYearSourcedId"].ref_type == "schoolYear"
    assert S.schema_for("1.2")["users"].by_name["resourceSourcedIds"].ref == "resources"
    assert "resourceSourcedIds" not in S.schema_for("1.2.1")["users"].header
