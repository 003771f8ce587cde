#!/usr/bin/env python3
"""Check budgie's offline structure against recorded API traffic, and refit its constants.

The recorded traffic is real requests with the API's own input-token figures, taken from
open-source projects' test cassettes (Mirascope, crewAI; MIT). For each distinct request that
can be counted offline (no server tools, no url/file sources) this runs
`budgie count --offline --json --explain` and compares with the recorded figure
(input + cache creation + cache read tokens).

It prints:
  - the accuracy per model and per feature: exact share, share within 1 %, median and worst
    error (`--markdown` prints the README's table);
  - for every structural constant of assets/models.json and every model, the value each
    request implies (the registry's value plus the request's residual over the times the
    count used the constant), so a constant that is wrong shows as a different mode;
  - the requests that are not exact, with their residual and source.
With `--write-fixture FILE` it also writes a small sample (one request per structure, the
smallest) for tests/estimate_recorded.rs.

Usage:
  cargo build --release
  python3 scripts/fit-structure.py [--data ../shared/data/recorded] [--budgie target/release/budgie]
"""

import argparse
import collections
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER_PREFIX = "server_or_builtin_tool"


def load_recorded(data_dir):
    """Distinct countable requests: (id, row, request, target)."""
    seen = {}
    for name in sorted(os.listdir(data_dir)):
        if not name.endswith(".jsonl"):
            continue
        with open(os.path.join(data_dir, name), encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                if row.get("endpoint") not in ("messages", "count_tokens"):
                    continue
                features = row.get("features", [])
                if any(f.startswith(SERVER_PREFIX) for f in features):
                    continue
                if any(m.get("source_type") in ("url", "file") for m in row.get("media", [])):
                    continue
                usage = row["usage"]
                target = (usage.get("input_tokens") or 0) + (
                    usage.get("cache_creation_input_tokens") or 0
                ) + (usage.get("cache_read_input_tokens") or 0)
                request = row["request"]
                key = hashlib.sha256(
                    json.dumps(request, sort_keys=True).encode()
                ).hexdigest()[:16]
                if key not in seen:
                    seen[key] = (key, row, request, target)
    return list(seen.values())


def run_budgie(budgie, items):
    """budgie's offline JSON line for each item, by id."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for key, _row, request, _target in items:
            path = os.path.join(tmp, key + ".json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(request, f)
            paths.append(path)
        env = dict(os.environ, BUDGIE_HOME=os.path.join(tmp, "home"))
        env.pop("ANTHROPIC_API_KEY", None)
        proc = subprocess.run(
            [budgie, "count", "--offline", "--json", "--explain", *paths],
            capture_output=True,
            text=True,
            env=env,
        )
        for line in proc.stdout.splitlines():
            result = json.loads(line)
            out[os.path.basename(result["file"])[:-5]] = result
    return out


def model_name(row):
    """The registry's id for the row's model (aliases and dated ids folded in)."""
    with open(os.path.join(ROOT, "assets", "models.json"), encoding="utf-8") as f:
        models = json.load(f)["models"]
    wanted = row["model"]
    for m in models:
        if wanted == m["id"] or wanted in m.get("aliases", []):
            return m["id"]
    return wanted


def features_of(row, request):
    """The features a request is reported under."""
    f = set()
    tags = row.get("features", [])
    if any(t.startswith("tools=") for t in tags):
        f.add("tools")
    if "multi_turn" in tags:
        f.add("multi-turn")
    if "block:tool_use" in tags:
        f.add("tool_use/tool_result")
    if any(t.startswith("thinking=enabled") for t in tags):
        f.add("thinking")
    if "block:image" in tags:
        f.add("images")
    if "block:document" in tags:
        f.add("PDFs")
    if "output_config" in tags or "output_format" in request or "output_config" in request:
        f.add("output format")
    if "cache_control" in tags:
        f.add("cache_control")
    if any(t.startswith("tool_choice=") for t in tags):
        f.add("tool_choice any/tool")
    if not f - {"cache_control"}:
        f.add("plain (one message, no tools)" if "multi_turn" not in tags else "plain")
    return f


def summarize(rows):
    n = len(rows)
    counted = [r for r in rows if r["pred"] is not None]
    exact = sum(1 for r in counted if r["pred"] == r["target"])
    within = sum(1 for r in counted if abs(r["pred"] - r["target"]) <= 0.01 * r["target"])
    errors = [abs(r["pred"] - r["target"]) / r["target"] * 100 for r in counted]
    return {
        "n": n,
        "exact": exact,
        "within": within,
        "median": statistics.median(errors) if errors else 0.0,
        "worst": max(errors) if errors else 0.0,
    }


def print_table(title, groups, markdown):
    if markdown:
        print(f"\n| {title} | requests | exact | within 1 % | median error | worst error |")
        print("|---|---|---|---|---|---|")
    else:
        print(f"\n{title}")
    for name, rows in groups:
        s = summarize(rows)
        exact = f"{s['exact']}/{s['n']} ({100 * s['exact'] / max(s['n'], 1):.0f} %)"
        within = f"{s['within']}/{s['n']} ({100 * s['within'] / max(s['n'], 1):.0f} %)"
        if markdown:
            print(f"| {name} | {s['n']} | {exact} | {within} | {s['median']:.2f} % | {s['worst']:.1f} % |")
        else:
            print(f"  {name:34s} n={s['n']:4d}  exact {exact:14s}  within 1% {within:14s}"
                  f"  median {s['median']:.2f}%  worst {s['worst']:.1f}%")


def registry_values(model_id):
    """{constant: value} as the registry gives them for a model (its own, else global)."""
    with open(os.path.join(ROOT, "assets", "models.json"), encoding="utf-8") as f:
        registry = json.load(f)
    values = {k: v["value"] for k, v in registry["constants"].items()}
    for m in registry["models"]:
        if model_id == m["id"] or model_id in m.get("aliases", []):
            values.update({k: v["value"] for k, v in m.get("constants", {}).items()})
    return values


def refit(rows):
    """For each model and constant: the value each request using it implies."""
    print("\nImplied constants (registry value, then implied value: requests)")
    by_model = collections.defaultdict(list)
    for r in rows:
        if r["pred"] is not None:
            by_model[r["model"]].append(r)
    for model, rs in sorted(by_model.items()):
        values = registry_values(model)
        implied = collections.defaultdict(collections.Counter)
        for r in rs:
            residual = r["target"] - r["pred"]
            for name, times in r["structure"].items():
                if times and residual % times == 0:
                    implied[name][values.get(name, 0) + residual // times] += 1
                elif times:
                    implied[name]["(not whole)"] += 1
        print(f"  {model}")
        for name, counter in sorted(implied.items()):
            spread = ", ".join(f"{v}: {c}" for v, c in counter.most_common(4))
            print(f"    {name:30s} {values.get(name)!s:>6}  →  {spread}")


def write_fixture(rows, path):
    """One request per (model, structure), the smallest, with its recorded figure."""
    best = {}
    for r in rows:
        key = (r["model"], tuple(sorted(r["structure"].items())), tuple(sorted(r["features"])))
        size = len(json.dumps(r["request"]))
        if size > 60_000:
            continue
        if key not in best or size < best[key][0]:
            best[key] = (size, r)
    with open(path, "w", encoding="utf-8") as f:
        for _size, r in sorted(best.values(), key=lambda x: x[1]["id"]):
            f.write(json.dumps({
                "id": r["id"],
                "source": r["source"],
                "model": r["model"],
                "input_tokens": r["target"],
                "request": r["request"],
            }, ensure_ascii=False) + "\n")
    print(f"\nwrote {len(best)} requests to {path}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data", "recorded"))
    parser.add_argument("--budgie", default=os.path.join(ROOT, "target", "release", "budgie"))
    parser.add_argument("--markdown", action="store_true", help="print the README table")
    parser.add_argument("--write-fixture", metavar="FILE")
    args = parser.parse_args()

    items = load_recorded(args.data)
    results = run_budgie(args.budgie, items)
    rows = []
    for key, row, request, target in items:
        result = results.get(key, {})
        rows.append({
            "id": key,
            "model": model_name(row),
            "source": row["source"],
            "request": request,
            "target": target,
            "pred": result.get("input_tokens"),
            "structure": result.get("structure", {}),
            "features": features_of(row, request),
            "error": result.get("error"),
        })

    print_table("model", sorted(
        ((m, [r for r in rows if r["model"] == m]) for m in {r["model"] for r in rows}),
        key=lambda g: -len(g[1])) + [("all", rows)], args.markdown)
    features = sorted({f for r in rows for f in r["features"]})
    print_table("feature", [(f, [r for r in rows if f in r["features"]]) for f in features],
                args.markdown)
    if not args.markdown:
        refit(rows)
        print("\nNot exact (residual = recorded − budgie):")
        for r in sorted(rows, key=lambda r: r["model"]):
            if r["pred"] != r["target"]:
                residual = None if r["pred"] is None else r["target"] - r["pred"]
                print(f"  {r['id']}  {r['model']:28s} recorded {r['target']:6d}  budgie {r['pred']}"
                      f"  residual {residual}  {r['source'].split(':')[-1]}")
                if r["error"]:
                    print(f"      error: {r['error']}")
    if args.write_fixture:
        write_fixture(rows, args.write_fixture)


if __name__ == "__main__":
    main()
