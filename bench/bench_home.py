"""CQO home page timing on the demo data set (prints figures, asserts nothing).

Run: ``PYTHONPATH=src python bench/bench_home.py [--scale small|medium] [--runs 20]``

A throw-away SQLite database in a temporary folder is migrated and loaded with ``qdm demo``
(every platform's demo, the cockpit's KPI values and goals included). The CQO's home page
``/`` is then timed through Django's test Client after warm-up requests — server time: URL
resolution, middleware, role dispatch, every widget's scoped queries and the template. The
risk widget loads after the page (HTMX), so its fragment is timed separately, as are the
other role home pages and each widget's data function alone (to show where the time goes).

Target (issue 10): the CQO home page under 500 ms server time on the medium data set.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


class _NoMigrations(dict):
    def __contains__(self, item: object) -> bool:
        return True

    def __getitem__(self, item: object) -> None:
        return None


def setup_django(folder: Path, syncdb: bool = False) -> None:
    os.environ["QDM_DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["QDM_VAR_DIR"] = str(folder)
    os.environ["QDM_DEBUG"] = "0"
    os.environ["QDM_TASKS_BACKEND"] = "immediate"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qdm.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if syncdb:  # a working tree whose models are ahead of their migrations
        from django.conf import settings

        settings.MIGRATION_MODULES = _NoMigrations()
    call_command("migrate", verbosity=0, interactive=False, run_syncdb=syncdb)
    from qdm.cockpit.models_home import HomeLayout

    # until the lead generates its migration, the layouts' table is created here
    if HomeLayout._meta.db_table not in connection.introspection.table_names():
        with connection.schema_editor() as editor:
            editor.create_model(HomeLayout)


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def line(label: str, ms: list[float]) -> str:
    return (
        f"  {label:<40} median {statistics.median(ms):7.1f} ms   "
        f"min {min(ms):7.1f}   max {max(ms):7.1f}   (n={len(ms)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "medium"], default="small")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--syncdb",
        action="store_true",
        help="create the tables from the models instead of the migrations",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp), syncdb=args.syncdb)
        from django.core.management import call_command
        from django.test import Client

        from qdm.cockpit import widgets
        from qdm.cockpit.models import KpiValue
        from qdm.core.models import Site, User

        start = time.perf_counter()
        call_command("demo", scale=args.scale, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"demo data ({args.scale}) loaded in {time.perf_counter() - start:.1f} s")
        print(f"  sites {Site.objects.count()}, KPI values {KpiValue.objects.count()}")

        def client_for(username: str) -> Client:
            client = Client()
            client.force_login(User.objects.get(username=username))
            return client

        from qdm.cockpit import risks

        user = User.objects.get(username="cqo")
        print("each risk rule alone (max: first call; min: with the cached pieces):")
        for kind, rule in risks.RULES.items():
            print(line(kind, timed(lambda r=rule: r(user), 2)))
        cqo = client_for("cqo")
        for _ in range(3):  # warm-up: templates, translations, URL resolver
            assert cqo.get("/").status_code == 200
        print(f"CQO home page '/' (target < 500 ms), {args.runs} requests:")
        home = timed(lambda: cqo.get("/"), args.runs)
        print(line("GET / (cqo)", home))
        risk_url = "/cockpit/home/widgets/top_risks/"
        cqo.get(risk_url)
        print(line("GET risk widget (HTMX, after the page)", timed(lambda: cqo.get(risk_url), 5)))
        print("other role home pages:")
        for username in ("sqm.jx1", "qe.jx1", "inspector.vn1", "sqe", "cse", "supplier.gls1"):
            client = client_for(username)
            client.get("/cockpit/home/")
            ms = timed(lambda c=client: c.get("/cockpit/home/"), max(5, args.runs // 4))
            print(line(f"GET /cockpit/home/ ({username})", ms))
        print("each CQO widget's data function alone:")
        for code in widgets.layout_codes(user):
            fn = widgets.REGISTRY[code].data
            ms = timed(lambda f=fn: f(user), 5 if widgets.REGISTRY[code].lazy else 10)
            print(line(code, ms))
        verdict = "meets" if statistics.median(home) < 500 else "MISSES"
        print(f"CQO home page median {statistics.median(home):.1f} ms: {verdict} the target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
