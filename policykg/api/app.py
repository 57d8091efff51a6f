"""The FastAPI app: JSON under ``/api``, one error shape, a thin layer over the backend.

Every error answers ``{"error": {"code": ..., "message": ..., "details": ...}}``.
Endpoints are plain ``def``: FastAPI runs them in its thread pool, and the backends are
thread-safe (a connection pool for Ladybug, one driver for Neo4j).

The per-request overhead is kept small: the request log is a plain ASGI middleware (Starlette's
``BaseHTTPMiddleware`` costs a task and a memory stream per request), and the large answers are
encoded straight to JSON bytes by :func:`json_response` (FastAPI's ``jsonable_encoder`` walks them in
Python first).
"""

from __future__ import annotations

import faulthandler
import logging
import os
import threading
import time
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from policykg import __version__
from policykg.analysis.derived.store import DerivedStore
from policykg.analysis.service import DerivedCache
from policykg.analysis.snapshot import SnapshotCache
from policykg.api import routes, routes_export, routes_viz
from policykg.api.serving import READ_ONLY_ENV, MemoryTrimmer, freeze_long_lived, tune_collector
from policykg.errors import BackendUnavailable, PolicyKGError
from policykg.settings import Settings, get_settings

log = logging.getLogger("policykg.api")


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


class RequestLog:
    """Logs ``METHOD path status time`` for each HTTP request at INFO on ``policykg.api`` (a pure ASGI
    middleware: nothing is done per request when that level is off)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            log.info("%s %s %s %.1fms", scope["method"], scope["path"], status, (time.perf_counter() - start) * 1000)


class BackendHolder:
    """The app's backend, opened lazily: if the database is down at start-up or later, requests
    answer 503 and the next request after it returns reopens it (at most one try per second)."""

    RETRY_SECONDS = 1.0

    def __init__(self, settings: Settings, backend: Any = None, *, read_only: bool = False) -> None:
        self.settings = settings
        self.read_only = read_only
        self._backend = backend
        self._own = backend is None
        self._lock = threading.Lock()
        self._last_try = 0.0
        self._last_error: BackendUnavailable | None = None

    def opened(self) -> Any:
        """The backend if it is open, else None (nothing is tried)."""
        return self._backend

    def get(self) -> Any:
        if self._backend is not None:
            return self._backend
        with self._lock:
            if self._backend is None:
                now = time.monotonic()
                if self._last_error is not None and now - self._last_try < self.RETRY_SECONDS:
                    raise self._last_error
                self._last_try = now
                from policykg.graph import open_backend

                try:
                    if self.read_only and self.settings.backend == "embedded":
                        # several serving processes may open one Ladybug database read-only
                        self._backend = open_backend(self.settings, apply_schema=False, read_only=True)
                    else:
                        self._backend = open_backend(self.settings)
                    self._last_error = None
                except BackendUnavailable as exc:
                    self._last_error = exc
                    raise
        return self._backend

    def close(self) -> None:
        if self._own and self._backend is not None:
            self._backend.close()
            self._backend = None


def create_app(settings: Settings | None = None, backend: Any = None, *, read_only: bool = False,
               trim_memory: bool = False) -> FastAPI:
    """Make the app. ``backend`` may be given (tests, the demo); otherwise it is opened at start-up,
    or at the first request once the database answers (``read_only``: the embedded database is opened
    read-only, as several worker processes can share it; the API only reads). ``trim_memory``: the
    process serves this app alone (``policykg serve``): give freed memory back when idle, and keep what lives as long as the process out of the collector's sight
    (:class:`~policykg.api.serving.MemoryTrimmer`)."""
    settings = settings or get_settings()
    holder = BackendHolder(settings, backend, read_only=read_only)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # the matching / gaps index: built in the background per data version, kept on disk and shared
        # by the serving processes (read by the others, and after a restart, instead of rebuilt)
        app.state.derived = DerivedCache(store=DerivedStore(settings.derived_path),
                                         on_ready=freeze_long_lived if trim_memory else None)
        app.state.snapshots = SnapshotCache()
        try:
            backend = holder.get()
            app.state.derived.start(backend)
            # today's measures, read now so that no request pays for reading them
            app.state.snapshots.get(backend)
        except BackendUnavailable as exc:
            log.warning("backend not available at start-up: %s", exc.message)
        except PolicyKGError as exc:  # read again by the first request that needs it
            log.warning("policy snapshot not read at start-up: %s", exc)
        try:
            yield
        finally:
            app.state.derived.stop()  # before the backend closes
            opened = holder.opened()
            if opened is not None:
                await opened.aclose()  # what it holds for this event loop (Neo4j's asynchronous driver)
            holder.close()

    app = FastAPI(
        title="policykg",
        version=__version__,
        description="A knowledge graph of industrial policies, enterprises and funds. "
        "Every list answers {items, total, limit, offset}; every error answers {error: {code, message, details}}.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.backends = holder
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"])

    app.add_middleware(RequestLog)
    if trim_memory:
        app.add_middleware(MemoryTrimmer)

    @app.exception_handler(PolicyKGError)
    async def _policykg_error(request: Request, exc: PolicyKGError) -> JSONResponse:
        return JSONResponse(error_body(exc.code, exc.message, exc.details or None), status_code=exc.http_status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"loc": list(e.get("loc", [])), "msg": e.get("msg")} for e in exc.errors()]
        return JSONResponse(error_body("invalid_request", "the request is not valid", details), status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        return JSONResponse(error_body("internal_error", "unexpected server error"), status_code=500)

    app.include_router(routes.router, prefix="/api")
    app.include_router(routes_export.router, prefix="/api")
    app.include_router(routes_viz.router)
    return app


def create_worker_app() -> FastAPI:
    """The app of one ``policykg serve`` worker process (a uvicorn factory)."""
    # a crash in native code (an engine) prints the threads' Python stacks to stderr before the worker dies
    faulthandler.enable()
    tune_collector()
    return create_app(read_only=os.environ.get(READ_ONLY_ENV) == "1", trim_memory=True)
