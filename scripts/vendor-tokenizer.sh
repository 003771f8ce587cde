#!/usr/bin/env bash
# Download ctok 1.3.0 (MIT, © 2026 Sander Land) from PyPI and convert its measured vocabularies
# into assets/tokenizer/*.btok.gz (format: scripts/vendor_tokenizer.py). Re-run only to update
# the committed assets; builds never need the network.
set -euo pipefail
cd "$(dirname "$0")/.."
CTOK_VERSION=1.3.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pip download --quiet --no-deps --no-binary :all: --ignore-requires-python \
    "ctok==${CTOK_VERSION}" -d "$work"
tar -xzf "$work/ctok-${CTOK_VERSION}.tar.gz" -C "$work"
src="$work/ctok-${CTOK_VERSION}"
mkdir -p assets/tokenizer
python3 scripts/vendor_tokenizer.py "$src/ctok/data/pieces_v3.json" assets/tokenizer/v3.btok.gz
python3 scripts/vendor_tokenizer.py "$src/ctok/data/pieces_v4_7.json" assets/tokenizer/v4_7.btok.gz
cp "$src/LICENSE" assets/tokenizer/LICENSE-ctok
echo "vendored ctok ${CTOK_VERSION} vocabularies into assets/tokenizer/"
ls -l assets/tokenizer/
