#!/usr/bin/env bash
# Fetch the tokenizer oracle: ctok 1.3.0's sdist from PyPI, whose tests/fixtures hold recorded
# count_tokens values and the texts they were measured on. Not committed (the texts are not
# ours to redistribute); cached under $BUDGIE_TEST_DATA (default: .cache/ in the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
CTOK_VERSION=1.3.0
root="${BUDGIE_TEST_DATA:-$PWD/.cache}"
dest="$root/ctok-${CTOK_VERSION}"
if [ -f "$dest/tests/fixtures/rosetta_counts.json" ]; then
    exit 0
fi
mkdir -p "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --no-binary :all: --ignore-requires-python \
    "ctok==${CTOK_VERSION}" -d "$tmp"
tar -xzf "$tmp/ctok-${CTOK_VERSION}.tar.gz" -C "$tmp"
rm -rf "$dest"
mv "$tmp/ctok-${CTOK_VERSION}" "$dest"
echo "tokenizer test data in $dest"
