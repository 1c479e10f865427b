{% from "variant.jinja" import is_async, is_pg, slug, await, sync_engine, has_alembic, has_auth with context %}
"""The FastAPI application: ``uvicorn {{ slug }}.main:app``."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

{% if not is_async %}
from anyio import to_thread
{% endif %}
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline

from . import __version__{{ ", schema_version" if has_alembic }}
from .config import Settings, get_settings
{% if is_async %}
from .connection_queue import ConnectionQueue
{% endif %}
from .db import create_db_engine
{% if not has_alembic %}
from .models import Base
{% endif %}
from .observability import configure_logging, observe_engine
{% if is_pg %}
from .replica import install_read_replica
{% endif %}
from .routes import {{ "auth, " if has_auth }}health, items, notes{{ ", users" if has_auth }}
from .sessions import DependencyOverrides, create_read_session_factory, create_session_factory
from .shutdown import drain_on_sigterm
from .stack import install_stack


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Open the connection pool at startup and close it at shutdown."""
    settings: Settings = app.state.settings
    engine = create_db_engine(settings)
    app.state.engine = engine
    observe_engine(app, engine{{ sync_engine }})
{% if is_async %}
    # Requests wait for the pool's connections in arrival order (see connection_queue.py).
    queue = ConnectionQueue(settings)
    app.state.session_factory = queue.sessions(create_session_factory(engine))
    app.state.read_session_factory = queue.sessions(create_read_session_factory(engine))
{% else %}
    app.state.session_factory = create_session_factory(engine)
    app.state.read_session_factory = create_read_session_factory(engine)
    # Sync handlers run in worker threads; size them above the connection pool.
    to_thread.current_default_thread_limiter().total_tokens = settings.thread_pool_size
{% endif %}
    try:
{% if has_alembic %}
        # The schema comes from migrations: run `alembic upgrade head` before starting.
        # Started without it, the app says so in the log and in /health.
        {{ await }}schema_version.check_at_startup(app)
{% elif is_async %}
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
{% else %}
        Base.metadata.create_all(engine)
{% endif %}
        with drain_on_sigterm(app, settings.shutdown_delay):
            yield
    finally:
        {{ await }}engine.dispose()


def operation_id(route: APIRoute) -> str:
    """Readable, stable operation ids such as ``items-create_item``: generated clients name functions after them."""
    return f"{route.tags[0]}-{route.name}" if route.tags else route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # FastAPIOffline serves /docs and /redoc with assets from the installed package, not a CDN.
    app = FastAPIOffline(
        title={{ cookiecutter.project_name | py_string }},
        version=__version__,
        debug=settings.debug,
        lifespan=lifespan,
        # Trailing-slash redirects come from errors.http_error, with a relative Location.
        redirect_slashes=False,
        generate_unique_id_function=operation_id,
        # The validator badge would fetch from swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.settings = settings
    app.state.shutting_down = False  # until SIGTERM (see shutdown.py)
    app.dependency_overrides = DependencyOverrides()
{% if is_pg %}
    install_read_replica(app)  # DATABASE_REPLICA_URL: reads on a streaming replica (see replica.py)
{% endif %}
    install_stack(app)  # the middleware and the exception handlers (see stack.py)
    app.include_router(health.router)
    app.include_router(items.router)
    app.include_router(notes.router){{ "\n    app.include_router(auth.router)\n    app.include_router(users.router)" if has_auth }}
    return app


configure_logging(get_settings())
# Python collects its youngest objects after every 700 new ones, and with many requests in
# flight each collection walks all of their live objects. After 10,000 instead, a request
# costs less CPU under load, for at most that many objects left waiting.
gc.set_threshold(10_000, 10, 10)
app = create_app()
