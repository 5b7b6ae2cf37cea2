"""The runtime: everything one process needs, wired from the configuration, started and stopped once.

It is the composition root: it builds the core services and every plugin's services into one typed
container (`self.services`, bot/services.py), binds each action and interceptor to the services it
declares, and hands the engine only what the engine uses.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any, Awaitable, Callable

from bot.action_api import actions_of, interceptors_of
from bot.cache import Cache, MemoryCache, RedisCache
from bot.crypto import FieldCipher, field_cipher
from bot.config import Config, ensure_secret_key
from bot.consultations.service import build_consultations
from bot.db import Database
from bot.engine import Engine, OutputChannel
from bot.flow_runner import FlowRunner
from bot.flow_loader import FlowSet, load_flows
from bot.jobs import Jobs
from bot.locks import Locks, MemoryLocks, RedisLocks
from bot.plugins import Plugin, load_plugins
from bot.pubsub import MemoryPubSub, PubSub, RedisPubSub
from bot.responses import Responses
from bot.services import Services
from bot.store import ConversationStore
from bot.supervision import AuditTrail
from bot.supervision.log_redaction import install as install_log_redaction
from nlu import Interpreter, load_interpreter

log = logging.getLogger("wenzhen.runtime")


class Runtime:
    """Config, database, cache, locks, pub/sub, jobs, NLU, flows and the engine of one process."""

    def __init__(self, config: Config, interpreter: Interpreter | None = None) -> None:
        self.config = config
        install_log_redaction()
        ensure_secret_key(config)
        self.plugins: list[Plugin] = load_plugins(config.plugins)
        self.db = Database(config.database_url)
        self.redis: Any = None
        self.redis_prefix = str(config.get("redis.prefix", "wenzhen:"))
        lock_timeout = float(config.get("engine.lock_timeout_seconds", 30))
        if config.redis_url:
            import redis.asyncio as aioredis

            self.redis = aioredis.from_url(config.redis_url, decode_responses=True)
            self.cache: Cache = RedisCache(self.redis, self.redis_prefix)
            self.locks: Any = RedisLocks(
                self.redis, self.redis_prefix, lock_timeout, float(config.get("engine.lock_lease_seconds", 1.5)),
                config.redis_url,
            )
            self.pubsub: Any = RedisPubSub(self.redis, self.redis_prefix)
        else:
            self.cache = MemoryCache()
            self.locks = MemoryLocks(lock_timeout)
            self.pubsub = MemoryPubSub()
        self.interpreter: Interpreter = interpreter or load_interpreter(
            config.resolve(config.get("nlu.model", "nlu/models/wenzhen.model")),
            float(config.get("nlu.threshold", 0.45)),
        )
        self.responses = Responses.load(
            [config.resolve(d) for d in config.get("flows.response_dirs", ["flows/responses"])]
        )
        registered = actions_of(config.plugins)
        self.flows = load_flows(config.resolve(config.get("flows.dir", "flows")), registered.keys(), self.responses.keys)
        # Filled below, once the plugins' services exist: the actions and interceptors need them, and
        # some of those services (consultations) need the engine.
        self.actions: dict[str, Any] = {}
        self.interceptors: list[Any] = []
        runner = FlowRunner(
            self.flows,
            self.actions,
            max_steps=int(config.get("engine.max_steps_per_turn", 2000)),
            reask_limit=int(config.get("engine.reask_limit", 2)),
            digression_limit=int(config.get("engine.digression_limit", 3)),
        )
        self.cipher = field_cipher(config)
        self.audit = AuditTrail(self.db)
        self.store = ConversationStore(self.db, self.cache, self.audit)
        if isinstance(self.locks, RedisLocks):  # a holder that takes a lock over fences the store first
            self.locks.fence = self.store.fence_lease
        self.engine = Engine(
            self.store, self.locks, self.interpreter, self.flows, self.responses, runner, self.interceptors,
            self.cipher, config.language,
        )
        self.jobs = Jobs(self.db, float(config.get("jobs.poll_seconds", 1.0)), config.get("jobs.lease_seconds"))
        self.services = self._services()
        self.jobs.bind_services(self.services)
        self.actions.update({name: self.services.bind(func) for name, func in registered.items()})
        self.interceptors.extend(replace(i, func=self.services.bind(i.func)) for i in interceptors_of(config.plugins))
        self._broker: Any = None
        self._receiver: asyncio.Task[None] | None = None
        self.started = False

    def _services(self) -> Services:
        """The core services, then every plugin's factories: each built once, at `start` (a broken one fails it)."""
        services = Services()
        core: list[tuple[type[Any], Any]] = [
            (Config, self.config), (Database, self.db), (Cache, self.cache), (Locks, self.locks),
            (PubSub, self.pubsub), (Interpreter, self.interpreter), (Responses, self.responses),
            (FlowSet, self.flows), (ConversationStore, self.store), (Engine, self.engine), (Jobs, self.jobs),
            (FieldCipher, self.cipher), (AuditTrail, self.audit),
        ]
        for kind, instance in core:
            services.add(kind, instance)
        # The edges (channels, routers) are built from the whole runtime; actions may not ask for it.
        services.add(Runtime, self, private=True)
        services.provide(build_consultations)  # the domain every channel and the handoff share
        for plugin in self.plugins:
            for factory in plugin.services:
                services.provide(factory)
        return services

    def key(self, name: str) -> str:
        """A Redis key in this deployment's namespace."""
        return self.redis_prefix + name

    def register_output(self, channel: str, output: OutputChannel) -> None:
        self.engine.register_output(channel, output)

    async def start(self, run_jobs: bool = True, upgrade: bool | None = None) -> None:
        """Migrate (embedded SQLite always; others when asked), start the broker, jobs and plugins.

        If any part fails, what was already started is stopped again before the error propagates.
        """
        self.started = True
        try:
            self.services.build_all()
            if upgrade or (upgrade is None and self.db.is_sqlite):
                await self.db.upgrade()
            await self._start_broker(run_jobs)
            if run_jobs:
                self.jobs.start()
            for plugin in self.plugins:
                for hook in plugin.on_start:
                    await hook(self)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        if not self.started:
            return
        for plugin in reversed(self.plugins):
            for hook in plugin.on_stop:
                try:
                    await hook(self)
                except Exception:
                    log.exception("plugin %s failed to stop cleanly", plugin.name)
        await self.jobs.stop()
        if self._receiver is not None:
            self._receiver.cancel()
            try:
                await self._receiver
            except (asyncio.CancelledError, Exception):
                pass
        if self._broker is not None:
            await self._broker.shutdown()
        await self.pubsub.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.db.close()
        self.started = False

    async def ready(self) -> dict[str, str]:
        """What /readyz reports: each dependency 'ok' or the reason it is not."""
        checks: dict[str, str] = {}
        try:
            await self.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {exc.__class__.__name__}"
        if self.redis is not None:
            try:
                await self.redis.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"error: {exc.__class__.__name__}"
        checks["nlu"] = "ok" if self.interpreter is not None else "not loaded"
        return checks

    async def _start_broker(self, listen: bool) -> None:
        """taskiq's Redis stream (acknowledged delivery) with REDIS_URL; embedded, jobs run as tasks
        of this event loop (what taskiq's InMemoryBroker did, without importing taskiq: ~11 MB)."""
        jobs = self.jobs
        if not self.config.redis_url:
            broker = InProcessBroker(jobs.execute)
            self._broker = broker
            jobs.bind(broker.kick)
            return
        from taskiq.api import run_receiver_task

        from bot.job_broker import ResilientStreamBroker

        stream = ResilientStreamBroker(
            self.config.redis_url, queue_name=self.key("jobs"), consumer_group_name=self.key("workers")
        )

        @stream.task(task_name="wenzhen.run_job")
        async def run_job(job_id: int) -> None:
            await jobs.execute(job_id)

        await stream.startup()
        self._broker = stream
        jobs.bind(run_job.kiq)
        if listen:
            self._receiver = asyncio.create_task(run_receiver_task(stream), name="wenzhen-taskiq")


class InProcessBroker:
    """The embedded broker: each job handed to it runs as a task of the event loop, at most
    `limit` at once; a job's own failure is logged (Jobs.execute already retries what fails)."""

    def __init__(self, execute: Callable[[int], Awaitable[None]], limit: int = 30) -> None:
        self._execute = execute
        self._limit = asyncio.Semaphore(limit)
        self._tasks: set[asyncio.Task[None]] = set()

    async def kick(self, job_id: int) -> None:
        task = asyncio.create_task(self._run(job_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job_id: int) -> None:
        async with self._limit:
            try:
                await self._execute(job_id)
            except Exception:
                logging.getLogger("wenzhen.jobs").exception("job %s could not be run", job_id)

    async def shutdown(self) -> None:
        """Nothing to close (taskiq's InMemoryBroker did not wait for its tasks either)."""
