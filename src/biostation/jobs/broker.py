"""Production job dispatch on a real queue: Dramatiq over RabbitMQ (or Redis).

The job row in the database stays the record of truth (state, progress, result); the broker only carries
job ids to worker processes, started with ``biostation worker`` (which runs Dramatiq's worker on this module).
A message lost by the broker is recovered by ``biostation worker --requeue``, which re-sends queued jobs.
Imported only when ``jobs_backend = "dramatiq"``.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import dramatiq

from ..config import load_config


def make_broker(url: str) -> Any:
    if url.startswith("redis://"):
        from dramatiq.brokers.redis import RedisBroker
        return RedisBroker(url=url)
    from dramatiq.brokers.rabbitmq import RabbitmqBroker
    return RabbitmqBroker(url=url)


dramatiq.set_broker(make_broker(load_config().broker_url))


@lru_cache(maxsize=1)
def _worker_station() -> Any:
    from ..station import Station
    return Station()


@dramatiq.actor(queue_name="biostation", max_retries=0, time_limit=24 * 3600 * 1000)
def run_job(job_id: int) -> None:
    _worker_station().jobs.run_one(job_id)
