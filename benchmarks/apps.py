"""What the benchmark serves, as data: the rendered variants and the hand-written apps they are measured against:
how uvicorn starts each, its database and driver, and which minimal app a variant is compared with."""

import itertools
import json
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

RAW = "raw"
DRIVERS = {("postgresql", "async"): "postgresql+asyncpg", ("postgresql", "sync"): "postgresql+psycopg",
           ("sqlite", "async"): "sqlite+aiosqlite", ("sqlite", "sync"): "sqlite"}  # fmt: skip
METRICS_OFF = ("postgresql", "async")  # also served with metrics=none, for the observability layer's cost
WITHOUT_METRICS = " without metrics"  # that row's name after the variant's
# Served with two uvicorn workers on a primary and streaming standby of the harness's own, with and without
# DATABASE_REPLICA_URL: what sending the reads to the replica changes.
REPLICA_VARIANT = "postgresql/async"
TWO_WORKERS, WITH_REPLICA = " 2 workers", " 2 workers with replica"
# Also rendered with auth=jwt and served in its group: every request carries a bearer token (auth.py).
AUTH_VARIANT, WITH_AUTH = "postgresql/async", " with auth"


@dataclass(frozen=True)
class App:
    name: str  # row label in the report
    role: str  # "variant", "minimal", "floor", "tutorial", "overhead" (a variant with an option off), "auth",
    # "single database" or "replica"
    database: str  # "postgresql" | "sqlite"
    target: str  # the app's import string ({package}: a variant's rendered package)
    scheme: str  # the URL scheme (SQLAlchemy driver) it is given
    about: str = ""  # one line for the report
    factory: bool = False  # target is an app factory
    minimal: str | None = None  # a variant's minimal hand-written app
    answers: tuple[tuple[str, str], ...] = ()  # a variant's cookiecutter answers
    variant: str | None = None  # an overhead row's variant: the same project with the option on
    workers: int = 1  # uvicorn --workers
    # On the harness's own primary with a streaming standby: "idle" (the app uses the primary only) or
    # "reads" (DATABASE_REPLICA_URL: its read-only sessions go to the standby); None: on the PostgreSQL at PG_URL.
    standby: str | None = None
    baseline: str | None = None  # a replica or auth row's same app without it, served and measured beside it

    @property
    def label(self) -> str:
        return self.name.replace("/", "-").replace(" ", "-")

    @property
    def auth(self) -> bool:
        """Rendered with auth=jwt: its /items routes need a bearer token."""
        return ("auth", "jwt") in self.answers

    @property
    def group(self) -> str:
        """Apps of one group are served together and measured in turns."""
        return self.minimal or self.baseline or self.name


def all_apps(template: Path) -> list[App]:
    """In run order: the floors, each variant after its minimal app, the tutorial."""
    options = json.loads((template / "cookiecutter.json").read_text())
    apps = [
        App(RAW, "floor", "postgresql", "benchmarks.handwritten:raw", "postgresql",
            "Starlette + asyncpg, hand-written SQL", factory=True),
        App("fastapi+asyncpg", "floor", "postgresql", "benchmarks.handwritten:fastapi_asyncpg", "postgresql",
            "FastAPI + asyncpg, no ORM: the framework floor", factory=True),
    ]  # fmt: skip
    for database, mode in itertools.product(options["database"], options["session_mode"]):
        about = f"FastAPI + {mode} ORM, written the short way"
        minimal = App(f"minimal {database}/{mode}", "minimal", database, f"benchmarks.handwritten:minimal_{mode}",
                      DRIVERS[database, mode], about, factory=True)  # fmt: skip
        answers = (("database", database), ("session_mode", mode))
        variant = App(f"{database}/{mode}", "variant", database, "{package}.main:app", database,
                      "the rendered project", minimal=minimal.name, answers=answers)  # fmt: skip
        apps += [minimal, variant]
        if (database, mode) == METRICS_OFF:
            off = (*answers, ("metrics", "none"))
            about = "the rendered project, metrics=none"
            apps.append(replace(variant, name=variant.name + WITHOUT_METRICS, role="overhead", about=about,
                                answers=off, variant=variant.name))  # fmt: skip
        if variant.name == AUTH_VARIANT:
            with_auth = (*answers, ("auth", "jwt"))
            apps.append(replace(variant, name=variant.name + WITH_AUTH, role="auth", baseline=variant.name,
                                about="the rendered project, auth=jwt", answers=with_auth))  # fmt: skip
        if variant.name == REPLICA_VARIANT:
            single = replace(variant, name=variant.name + TWO_WORKERS, role="single database", minimal=None,
                             about="the rendered project, 2 workers, on the primary only", workers=2,
                             standby="idle")  # fmt: skip
            apps += [single, replace(single, name=variant.name + WITH_REPLICA, role="replica", baseline=single.name,
                                     about="the same, reads on the streaming replica", standby="reads")]  # fmt: skip
    return [*apps, App("naive tutorial", "tutorial", "postgresql", "benchmarks.naive_app:app", "postgresql+psycopg",
                       "the original FastAPI SQL tutorial's pattern")]  # fmt: skip


def render(template: Path, app: App, output_root: Path) -> Path:
    """Render a variant with the default answers otherwise (not the user's cookiecutter config), quietly."""
    output_dir = output_root / app.label
    answers = [f"{key}={value}" for key, value in app.answers]
    command = [sys.executable, "-m", "cookiecutter", str(template), "--no-input", "--default-config", "-o"]
    subprocess.run([*command, str(output_dir), *answers], check=True, capture_output=True, timeout=120)
    return next(output_dir.iterdir())
