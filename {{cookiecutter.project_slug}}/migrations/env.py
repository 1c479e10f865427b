{% from "variant.jinja" import is_async, is_sqlite, slug with context %}
"""Alembic environment: the URL comes from the app's settings, the schema from its models.

`alembic upgrade head` connects with the app's own engine factory (same driver and
connection setup as the service). Code that already holds a connection, such as the
test suite, can pass it in ``config.attributes["connection"]``.
"""

{% if is_async %}
import asyncio
{% endif %}
from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from {{ slug }}.config import get_settings
from {{ slug }}.db import create_db_engine
from {{ slug }}.models import Base

config = context.config
# Programs that run migrations in-process (the tests) keep their own logging setup.
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit the SQL instead of running it (`alembic upgrade head --sql`)."""
    context.configure(
        url=get_settings().database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
{% if is_sqlite %}
        render_as_batch=True,
{% endif %}
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations(connection: Connection) -> None:
{% if is_sqlite %}
    # Batch mode rebuilds tables for the ALTERs that SQLite cannot do in place.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
{% else %}
    context.configure(connection=connection, target_metadata=target_metadata)
{% endif %}
    with context.begin_transaction():
        context.run_migrations()
{% if is_async %}


async def run_migrations_online() -> None:
    engine = create_db_engine(get_settings())
    async with engine.connect() as connection:
        await connection.run_sync(run_migrations)
    await engine.dispose()
{% endif %}


if context.is_offline_mode():
    run_migrations_offline()
elif (connection := config.attributes.get("connection")) is not None:
    run_migrations(connection)
else:
{% if is_async %}
    asyncio.run(run_migrations_online())
{% else %}
    engine = create_db_engine(get_settings())
    with engine.connect() as connection:
        run_migrations(connection)
    engine.dispose()
{% endif %}
