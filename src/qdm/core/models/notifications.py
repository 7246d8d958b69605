"""Notifications: an in-app inbox per user, and deliveries through channels (e-mail and
the WeCom, DingTalk and Feishu group robots Chinese factories use)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qdm.core.choices import ChannelKind, DeliveryStatus
from qdm.core.querysets import Scope, ScopedManager


class Notification(models.Model):
    """One message in one user's inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class NotificationChannel(models.Model):
    """A place notifications go besides the inbox: a group robot webhook or e-mail.

    A channel with a site receives that site's notifications; without one, the group's.
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="channels",
        verbose_name=_("site"),
    )
    webhook_url = models.URLField(_("webhook URL"), max_length=500, blank=True)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk and Feishu robots with signature verification need it."),
    )
    email_to = models.CharField(
        _("e-mail recipients"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated addresses, for e-mail channels."),
    )
    active = models.BooleanField(_("active"), default=True)

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["name"]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:notificationchannel_detail", args=[self.pk])

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.kind == ChannelKind.EMAIL and not self.email_to:
            raise ValidationError({"email_to": _("An e-mail channel needs recipients.")})
        if self.kind != ChannelKind.EMAIL and not self.webhook_url:
            raise ValidationError({"webhook_url": _("A robot channel needs its webhook URL.")})


class NotificationDelivery(models.Model):
    """One attempt chain to deliver one message through one channel (or one e-mail to one
    user). Failed deliveries are retried and stay visible as failed, never dropped."""

    channel = models.ForeignKey(
        NotificationChannel,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("channel"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    site = models.ForeignKey(
        "core.Site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    scope = Scope(site="site")
    objects = ScopedManager()

    class Meta:
        verbose_name = _("notification delivery")
        verbose_name_plural = _("notification deliveries")
        ordering = ["-created"]

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("core:notificationdelivery_detail", args=[self.pk])

    def __str__(self) -> str:
        target = self.channel or self.recipient
        return f"{self.title} → {target}"
