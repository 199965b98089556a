"""Alembic environment: the connection and metadata come from the Flask application."""

from alembic import context

config = context.config
connection = config.attributes["connection"]
target_metadata = config.attributes["target_metadata"]
# When writing a revision for one branch, autogenerate compares only that branch's tables.
table_filter = config.attributes.get("table_filter")


def include_object(object_, name, type_, reflected, compare_to):
    if table_filter is None:
        return True
    table = object_ if type_ == "table" else getattr(object_, "table", None)
    return table is None or table_filter(table.name)


context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_object=include_object,
)

with context.begin_transaction():
    context.run_migrations()
