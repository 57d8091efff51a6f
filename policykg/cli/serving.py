"""`policykg serve`: the API under the supervisor, with the derived index prepared by a process of its own."""

from __future__ import annotations

from typing import Any

import typer

from policykg.cli.common import out

#: the embedded buffer pool of a serving process unless POLICYKG_BUFFER_POOL_MB says otherwise
SERVE_BUFFER_POOL_MB = 192


def serve_api(host: str, port: int, workers: int = 1, access_log: bool = False) -> None:
    import os

    from policykg.api.serving import limit_malloc_arenas, prepare_in_background
    from policykg.settings import get_settings

    settings = get_settings()
    limit_malloc_arenas()
    # Arrow's own allocator (mimalloc or jemalloc) keeps what a large answer freed; the system's gives it
    # back, which holds down the memory of a worker that has served large neighbourhoods. Read when
    # pyarrow is first imported: here, before this process or its workers import it. An
    # ARROW_DEFAULT_MEMORY_POOL already set wins.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    if settings.backend == "embedded" and "buffer_pool_mb" not in settings.model_fields_set:
        # Serving reads key lookups and small expansions: a smaller buffer pool than loading needs
        # keeps a process's memory in bounds (each worker has its own pool).
        settings = get_settings(buffer_pool_mb=SERVE_BUFFER_POOL_MB)
        os.environ["POLICYKG_BUFFER_POOL_MB"] = str(SERVE_BUFFER_POOL_MB)  # for worker processes
    # The derived (matching / gaps) index is built, or found on disk, by a process of its own: the
    # serving processes wait for it (answering live meanwhile) and map what it wrote, one copy in memory
    # whatever the number of workers; the memory of building it goes back to the system when it ends.
    preparing = prepare_in_background(settings)
    if settings.backend == "embedded" and workers == 1:
        # one server opens the database read-write (the API's writes), which it cannot while the
        # preparing process has it open: it waits
        with out.status("preparing the matching / gaps index (policykg index)"):
            preparing.join()
    try:
        _run_uvicorn(host, port, workers, access_log)
    finally:
        if preparing.is_alive():
            preparing.terminate()
        preparing.join(30)


def _run_uvicorn(host: str, port: int, workers: int, access_log: bool) -> None:
    import os

    from policykg.api.serving import READ_ONLY_ENV, run_supervised

    # uvloop and httptools when installed (uvicorn[standard]); asyncio and h11 otherwise
    options: dict[str, Any] = {"host": host, "port": port, "log_level": "info", "access_log": access_log,
                               "loop": "auto", "http": "auto"}
    out.print(f"serving http://{host}:{port}/  (API docs at /docs, health at /api/health)"
              + (f" with {workers} worker processes" if workers > 1 else ""))
    # Each worker opens the backend itself. Several embedded workers open the database read-only, which
    # several processes may do at once (the API only reads); a single one opens it read-write.
    os.environ[READ_ONLY_ENV] = "1" if workers > 1 else "0"
    # even one worker runs under the supervisor, which starts another if it dies (a crash in the engine)
    run_supervised(workers, **options)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to serve on."),
    port: int = typer.Option(8000, help="Port to serve on."),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (embedded: each opens the database "
                                "read-only; nothing else may write to it meanwhile)."),
    access_log: bool = typer.Option(False, "--access-log/--no-access-log", help="Log every request (uvicorn)."),
) -> None:
    """Serve the JSON API (OpenAPI docs at /docs). The embedded buffer pool is 192 MiB per process unless
    POLICYKG_BUFFER_POOL_MB is set."""
    serve_api(host, port, workers, access_log)
