"""Writes of FMEAs: creation with its number, edits (refused once released), failure chains,
new revisions, special characteristics flowing into the catalog, and the structure tree with
its functions and failure net (AIAG-VDA steps 2–4) and the net's integrity check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from qdm.core.numbering import next_number
from qdm.core.services.audit import record_event
from qdm.data.choices import SpecialClass
from qdm.data.models import Characteristic
from qdm.design.choices import FMEA_PREFIX, GROUP_CODE, FmeaStatus
from qdm.design.models import FailureElement, Fmea, FmeaFunction, FmeaItem, StructureNode
from qdm.design.models.fmea import FailureKind

#: an item at or above this severity makes its characteristic critical (CC)
CC_SEVERITY = 9
EXCLUDE = ["created_by", "number"]


def _check_editable(fmea: Fmea) -> None:
    if fmea.pk:
        fmea.status = Fmea.objects.values_list("status", flat=True).get(pk=fmea.pk)
    if fmea.is_locked:
        raise fmea.locked_error()


def create_fmea(*, actor: Any, **fields: Any) -> Fmea:
    """A draft FMEA numbered ``FMEA-<site or GRP>-<year>-<seq>``, revision 1."""
    with transaction.atomic():
        fmea = Fmea(created_by=actor, **fields)
        fmea.number = next_number(FMEA_PREFIX, fmea.site.code if fmea.site else GROUP_CODE)
        fmea.full_clean(exclude=EXCLUDE)
        fmea.save()
        record_event(
            fmea,
            "created",
            actor=actor,
            message=_("Created %(number)s (%(kind)s)")
            % {"number": fmea.number, "kind": fmea.get_kind_display()},
        )
    return fmea


def update_fmea(fmea: Fmea, *, actor: Any, **fields: Any) -> Fmea:
    """Change the planning fields of a draft or in-review FMEA; status goes through
    ``transition``."""
    with transaction.atomic():
        _check_editable(fmea)
        for name, value in fields.items():
            setattr(fmea, name, value)
        fmea.full_clean(exclude=EXCLUDE)
        fmea.save()
    return fmea


def save_item(item: FmeaItem, *, actor: Any) -> FmeaItem:
    """Create or change one failure chain; AP and RPN are computed, never taken as input."""
    with transaction.atomic():
        if item.pk:
            stored = FmeaItem.objects.values_list("fmea_id", flat=True).get(pk=item.pk)
            _check_editable(Fmea.objects.get(pk=stored))
        _check_editable(item.fmea)
        if not item.position:
            last = item.fmea.items.order_by("-position").values_list("position", flat=True)
            item.position = (last.first() or 0) + 1
        created = item.pk is None
        item.full_clean()
        item.save()
        if created:
            record_event(
                item.fmea,
                "item_added",
                actor=actor,
                message=_("Failure chain %(row)d added (AP %(ap)s)")
                % {"row": item.position, "ap": item.action_priority},
                data={"item": item.pk},
            )
    return item


NET = ("net_effect", "net_mode", "net_cause")
COPIED_FIELDS = [
    f.name for f in FmeaItem._meta.concrete_fields if f.name not in {"id", "fmea", *NET}
]


def new_revision(fmea: Fmea, *, actor: Any) -> Fmea:
    """Copy a released FMEA and its rows into a draft revision N+1 (same number). The
    released revision stays in force until the new one is released."""
    with transaction.atomic():
        fmea = Fmea.objects.select_for_update().get(pk=fmea.pk)
        if fmea.status != FmeaStatus.RELEASED:
            raise ValidationError(_("Only a released FMEA can be revised."), code="not_released")
        newer = Fmea.objects.filter(number=fmea.number, revision__gt=fmea.revision)
        if newer.exists():
            raise ValidationError(
                _("Revision %(revision)d of %(number)s already exists.")
                % {"revision": newer.order_by("revision").first().revision, "number": fmea.number},
                code="revision_exists",
            )
        copy = Fmea(
            number=fmea.number,
            revision=fmea.revision + 1,
            kind=fmea.kind,
            title=fmea.title,
            site=fmea.site,
            product=fmea.product,
            planning_scope=fmea.planning_scope,
            team=fmea.team,
            start_date=fmea.start_date,
            due_date=fmea.due_date,
            revised_from=fmea,
            created_by=actor,
        )
        copy.full_clean(exclude=EXCLUDE)
        copy.save()
        failures = _copy_net(fmea, copy)
        rows = []
        for item in fmea.items.all():
            row = FmeaItem(fmea=copy, **{name: getattr(item, name) for name in COPIED_FIELDS})
            for name in ("net_effect", "net_mode", "net_cause"):
                old_id = getattr(item, f"{name}_id")
                setattr(row, name, failures.get(old_id) if old_id else None)
            rows.append(row)
        for row in rows:
            row.compute()
        FmeaItem.objects.bulk_create(rows)
        for obj, verb in ((copy, "revision_created"), (fmea, "revised")):
            record_event(
                obj,
                verb,
                actor=actor,
                message=_("Revision %(new)d started from revision %(old)d (%(rows)d rows)")
                % {"new": copy.revision, "old": fmea.revision, "rows": len(rows)},
                data={"from": fmea.pk, "to": copy.pk},
            )
    return copy


@dataclass(frozen=True)
class SpecialProposal:
    item: FmeaItem
    characteristic: Characteristic
    current: str
    proposed: str


def proposed_class(item: FmeaItem) -> str:
    """CC when severity ≥ 9 or the row is marked CC; SC when marked SC; else none."""
    if item.special_class == SpecialClass.CC or item.severity >= CC_SEVERITY:
        return SpecialClass.CC
    return item.special_class or SpecialClass.NONE


def special_proposals(fmea: Fmea) -> list[SpecialProposal]:
    """Catalog characteristics whose special class the FMEA would raise (never lower: a CC
    stays CC even if this FMEA only marks it SC)."""
    best: dict[int, SpecialProposal] = {}
    rank: dict[str, int] = {SpecialClass.NONE: 0, SpecialClass.SC: 1, SpecialClass.CC: 2}
    items = fmea.items.filter(characteristic__isnull=False).select_related("characteristic")
    for item in items.order_by("position", "pk"):
        proposal = proposed_class(item)
        char = item.characteristic
        assert char is not None
        if rank[proposal] <= rank[SpecialClass(char.special_class)]:
            continue
        held = best.get(char.pk)
        if held is None or rank[proposal] > rank[SpecialClass(held.proposed)]:
            best[char.pk] = SpecialProposal(item, char, char.special_class, proposal)
    return list(best.values())


def apply_special_classes(fmea: Fmea, *, actor: Any) -> list[SpecialProposal]:
    """Write the proposed CC/SC classes into the characteristic catalog. The actor needs
    change permission on each characteristic; nothing is written otherwise."""
    with transaction.atomic():
        proposals = special_proposals(fmea)
        denied = [
            p.characteristic.code
            for p in proposals
            if not actor.has_perm("data.change_characteristic", p.characteristic)
        ]
        if denied:
            raise ValidationError(
                _("You may not change the characteristic(s) %(codes)s.")
                % {"codes": ", ".join(denied)},
                code="permission_denied",
            )
        for p in proposals:
            p.characteristic.special_class = p.proposed
            p.characteristic.save(update_fields=["special_class"])
            message = _("%(code)s marked %(cls)s from %(fmea)s row %(row)d") % {
                "code": p.characteristic.code,
                "cls": p.proposed,
                "fmea": fmea.number,
                "row": p.item.position,
            }
            data = {"characteristic": p.characteristic.pk, "from": p.current, "to": p.proposed}
            record_event(p.characteristic, "special_class_set", actor=actor, message=message)
            record_event(fmea, "special_class_set", actor=actor, message=message, data=data)
    return proposals


# --- structure tree, functions and the failure net (AIAG-VDA steps 2–4) -----------------------


def _node_fmea(node: StructureNode) -> Fmea:
    return Fmea.objects.get(pk=node.fmea_id)


def save_node(node: StructureNode, *, actor: Any) -> StructureNode:
    """Create, rename or move one structure element of a draft FMEA. Moving checks the new
    parent's level and refuses cycles; the error names the field."""
    with transaction.atomic():
        if node.pk:
            stored = StructureNode.objects.get(pk=node.pk)
            if stored.fmea_id != node.fmea_id:
                raise ValidationError({"fmea": _("An element cannot change FMEA.")})
        _check_editable(_node_fmea(node))
        created = node.pk is None
        if created and not node.position:
            last = StructureNode.objects.filter(fmea_id=node.fmea_id).order_by("-position")
            node.position = (last.values_list("position", flat=True).first() or 0) + 1
        node.full_clean()
        node.save()
        record_event(
            node.fmea,
            "structure_added" if created else "structure_changed",
            actor=actor,
            message=_("%(node)s under %(parent)s")
            % {"node": node, "parent": node.parent.name if node.parent else "—"},
            data={"node": node.pk, "parent": node.parent_id},
        )
    return node


def move_node(node: StructureNode, parent: StructureNode | None, *, actor: Any) -> StructureNode:
    node.parent = parent
    return save_node(node, actor=actor)


def _subtree_ids(node: StructureNode) -> list[int]:
    ids, frontier = [node.pk], [node.pk]
    while frontier:
        frontier = list(
            StructureNode.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        ids += frontier
    return ids


def _chains_of(failures: Any) -> Any:
    from django.db.models import Q

    return FmeaItem.objects.filter(
        Q(net_effect__in=failures) | Q(net_mode__in=failures) | Q(net_cause__in=failures)
    ).distinct()


def _refuse_if_chained(failures: Any, what: str) -> None:
    rows = sorted(_chains_of(failures).values_list("position", flat=True))
    if rows:
        raise ValidationError(
            _("%(what)s is used by failure chain(s) %(rows)s: delete those rows first.")
            % {"what": what, "rows": ", ".join(f"#{r}" for r in rows)},
            code="in_use",
        )


def remove_node(node: StructureNode, *, actor: Any) -> None:
    """Remove an element with its sub-tree, functions and failures; refused while a failure
    chain (worksheet row) uses one of those failures."""
    with transaction.atomic():
        _check_editable(_node_fmea(node))
        ids = _subtree_ids(node)
        _refuse_if_chained(FailureElement.objects.filter(function__node_id__in=ids), str(node))
        record_event(
            node.fmea,
            "structure_removed",
            actor=actor,
            message=_("%(node)s removed (%(count)d element(s))")
            % {"node": node, "count": len(ids)},
        )
        node.delete()


def save_function(function: FmeaFunction, *, actor: Any) -> FmeaFunction:
    with transaction.atomic():
        _check_editable(_node_fmea(function.node))
        function.full_clean()
        function.save()
    return function


def remove_function(function: FmeaFunction, *, actor: Any) -> None:
    with transaction.atomic():
        _check_editable(_node_fmea(function.node))
        _refuse_if_chained(function.failures.all(), str(function))
        function.delete()


def save_failure(failure: FailureElement, *, actor: Any) -> FailureElement:
    """Add or change a failure of a function. A cause needs a higher level to belong to
    (never on the root element)."""
    with transaction.atomic():
        node = failure.function.node
        _check_editable(_node_fmea(node))
        if failure.kind == FailureKind.CAUSE and node.parent_id is None:
            raise ValidationError(
                {"kind": _("A failure cause belongs to a lower level, not to the root element.")}
            )
        failure.full_clean()
        failure.save()
    return failure


def remove_failure(failure: FailureElement, *, actor: Any) -> None:
    with transaction.atomic():
        _check_editable(_node_fmea(failure.function.node))
        _refuse_if_chained(FailureElement.objects.filter(pk=failure.pk), str(failure))
        failure.delete()


def chain_errors(
    effect: FailureElement | None, mode: FailureElement | None, cause: FailureElement | None
) -> dict[str, str]:
    """Why these three failures do not form an AIAG-VDA chain: the effect on a higher level
    than the mode's focus element, the cause on a lower level; empty when they do."""
    errors: dict[str, str] = {}
    for name, element, kind in (
        ("net_effect", effect, FailureKind.EFFECT),
        ("net_mode", mode, FailureKind.MODE),
        ("net_cause", cause, FailureKind.CAUSE),
    ):
        if element is None:
            errors[name] = _("Choose the %(kind)s.") % {"kind": FailureKind(kind).label}
        elif element.kind != kind:
            errors[name] = _("%(element)s is not a %(kind)s.") % {
                "element": element.description,
                "kind": FailureKind(kind).label,
            }
    if errors or mode is None or effect is None or cause is None:
        return errors
    focus = mode.function.node
    fmea_ids = {effect.function.node.fmea_id, focus.fmea_id, cause.function.node.fmea_id}
    if len(fmea_ids) != 1:
        return {"net_mode": _("The effect, mode and cause must belong to the same FMEA.")}
    if effect.function.node not in focus.ancestors():
        errors["net_effect"] = _(
            "The failure effect must sit on a higher level than %(focus)s (found on %(node)s)."
        ) % {"focus": focus, "node": effect.function.node}
    if focus not in cause.function.node.ancestors():
        errors["net_cause"] = _(
            "The failure cause must sit on a lower level than %(focus)s (found on %(node)s)."
        ) % {"focus": focus, "node": cause.function.node}
    return errors


def link_chain(
    effect: FailureElement,
    mode: FailureElement,
    cause: FailureElement,
    *,
    actor: Any,
    **ratings: Any,
) -> FmeaItem:
    """A worksheet row (failure chain) built from the net: structure, functions and failure
    texts are taken from the three elements; ``ratings`` are S/O/D, controls and the rest."""
    errors = chain_errors(effect, mode, cause)
    if errors:
        raise ValidationError(errors)
    focus, lower, higher = mode.function.node, cause.function.node, effect.function.node
    fields = {
        "higher_level": higher.name,
        "focus_element": focus.name,
        "lower_level": lower.name,
        "four_m": lower.four_m,
        "higher_function": effect.function.description,
        "focus_function": mode.function.description,
        "lower_function": cause.function.description,
        "characteristic": cause.function.characteristic or mode.function.characteristic,
        "failure_effect": effect.description,
        "failure_mode": mode.description,
        "failure_cause": cause.description,
        "net_effect": effect,
        "net_mode": mode,
        "net_cause": cause,
        **ratings,
    }
    return save_item(FmeaItem(fmea=focus.fmea, **fields), actor=actor)


@dataclass(frozen=True)
class NetProblem:
    code: str
    message: str
    element: Any


def _link_parents(nodes: list[StructureNode]) -> None:
    """Point each node's ``parent`` at the loaded instance of every FMEA the nodes belong to
    (one query), so ``ancestors()`` walks memory instead of one query per level."""
    fmea_ids = {node.fmea_id for node in nodes}
    loaded = {n.pk: n for n in StructureNode.objects.filter(fmea_id__in=fmea_ids)}
    for node in [*loaded.values(), *nodes]:
        if node.parent_id is not None and node.parent_id in loaded:
            node.parent = loaded[node.parent_id]


def net_integrity(fmea: Fmea) -> list[NetProblem]:
    """Integrity of the failure net: no orphan cause (a cause in no chain), every failure
    mode has an effect, and every chain still runs effect (higher) → mode → cause (lower)
    after the structure changed. A fixed number of queries, however large the net."""
    problems: list[NetProblem] = []
    failures = (
        FailureElement.objects.filter(function__node__fmea=fmea)
        .select_related("function__node")
        .annotate(
            in_chain=Exists(FmeaItem.objects.filter(net_cause=OuterRef("pk"))),
            has_effect=Exists(
                FmeaItem.objects.filter(net_mode=OuterRef("pk"), net_effect__isnull=False)
            ),
        )
    )
    for failure in failures.order_by("function__node__position", "pk"):
        if failure.kind == FailureKind.CAUSE and not failure.in_chain:
            problems.append(
                NetProblem(
                    "orphan_cause",
                    _("Orphan failure cause “%(cause)s” on %(node)s: it is in no failure chain.")
                    % {"cause": failure.description, "node": failure.function.node},
                    failure,
                )
            )
        if failure.kind == FailureKind.MODE and not failure.has_effect:
            problems.append(
                NetProblem(
                    "mode_without_effect",
                    _("Failure mode “%(mode)s” on %(node)s has no failure effect.")
                    % {"mode": failure.description, "node": failure.function.node},
                    failure,
                )
            )
    chains = list(
        fmea.items.filter(net_mode__isnull=False).select_related(
            "net_effect__function__node", "net_mode__function__node", "net_cause__function__node"
        )
    )
    _link_parents(
        [
            element.function.node
            for item in chains
            for element in (item.net_effect, item.net_mode, item.net_cause)
            if element is not None
        ]
    )
    for item in chains:
        for message in chain_errors(item.net_effect, item.net_mode, item.net_cause).values():
            problems.append(
                NetProblem(
                    "broken_chain",
                    _("Row %(row)d: %(problem)s") % {"row": item.position, "problem": message},
                    item,
                )
            )
    return problems


def structure_tree(fmea: Fmea) -> list[dict[str, Any]]:
    """The structure tree, each node with its functions and their failures, roots first."""
    nodes = list(fmea.nodes.order_by("position", "pk"))
    functions: dict[int, list[FmeaFunction]] = {}
    for fn in (
        FmeaFunction.objects.filter(node__fmea=fmea)
        .select_related("characteristic")
        .prefetch_related("failures")
        .order_by("pk")
    ):
        functions.setdefault(fn.node_id, []).append(fn)
    children: dict[int | None, list[StructureNode]] = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node)

    def build(node: StructureNode, depth: int) -> dict[str, Any]:
        return {
            "node": node,
            "depth": depth,
            "functions": functions.get(node.pk, []),
            "children": [build(c, depth + 1) for c in children.get(node.pk, [])],
        }

    return [build(root, 0) for root in children.get(None, [])]


def flatten(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for entry in tree:
        out.append(entry)
        out += flatten(entry["children"])
    return out


def _copy_net(source: Fmea, copy: Fmea) -> dict[int, FailureElement]:
    """Copy the structure tree, functions and failures of ``source`` into ``copy``; returns
    old failure id → new failure."""
    node_map: dict[int, StructureNode] = {}
    pending = list(source.nodes.order_by("pk"))
    while pending:  # parents before children, whatever their ids
        ready = [n for n in pending if n.parent_id is None or n.parent_id in node_map]
        for node in ready:
            node_map[node.pk] = StructureNode.objects.create(
                fmea=copy,
                parent=node_map.get(node.parent_id) if node.parent_id else None,
                kind=node.kind,
                name=node.name,
                four_m=node.four_m,
                position=node.position,
            )
        pending = [n for n in pending if n.pk not in node_map]
        if not ready:
            break
    failure_map: dict[int, FailureElement] = {}
    for fn in FmeaFunction.objects.filter(node__fmea=source).prefetch_related("failures"):
        new_fn = FmeaFunction.objects.create(
            node=node_map[fn.node_id],
            description=fn.description,
            requirement=fn.requirement,
            characteristic=fn.characteristic,
        )
        for failure in fn.failures.all():
            failure_map[failure.pk] = FailureElement.objects.create(
                function=new_fn, kind=failure.kind, description=failure.description
            )
    return failure_map


def attach_row(
    item: FmeaItem,
    effect: FailureElement,
    mode: FailureElement,
    cause: FailureElement,
    *,
    actor: Any,
) -> FmeaItem:
    """Attach an existing worksheet row to the net (rows typed on the worksheet before the
    net existed): the same level checks as ``link_chain``; the row's levels, functions and
    failure texts are then taken from the net, its ratings, actions and characteristic
    are kept."""
    errors = chain_errors(effect, mode, cause)
    if not errors and mode.function.node.fmea_id != item.fmea_id:
        errors["net_mode"] = _("The failure mode belongs to another FMEA.")
    if errors:
        raise ValidationError(errors)
    focus, lower, higher = mode.function.node, cause.function.node, effect.function.node
    item.higher_level, item.focus_element, item.lower_level = higher.name, focus.name, lower.name
    item.four_m = lower.four_m
    item.higher_function = effect.function.description
    item.focus_function = mode.function.description
    item.lower_function = cause.function.description
    item.characteristic = (  # a row keeps the characteristic it already names
        item.characteristic or cause.function.characteristic or mode.function.characteristic
    )
    item.failure_effect, item.failure_mode = effect.description, mode.description
    item.failure_cause = cause.description
    item.net_effect, item.net_mode, item.net_cause = effect, mode, cause
    return save_item(item, actor=actor)
