#!/usr/bin/env python3
"""Benchmark: riskgate against squawk on the same generated PostgreSQL migrations.

Not run in CI. Usage:
    cargo build --release
    python3 -m venv /tmp/venv-squawk && /tmp/venv-squawk/bin/pip install squawk-cli
    python3 bench/migrations.py [--files 1000] [--squawk /tmp/venv-squawk/bin/squawk]

It writes N migration files into a throwaway git repository (one commit on top of an empty
base), runs `riskgate audit --format json` over that range and `squawk --reporter json` over
the same files, each several times, and prints the median wall time, the time per file, and
where the two tools agree and differ per case.
"""
import argparse, json, os, statistics, subprocess, tempfile, time

# (name, sql, what riskgate should say, what squawk is expected to say) — written for this
# benchmark, one statement pattern per case.
CASES = [
    ("drop_column", "ALTER TABLE customers DROP COLUMN fax;"),
    ("drop_column_backed_up", "CREATE TABLE customers_fax_bak AS SELECT id, fax FROM customers;\nALTER TABLE customers DROP COLUMN fax;"),
    ("drop_column_fake_backup", "CREATE TABLE customers_bak (LIKE customers);\nALTER TABLE customers DROP COLUMN fax;"),
    ("drop_table", "DROP TABLE invoices_2019;"),
    ("drop_new_table", "CREATE TABLE scratch (id bigint);\nDROP TABLE scratch;"),
    ("index_plain", "CREATE INDEX orders_customer_idx ON orders (customer_id);"),
    ("index_concurrently", "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);"),
    ("index_on_new_table", "CREATE TABLE t (id bigint);\nCREATE INDEX t_id ON t (id);"),
    ("add_required", "ALTER TABLE customers ADD COLUMN country text NOT NULL;"),
    ("add_default_const", "ALTER TABLE customers ADD COLUMN kind text DEFAULT 'retail';"),
    ("rename_column", "ALTER TABLE customers RENAME COLUMN mail TO email;"),
    ("set_not_null", "ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;"),
    ("set_not_null_safe", "ALTER TABLE orders ADD CONSTRAINT c CHECK (customer_id IS NOT NULL) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;\nALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;"),
    ("fk_inline", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id);"),
    ("fk_not_valid", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;"),
    ("type_change", "ALTER TABLE orders ALTER COLUMN total TYPE numeric(10,2);"),
    ("update_all", "UPDATE accounts SET plan = 'basic';"),
    ("delete_tautology", "DELETE FROM sessions WHERE 1 = 1;"),
    ("jsonb_set", "UPDATE users SET prefs = jsonb_set(prefs, '{theme}', '\"dark\"');"),
    ("json_key_removed", "UPDATE customers SET profile = profile - 'fax';"),
    ("comment_only", "-- DROP TABLE customers;\nSELECT 1;"),
    ("truncate", "TRUNCATE audit_events;"),
]


def run(cmd, cwd=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - t, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--riskgate", default="target/release/riskgate")
    ap.add_argument("--squawk", default="/tmp/venv-squawk/bin/squawk")
    a = ap.parse_args()
    riskgate = os.path.abspath(a.riskgate)
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@b", GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@b")
        subprocess.run(["git", "init", "-q", "-b", "main", d], check=True)
        subprocess.run(["git", "commit", "-q", "--allow-empty", "-m", "base"], cwd=d, check=True, env=env)
        os.makedirs(os.path.join(d, "db/migrations"))
        files = []
        for i in range(a.files):
            name, sql = CASES[i % len(CASES)]
            path = f"db/migrations/{i:05d}_{name}.sql"
            with open(os.path.join(d, path), "w") as f:
                f.write(sql + "\n")
            files.append((path, name))
        subprocess.run(["git", "add", "-A"], cwd=d, check=True)
        subprocess.run(["git", "commit", "-q", "-m", "migrations"], cwd=d, check=True, env=env)
        rg_times, sq_times = [], []
        rg_out = sq_out = None
        for _ in range(a.runs):  # interleaved, so both see the same machine state
            t, p = run([riskgate, "-C", d, "audit", "--base", "HEAD~1", "--format", "json"])
            rg_times.append(t)
            rg_out = p.stdout
            if os.path.exists(a.squawk):
                t, p = run([a.squawk, "--reporter", "json", "--pg-version=16",
                            "--exclude=require-timeout-settings,prefer-robust-stmts,prefer-bigint-over-int,prefer-text-field,prefer-identity,prefer-timestamptz,prefer-bigint-over-smallint"]
                           + [f for f, _ in files], cwd=d)
                sq_times.append(t)
                sq_out = p.stdout
        rg = json.loads(rg_out)
        rg_by_case, sq_by_case = {}, {}
        name_of = dict(files)
        for f in rg["findings"]:
            if f["analyzer"] != "migration":
                continue
            mark = f["rule"] + ("(mitigated)" if f["mitigated_by"] else "")
            rg_by_case.setdefault(name_of[f["file"]], set()).add(mark)
        if sq_out:
            for v in json.loads(sq_out):
                path = v.get("file", "")
                sq_by_case.setdefault(name_of.get(path, path), set()).add(v.get("rule_name") or v.get("rule"))
        med = lambda xs: statistics.median(xs) if xs else float("nan")
        print(f"{a.files} migration files, {a.runs} interleaved runs")
        print(f"riskgate: median {med(rg_times)*1000:.0f} ms, {med(rg_times)/a.files*1e6:.0f} µs/file")
        if sq_times:
            print(f"squawk:   median {med(sq_times)*1000:.0f} ms, {med(sq_times)/a.files*1e6:.0f} µs/file")
        print("\n| case | riskgate | squawk |\n|---|---|---|")
        for name, _ in CASES:
            print(f"| {name} | {', '.join(sorted(rg_by_case.get(name, []))) or '—'} | {', '.join(sorted(sq_by_case.get(name, []))) or '—'} |")


if __name__ == "__main__":
    main()
