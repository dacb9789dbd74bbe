"""Flask-AppBuilder's tables, made from FAB's models as installed

Labelled ``fab``: the add-on's branch depends on it.

Revision ID: bare_0001
Revises:
"""
from alembic import op
from flask_appbuilder import Model

revision = "bare_0001"
down_revision = None
branch_labels = ("fab",)
depends_on = None


def fab_tables():
    return [t for t in Model.metadata.sorted_tables if t.name.startswith("ab_")]


def upgrade():
    Model.metadata.create_all(op.get_bind(), tables=fab_tables())


def downgrade():
    Model.metadata.drop_all(op.get_bind(), tables=fab_tables())
