#!/usr/bin/env python3
"""Writes a git fast-import stream for bench/run: 10,000 commits on main over 2,000 files,
then the branches `push` (50 files) and `large` (about 3,000 files, 300,000 lines)."""
import random
import sys

random.seed(7)
out = sys.stdout.buffer
mark = 0


def blob(text):
    global mark
    mark += 1
    data = text.encode()
    out.write(b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data))
    return mark


def commit(branch, message, files, when, parent=None):
    global mark
    mark += 1
    msg = message.encode()
    out.write(b"commit refs/heads/%s\nmark :%d\ncommitter Bench <bench@example.com> %d +0000\ndata %d\n%s\n" % (branch.encode(), mark, when, len(msg), msg))
    if parent:
        out.write(b"from %s\n" % parent.encode())
    for path, text in files:
        data = text.encode()
        out.write(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
    out.write(b"\n")
    return mark


def rust(i, v):
    return (f"use serde::{{Deserialize, Serialize}};\n\n#[derive(Serialize, Deserialize)]\npub struct Item{i} {{\n    pub id: u64,\n    pub name: String,\n    pub v{v}: i32,\n}}\n\n"
            + "".join(f"pub fn f{i}_{k}(x: i32) -> i32 {{\n    x + {k + v}\n}}\n\n" for k in range(6)))


def python(i, v):
    return "".join(f"def g{i}_{k}(x):\n    return x + {k + v}\n\n\n" for k in range(6))


files = {}
for i in range(2000):
    kind = i % 4
    if kind == 0:
        files[f"src/m{i // 100}/item{i}.rs"] = lambda v, i=i: rust(i, v)
    elif kind == 1:
        files[f"app/p{i // 100}/mod{i}.py"] = lambda v, i=i: python(i, v)
    elif kind == 2:
        files[f"tests/fixtures/f{i}.json"] = lambda v, i=i: '{"id": %d, "name": "n%d", "tags": ["a", "b"], "v": %d}\n' % (i, i, v)
    else:
        files[f"db/migrations/{i:05d}_m.sql"] = lambda v, i=i: f"CREATE TABLE t{i} (id bigint, v int DEFAULT {v});\n"
paths = sorted(files)
when = 1_600_000_000
commit("main", "initial", [(p, files[p](0)) for p in paths], when)
for n in range(1, 10000):
    when += 600
    touched = random.sample(paths, random.randint(1, 3))
    msg = random.choice(["Change", "Tidy", "Fix bug in", "Refactor"]) + f" {touched[0]}"
    if n % 250 == 0:
        msg = f"Revert \"Change\"\n\nThis reverts commit {'%040x' % n}."
    commit("main", msg, [(p, files[p](n)) for p in touched], when)
main = ":%d" % mark

# push: 50 files, mixing migrations, Rust, JSON and Python.
push_files = []
for k, p in enumerate(paths[:200:4] if False else [p for p in paths][0:2000:40]):
    if p.endswith(".sql"):
        push_files.append((p, f"ALTER TABLE t{k} DROP COLUMN v;\nCREATE INDEX i{k} ON t{k} (id);\n"))
    elif p.endswith(".rs"):
        push_files.append((p, files[p](99999).replace("pub name: String", "pub title: String")))
    elif p.endswith(".json"):
        push_files.append((p, '{"id": "x", "name": null, "tags": "a"}\n'))
    else:
        push_files.append((p, files[p](99999)))
commit("push", "A typical push", push_files[:50], when + 600, parent=main)

# large: about 3,000 files and 300,000 changed lines.
big = []
for k in range(3000):
    p = f"gen/part{k // 100}/file{k}.py"
    big.append((p, "".join(f"def h{k}_{j}(x):\n    return x * {j}\n\n" for j in range(34))))
commit("large", "A large change", big, when + 1200, parent=main)
