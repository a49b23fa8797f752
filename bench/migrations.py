#!/usr/bin/env python3
"""Benchmark: riskgate against squawk on the same PostgreSQL migrations, for speed and for
being right.

Not run in CI. Usage:
    cargo build --release
    python3 -m venv /tmp/venv-squawk && /tmp/venv-squawk/bin/pip install squawk-cli
    python3 bench/migrations.py [--files 1000] [--squawk /tmp/venv-squawk/bin/squawk]

It writes N migration files into a throwaway git repository (one commit on top of an empty
base), runs `riskgate audit --format json` over that range and `squawk --reporter json` over
the same files, each several times, and prints the median wall time, the time per file, what
each tool says per case, and per category both tools cover how many cases each gets right.

A case is right for a category when the tool reports that category exactly where the case
expects it (a finding riskgate marks mitigated counts as not reported, and so does a type change
riskgate reports at medium as a widening that rewrites nothing). The expectations are
PostgreSQL 11+ facts: `DEFAULT now()` is evaluated once and rewrites nothing, `varchar(n) →
text` and a longer `varchar` are catalog-only, a sequence rename is not a table rename.
"""
import argparse, json, os, statistics, subprocess, tempfile, time

# Categories both tools cover, and each tool's rules for them.
CATEGORIES = {
    "drop-column": ({"migration-drops-column"}, {"ban-drop-column"}),
    "drop-table": ({"migration-drops-table"}, {"ban-drop-table"}),
    "rename-column": ({"migration-renames-column"}, {"renaming-column"}),
    "rename-table": ({"migration-renames-table"}, {"renaming-table"}),
    "type-change": ({"migration-changes-column-type"}, {"changing-column-type"}),
    "index-lock": ({"migration-creates-index-without-concurrently"}, {"require-concurrent-index-creation"}),
    "required-column": ({"migration-adds-required-column"}, {"adding-required-field"}),
    "set-not-null": ({"migration-sets-not-null"}, {"adding-not-nullable-field"}),
    "constraint-lock": ({"migration-validates-constraint-inline"}, {"adding-foreign-key-constraint", "constraint-missing-not-valid"}),
    "volatile-default": ({"migration-adds-volatile-default"}, {"adding-field-with-default"}),
}

# riskgate reports these at medium as a hint when it finds no risk of their kind (a widening to
# text "rewrites nothing"); only at high do they claim the category.
HIGH_ONLY = {"migration-changes-column-type"}

# (name, sql, expected categories) — written for this benchmark, one statement pattern per
# case; the second half are the shapes real histories showed (issue #13).
CASES = [
    ("drop_column", "ALTER TABLE customers DROP COLUMN fax;", {"drop-column"}),
    ("drop_column_backed_up", "CREATE TABLE customers_fax_bak AS SELECT id, fax FROM customers;\nALTER TABLE customers DROP COLUMN fax;", set()),
    ("drop_column_fake_backup", "CREATE TABLE customers_bak (LIKE customers);\nALTER TABLE customers DROP COLUMN fax;", {"drop-column"}),
    ("drop_table", "DROP TABLE invoices_2019;", {"drop-table"}),
    ("drop_new_table", "CREATE TABLE scratch (id bigint);\nDROP TABLE scratch;", set()),
    ("index_plain", "CREATE INDEX orders_customer_idx ON orders (customer_id);", {"index-lock"}),
    ("index_concurrently", "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id);", set()),
    ("index_on_new_table", "CREATE TABLE t (id bigint);\nCREATE INDEX t_id ON t (id);", set()),
    ("add_required", "ALTER TABLE customers ADD COLUMN country text NOT NULL;", {"required-column"}),
    ("add_default_const", "ALTER TABLE customers ADD COLUMN kind text DEFAULT 'retail';", set()),
    ("rename_column", "ALTER TABLE customers RENAME COLUMN mail TO email;", {"rename-column"}),
    ("set_not_null", "ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;", {"set-not-null"}),
    ("set_not_null_safe", "ALTER TABLE orders ADD CONSTRAINT c CHECK (customer_id IS NOT NULL) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;\nALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;", set()),
    ("fk_inline", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id);", {"constraint-lock"}),
    ("fk_not_valid", "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;", set()),
    ("type_change", "ALTER TABLE orders ALTER COLUMN total TYPE numeric(10,2);", {"type-change"}),
    ("update_all", "UPDATE accounts SET plan = 'basic';", set()),
    ("delete_tautology", "DELETE FROM sessions WHERE 1 = 1;", set()),
    ("jsonb_set", "UPDATE users SET prefs = jsonb_set(prefs, '{theme}', '\"dark\"');", set()),
    ("json_key_removed", "UPDATE customers SET profile = profile - 'fax';", set()),
    ("comment_only", "-- DROP TABLE customers;\nSELECT 1;", set()),
    ("truncate", "TRUNCATE audit_events;", set()),
    # Shapes from real histories.
    ("add_default_now", "ALTER TABLE posts ADD COLUMN seen_at timestamptz DEFAULT now();", set()),
    ("add_default_random", "ALTER TABLE posts ADD COLUMN token uuid DEFAULT gen_random_uuid();", {"volatile-default"}),
    ("varchar_to_text", "ALTER TABLE posts ALTER COLUMN title TYPE text;", set(), "CREATE TABLE posts (id bigint PRIMARY KEY, title varchar(200));"),
    ("varchar_widened", "ALTER TABLE posts ALTER COLUMN title TYPE varchar(500);", set(), "CREATE TABLE posts (id bigint PRIMARY KEY, title varchar(200));"),
    ("timestamp_to_date", "ALTER TABLE posts ALTER COLUMN published TYPE date;", {"type-change"}),
    ("int_to_bigint", "ALTER TABLE votes ALTER COLUMN id TYPE bigint;", {"type-change"}),
    ("sequence_renamed", "ALTER SEQUENCE posts_id_seq RENAME TO articles_id_seq;", set()),
    ("sequence_renamed_by_alter_table", "ALTER TABLE posts_id_seq RENAME TO articles_id_seq;", set()),
    ("table_renamed", "ALTER TABLE posts RENAME TO articles;", {"rename-table"}),
    ("update_from_join", "UPDATE comment SET post_id = p.id FROM post p WHERE comment.legacy_post = p.legacy_id;", set()),
    ("delete_using", "DELETE FROM person p USING person q WHERE p.id > q.id AND p.name = q.name;", set()),
    ("cte_update", "WITH old AS (SELECT id FROM local_user WHERE theme = 'browser')\nUPDATE local_user SET theme = 'instance' FROM old WHERE local_user.id = old.id;", set()),
    ("filtered_update", "UPDATE local_user SET theme = 'instance' WHERE theme = 'browser';", set()),
    ("subset_backup_then_drop", "CREATE TABLE person_key_bak AS SELECT id, private_key FROM person WHERE local = true;\nALTER TABLE person DROP COLUMN private_key;", {"drop-column"}),
    ("drop_in_do_block", "DO $$\nBEGIN\n  ALTER TABLE person DROP COLUMN legacy;\nEND\n$$;", {"drop-column"}),
    ("unique_constraint", "ALTER TABLE person ADD CONSTRAINT person_email_key UNIQUE (email);", {"constraint-lock"}),
    ("index_if_not_exists_new", "CREATE TABLE tag (id bigint, name text);\nCREATE INDEX IF NOT EXISTS tag_name ON tag (name);", set()),
]


def run(cmd, cwd=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - t, p


def git(d, *args, env=None):
    subprocess.run(["git", *args], cwd=d, check=True, env=env, capture_output=True)


def per_case(riskgate, env):
    """Each case alone: its base migration (if any) committed first, then the case; riskgate
    checks the one commit, so no case sees another's tables or backups."""
    found = {}
    with tempfile.TemporaryDirectory() as d:
        git(d, "init", "-q", "-b", "main", ".")
        git(d, "commit", "-q", "--allow-empty", "-m", "base", env=env)
        os.makedirs(os.path.join(d, "db/migrations"))
        for i, case in enumerate(CASES):
            name, sql, _ = case[:3]
            git(d, "checkout", "-q", "--orphan", f"case{i}")
            git(d, "rm", "-rqf", "--ignore-unmatch", ".")
            os.makedirs(os.path.join(d, "db/migrations"), exist_ok=True)
            if len(case) > 3:
                with open(os.path.join(d, "db/migrations/00000_base.sql"), "w") as f:
                    f.write(case[3] + "\n")
            git(d, "add", "-A")
            git(d, "commit", "-q", "--allow-empty", "-m", "base", env=env)
            with open(os.path.join(d, f"db/migrations/00001_{name}.sql"), "w") as f:
                f.write(sql + "\n")
            git(d, "add", "-A")
            git(d, "commit", "-q", "-m", name, env=env)
            p = subprocess.run([riskgate, "-C", d, "check", "--base", "HEAD~1", "--head", "HEAD", "--format", "json", "--no-history"],
                               capture_output=True, text=True)
            marks = set()
            for f in json.loads(p.stdout)["findings"]:
                if f["analyzer"] == "migration":
                    hint = f["rule"] in HIGH_ONLY and f["severity"] not in ("high", "critical")
                    marks.add(f["rule"] + ("(mitigated)" if f["mitigated_by"] else "") + (f"@{f['severity']}" if hint else ""))
            found[name] = marks
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--riskgate", default="target/release/riskgate")
    ap.add_argument("--squawk", default="/tmp/venv-squawk/bin/squawk")
    a = ap.parse_args()
    riskgate = os.path.abspath(a.riskgate)
    env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@b", GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@b")
    # Speed: every case many times over, in one change.
    with tempfile.TemporaryDirectory() as d:
        git(d, "init", "-q", "-b", "main", ".")
        git(d, "commit", "-q", "--allow-empty", "-m", "base", env=env)
        os.makedirs(os.path.join(d, "db/migrations"))
        files = []
        for i in range(a.files):
            name, sql = CASES[i % len(CASES)][:2]
            path = f"db/migrations/{i:05d}_{name}.sql"
            with open(os.path.join(d, path), "w") as f:
                f.write(sql + "\n")
            files.append(path)
        git(d, "add", "-A")
        git(d, "commit", "-q", "-m", "migrations", env=env)
        rg_times, sq_times = [], []
        for _ in range(a.runs):  # interleaved, so both see the same machine state
            t, _ = run([riskgate, "-C", d, "audit", "--base", "HEAD~1", "--format", "json"])
            rg_times.append(t)
            if os.path.exists(a.squawk):
                t, _ = run([a.squawk, "--reporter", "json", "--pg-version=16"] + files, cwd=d)
                sq_times.append(t)
    med = lambda xs: statistics.median(xs) if xs else float("nan")
    print(f"{a.files} migration files, {a.runs} interleaved runs")
    print(f"riskgate: median {med(rg_times)*1000:.0f} ms, {med(rg_times)/a.files*1e6:.0f} µs/file")
    if sq_times:
        print(f"squawk:   median {med(sq_times)*1000:.0f} ms, {med(sq_times)/a.files*1e6:.0f} µs/file")
    # Being right: each case alone, for both tools.
    rg_by_case = per_case(riskgate, env)
    sq_by_case = {}
    have_squawk = os.path.exists(a.squawk)
    if have_squawk:
        with tempfile.TemporaryDirectory() as d:
            for case in CASES:
                name, sql = case[:2]
                path = os.path.join(d, f"{name}.sql")
                with open(path, "w") as f:
                    f.write(sql + "\n")
                p = subprocess.run([a.squawk, "--reporter", "json", "--pg-version=16", path], capture_output=True, text=True)
                sq_by_case[name] = {v.get("rule_name") for v in json.loads(p.stdout or "[]")}
    print("\n| case | riskgate | squawk |\n|---|---|---|")
    for case in CASES:
        name = case[0]
        print(f"| {name} | {', '.join(sorted(rg_by_case.get(name, []))) or '—'} | {', '.join(sorted(sq_by_case.get(name, []))) or '—'} |")
    print("\n| category | cases | riskgate right | squawk right | riskgate wrong on | squawk wrong on |\n|---|---|---|---|---|---|")
    all_rg = all_sq = total = 0
    for category, (rg_rules, sq_rules) in CATEGORIES.items():
        rg_right = sq_right = 0
        rg_wrong, sq_wrong = [], []
        for case in CASES:
            name, expected = case[0], case[2]
            want = category in expected
            rg_says = any(r in rg_rules for r in rg_by_case.get(name, set()))
            sq_says = any(r in sq_rules for r in sq_by_case.get(name, set()))
            rg_right += rg_says == want
            sq_right += sq_says == want
            if rg_says != want:
                rg_wrong.append(name)
            if sq_says != want:
                sq_wrong.append(name)
        all_rg, all_sq, total = all_rg + rg_right, all_sq + sq_right, total + len(CASES)
        sq = (str(sq_right), ", ".join(sq_wrong)) if have_squawk else ("–", "–")
        print(f"| {category} | {len(CASES)} | {rg_right} | {sq[0]} | {', '.join(rg_wrong)} | {sq[1]} |")
    print(f"| all | {total} | {all_rg} | {all_sq if have_squawk else '–'} | | |")

if __name__ == "__main__":
    main()
