"""Electronic signatures: re-enter the password, state a meaning and a reason; the
signature is bound to the SHA-256 of the signed record's content at signing time."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.choices import SignatureMeaning
from qdm.core.models.audit import canonical_json
from qdm.core.models.kernel import ElectronicSignature


class SignatureError(Exception):
    """A signature could not be made: wrong password, no meaning or no reason."""

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


def record_hash(obj: models.Model) -> str:
    """SHA-256 of the record's concrete field values (foreign keys by id)."""
    content = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    content["__model__"] = obj._meta.label_lower
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def sign(
    obj: models.Model,
    *,
    user: Any,
    password: str,
    meaning: str,
    reason: str,
    action: str = "",
) -> ElectronicSignature:
    """Sign ``obj`` as ``user``. Raises SignatureError; never saves a partial signature."""
    if not user or not user.is_authenticated:
        raise SignatureError("not_authenticated", _("Sign in to sign."))
    if meaning not in SignatureMeaning.values:
        raise SignatureError("signature_meaning", _("Choose what your signature means."))
    if not (reason or "").strip():
        raise SignatureError("signature_reason", _("A signature needs a reason."))
    if not password or not user.check_password(password):
        raise SignatureError("signature_password", _("The password is not correct."))
    signed_at = timezone.now()
    rhash = record_hash(obj)
    signature_hash = hashlib.sha256(
        canonical_json(
            {
                "user": user.pk,
                "meaning": meaning,
                "reason": reason.strip(),
                "at": signed_at,
                "record": rhash,
                "action": action,
            }
        ).encode()
    ).hexdigest()
    return ElectronicSignature.objects.create(
        signer=user,
        signer_name=user.get_full_name() or user.username,
        meaning=meaning,
        reason=reason.strip(),
        signed_at=signed_at,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        record_hash=rhash,
        action=action,
        signature_hash=signature_hash,
    )


def signatures_for(obj: models.Model) -> models.QuerySet[ElectronicSignature]:
    return ElectronicSignature.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    ).select_related("signer")


def signature_is_intact(signature: ElectronicSignature) -> bool:
    """True when the stored signature hash matches its content."""
    expected = hashlib.sha256(
        canonical_json(
            {
                "user": signature.signer_id,
                "meaning": signature.meaning,
                "reason": signature.reason,
                "at": signature.signed_at,
                "record": signature.record_hash,
                "action": signature.action,
            }
        ).encode()
    ).hexdigest()
    return expected == signature.signature_hash
