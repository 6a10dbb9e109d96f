"""Background work that must not block a request: checksums, QC, indexing.

Jobs are rows in the station's database, so nothing queued is lost in a crash and progress is visible.
The embedded station runs them on a thread in the server process; in production ``biostation worker``
processes claim them with ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any number of workers
can run side by side.
"""
from __future__ import annotations

import logging
import threading
import traceback
from typing import Any, Callable

from sqlalchemy import func, select, update

from ..clock import now
from .models import Job

log = logging.getLogger("biostation.jobs")
HANDLERS: dict[str, Callable[[Any, dict, Callable[[float], None]], dict | None]] = {}
SUBSCRIBERS: dict[str, list[str]] = {}
MAX_ATTEMPTS = 3
# Domains whose tasks.py registers handlers or subscribes to events.
TASK_DOMAINS = ["datasets", "qc", "search", "access", "interop", "forms", "materials", "mileage",
                "stats"]


def handler(kind: str) -> Callable:
    """Register the function that runs jobs of one kind: fn(station, payload, progress) -> result dict."""
    def register(fn: Callable) -> Callable:
        HANDLERS[kind] = fn
        return fn
    return register


def subscribe(event: str) -> Callable:
    """Run fn as its own job whenever `event` is emitted (e.g. "dataset.published"); one failing
    subscriber does not hold up the others."""
    def register(fn: Callable) -> Callable:
        kind = f"{event}:{fn.__module__}.{fn.__name__}"
        HANDLERS[kind] = fn
        if kind not in SUBSCRIBERS.setdefault(event, []):
            SUBSCRIBERS[event].append(kind)
        return fn
    return register


class JobRunner:
    def __init__(self, station: Any):
        self.station = station
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def enqueue(self, uow: Any, kind: str, payload: dict, ref: str | None = None) -> None:
        """Queue inside the caller's transaction: the job exists only if the change it follows commits.
        ``ref`` names what the job works on (e.g. "file:12") so its state can be looked up."""
        job = Job(kind=kind, payload=payload, ref=ref)
        uow.session.add(job)
        if self.station.config.jobs_backend == "dramatiq":
            uow.session.flush()
            job_id = job.id
            uow.after_commit(lambda: self._send(job_id))
        else:
            uow.after_commit(self._wake.set)

    def enqueue_once(self, uow: Any, kind: str, payload: dict, ref: str) -> bool:
        """``enqueue`` unless a job with this ref is already waiting or running; True if one was queued."""
        waiting = uow.session.scalar(select(func.count()).select_from(Job).where(
            Job.ref == ref, Job.kind == kind, Job.state.in_(("queued", "running"))))
        if waiting:
            return False
        self.enqueue(uow, kind, payload, ref)
        return True

    def _send(self, job_id: int) -> None:
        from .broker import run_job
        run_job.send(job_id)

    def requeue(self) -> int:
        """Send every queued job to the broker again (after a broker loss); running a job twice is safe
        because a worker claims it in the database first."""
        with self.station.uow() as uow:
            ids = list(uow.session.scalars(select(Job.id).where(Job.state == "queued").order_by(Job.id)))
        for job_id in ids:
            self._send(job_id)
        return len(ids)

    def emit(self, uow: Any, event: str, payload: dict, ref: str | None = None) -> None:
        """Queue one job per subscriber of the event, in the caller's transaction."""
        load_handlers()
        for kind in SUBSCRIBERS.get(event, []):
            self.enqueue(uow, kind, payload, ref)

    def claim(self, job_id: int | None = None) -> int | None:
        """Mark one queued job running (the given one, or the oldest); None if there is none to take."""
        with self.station.uow() as uow:
            q = select(Job).where(Job.state == "queued").order_by(Job.id).limit(1)
            if job_id is not None:
                q = q.where(Job.id == job_id)
            if uow.session.get_bind().dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            job = uow.session.scalars(q).first()
            if job is None:
                return None
            job.state, job.started_at, job.attempts = "running", now(), job.attempts + 1
            return job.id

    def run_one(self, job_id: int | None = None) -> bool:
        """Run a queued job (the given one, or the oldest); False when there was none to run."""
        load_handlers()
        job_id = self.claim(job_id)
        if job_id is None:
            return False
        with self.station.uow() as uow:
            job = uow.session.get(Job, job_id)
            kind, payload, attempts = job.kind, dict(job.payload), job.attempts

        def progress(fraction: float) -> None:
            with self.station.uow() as puow:
                puow.session.execute(update(Job).where(Job.id == job_id).values(progress=float(fraction)))

        try:
            fn = HANDLERS[kind]
            result = fn(self.station, payload, progress) or {}
            values: dict[str, Any] = dict(state="done", progress=1.0, result=result, error=None)
        except Exception as exc:  # a failing job must not stop the worker
            log.exception("job %s (%s) failed", job_id, kind)
            retry = attempts < MAX_ATTEMPTS and not isinstance(exc, KeyError)
            values = dict(state="queued" if retry else "failed",
                          error="".join(traceback.format_exception_only(type(exc), exc)).strip())
        with self.station.uow() as uow:
            uow.session.execute(update(Job).where(Job.id == job_id).values(finished_at=now(), **values))
        if values["state"] == "queued" and self.station.config.jobs_backend == "dramatiq":
            self._send(job_id)
        return True

    def run_until_idle(self, limit: int = 10_000) -> int:
        done = 0
        while done < limit and self.run_one():
            done += 1
        return done

    def recover(self) -> None:
        """Jobs left 'running' by a crashed process go back to the queue."""
        with self.station.uow() as uow:
            uow.session.execute(update(Job).where(Job.state == "running").values(state="queued"))

    def start(self) -> None:
        if self._thread is not None:
            return
        self.recover()
        self._thread = threading.Thread(target=self._loop, name="biostation-jobs", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.run_one():
                    continue
            except Exception:
                log.exception("job runner error")
            self._wake.wait(2.0)
            self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


_loaded = False


def load_handlers() -> None:
    """Import the modules that register handlers (kept lazy so importing jobs stays cheap)."""
    global _loaded
    if _loaded:
        return
    import importlib
    import importlib.util
    for domain in TASK_DOMAINS:
        if importlib.util.find_spec(f"biostation.{domain}") and importlib.util.find_spec(f"biostation.{domain}.tasks"):
            importlib.import_module(f"biostation.{domain}.tasks")
    _loaded = True
