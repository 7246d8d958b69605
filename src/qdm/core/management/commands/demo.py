"""``qdm demo [--scale small|medium] [--seed N]``: load the demo data."""

from __future__ import annotations

from typing import Any

from auditlog.context import set_actor
from django.core.management.base import BaseCommand, CommandError

from qdm.core.demo import DEMO_PASSWORD, USERS, build_kernel
from qdm.core.modules import optional_module
from qdm.core.navigation import PLATFORM_APPS
from qdm.core.roles import role_label
from qdm.core.services.maintenance import refresh_planner_statistics

# the order data flows in: data first, the cockpit last
DEMO_ORDER = (
    "data",
    "system",
    "supplier",
    "manufacturing",
    "service",
    "design",
    "carbon",
    "cockpit",
)


class Command(BaseCommand):
    help = "Load realistic demo data (deterministic for a seed; running it twice is harmless)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--scale", choices=["small", "medium"], default="small")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, scale: str, seed: int, **options: Any) -> None:
        try:
            ctx = build_kernel(scale=scale, seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        with set_actor(ctx.users["admin"]):
            for app in DEMO_ORDER:
                assert app in PLATFORM_APPS
                module = optional_module(f"qdm.{app}.demo")
                if module is not None:
                    module.build(ctx)
        refresh_planner_statistics()
        for line in ctx.log:
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Logins (password: {DEMO_PASSWORD}):")
        )
        for username, _first, _last, role, _kind, scope in USERS:
            where = f" @ {scope}" if scope else " (group-wide)"
            self.stdout.write(f"  {username:<16} {role_label(role)}{where}")
