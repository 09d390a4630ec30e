"""Operations migrations share: changing the values an enum column's CHECK constraint allows."""

from collections.abc import Iterable

from alembic import op


def replace_enum_check(table: str, column: str, enum_name: str, values: Iterable[str]) -> None:
    """Makes ``ck_<table>_<enum_name>`` allow exactly ``values`` (SQLite recreates the table)."""
    name = f"ck_{table}_{enum_name}"
    allowed = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    condition = f"{column} IN ({allowed})"
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.drop_constraint(op.f(name), type_="check")
            batch.create_check_constraint(op.f(name), condition)
    else:
        op.drop_constraint(op.f(name), table, type_="check")
        op.create_check_constraint(op.f(name), table, condition)
