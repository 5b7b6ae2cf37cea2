"""The ASGI app factory: one FastAPI app per process, its runtime started in the lifespan."""
from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot import draining
from bot.config import Config, load_config
from bot.http_input import guard_request
from bot.db import WriterBusy
from bot.locks import LockTimeout
from bot.outages import install_outage_handlers
from bot.runtime import Runtime


def create_app(config: Config | None = None, runtime: Runtime | None = None) -> FastAPI:
    """Build the app; routes come from the core (health, metrics) and from every plugin."""
    runtime = runtime or Runtime(config or load_config())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        owned = not runtime.started
        if owned:
            await runtime.start()
        draining.install()
        try:
            yield
        finally:
            if owned:
                await runtime.stop()

    app = FastAPI(
        title="wenzhen 问诊",
        description="Chinese-language triage and consultation bot for internet hospitals",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.runtime = runtime

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> JSONResponse:
        """Readiness: database, Redis (when configured) and the NLU model."""
        checks = await runtime.ready()
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    async def metrics() -> PlainTextResponse:
        """Prometheus text format."""
        return PlainTextResponse(generate_latest().decode(), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(LockTimeout)
    @app.exception_handler(WriterBusy)  # embedded SQLite's writer stayed busy past the turn's retries
    async def busy(_: Request, exc: Exception) -> JSONResponse:
        # The conversation stayed busy past the lock timeout: nothing was stored, the sender may retry.
        return JSONResponse(
            {"error": "conversation busy", "reason": "上一条消息还在处理中，请稍后再发"},
            status_code=503,
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        # Never a traceback to a client; the log has it.
        import logging

        logging.getLogger("wenzhen.http").exception("unhandled error", exc_info=exc)
        return JSONResponse({"error": "internal error", "reason": "服务暂时出错，请稍后再试"}, status_code=500)

    install_outage_handlers(app)
    for plugin in runtime.plugins:
        for factory in plugin.routers:
            app.include_router(factory(runtime), dependencies=[Depends(guard_request)])
        for middleware in plugin.middleware:
            app.add_middleware(middleware, runtime=runtime)
    return app


def app_from_environment() -> FastAPI:
    """Factory for `uvicorn --factory` and several workers: configuration from WENZHEN_CONFIG and the environment."""
    return create_app(load_config())
