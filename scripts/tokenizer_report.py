#!/usr/bin/env python3
"""Compare budgie's offline counts with ctok's recorded count_tokens values.

Usage: tokenizer_report.py FIXTURES_DIR SET COUNT_TEXTS_BINARY

For every family recorded for SET (v3, v4.7, v5 → claude-opus-4-5, -4-7, claude-opus-5), run
budgie's `count_texts` example on the texts and report exact matches and the largest error.
Frames and the Opus 5 trailing-whitespace rule are those of assets/models.json.
"""

import gzip
import json
import os
import subprocess
import sys
import tempfile

FAMILY = {"claude-opus-4-5": "v3", "claude-opus-4-7": "v4.7", "claude-opus-5": "v4.8"}


def main(fixtures: str, name: str, binary: str) -> int:
    models = {m["id"]: m for m in json.load(open("assets/models.json"))["models"]}
    recorded = json.load(open(os.path.join(fixtures, f"{name}_counts.json")))
    texts = {}
    with gzip.open(os.path.join(fixtures, f"{name}.jsonl.gz"), "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                texts[row.get("id") or row.get("f") or row.get("lang")] = row["text"]
    worst_rate = 1.0
    for key, entry in recorded.items():
        model = models[entry["model"]]
        strip = model.get("strips_trailing_whitespace", False)
        with tempfile.NamedTemporaryFile(suffix=".jsonl.gz", delete=False) as tmp:
            with gzip.open(tmp, "wt", encoding="utf-8") as out:
                for doc, text in texts.items():
                    text = text.rstrip(" \t\n\r\x0b\x0c") if strip else text
                    out.write(json.dumps({"id": doc, "text": text}) + "\n")
        run = subprocess.run([binary, FAMILY[entry["model"]], tmp.name],
                             capture_output=True, text=True, check=True)
        os.unlink(tmp.name)
        ours = {k: int(v) for k, v in (line.split("\t") for line in run.stdout.splitlines())}
        diffs = {doc: ours[doc] + model["frame"] - api for doc, api in entry["counts"].items()}
        exact = sum(d == 0 for d in diffs.values())
        worst = max((abs(d) for d in diffs.values()), default=0)
        rate = exact / len(diffs)
        worst_rate = min(worst_rate, rate)
        print(f"{name}/{key} ({entry['model']}): exact {exact}/{len(diffs)} = {100 * rate:.2f} %, "
              f"max error {worst}")
        for doc, d in sorted(diffs.items(), key=lambda kv: -abs(kv[1]))[:5]:
            if d:
                print(f"    {doc}: {d:+}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
