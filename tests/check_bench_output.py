#!/usr/bin/env python3
"""Runs `adastride bench --quick` and checks what it writes: the JSON
against the schema in docs/bench.md, the CSV's columns, and that the chart
is a PNG. Not a timing test: only that the run completes with valid files.

usage: check_bench_output.py ADASTRIDE_TOOL OUTPUT_DIR"""
import csv
import json
import math
import os
import subprocess
import sys

CSV_COLUMNS = ["device", "driver", "workload", "network", "variant", "pass", "path", "median_ms",
               "min_ms", "max_ms", "gflops", "gbs", "fraction_of_peak", "ratio_vs_fixed"]
DEVICE_KEYS = {"device": str, "driver": str, "fma_gflops": float, "copy_gbs": float,
               "build_cold_ms": float, "build_cached_ms": float}
RESULT_KEYS = {"device": str, "driver": str, "workload": str, "network": str, "variant": str,
               "pass": str, "path": str, "times_ms": dict, "figures": dict}
TIME_KEYS = ["median", "min", "max"]
FIGURE_KEYS = ["gflops", "gbs", "fraction_of_peak", "ratio_vs_fixed"]


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check_number(where, v, positive=False):
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        fail(f"{where} is not a finite number: {v!r}")
    if v < 0 or (positive and v <= 0):
        fail(f"{where} is {v}, expected {'> 0' if positive else '>= 0'}")


def check_json(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("schema") != "adastride-bench/1":
        fail(f"schema is {doc.get('schema')!r}")
    if not doc["devices"]:
        fail("no devices")
    for d in doc["devices"]:
        for k, t in DEVICE_KEYS.items():
            if t is float:
                check_number(f"devices.{k}", d[k], positive=True)
            elif not isinstance(d[k], t) or not d[k]:
                fail(f"devices.{k} is {d.get(k)!r}")
    results = doc["results"]
    if not results:
        fail("no results")
    for r in results:
        for k, t in RESULT_KEYS.items():
            if not isinstance(r.get(k), t):
                fail(f"results.{k} is {r.get(k)!r}")
        if r["variant"] not in ("fixed", "separable", "grid"):
            fail(f"variant {r['variant']!r}")
        if r["pass"] not in ("forward", "fwd+bwd"):
            fail(f"pass {r['pass']!r}")
        t = r["times_ms"]
        for k in TIME_KEYS:
            check_number(f"times_ms.{k}", t[k], positive=True)
        if not t["min"] <= t["median"] <= t["max"]:
            fail(f"times out of order: {t}")
        for k in FIGURE_KEYS:
            check_number(f"figures.{k}", r["figures"][k])
        if r["variant"] == "fixed" and abs(r["figures"]["ratio_vs_fixed"] - 1) > 1e-9:
            fail("the fixed variant's ratio is not 1")
    variants = {(r["workload"], r["variant"], r["pass"]) for r in results}
    for w in {r["workload"] for r in results}:
        for p in ("forward", "fwd+bwd"):
            for v in ("fixed", "separable"):
                if (w, v, p) not in variants:
                    fail(f"{w}: no {v} {p} row")
    return len(results)


def check_csv(path, n_json):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if rows[0] != CSV_COLUMNS:
        fail(f"CSV columns {rows[0]}")
    if len(rows) - 1 != n_json:
        fail(f"CSV has {len(rows) - 1} rows, JSON {n_json}")
    for row in rows[1:]:
        if len(row) != len(CSV_COLUMNS):
            fail(f"CSV row of {len(row)} fields")
        for v in row[7:]:
            check_number("CSV figure", float(v))


def main():
    tool, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    paths = {k: os.path.join(out, "b." + k) for k in ("csv", "json", "png")}
    for p in paths.values():
        if os.path.exists(p):
            os.remove(p)
    cmd = [tool, "bench", "--quick", "--csv", paths["csv"], "--json", paths["json"],
           "--plot", paths["png"]]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    print(run.stdout)
    if run.returncode != 0:
        fail(f"{' '.join(cmd)} exited {run.returncode}: {run.stderr[-2000:]}")
    n = check_json(paths["json"])
    check_csv(paths["csv"], n)
    with open(paths["png"], "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            fail("the chart is not a PNG")
    print(f"bench output valid: {n} results")


if __name__ == "__main__":
    main()
