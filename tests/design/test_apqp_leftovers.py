"""Leftovers of the APQP chart visibility: the signed gate-review snapshot worded for its
viewer (API and review page), editing a deliverable whose linked SPC chart the editor may
not see (the link is held, the other fields save), and the deliverable list evaluated in a
bounded number of queries."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.forms import modelform_factory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qdm.core.models import DomainEvent, Grant
from qdm.core.services.attachments import add_attachment
from qdm.core.signatures import signature_is_intact
from qdm.core.views.generic import restrict_form_choices
from qdm.design.models import ApqpDeliverable, ApqpProject, GateReview, MsaStudy
from qdm.design.services.apqp import evaluate, review_snapshot, save_deliverable
from qdm.design.services.control_plan import save_msa_study
from qdm.design.ui_apqp import ApqpDeliverableForm
from qdm.manufacturing.selectors import chart_capability
from tests.design.builders import make_characteristic, make_control_plan, make_fmea
from tests.design.test_apqp import gate, make_project, sign_off
from tests.design.test_apqp_chart_visibility import HIDDEN, reader_at_b
from tests.design.test_apqp_links import capability, clear_gates_before_validation, gel_chart
from tests.design.test_qualification_programmes import make_certificate, make_programme
from tests.personas import World, make_user
from tests.quality.test_msa import ROWS

pytestmark = pytest.mark.django_db

#: services.apqp.review_snapshot, for a snapshot older than the chart it records
WITHHELD = (
    "%s at the review; the reason is withheld: the SPC chart it may name can no longer be "
    "checked for your access."
)
#: ui_apqp.LinkedChartField / ApqpDeliverableForm
HELD = "Linked to an SPC chart at a site you cannot see"
MASKED_ERROR = "The linked SPC chart, at a site you cannot see, does not fit these values."
CHARACTERISTIC_HELD = "The characteristic follows the linked SPC chart, which you cannot see"


def linked_capability(world: World, project: ApqpProject) -> tuple[ApqpDeliverable, Any]:
    d = capability(project)
    d.spc_chart = chart = gel_chart(world)
    save_deliverable(d, actor=world.user("cqo"))
    d.refresh_from_db()
    return d, chart


# --- 1. the gate-review snapshot -------------------------------------------------------------


@pytest.fixture
def reviewed(world: World) -> dict[str, Any]:
    """The validation gate failed by the CQO (who sees every chart) while its capability
    study reads a site-A chart: the signed snapshot names the chart."""
    project = make_project(world)
    d, chart = linked_capability(world, project)
    clear_gates_before_validation(world, project)
    review = sign_off(
        world, gate(project, "validation"), "fail", comments="Qualification report missing"
    )
    review.refresh_from_db()
    entry = next(e for e in review.deliverables if e["kind"] == "capability")
    # the premise: the signed reason names the chart and its figures (test_apqp_links:
    # min(Cpk 1.692, Ppk 2.985) ≥ 1.67 → done)
    assert entry["reason"] == f"{chart.name} (live, n = 100): Cpk 1.69, Ppk 2.98 ≥ 1.67."
    assert entry["chart"] == chart.pk
    return {
        "project": project,
        "d": d,
        "chart": chart,
        "review": review,
        "reader": reader_at_b(world),
    }


def _without_chart(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k != "chart"} for e in entries]


def test_review_api_masks_the_chart_for_a_viewer_who_may_not_see_it(
    world: World, reviewed: dict[str, Any], api_for
) -> None:
    review, chart, reader = reviewed["review"], reviewed["chart"], reviewed["reader"]
    stored = list(review.deliverables)
    api = api_for("eng_a")
    api.force_authenticate(reader)
    for url in (
        f"/api/v1/design/gate-reviews/{review.pk}/",
        "/api/v1/design/gate-reviews/?decision=fail",
    ):
        response = api.get(url)
        assert response.status_code == 200, url
        assert (
            chart.name not in response.content.decode() and "1.69" not in response.content.decode()
        )
    body = api.get(f"/api/v1/design/gate-reviews/{review.pk}/").json()
    expected = _without_chart(stored)
    for entry in expected:
        if entry["kind"] == "capability":
            entry["reason"] = HIDDEN % "Done"  # the state stays, the chart is not named
    assert body["deliverables"] == expected
    # eng_a (site A) sees the snapshot as signed, without the internal chart key
    body = api_for("eng_a").get(f"/api/v1/design/gate-reviews/{review.pk}/").json()
    assert body["deliverables"] == _without_chart(stored)
    # reading never rewrites the signed snapshot
    review.refresh_from_db()
    assert review.deliverables == stored and signature_is_intact(review.signature)


def test_review_page_masks_the_chart_for_a_viewer_who_may_not_see_it(
    world: World, reviewed: dict[str, Any], client_for
) -> None:
    review, chart, reader = reviewed["review"], reviewed["chart"], reviewed["reader"]
    client = client_for("eng_a")
    client.force_login(reader)
    page = client.get(review.get_absolute_url()).content.decode()
    assert 'data-testid="review-snapshot"' in page
    assert HIDDEN % "Done" in page
    assert chart.name not in page and "1.69" not in page
    assert 'data-deliverable="capability" data-state="done"' in page
    response = client.get(reverse("design:gatereview_history", args=[review.pk]))
    assert response.status_code == 200
    history = response.content.decode()
    assert 'data-testid="history-tab"' in history
    assert chart.name not in history and "1.69" not in history
    page = client_for("eng_a").get(review.get_absolute_url()).content.decode()
    assert f"{chart.name} (live, n = 100): Cpk 1.69" in page
    # out of scope: eng_b (site B) may not see the site-A review at all
    assert client_for("eng_b").get(review.get_absolute_url()).status_code == 404


def test_older_snapshot_is_judged_by_the_current_link_or_withheld(
    world: World, reviewed: dict[str, Any]
) -> None:
    review, d, chart, reader = (
        reviewed["review"],
        reviewed["d"],
        reviewed["chart"],
        reviewed["reader"],
    )
    signed = f"{chart.name} (live, n = 100): Cpk 1.69, Ppk 2.98 ≥ 1.67."
    older = _without_chart(review.deliverables)  # as reviews stored them before
    GateReview.objects.filter(pk=review.pk).update(deliverables=older)
    review.refresh_from_db()

    def reason(user: Any) -> str:
        return next(e for e in review_snapshot(review, user) if e["kind"] == "capability")["reason"]

    # still linked: the link decides
    assert (reason(reader), reason(world.user("eng_a"))) == (HIDDEN % "Done", signed)
    # no longer linked (the failed gate's deliverables may change): nobody scoped sees it
    ApqpDeliverable.objects.filter(pk=d.pk).update(spc_chart=None)
    assert reason(reader) == reason(world.user("eng_a")) == WITHHELD % "Done"
    assert reason(None) == signed
    others = [e for e in review_snapshot(review, reader) if e["kind"] != "capability"]
    assert others == [e for e in older if e["kind"] != "capability"]


# --- 2. editing a deliverable linked to a chart the editor may not see -------------------------


def editor_at_b(world: World) -> Any:
    """Edits every APQP project (a group-wide role with design's view, add and change
    permissions) but sees manufacturing only at site B."""
    user = make_user("editor_b", "quality_engineer", site=world.site_b)
    role = Group.objects.create(name="design_editor")
    role.permissions.set(
        Permission.objects.filter(content_type__app_label="design").exclude(
            codename__startswith="delete_"
        )
    )
    Grant.objects.create(user=user, role=role)
    return user


def browser_post(d: ApqpDeliverable, **changes: Any) -> dict[str, Any]:
    """What the edit page posts for ``d`` unchanged (a disabled select is not posted),
    with ``changes``."""
    form = ApqpDeliverableForm(instance=d)
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form.initial.get(name)
        if name == "spc_chart" or value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def snapshot(d: ApqpDeliverable) -> tuple[dict[str, Any], int]:
    row = ApqpDeliverable.objects.filter(pk=d.pk).values().get()
    events = DomainEvent.objects.filter(object_id=str(d.gate.project_id)).count()
    return row, events


@pytest.fixture
def held(world: World) -> dict[str, Any]:
    project = make_project(world)
    d, chart = linked_capability(world, project)
    editor = editor_at_b(world)
    assert chart_capability(chart.pk, editor) is None  # the premise: the chart is hidden
    return {"project": project, "d": d, "chart": chart, "editor": editor}


def test_a_plain_restricted_form_would_refuse_or_clear_the_hidden_link(
    world: World, held: dict[str, Any]
) -> None:
    """Why the form holds the link: restricted to the editor's charts, a plain model form
    refuses the hidden chart it was given and clears the link when the select posts empty."""
    d, editor = held["d"], held["editor"]
    plain = modelform_factory(ApqpDeliverable, fields=ApqpDeliverableForm.Meta.fields)
    data = {**browser_post(d), "spc_chart": d.spc_chart_id}
    form = plain(data=data, instance=ApqpDeliverable.objects.get(pk=d.pk))
    restrict_form_choices(form, editor)
    assert not form.is_valid() and "Select a valid choice" in str(form.errors["spc_chart"])
    form = plain(data=browser_post(d), instance=ApqpDeliverable.objects.get(pk=d.pk))
    restrict_form_choices(form, editor)
    assert form.is_valid() and form.cleaned_data["spc_chart"] is None


def test_edit_keeps_the_hidden_chart_and_saves_the_other_fields(
    world: World, held: dict[str, Any], client_for
) -> None:
    d, chart, editor = held["d"], held["chart"], held["editor"]
    client = client_for("eng_a")
    client.force_login(editor)
    url = reverse("design:apqpdeliverable_edit", args=[d.pk])
    page = client.get(url).content.decode()
    assert HELD in page and chart.name not in page
    select = re.search(r"<select[^>]*name=\"spc_chart\"[^>]*>", page).group(0)
    assert "disabled" in select
    other = gel_chart(world, "B")  # a chart the editor may see: posting it changes nothing
    for posted_chart in ("", other.pk, d.spc_chart_id):
        title = f"Capability study [{posted_chart}]"
        data = browser_post(d, title=title, remarks="Reviewed")
        response = client.post(url, {**data, "spc_chart": posted_chart})
        assert response.status_code == 302, response.content.decode()[:2000]
        d.refresh_from_db()
        assert (d.spc_chart_id, d.characteristic_id) == (chart.pk, chart.characteristic_id)
        assert (d.title, d.remarks) == (title, "Reviewed")
    assert evaluate(d, editor).reason == HIDDEN % "Done"


def test_edit_refusals_with_a_hidden_chart_change_nothing_and_do_not_name_it(
    world: World, held: dict[str, Any], client_for
) -> None:
    d, chart, editor = held["d"], held["chart"], held["editor"]
    client = client_for("eng_a")
    client.force_login(editor)
    url = reverse("design:apqpdeliverable_edit", args=[d.pk])
    before = snapshot(d)
    other_site = gate(make_project(world, "B", title="Launch at B"), "validation")
    refusals = [
        (browser_post(d, title="New", characteristic=make_characteristic("MOD-PEEL").pk),
         CHARACTERISTIC_HELD),
        (browser_post(d, title="New", gate=other_site.pk), MASKED_ERROR),  # another site
    ]  # fmt: skip
    for data, message in refusals:
        response = client.post(url, data)
        page = response.content.decode()
        assert response.status_code == 400
        assert message in page and chart.name not in page
        assert snapshot(d) == before  # nothing changed, no event recorded


def test_an_editor_who_sees_the_chart_may_still_clear_it(
    world: World, held: dict[str, Any], client_for
) -> None:
    d = held["d"]
    client = client_for("eng_a")
    url = reverse("design:apqpdeliverable_edit", args=[d.pk])
    assert HELD not in client.get(url).content.decode()
    response = client.post(url, browser_post(d, spc_chart=""))
    assert response.status_code == 302, response.content.decode()[:2000]
    d.refresh_from_db()
    assert d.spc_chart_id is None


# --- 3. the deliverable list in a bounded number of queries -----------------------------------


def _pdf() -> SimpleUploadedFile:
    return SimpleUploadedFile("report.pdf", b"%PDF-1.7\n" + b"0" * 100, "application/pdf")


def add_linked(world: World, project: ApqpProject, kind: str, n: int, **links: Any) -> None:
    """``n`` deliverables of ``kind`` on the project's validation gate, each linked."""
    actor = world.user("cqo")
    for i in range(n):
        d = ApqpDeliverable(gate=gate(project, "validation"), kind=kind, title=f"{kind} {i}")
        if kind == "dfmea":
            d.fmea = make_fmea(world, kind="dfmea")
        elif kind == "control_plan":
            d.control_plan = make_control_plan(world)
        elif kind == "msa":
            d.msa_study = save_msa_study(
                MsaStudy(title=f"R&R {i}", site=world.site_a, characteristic=links["char"],
                         gauge="SX-02", data=[list(r) for r in ROWS], tolerance=5.0),
                actor=actor,
            )  # fmt: skip
        elif kind == "capability":
            d.spc_chart = links["chart"]
        elif kind == "qualification":
            d.programme, d.certificate = links["programme"], links["certificate"]
        else:
            d.reference, d.accepted_on = f"DOC-{i}", date(2026, 9, 30)
        save_deliverable(d, actor=actor)
        if kind == "document":
            add_attachment(d, _pdf(), actor=actor)


@pytest.mark.parametrize(
    "kinds",
    [("dfmea", "control_plan"), ("msa", "capability"), ("qualification", "document")],
)
def test_deliverable_list_queries_do_not_grow_with_the_rows(
    world: World, client_for, settings, tmp_path, kinds: tuple[str, str]
) -> None:
    settings.MEDIA_ROOT = tmp_path
    links = {"char": make_characteristic("LAM-GEL")}
    if "capability" in kinds:
        links["chart"] = gel_chart(world)
        chart_capability(links["chart"].pk)  # the chart page's cache, warm for both lists
    if "qualification" in kinds:
        links["programme"] = make_programme(world, "A")
        links["certificate"] = make_certificate(world, "A")
    client = client_for("eng_a")
    counts, pages = [], {}
    for title, n in (("two", 1), ("eight", 4)):
        project = make_project(world, title=title)
        ApqpDeliverable.objects.filter(gate__project=project).delete()
        for kind in kinds:
            add_linked(world, project, kind, n, **links)
        url = reverse("design:apqpdeliverable_list") + f"?gate__project={project.pk}"
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries.captured_queries))
        pages[project] = response.content.decode()
    assert counts[0] == counts[1], counts
    # same content: each row shows the state ``evaluate`` gives that deliverable
    for project, page in pages.items():
        rows = re.findall(r"<tr[^>]*>.*?</tr>", page.split("<tbody", 1)[1], re.S)
        items = ApqpDeliverable.objects.filter(gate__project=project).order_by("gate", "pk")
        assert len(rows) == items.count() == 2 * (1 if project.title == "two" else 4)
        for row, item in zip(rows, items, strict=True):
            assert item.title in row and f">{evaluate(item).label}<" in row, row


def test_api_edit_keeps_the_hidden_chart_and_refuses_to_change_it(
    world: World, held: dict[str, Any], api_for
) -> None:
    d, chart, editor = held["d"], held["chart"], held["editor"]
    api = api_for("eng_a")
    api.force_authenticate(editor)
    url = f"/api/v1/design/apqp-deliverables/{d.pk}/"
    body = api.get(url).json()
    # what was read may be sent back unchanged (the held id included); other fields save
    body.update(title="Capability study (API)")
    sent = {k: v for k, v in body.items() if k not in READ_ONLY_FIELDS}
    response = api.put(url, sent, format="json")
    assert response.status_code == 200, response.content
    d.refresh_from_db()
    assert (d.title, d.spc_chart_id) == ("Capability study (API)", chart.pk)
    before = snapshot(d)
    other_site = gate(make_project(world, "B", title="Launch at B"), "validation")
    refusals = [
        ({"spc_chart": None}, "you can neither change nor clear this link"),
        ({"spc_chart": gel_chart(world, "B").pk}, "you can neither change nor clear this link"),
        ({"characteristic": make_characteristic("MOD-PEEL").pk}, CHARACTERISTIC_HELD),
        ({"gate": other_site.pk}, MASKED_ERROR),
    ]
    for change, message in refusals:
        response = api.patch(url, {"title": "Changed", **change}, format="json")
        assert response.status_code == 400, (change, response.content)
        text = response.content.decode()
        assert message in text and chart.name not in text, text
        assert snapshot(d) == before  # nothing changed, no event recorded


#: ApqpDeliverableSerializer: computed, not sent
READ_ONLY_FIELDS = {"id", "state", "state_reason", "capability", "change_warnings"}
