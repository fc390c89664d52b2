#!/usr/bin/env python3
"""Turns the statements the service ran for one intake (PostgreSQL's log with
log_statement=all, between two markers) into a pgbench script that runs the same
statements with the same parameters, prepared (-M prepared), in the same transactions.

    replay.py LOG SEQUENCES SCRIPT DEFINES

SEQUENCES holds `table base` lines: the run moved each table's id sequence to its own
base, so an id a statement was given tells which table's new row it is. In the script an
INSERT that returns a new row's id stores it (`\\gset table_`) and later statements use it
(`:table_id`): each replayed intake makes its own household and application, as the
service's do. Every other parameter becomes a pgbench variable (`-D pN=value`, written to
DEFINES one per NUL-terminated entry), bound like the service binds it. Prints the number
of statements.
"""
import re
import sys

log_path, sequences_path, script_path, defines_path = sys.argv[1:5]
bases = {}
for line in open(sequences_path):
    if line.strip():
        table, base = line.split()
        bases[table] = int(base)
SPAN = 1_000_000

records = []  # (pid, kind, text)
for raw in open(log_path, encoding="utf-8", errors="replace"):
    m = re.match(r"^\|(\d+)\| (LOG|DETAIL|ERROR|STATEMENT|HINT|CONTEXT|WARNING|NOTICE):  (.*)", raw.rstrip("\n"))
    if m:
        records.append([m.group(1), m.group(2), m.group(3)])
    elif records:
        records[-1][2] += "\n" + raw.rstrip("\n")

start = next(i for i, r in enumerate(records) if "gt-capture-start" in r[2])
end = next(i for i, r in enumerate(records) if "gt-capture-end" in r[2])
marker_pid = records[start][0]
statements = []  # [sql, {n: literal or None}, how the service sent it]
for pid, kind, text in records[start + 1:end]:
    if pid == marker_pid:
        continue
    if kind == "LOG":
        m = re.match(r"^(execute [^:]*|statement): (.*)$", text, re.S)
        if m:
            statements.append([m.group(2).strip(), {}, m.group(1)])
    elif kind == "DETAIL" and text.startswith("parameters: ") and statements:
        params = {}
        for m in re.finditer(r"\$(\d+) = (NULL|'((?:[^']|'')*)')", text, re.S):
            params[int(m.group(1))] = None if m.group(2) == "NULL" else m.group(3).replace("''", "'")
        statements[-1][1] = params
    elif kind == "ERROR":
        sys.exit(f"the captured intake had an error: {text}")


def table_of(value):
    if value is None or not re.fullmatch(r"\d+", value):
        return None
    v = int(value)
    for table, base in bases.items():
        if base <= v < base + SPAN:
            return table
    return None


# The family a replayed intake enters must be a new one each time, as the service's are:
# the same name, phone and address every time would make the duplicate check of each
# replay find every earlier replay. These columns get a random part per replay.
FRESH = {
    ("households", "name"): "{v} || ' ' || :u3",
    ("households", "name_ko"): "{v} || chr(44032 + :u1) || chr(44032 + :u2)",
    ("households", "phone"): "'(213) ' || lpad((:u3)::text, 7, '0')",
    ("households", "address_line1"): "(:u3)::text || ' ' || {v}",
    ("household_members", "name"): "{v} || ' ' || :u3",
}


def fresh_columns(sql):
    """{parameter number: template} for the FRESH columns of an INSERT … VALUES (…)."""
    m = re.match(r'^INSERT INTO "(\w+)" \(([^)]*)\) VALUES \(([^)]*)\)', sql)
    if not m:
        return {}
    columns = [c.strip().strip('"') for c in m.group(2).split(",")]
    values = [v.strip() for v in m.group(3).split(",")]
    found = {}
    for column, value in zip(columns, values):
        template = FRESH.get((m.group(1), column))
        if template and re.fullmatch(r"\$\d+", value):
            found[int(value[1:])] = template
    return found


defines = {}
seen_tables = set()
out = ["\\set u1 random(0, 11171)", "\\set u2 random(0, 11171)", "\\set u3 random(0, 9999999)"]
for sql, params, sent in statements:
    # The service's way: `execute sN` prepared once, `execute <unnamed>` planned each time.
    out.append(f"-- {sent}")
    fresh = fresh_columns(sql)

    def bind(m):
        n = int(m.group(1))
        if n in fresh and params.get(n):
            name = f"p{len(defines) + 1}"
            defines[name] = params[n]
            return "(" + fresh[n].format(v=f":{name}") + ")"
        value = params.get(n)
        if value is None:
            return "NULL"
        if value == "":
            return "''"  # pgbench refuses an empty -D value
        table = table_of(value)
        if table is not None and table in seen_tables:
            return f":{table}_id"
        name = f"p{len(defines) + 1}"
        defines[name] = value
        return f":{name}"
    text = re.sub(r"\$(\d+)", bind, sql)
    m = re.match(r'^INSERT INTO "?(\w+)"?.*\bRETURNING\b(.*)$', text, re.S | re.I)
    if m and m.group(1) in bases and re.search(r'\bid"?\s*(,|$)', m.group(2)):
        seen_tables.add(m.group(1))
        out.append(f"{text} \\gset {m.group(1)}_")
    else:
        out.append(text.rstrip(";") + ";")

with open(script_path, "w") as f:
    f.write("-- One intake as the service ran it, captured by benches/intake.sh.\n")
    f.write("\n".join(out) + "\n")
with open(defines_path, "w") as f:
    for name, value in defines.items():
        f.write(f"{name}={value}\0")
print(len(statements))
