"""Alembic environment of the bare host: online upgrades through Flask-Migrate."""
from alembic import context
from flask import current_app
from flask_appbuilder import Model

engine = current_app.extensions["migrate"].db.engine
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Model.metadata)
    with context.begin_transaction():
        context.run_migrations()
