"""Baseline: DuckDB loads the UCI CSV, applies segstream's cleaning rules and
computes RFM per customer (no durable state, no model). Run by
bench/e2e/replay_bench.sh when `import duckdb` works; prints the customer count.
Usage: python3 duckdb_rfm.py FILE.csv.gz"""
import sys

import duckdb

path = sys.argv[1]
con = duckdb.connect()
rows = con.execute(
    f"""
    WITH raw AS (
      SELECT * FROM read_csv('{path}', header=true, encoding='latin-1', all_varchar=true)
    ), typed AS (
      SELECT DISTINCT InvoiceNo AS inv, StockCode AS code, Description AS descr,
             CAST(Quantity AS BIGINT) AS qty, strptime(InvoiceDate, '%m/%d/%Y %H:%M') AS ts,
             CAST(UnitPrice AS DECIMAL(18,3)) AS price, CustomerID AS cid, Country AS country
      FROM raw
      WHERE CustomerID IS NOT NULL AND CustomerID <> '' AND NOT starts_with(InvoiceNo, 'A')
        AND upper(StockCode) NOT IN ('POST','DOT','M','BANK CHARGES','AMAZONFEE','CRUK','D','PADS','B','S','C2')
        AND NOT starts_with(lower(StockCode), 'gift_')
        AND CAST(Quantity AS BIGINT) <> 0 AND CAST(UnitPrice AS DECIMAL(18,3)) > 0
    ), lines AS (
      SELECT *, (starts_with(inv, 'C') OR qty < 0) AS is_return FROM typed
    ), wm AS (SELECT max(ts) AS w FROM lines)
    SELECT cid,
           date_diff('minute', max(ts) FILTER (WHERE NOT is_return), (SELECT w FROM wm)) / 1440.0 AS recency_days,
           count(DISTINCT inv) FILTER (WHERE NOT is_return) AS frequency,
           sum(CASE WHEN is_return THEN -abs(qty) ELSE qty END * price) AS monetary
    FROM lines GROUP BY cid
    """
).fetchall()
print(len(rows), "customers")
