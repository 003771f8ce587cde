#!/usr/bin/env python3
"""Derive the structural constants in assets/models.json from the examples of Anthropic's
token counting docs.

Counts text with ctok 1.3.0 (MIT, a public reconstruction of count_tokens on PyPI) and
prints how each fitted constant follows from the docs' recorded counts, plus the image and
PDF page figures from the resize rule of Anthropic's vision docs. Nothing here is used at
run time.

Setup (once; needs Python 3.11+ and the `regex` package):
    pip download --no-deps --no-binary :all: --ignore-requires-python ctok==1.3.0 -d /tmp/ctok
    tar xzf /tmp/ctok/ctok-1.3.0.tar.gz -C /tmp/ctok
    CTOK_DIR=/tmp/ctok/ctok-1.3.0 python3 scripts/calibrate-structure.py
"""

import json
import math
import os
import sys

sys.path.insert(0, os.environ.get("CTOK_DIR", "/tmp/ctok/ctok-1.3.0"))
from ctok import token_count  # noqa: E402

FRAME_V3 = 7


def v3(text: str) -> int:
    """Tokens of `text` alone (ctok counts one user message: text plus the frame)."""
    return token_count(text) - FRAME_V3


def seed_system() -> None:
    total = FRAME_V3 + v3("Hello, Claude") + v3("You are a scientist")
    print(f"system seed: 7 + {v3('Hello, Claude')} + {v3('You are a scientist')} = {total} (docs: 14)")


def seed_tools() -> None:
    tool = {
        "name": "get_weather",
        "description": "Get the current weather in a given location",
        "input_schema": {
            "type": "object",
            "properties": {
                "location": {
                    "type": "string",
                    "description": "The city and state, e.g. San Francisco, CA",
                }
            },
            "required": ["location"],
        },
    }
    compact = json.dumps(tool, separators=(",", ":"), ensure_ascii=False)
    message = FRAME_V3 + v3("What's the weather like in San Francisco?")
    tool_part = 403 - 346 - message
    print(
        f"tool seed: 403 = 346 (2025 table, auto) + message {message} + tools {tool_part}; "
        f"compact JSON is {v3(compact)} → tools_json_adjustment = {tool_part - v3(compact)}"
    )


def seed_thinking() -> None:
    u1 = "Are there an infinite number of prime numbers such that n mod 4 == 3?"
    a1 = "Yes, there are infinitely many prime numbers p such that p mod 4 = 3..."
    u2 = "Can you write a formal proof?"
    texts = v3(u1) + v3(a1) + v3(u2)
    joined = u1 + "\n\nAssistant: " + a1 + "\n\nHuman: " + u2
    per_turn = (v3(joined) - texts) / 2
    rest = 88 - FRAME_V3 - texts - 2 * per_turn
    print(
        f"thinking seed: 88 = 7 + texts {texts} ({v3(u1)}+{v3(a1)}+{v3(u2)}) "
        f"+ 2 turns x {per_turn:g} (role switches tokenised) + thinking config {rest:g}"
    )


def image_tokens(w0: int, h0: int, edge: int, cap: int) -> tuple[int, int, int]:
    if h0 > w0:
        t, w, h = image_tokens(h0, w0, edge, cap)
        return t, h, w
    aspect = w0 / h0
    for w in range(w0, 0, -1):
        h = max(round(w / aspect), 1)
        if (
            math.ceil(w / 28) * 28 <= edge
            and math.ceil(h / 28) * 28 <= edge
            and math.ceil(w / 28) * math.ceil(h / 28) <= cap
        ):
            return math.ceil(w / 28) * math.ceil(h / 28), w, h
    return 0, 0, 0


def images_and_pages() -> None:
    for w, h in [(200, 200), (1000, 1000), (1092, 1092), (1920, 1080), (2000, 1500), (3840, 2160)]:
        print(f"image {w}x{h}: standard {image_tokens(w, h, 1568, 1568)[0]}, high {image_tokens(w, h, 2576, 4784)[0]}")
    for dpi in (72, 120, 150, 200):
        for name, (wp, hp) in (("letter", (612, 792)), ("A4", (595.28, 841.89))):
            w, h = round(wp * dpi / 72), round(hp * dpi / 72)
            t, rw, rh = image_tokens(w, h, 1568, 1568)
            print(f"page {name} at {dpi} dpi: {w}x{h} px → {rw}x{rh} → standard {t}, high {image_tokens(w, h, 2576, 4784)[0]}")


if __name__ == "__main__":
    seed_system()
    seed_tools()
    seed_thinking()
    images_and_pages()
