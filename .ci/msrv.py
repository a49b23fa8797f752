"""Checks that Cargo.toml's rust-version is at least what the locked dependencies declare.

Walks the normal (non-dev) dependency graph that `cargo metadata` resolves for this machine's
platform from the riskgate package, with default features, and compares the highest
`rust-version` found with the one riskgate declares.
"""
import json
import subprocess
import sys


def version(text):
    return tuple(int(p) for p in text.split("."))


meta = json.loads(subprocess.check_output(
    ["cargo", "metadata", "--locked", "--format-version", "1",
     "--filter-platform", subprocess.check_output(["rustc", "-vV"], text=True)
     .split("host: ")[1].split()[0]],
    text=True))
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
root = meta["resolve"]["root"]
seen, todo = set(), [root]
while todo:
    node = nodes[todo.pop()]
    for dep in node["deps"]:
        if any(k["kind"] is None for k in dep["dep_kinds"]) and dep["pkg"] not in seen:
            seen.add(dep["pkg"])
            todo.append(dep["pkg"])
needed = max(
    ((version(packages[p]["rust_version"]), packages[p]["name"]) for p in seen if packages[p].get("rust_version")),
    default=((0,), "none"),
)
declared = packages[root].get("rust_version") or "0"
if version(declared) < needed[0]:
    print(f"rust-version = {declared} in Cargo.toml, but {needed[1]} needs "
          f"{'.'.join(map(str, needed[0]))}: raise it (and the README)", file=sys.stderr)
    sys.exit(1)
print(f"rust-version {declared} covers every locked dependency (highest: {needed[1]}, "
      f"{'.'.join(map(str, needed[0]))})")
