#!/usr/bin/env python3
"""Build request files for scripts/count-throughput.sh from ctok 1.3.0's fixture texts.

Usage: build_count_requests.py FIXTURES_DIR OUT_DIR MODEL

Writes, each a Messages API body with one user message holding one text block per document:
  mixed.json        every UDHR translation and every Rosetta Code sample, interleaved
  ascii.json        UDHR translations that are plain ASCII prose
  latin.json        UDHR translations in Latin script with some non-ASCII letter
  cjk.json          UDHR translations in Han, Kana and Hangul scripts
  code.json         Rosetta Code samples
  mixed-1mb.json, mixed-7mb.json   the mixed texts cut to about 1 MB and 7 MB of JSON
  single-7mb.json   the same 7 MB of texts as one text block (blank lines between them)
  mixed-32mb.json, single-32mb.json   the mixed texts repeated to about 33,000,000 bytes of
                    JSON (the API takes at most 32 MiB, 33,554,432 bytes), as a text block per
                    document and as one text block
and, beside each request, NAME.texts.json: the same texts as a JSON list, for ctok.
The per-corpus requests repeat their texts up to PER_CORPUS_BYTES, so that process start-up
does not dominate a small corpus. Prints one line per file: name, request bytes, text bytes.
"""

import gzip
import json
import sys
from pathlib import Path

PER_CORPUS_BYTES = 2_000_000
# Just under the API's request limit of 32 MiB (33,554,432 bytes).
LIMIT_SIZED_BYTES = 33_000_000
CJK_SCRIPTS = {"Hans", "Hant", "Hani", "Jpan", "Kore", "Hang"}


def texts(fixtures, name):
    with gzip.open(fixtures / f"{name}.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def utf8_len(text):
    return len(text.encode("utf-8"))


def repeat_to(docs, target):
    """The documents, repeated in order until their UTF-8 size reaches `target`."""
    out, size = [], 0
    while docs and size < target:
        for d in docs:
            out.append(d)
            size += utf8_len(d)
            if size >= target:
                break
    return out


def cut_to(docs, target):
    """The leading documents whose request stays within about `target` bytes."""
    out, size = [], 0
    for d in docs:
        size += utf8_len(json.dumps(d, ensure_ascii=False)) + 30
        if size > target:
            break
        out.append(d)
    return out


def request(model, docs):
    return {
        "model": model,
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": d} for d in docs]}
        ],
    }


def main():
    fixtures, out_dir, model = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    out_dir.mkdir(parents=True, exist_ok=True)
    udhr = texts(fixtures, "udhr")
    rosetta = [r["text"] for r in texts(fixtures, "rosetta")]
    mixed = []
    # Interleave: about three code samples per translation, as both corpora run out together.
    step = max(1, len(rosetta) // len(udhr))
    for i, u in enumerate(udhr):
        mixed.append(u["text"])
        mixed.extend(rosetta[i * step : (i + 1) * step])
    mixed.extend(rosetta[len(udhr) * step :])
    corpora = {
        "mixed": mixed,
        "ascii": repeat_to(
            [u["text"] for u in udhr if u["text"].isascii()], PER_CORPUS_BYTES
        ),
        "latin": repeat_to(
            [
                u["text"]
                for u in udhr
                if u["script"] == "Latn" and not u["text"].isascii()
            ],
            PER_CORPUS_BYTES,
        ),
        "cjk": repeat_to(
            [u["text"] for u in udhr if u["script"] in CJK_SCRIPTS], PER_CORPUS_BYTES
        ),
        "code": repeat_to(rosetta, PER_CORPUS_BYTES),
        "mixed-1mb": cut_to(mixed, 1_000_000),
        "mixed-7mb": cut_to(mixed, 7_000_000),
    }
    corpora["single-7mb"] = ["\n\n".join(corpora["mixed-7mb"])]
    corpora["mixed-32mb"] = cut_to(
        repeat_to(mixed, LIMIT_SIZED_BYTES + 1_000_000), LIMIT_SIZED_BYTES
    )
    corpora["single-32mb"] = ["\n\n".join(corpora["mixed-32mb"])]
    for name, docs in corpora.items():
        body = json.dumps(request(model, docs), ensure_ascii=False)
        (out_dir / f"{name}.json").write_text(body, encoding="utf-8")
        (out_dir / f"{name}.texts.json").write_text(
            json.dumps(docs, ensure_ascii=False), encoding="utf-8"
        )
        print(name, utf8_len(body), sum(map(utf8_len, docs)))


if __name__ == "__main__":
    main()
