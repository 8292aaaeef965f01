"""Throughput, scaling, memory and incremental rebuilds of ``tiegraph build`` (issue 7). Not a test.

::

    python bench/throughput.py [--docs N] [--jobs J] [--profile] [--keep DIR]

The corpus
    N articles made from the 18 regression articles of ``tests/articles/`` (150-400 words each, fictional,
    in the shapes of real industry-politics news), copied round-robin with their names rotated: in each copy
    the persons, companies and facilities of the article's gold file (``tests/articles/NNN.json``) get new names,
    the same within the copy (so "Redcliff Minerals Corp." and a later "Redcliff" stay one actor) and drawn from
    finite pools, so that some actors recur across articles as they do in a real feed. Places, government
    bodies and parties keep their names (real ones recur too). The texts are therefore varied but realistic for
    the rules; the same seed gives the same corpus.

What it prints, in this order
    1. words/s of bare spaCy (``spacy.load(model).pipe`` over the texts, batch size as the build's);
    2. words/s of the whole build with one process (``graph.api.build``, the model loaded beforehand, as for
       spaCy), and where the time goes;
    3. ``--jobs J`` against one process (wall time of a build from nothing, model loads included);
    4. peak memory (ru_maxrss) of a build of N documents against one of N/4, each in its own process;
    5. an incremental rebuild with one document changed against the full build (both from a fresh process):
       first a change that adds no fact (the network stays the same, so the analysis is reused), then one
       that moves every fact of a document (the analysis runs again);
    6. bare spaCy again in a process with ``OPENBLAS_NUM_THREADS=1`` (which ``import extract`` sets; spaCy's
       small model runs faster so), and the build's ratio to that;
    7. last, ``pipeline/spacy throughput ratio: X`` (to bare spaCy as it runs by default, item 1).

Every build runs in a fresh subprocess of this script (``--child``), so memory and imports do not leak between
them.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing; the package itself never does this

ARTICLES = ROOT / "tests" / "articles"
CHINESE_SURNAMES = (
    "Zhang Wang Li Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Zheng Liang Xie Song Tang "
    "Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du Ye Cheng Wei Su Lü Ding Ren Shen Yao Lu"
).split()
PINYIN = (
    "an bo chen da fang gang hai hong hui jian jun kang lei li lin ming ning peng qiang rui shan tao wei xin".split()
)
GIVEN = (
    "Dana Marcus Hannah Gloria Jordan Elena Tomas Priya Oliver Sofia Lukas Amara Daniel Ingrid Rafael Chloe Samuel "
    "Nadia Henrik Laura Victor Mei Aaron Fiona Erik Helen Owen Clara Felix Ruth Adrian Maya Simon Petra Noah Irene"
).split()
SURNAMES = (
    "Whitfield Ellery Lindqvist Albrecht Banks Pike Okafor Marsh Castell Brennan Hale Dufresne Moreau Kowalski "
    "Varga Sato Nakamura Haddad Ferreira Novak Lindgren Ashby Thorne Calloway Mendes Rourke Strand Voss Keller Ibarra "
    "Quist Lachlan Fairbairn Oduya Penrose Hartigan Soren Wexley"
).split()
STEM_HEADS = "Nor Bel Kar Vel Tam Ash Cor Mar Sil Wen Hal Dun Pra Tor Gal Lun Bri Ost Fen Rav Ser Kel Orm Cal".split()
STEM_TAILS = "field mont ridge vale mark stone haven wick dale gate ford crest lin ora ex ton bury more holt".split()
ROTATED = {("Person", None)} | {("Organization", s) for s in ("Company", "StateOwnedEnterprise", None)}
WORD = re.compile(r"\w[\w-]*")
STORE = "  Oxigraph store (in a thread, beside the rest)"
#: What the child times: (module, function, label), in the order printed.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("graph.api", "_scan", "read + cache lookups"),
    ("graph.api", "_extract", "extraction (spaCy + tiegraph)"),
    ("extract.pipeline", "extract_doc", "  of which tiegraph after spaCy"),
    ("graph.api", "resolve_corpus", "cross-document resolution"),
    ("graph.api", "build_rdf", "RDF graphs, serialized (pyoxigraph)"),
    ("graph.api", "write_outputs", "writing outputs"),
    ("graph.api", "resolution_audit", "  resolution.json"),
    ("graph.analysis", "project_records", "  network projection"),
    ("graph.analysis", "write_analysis", "  centrality.csv + graph.html"),
    ("graph.store", "write_store", STORE),
    ("graph.api", "_update_cache", "cache manifest + pruning"),
)


# --- the corpus ------------------------------------------------------------------------------------------------


def load_sources() -> list[tuple[str, str, dict]]:
    """``(name, text, gold)`` of each regression article."""
    out = []
    for text_file in sorted(ARTICLES.glob("*.txt")):
        gold = json.loads(text_file.with_suffix(".json").read_text(encoding="utf-8"))
        out.append((text_file.stem, text_file.read_text(encoding="utf-8"), gold))
    return out


def rotation(gold: dict, rng: random.Random) -> dict[str, str]:
    """Old name token to new, for the persons, companies and facilities of one article's gold."""
    places = {w for e in gold["entities"] if e["type"] == "Place" for n in e["names"] for w in WORD.findall(n)}
    mapping: dict[str, str] = {}
    used: set[str] = set()

    def fresh(pick) -> str:
        for _ in range(50):
            name = pick()
            if name not in used:
                used.add(name)
                return name
        return pick()

    for e in gold["entities"]:
        kind = (e["type"], e.get("subtype"))
        if e["type"] == "Person" and kind in ROTATED:
            words = WORD.findall(e["names"][0])
            if not words:
                continue
            chinese = words[0] in CHINESE_SURNAMES
            for i, w in enumerate(words):
                if w in mapping or not w[:1].isupper():
                    continue
                if chinese:
                    pool = CHINESE_SURNAMES if i == 0 else None
                    mapping[w] = fresh(
                        lambda pool=pool: (
                            rng.choice(pool) if pool else (rng.choice(PINYIN) + rng.choice(PINYIN)).title()
                        )
                    )
                else:
                    pool = GIVEN if i == 0 else SURNAMES
                    mapping[w] = fresh(lambda pool=pool: rng.choice(pool))
        elif kind in ROTATED or e["type"] == "Facility":
            shortest = min(e["names"], key=len)
            for w in WORD.findall(shortest):
                if w[:1].isupper() and w not in places and w not in mapping and len(w) > 2 and not w.isupper():
                    mapping[w] = fresh(lambda: rng.choice(STEM_HEADS) + rng.choice(STEM_TAILS))
    return mapping


def make_corpus(folder: Path, n: int, *, seed: int = 7) -> list[Path]:
    """Write ``n`` rotated articles to ``folder`` (``doc-00001-004_dod_equity_stake.txt``, …)."""
    folder.mkdir(parents=True, exist_ok=True)
    sources = load_sources()
    files = []
    for i in range(n):
        name, text, gold = sources[i % len(sources)]
        rng = random.Random(f"{seed}:{i}")
        mapping = rotation(gold, rng)
        if mapping:
            pattern = re.compile(
                r"(?<![\w-])(" + "|".join(map(re.escape, sorted(mapping, key=len)[::-1])) + r")(?![\w-])"
            )
            text = pattern.sub(lambda m, mapping=mapping: mapping[m.group(1)], text)
        path = folder / f"doc-{i:05d}-{name}.txt"
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return files


def words_of(files: list[Path]) -> int:
    return sum(len(f.read_text(encoding="utf-8").split()) for f in files)


# --- one build in a child process --------------------------------------------------------------------------------


def child(args: argparse.Namespace) -> None:
    """Run one build and print its figures as JSON on the last line of stdout."""
    import extract.pipeline
    import graph.analysis
    import graph.api

    stages: dict[str, float] = {}
    peaks: dict[str, float] = {}  # peak memory (MB) so far, when each stage last ended

    def timed(module, name: str, label: str) -> None:
        inner = getattr(module, name)

        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return inner(*a, **k)
            finally:
                stages[label] = stages.get(label, 0.0) + time.perf_counter() - t
                peaks[label] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        setattr(module, name, wrapper)

    for module_name, name, label in STAGES:
        timed(sys.modules[module_name], name, label)
    load_seconds = 0.0
    extractor = None
    if args.preload:
        t = time.perf_counter()
        extractor = extract.pipeline.Extractor.load()
        load_seconds = time.perf_counter() - t
    profile = cProfile.Profile() if args.profile else None
    t = time.perf_counter()
    if profile:
        profile.enable()
    report = graph.api.build([args.corpus], args.out, extractor=extractor, jobs=args.jobs)
    if profile:
        profile.disable()
    seconds = time.perf_counter() - t
    if profile:
        buffer = io.StringIO()
        pstats.Stats(profile, stream=buffer).sort_stats("cumulative").print_stats(40)
        print(buffer.getvalue(), file=sys.stderr)
    figures = {
        "build_seconds": seconds,
        "load_seconds": load_seconds,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "extracted": report.extracted,
        "unchanged": report.unchanged,
        "entities": report.entities,
        "relations": report.relations,
        "stages": stages,
        "peaks": peaks,
    }
    print(json.dumps(figures))


def run_child(corpus: Path, out: Path, *, jobs: int = 1, preload: bool = True, profile: bool = False) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--corpus", str(corpus), "--out", str(out)]
    cmd += ["--jobs", str(jobs)] + (["--preload"] if preload else []) + (["--profile"] if profile else [])
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"benchmark build failed:\n{done.stderr}")
    if profile:
        print(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the benchmark -----------------------------------------------------------------------------------------------


def stages(figures: dict) -> list[tuple[str, float]]:
    """The child's stage times in :data:`STAGES` order, and what writing spent besides its timed parts."""
    times = figures["stages"]
    rows = [(label, times[label]) for _, _, label in STAGES if label in times]
    parts = [label for _, _, label in STAGES if label.startswith("  ") and "spaCy" not in label and STORE not in label]
    rest = times.get("writing outputs", 0.0) - sum(times.get(label, 0.0) for label in parts)
    at = [label for label, _ in rows].index(STORE) + 1 if STORE in times else len(rows)
    rows.insert(at, ("  the rest (atomic writes, waiting for the store)", rest))
    return rows


def bare_spacy(files: list[Path]) -> float:
    """Words per second of the model's own ``nlp.pipe`` over the texts (after a warm-up)."""
    import spacy

    from extract.defaults import BATCH_SIZE
    from extract.model import find_model

    nlp = spacy.load(find_model())
    texts = [f.read_text(encoding="utf-8") for f in files]
    list(nlp.pipe(texts[:8], batch_size=BATCH_SIZE))
    t = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=BATCH_SIZE):
        pass
    return sum(len(x.split()) for x in texts) / (time.perf_counter() - t)


def bare_spacy_one_blas_thread(corpus: Path) -> float:
    """:func:`bare_spacy` in a fresh process whose OpenBLAS runs one thread (what ``import extract`` sets)."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--bare", "--corpus", str(corpus)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1000, help="Documents in the corpus (default 1000).")
    parser.add_argument("--jobs", type=int, default=2, help="Processes for the parallel build (default 2).")
    parser.add_argument("--profile", action="store_true", help="Print a cProfile of the one-process build.")
    parser.add_argument("--keep", type=Path, help="Write the corpus and builds here instead of a temporary folder.")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--preload", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.bare:
        print(bare_spacy(sorted(args.corpus.glob("*.txt"))))
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="tiegraph-bench-"))
    try:
        bench(args, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


def bench(args: argparse.Namespace, work: Path) -> None:
    n = args.docs
    files = make_corpus(work / "corpus", n)
    small = make_corpus(work / "corpus-small", max(1, n // 4))
    words = words_of(files)
    print(f"corpus: {n} documents, {words} words (rotated copies of tests/articles), {os.cpu_count()} CPU(s)")

    spacy_wps = bare_spacy(files)
    print(f"bare spaCy nlp.pipe: {spacy_wps:,.0f} words/s")

    full = run_child(work / "corpus", work / "out-1", profile=args.profile)
    build_wps = words / full["build_seconds"]
    print(
        f"tiegraph build, 1 process: {build_wps:,.0f} words/s ({full['build_seconds']:.1f} s for {full['extracted']} "
        f"documents, {full['entities']} entities, {full['relations']} relations; "
        f"model load {full['load_seconds']:.1f} s before it)"
    )
    for label, seconds in stages(full):
        print(f"    {label:<36} {seconds:8.2f} s  {100 * seconds / full['build_seconds']:5.1f} %")

    one = full["build_seconds"] + full["load_seconds"]
    many = run_child(work / "corpus", work / f"out-{args.jobs}", jobs=args.jobs, preload=False)
    print(
        f"--jobs {args.jobs} vs 1: {one / many['build_seconds']:.2f}x ({many['build_seconds']:.1f} s vs {one:.1f} s, "
        "each from a cold start, model loads included)"
    )
    ext1 = full["stages"]["extraction (spaCy + tiegraph)"] + full["load_seconds"]
    extn = many["stages"]["extraction (spaCy + tiegraph)"]
    print(f"    extraction stage alone: {ext1 / extn:.2f}x ({extn:.1f} s vs {ext1:.1f} s)")

    quarter = run_child(work / "corpus-small", work / "out-small")
    print(
        f"peak memory, {n} vs {len(small)} documents: {full['maxrss_mb'] / quarter['maxrss_mb']:.2f}x "
        f"({full['maxrss_mb']:.0f} MB vs {quarter['maxrss_mb']:.0f} MB)"
    )

    changed = files[n // 2]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nThe company declined to comment.\n", encoding="utf-8")
    again = run_child(work / "corpus", work / "out-1", preload=False)
    assert (again["extracted"], again["unchanged"]) == (1, n - 1), again
    print(
        f"incremental rebuild, 1 of {n} documents changed: {100 * again['build_seconds'] / one:.1f} % of the full "
        f"build ({again['build_seconds']:.1f} s vs {one:.1f} s, model load included in both)"
    )
    for label, seconds in stages(again):
        print(f"    {label:<36} {seconds:8.2f} s")
    moved = files[n // 3]  # a change before the facts: their offsets move, so the network changes too
    moved.write_text("Updated with corrections.\n" + moved.read_text(encoding="utf-8"), encoding="utf-8")
    other = run_child(work / "corpus", work / "out-1", preload=False)
    print(
        f"incremental rebuild, 1 of {n} documents changed so that the network changes (the analysis runs "
        f"again): {100 * other['build_seconds'] / one:.1f} % ({other['build_seconds']:.1f} s)"
    )
    one_thread = bare_spacy_one_blas_thread(work / "corpus")
    print(
        f"bare spaCy with OPENBLAS_NUM_THREADS=1, as tiegraph runs it: {one_thread:,.0f} words/s "
        f"(the build's ratio to that: {build_wps / one_thread:.2f})"
    )
    print(f"pipeline/spacy throughput ratio: {build_wps / spacy_wps:.2f}")


if __name__ == "__main__":
    main()
