"""The environment of a benchmark that runs Celery workers of its own (the audit's, the what-if's),
set before Django starts: import and call `prepare()` before `django.setup()`.

Without DATABASE_URL the bench works on a temporary SQLite file, tasks in-process (no broker);
with it, on a throwaway database of that server, and its workers take their tasks from a Redis
database of the bench's own (`broker_db`), so no other worker takes them. No Django imports here.
"""

import os
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


class Environment(NamedTuple):
    workdir: Path  # the bench's scratch files (removed by the bench when it ends)
    sqlite: bool  # a temporary SQLite file: one writer, tasks in-process


def prepare(prefix: str, broker_db: int) -> Environment:
    """Run from the repository root with the test settings, on SQLite or the configured server."""
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    sqlite = not os.environ.get("DATABASE_URL")
    if sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
        os.environ.pop("CELERY_BROKER_URL", None)
    elif os.environ.get("CELERY_BROKER_URL"):
        parts = urlsplit(os.environ["CELERY_BROKER_URL"])
        os.environ["CELERY_BROKER_URL"] = urlunsplit(parts._replace(path=f"/{broker_db}"))
    os.environ.pop("CELERY_RESULT_BACKEND", None)
    return Environment(workdir, sqlite)


def size(variable: str, default: int) -> int:
    """How many claim lines: the first argument, else the variable, else the default ("1,000,000"
    and "1_000_000" read as 1000000)."""
    raw = sys.argv[1] if len(sys.argv) > 1 else os.environ.get(variable, "")
    return int(raw.replace(",", "").replace("_", "")) if raw else default
