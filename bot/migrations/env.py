"""Alembic environment: always run with a connection handed in by `Database.upgrade`."""
from alembic import context

from bot.db import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `wenzhen db upgrade`, which supplies the connection")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
