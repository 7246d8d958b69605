"""The OpenAPI schema (``/api/v1/schema/``): generated without a warning or error, valid
OpenAPI, every endpoint with its response documented, and the components named apart."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.management.commands.spectacular import SchemaGenerationError

from qdm.design.api_qualification import CertificateSerializer as QualificationSerializer
from qdm.supplier.api import CertificateSerializer as SupplierSerializer
from qdm.system.api_ims import CertificateSerializer as ImsSerializer


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The schema as ``qdm spectacular --fail-on-warn --validate`` writes it: the command
    raises on any warning or error (drf-spectacular's own check) and on invalid OpenAPI."""
    out = tmp_path_factory.mktemp("schema") / "schema.json"
    GENERATOR_STATS.reset()  # warnings of schemas generated earlier in this process
    stderr = io.StringIO()
    try:
        with redirect_stderr(stderr):
            call_command(
                "spectacular",
                *("--file", str(out), "--format", "openapi-json", "--fail-on-warn", "--validate"),
            )
    except SchemaGenerationError:
        pytest.fail(f"the schema has warnings or errors:\n{stderr.getvalue()}")
    return json.loads(Path(out).read_text())


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def body(operation: dict[str, Any], status: str) -> Any:
    """The JSON schema of ``operation``'s response ``status``."""
    return operation["responses"][status]["content"]["application/json"]["schema"]


def test_schema_has_no_warning_or_error(schema: dict[str, Any]) -> None:
    # the fixture fails otherwise; GENERATOR_STATS is what ``--fail-on-warn`` checks
    assert not GENERATOR_STATS
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "QDM API"


def test_cockpit_home_and_risk_endpoints_are_documented(schema: dict[str, Any]) -> None:
    # these three APIViews were once skipped ("unable to guess serializer"): no body at all
    layout = schema["paths"]["/api/v1/cockpit/home/layout/"]
    assert body(layout["get"], "200") == ref("HomeLayout")
    assert layout["put"]["requestBody"]["content"]["application/json"]["schema"] == ref(
        "HomeLayoutSaveRequest"
    )
    assert body(layout["put"], "200") == ref("HomeLayoutSave")
    assert body(layout["put"], "400") == ref("CockpitApiError")
    assert set(layout["delete"]["responses"]) == {"204"}
    widget = schema["paths"]["/api/v1/cockpit/home/widgets/{code}/"]["get"]
    assert body(widget, "200")["required"] == ["code", "title"]
    assert body(widget, "404") == ref("CockpitApiError")
    risks = schema["paths"]["/api/v1/cockpit/risks/"]["get"]
    assert body(risks, "200") == ref("RiskList")
    assert [p["name"] for p in risks["parameters"]] == ["kind"]
    # the keys LayoutApi.get and risk_payload() return (qdm.cockpit.views_home / views_risk)
    components = schema["components"]["schemas"]
    assert set(components["HomeLayout"]["properties"]) == {
        "role",
        "widgets",
        "defaults",
        "available",
    }
    assert set(components["Risk"]["properties"]) == {
        "kind",
        "kind_label",
        "title",
        "site",
        "score",
        "evidence",
        "action",
        "action_url",
        "record_url",
    }


@pytest.mark.parametrize(
    ("path", "component", "serializer"),
    [
        ("/api/v1/supplier/certificates/{id}/", "SupplierCertificate", SupplierSerializer),
        ("/api/v1/system/certificates/{id}/", "ManagementSystemCertificate", ImsSerializer),
        ("/api/v1/design/certificates/{id}/", "QualificationCertificate", QualificationSerializer),
    ],
)
def test_each_certificate_endpoint_has_its_own_component(
    schema: dict[str, Any], path: str, component: str, serializer: type
) -> None:
    # three serializers were all named "Certificate": every endpoint showed one of them
    assert body(schema["paths"][path]["get"], "200") == ref(component)
    properties = schema["components"]["schemas"][component]["properties"]
    assert set(properties) == set(serializer.Meta.fields)  # the serializer is the source


@pytest.mark.parametrize(
    ("path", "status", "expected"),
    [
        ("/api/v1/system/document-revisions/{id}/acknowledge/", "200", ref("DocumentRevision")),
        ("/api/v1/system/management-reviews/{id}/compile/", "200", ref("ManagementReview")),
        (
            "/api/v1/system/audits/{id}/generate-checklist/",
            "201",
            {"type": "array", "items": ref("ChecklistItem")},
        ),
    ],
)
def test_bodyless_actions_document_their_response(
    schema: dict[str, Any], path: str, status: str, expected: dict[str, Any]
) -> None:
    # a plain ``serializers.Serializer`` gave an empty component name and no response body
    operation = schema["paths"][path]["post"]
    assert "requestBody" not in operation
    assert body(operation, status) == expected
    assert [p["name"] for p in operation["parameters"]] == ["id"]  # not filtered, not paged


def test_alert_acknowledgement_documents_its_note(schema: dict[str, Any]) -> None:
    operation = schema["paths"]["/api/v1/cockpit/alerts/{id}/acknowledge/"]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert set(request["properties"]) == {"note"} and "required" not in request
    assert body(operation, "200") == {"$ref": "#/components/schemas/CockpitAlert"}


@pytest.mark.parametrize(
    ("component", "field", "enum"),
    [
        ("Nonconformity", "severity", "SeverityEnum"),
        ("Complaint", "severity", "SeverityEnum"),
        ("SwitchingState", "severity", "SwitchingSeverityEnum"),
        ("EightD", "kind", "CapaKindEnum"),
        ("CockpitAlert", "kind", "AlertKindEnum"),
        ("CapaAction", "status", "SystemActionStatusEnum"),
        ("ReviewAction", "status", "SystemActionStatusEnum"),
        ("ApprovedMaterial", "status", "ApprovalStatusEnum"),
        ("SupplierProfile", "approval_status", "ApprovalStatusEnum"),
        ("Scorecard", "grade", "SupplierGradeEnum"),
        ("ElResult", "grade", "ElGradeEnum"),
        ("ReturnedModule", "retest_el_grade", "ElGradeEnum"),
        ("GateReview", "decision", "GateDecisionEnum"),
        ("ProductFootprint", "method", "FootprintMethodEnum"),
        ("FmeaItem", "action_priority_after", "ActionPriorityEnum"),
    ],
)
def test_shared_choice_sets_have_one_stable_name(
    schema: dict[str, Any], component: str, field: str, enum: str
) -> None:
    prop = schema["components"]["schemas"][component]["properties"][field]
    refs = [prop, *prop.get("allOf", []), *prop.get("oneOf", [])]
    assert ref(enum) in [{"$ref": r["$ref"]} for r in refs if "$ref" in r]


def test_every_enum_override_is_used(schema: dict[str, Any]) -> None:
    # an override whose choices no field uses any more would silently name nothing
    overrides = settings.SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]
    assert set(overrides) - set(schema["components"]["schemas"]) == set()
