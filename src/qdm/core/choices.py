"""Choice classes: value, translated label and badge colour (NetBox style)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProcessStage(models.TextChoices):
    POLYSILICON = "polysilicon", _("Polysilicon")
    WAFER = "wafer", _("Ingot and wafer")
    CELL = "cell", _("Cell")
    MODULE = "module", _("Module")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    RETRYING = "retrying", _("Retrying")
    FAILED = "failed", _("Failed")

    @property
    def colour(self) -> str:
        return {"pending": "secondary", "sent": "success", "retrying": "warning"}.get(
            self.value, "danger"
        )


class ChannelKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")
    FEISHU = "feishu", _("Feishu group robot")


class SignatureMeaning(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REVIEWED = "reviewed", _("Reviewed")
    RELEASED = "released", _("Released")
    REJECTED = "rejected", _("Rejected")
    VERIFIED = "verified", _("Verified")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")

    @property
    def colour(self) -> str:
        return {"queued": "secondary", "running": "info", "succeeded": "success"}.get(
            self.value, "danger"
        )


class RunTrigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("Manual")
