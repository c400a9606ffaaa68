#!/usr/bin/env bash
# One-time (and idempotent) setup: a .venv with the package and its test tools, plus Debian's Chromium
# for the browser tests and Debian's Tesseract language data for OCR. Safe to run again: it only installs what is missing or out of date.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
# torch==2.13.0 is pinned in pyproject.toml: that CPU wheel is local; an unpinned torch pulls GBs of CUDA.
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test,ray]"

# Browser tests drive Debian's Chromium through Playwright; never `playwright install` (no network).
if ! command -v chromium >/dev/null 2>&1; then
    echo "setup: installing Debian's chromium for the browser tests"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# OCR of scanned pages: tesserocr (pip) bundles the engine; Debian's packages bring the language models.
if ! command -v tesseract >/dev/null 2>&1 || [ ! -f /usr/share/tesseract-ocr/5/tessdata/deu.traineddata ]; then
    echo "setup: installing Debian's tesseract-ocr with English and German language data"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq tesseract-ocr tesseract-ocr-eng tesseract-ocr-deu >/dev/null
fi
echo "setup: ready ($(.venv/bin/python -c 'import torch, sentence_transformers, gradio; print("torch", torch.__version__, "| sentence-transformers", sentence_transformers.__version__, "| gradio", gradio.__version__)'))"
