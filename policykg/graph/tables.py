"""Arrow tables checked against the schema by column, before a bulk write (:meth:`Backend.write_tables`)."""

from __future__ import annotations

from typing import Any

from policykg.errors import ValidationError
from policykg.graph.types import arrow_type


def conform_table(table: Any, props: list[Any], what: str, ends: bool = False) -> Any:
    """An Arrow table with exactly ``props`` (schema order, schema types; ``from``/``to`` first for
    relationships): validated by column, not by row. Undeclared columns, a column that cannot be
    read as its property's type, a null in a required property or an empty endpoint raise
    :class:`ValidationError`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = {p.name for p in props} | ({"from", "to"} if ends else set())
    unknown = sorted(set(table.column_names) - names)
    if unknown:
        raise ValidationError(f"{what}: undeclared properties {unknown}", field=unknown[0])
    n = table.num_rows
    arrays, out_names = [], []
    if ends:
        for end in ("from", "to"):
            if end not in table.column_names:
                raise ValidationError(f"{what}: missing endpoint {end!r}", field=end)
            col = table[end].cast(pa.string())
            if col.null_count or pc.any(pc.equal(col, "")).as_py():
                raise ValidationError(f"{what}: missing endpoint {end!r}", field=end)
            arrays.append(col)
            out_names.append(end)
    for p in props:
        typ = arrow_type(p.type)
        if p.name in table.column_names:
            col = table[p.name]
            if col.type != typ:
                try:
                    col = col.cast(typ)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise ValidationError(f"{what}: property {p.name!r}: {exc}", field=p.name) from None
        else:
            col = pa.nulls(n, typ)
        if p.required and (col.null_count or (p.type == "string" and n and pc.any(pc.equal(col, "")).as_py())):
            raise ValidationError(f"{what}: required property {p.name!r} is missing", field=p.name)
        arrays.append(col)
        out_names.append(p.name)
    return pa.Table.from_arrays(arrays, names=out_names)


def unique_keys(table: Any, cols: list[str], what: str) -> None:
    """Raise ValidationError unless the rows of ``table`` are unique by ``cols`` (a bulk write applies
    each key once)."""
    import pyarrow.compute as pc

    if table.num_rows < 2:
        return
    if len(cols) == 1:
        distinct = pc.count_distinct(table[cols[0]]).as_py()
    else:
        distinct = pc.count_distinct(pc.binary_join_element_wise(*[table[c] for c in cols], "\x1f")).as_py()
    if distinct != table.num_rows:
        raise ValidationError(f"{what}: {table.num_rows - distinct} rows repeat a key ({', '.join(cols)})",
                              field=cols[0])
