"""Exact-key baseline: the same checks in an in-process SQL engine (DuckDB), joining on
ids, ID numbers and names exactly as written. It sets the speed fundaudit must match,
and shows where exact keys are wrong (bank spellings, homophones, ID typos, death lists
without ID numbers).

    pip install duckdb
    python3 bench/sql_baseline.py DATA_DIR [AS_OF] [--no-truth]

Prints wall time of loading plus all checks, and, when DATA_DIR has truth.csv (and
--no-truth is not given: scoring is plain Python, minutes at a million beneficiaries),
recall and precision of the three checks that depend on identity.
"""
import csv
import sys
import time

import duckdb

args = [a for a in sys.argv[1:] if a != "--no-truth"]
data = args[0]
as_of = args[1] if len(args) > 1 else "2026-03-31"
deadline = {"耕地地力保护补贴": 30, "低保金": 15, "特困供养金": 15, "残疾人两项补贴": 20, "高龄津贴": 20, "危房改造补助": 60}
grace = 5

t0 = time.perf_counter()
con = duckdb.connect()
for table in ["beneficiaries", "allocations", "payments", "deaths", "officials"]:
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{data}/{table}.csv', header=true, all_varchar=true)")
con.execute("CREATE TABLE deadline(program VARCHAR, days INTEGER)")
con.executemany("INSERT INTO deadline VALUES (?, ?)", list(deadline.items()))
con.execute("""
CREATE TABLE a AS SELECT allocation_id, program, period, beneficiary_id, CAST(amount AS DECIMAL(18,2)) amount,
    coalesce(CAST(due_date AS DATE), CAST(funds_received_date AS DATE) + coalesce(d.days, 30)) due
  FROM allocations LEFT JOIN deadline d USING (program)""")
con.execute("""
CREATE TABLE p AS SELECT payment_id, allocation_id, beneficiary_id, payee_name, payee_account,
    CAST(amount AS DECIMAL(18,2)) amount, CAST(paid_date AS DATE) paid FROM payments""")
con.execute("""
CREATE TABLE s AS SELECT allocation_id, count(*) n, sum(amount) paid, max(paid) last FROM p GROUP BY allocation_id""")
con.execute("""
CREATE TABLE lp AS SELECT p.*, coalesce(a.beneficiary_id, p.beneficiary_id) ben, a.program, a.period,
    a.allocation_id IS NOT NULL found FROM p LEFT JOIN a USING (allocation_id)""")
checks = {
    "DELAY_LATE": f"SELECT a.allocation_id FROM a JOIN s USING (allocation_id) WHERE s.last > a.due + {grace}",
    "DELAY_UNPAID": f"SELECT a.allocation_id FROM a ANTI JOIN s USING (allocation_id) WHERE DATE '{as_of}' > a.due + {grace}",
    "PARTIAL_SHORT": "SELECT a.allocation_id FROM a JOIN s USING (allocation_id) WHERE s.paid < a.amount",
    "DUP_ALLOCATION": "SELECT a.allocation_id FROM a JOIN s USING (allocation_id) WHERE s.n > 1 AND s.paid > a.amount",
    "DUP_PERSON_PERIOD": """SELECT string_agg(DISTINCT lp.allocation_id, ';') FROM lp JOIN beneficiaries b ON b.beneficiary_id = lp.ben
        WHERE lp.found GROUP BY b.id_number, lp.program, lp.period HAVING count(DISTINCT lp.allocation_id) > 1""",
    "GHOST_UNREGISTERED": "SELECT DISTINCT lp.ben FROM lp ANTI JOIN beneficiaries b ON b.beneficiary_id = lp.ben WHERE lp.ben IS NOT NULL",
    "GHOST_DECEASED": """SELECT DISTINCT b.beneficiary_id FROM lp JOIN beneficiaries b ON b.beneficiary_id = lp.ben
        LEFT JOIN deaths d ON d.id_number = b.id_number
        WHERE lp.paid > least(CAST(b.death_date AS DATE), CAST(d.death_date AS DATE))""",
    "GHOST_INVALID_ID": "SELECT beneficiary_id FROM beneficiaries WHERE length(id_number) <> 18",
    "DIV_PAYEE_MISMATCH": """SELECT string_agg(lp.payment_id, ';') FROM lp JOIN beneficiaries b ON b.beneficiary_id = lp.ben
        WHERE lp.payee_name <> b.name GROUP BY b.beneficiary_id""",
    "DIV_OFFICIAL": """SELECT DISTINCT lp.payment_id FROM lp JOIN beneficiaries b ON b.beneficiary_id = lp.ben
        WHERE b.id_number IN (SELECT id_number FROM officials) OR lp.payee_name IN (SELECT name FROM officials)""",
    "DIV_SHARED_ACCOUNT": "SELECT payee_account FROM lp GROUP BY payee_account HAVING count(DISTINCT ben) >= 3",
    "DIV_NO_ALLOCATION": "SELECT payment_id FROM lp WHERE NOT found",
}
results = {rule: [r[0] for r in con.execute(sql).fetchall()] for rule, sql in checks.items()}
wall = time.perf_counter() - t0
print(f"exact-key SQL (DuckDB {duckdb.__version__}): {wall:.2f} s wall for load + {len(checks)} checks")
for rule, rows in results.items():
    print(f"  {rule:<20} {len(rows):>7} rows")

if "--no-truth" in sys.argv:
    sys.exit(0)
try:
    truth = list(csv.DictReader(open(f"{data}/truth.csv", encoding="utf-8-sig")))
except FileNotFoundError:
    sys.exit(0)
print("identity-dependent checks against truth.csv (exact keys):")
for rule, kind in [("DUP_PERSON_PERIOD", "allocation"), ("GHOST_DECEASED", "beneficiary"), ("DIV_PAYEE_MISMATCH", "payment")]:
    planted = [set(t["ids"].split(";")) for t in truth if t["rule"] == rule]
    planted_ids = set().union(*planted) if planted else set()
    found = [set((r or "").split(";")) for r in results[rule]]
    recall = sum(1 for t in planted if any(t & f for f in found)) / max(1, len(planted))
    precision = sum(1 for f in found if f & planted_ids) / max(1, len(found))
    print(f"  {rule:<20} recall {recall:.3f}  precision {precision:.3f}  ({len(found)} flagged, {len(planted)} planted)")
