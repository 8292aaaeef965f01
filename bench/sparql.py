"""Benchmark: the bundled SPARQL queries on Oxigraph (tiegraph's store) and on rdflib's in-memory Dataset.

    python bench/sparql.py [--triples 1000000] [--repeat 3] [--seed 7]

Generates a graph in the shape of a tiegraph build (entities with labels, aliases and types; the 17
relation types; one assertion with evidence per relation occurrence; one named graph per document),
deterministically from ``--seed``, as N-Quads. Then, each engine in its own process (so that its peak
memory is its own):

* Oxigraph: ``bulk_load`` into an on-disk store and the union copied into the default graph, as
  ``tiegraph build`` does (graph/store.py); queries through graph.query.run_query (prefixes, parameters
  bound by substitution).
* rdflib: the N-Quads parsed into ``Dataset(default_union=True)``; queries with ``initNs`` and
  ``initBindings``.

Every bundled query runs ``--repeat`` times on each (parameters filled from the generated data); a
query whose first rdflib run takes longer than ``--budget`` seconds runs once there. The report gives
per-query medians, result counts (which must agree), load times, peak RSS and, last,
``speedup over rdflib: X``, the median of the per-query speedups. ``--union-option`` also times the
queries on a store that relies on pyoxigraph's ``use_default_graph_as_union`` instead of the copy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing: bench/ is not a package

TG = "https://w3id.org/tiegraph/ontology#"
ID = "https://w3id.org/tiegraph/id/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "https://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
XSD = "http://www.w3.org/2001/XMLSchema#"
TRIPLES_PER_DOCUMENT = 265  # about what the generator writes per document; sets the number of documents

SURNAMES = (
    "Zhao Qian Sun Li Zhou Wu Zheng Wang Feng Chen Chu Wei Jiang Shen Han Yang Zhu Qin You Xu He Lu Shi Zhang".split()
)
GIVEN = "Wei Min Jing Li Hua Ming Fang Jun Yan Lei Tao Qiang Hong Xia Ping Gang Hui Ling Bo Yu".split()
WORDS = "Northern Eastern Golden Rare Earth Metals Lithium Copper Steel Minerals Resources Magnet Cobalt Nickel".split()
PLACES = "Baotou Ganzhou Qingdao Perth Boise Tongling Ningbo Chengdu Xiamen Darwin Santiago Lima Hanoi Busan".split()

# (relation, subject pool, object pool, weight)
RELATIONS = [
    ("holdsPosition", "person", "org", 14),
    ("memberOf", "person", "body", 5),
    ("partOf", "company", "company", 4),
    ("affiliatedWith", "org", "party", 3),
    ("owns", "company", "company", 5),
    ("invests", "org", "company", 4),
    ("supplies", "company", "company", 4),
    ("sanctions", "body", "company", 2),
    ("partnerOf", "company", "company", 5),
    ("linkedTo", "company", "body", 3),
    ("operates", "company", "facility", 4),
    ("hasSite", "company", "facility", 2),
    ("locatedIn", "locatable", "place", 8),
    ("organized", "org", "event", 3),
    ("participatedIn", "person", "event", 6),
    ("heldAt", "event", "place", 3),
    ("established", "org", "org", 2),
]
ROLES = ["Chairman", "Party Secretary", "General Manager", "Vice Chair", "Director", "Minister", "Deputy"]


def nt_literal(value: str | int | float, datatype: str | None = None) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"' + (f"^^<{datatype}>" if datatype else "")


def generate(n_triples: int, seed: int, path: Path) -> dict:
    """Write about ``n_triples`` quads to ``path`` (N-Quads); return the parameters for the queries."""
    rng = random.Random(seed)
    docs = max(4, n_triples // TRIPLES_PER_DOCUMENT)
    sizes = {
        "person": int(docs * 1.2) + 20,
        "company": int(docs * 0.9) + 20,
        "body": max(10, docs // 15),
        "party": max(4, docs // 200),
        "place": max(10, docs // 12),
        "facility": int(docs * 0.4) + 10,
        "event": int(docs * 0.6) + 10,
    }
    entities: dict[str, list[dict]] = {}
    for pool, size in sizes.items():
        items = []
        for i in range(size):
            if pool == "person":
                label, core, sub = (
                    f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}{rng.choice(GIVEN).lower()} {i}",
                    "Person",
                    None,
                )
            elif pool == "company":
                label = f"{rng.choice(WORDS)} {rng.choice(WORDS)} Group {i}"
                core, sub = "Organization", "StateOwnedEnterprise" if rng.random() < 0.25 else "Company"
            elif pool == "body":
                label = f"{rng.choice(PLACES)} {rng.choice(['Commission', 'Ministry', 'Bureau', 'Congress'])} {i}"
                core, sub = "Organization", "GovernmentBody"
            elif pool == "party":
                label, core, sub = f"Party {i}", "Organization", rng.choice(["PoliticalParty", "PartyCommittee"])
            elif pool == "place":
                label, core, sub = f"{rng.choice(PLACES)} {i}", "Place", rng.choice(["City", "Region", "Country"])
            elif pool == "facility":
                label, core, sub = f"{rng.choice(PLACES)} Mine {i}", "Facility", rng.choice(["Mine", "Plant", "Site"])
            else:
                label, core, sub = f"Forum {i}", "Event", rng.choice(["Meeting", "Conference", "Signing"])
            slug = hashlib.sha256(f"{pool}{i}".encode()).hexdigest()[:8]
            iri = f"{ID}{core.lower()}-{pool}-{i}-{slug}"
            aliases = [f"{label.split(' ')[0]} {pool[:3].upper()}{i}"] if rng.random() < 0.4 else []
            items.append({"iri": iri, "label": label, "core": core, "sub": sub, "aliases": aliases})
        entities[pool] = items
    entities["org"] = entities["company"] + entities["body"] + entities["party"]
    entities["locatable"] = entities["company"] + entities["facility"] + entities["event"]

    def pick(pool: str) -> dict:
        items = entities[pool]
        # popularity falls off with the index (a few hubs, a long tail), as in news
        index = min(len(items) - 1, int(len(items) * rng.random() ** 2.2))
        return items[index]

    weights = [w for *_, w in RELATIONS]
    run = f"{ID}run-bench"
    out = path.open("w", encoding="utf-8")
    count = 0

    def quad(s: str, p: str, o: str, g: str | None) -> None:
        nonlocal count
        out.write(f"<{s}> <{p}> {o} <{g}> .\n" if g else f"<{s}> <{p}> {o} .\n")
        count += 1

    quad(run, RDF + "type", f"<{PROV}Activity>", None)
    quad(run, RDFS + "label", nt_literal("tiegraph build"), None)
    params: dict[str, dict] = {}
    doc_paths = []
    posts: list[tuple[dict, dict]] = []  # (person, organisation) of every holdsPosition, for shortest-link
    owners: list[dict] = []  # subjects of owns and invests, for ownership-chains
    for d in range(docs):
        doc, graph, doc_path = f"{ID}doc-{d:06d}", f"{ID}graph-{d:06d}", f"articles/{d:06d}.txt"
        doc_paths.append(doc_path)
        quad(run, PROV + "used", f"<{doc}>", None)
        quad(doc, RDF + "type", f"<{SCHEMA}NewsArticle>", graph)
        quad(doc, TG + "sourcePath", nt_literal(doc_path), graph)
        quad(doc, TG + "sha256", nt_literal(hashlib.sha256(doc_path.encode()).hexdigest()), graph)
        quad(doc, SCHEMA + "name", nt_literal(f"Article {d}"), graph)
        mentioned: dict[str, dict] = {}
        facts = []
        for r in range(9):
            name, sp, op, _ = rng.choices(RELATIONS, weights)[0]
            s, o = pick(sp), pick(op)
            if s["iri"] == o["iri"]:
                continue
            facts.append((name, s, o, r))
            if name == "holdsPosition":
                posts.append((s, o))
            if name in ("owns", "invests"):
                owners.append(s)
            mentioned[s["iri"]], mentioned[o["iri"]] = s, o
        for e in sorted(mentioned.values(), key=lambda e: e["iri"]):
            quad(e["iri"], RDF + "type", f"<{TG}{e['core']}>", graph)
            if e["sub"]:
                quad(e["iri"], RDF + "type", f"<{TG}{e['sub']}>", graph)
            quad(e["iri"], RDFS + "label", nt_literal(e["label"]), graph)
            for alias in e["aliases"]:
                quad(e["iri"], SKOS + "altLabel", nt_literal(alias), graph)
            quad(e["iri"], TG + "confidence", nt_literal("0.9", XSD + "decimal"), graph)
            quad(e["iri"], TG + "mentionCount", nt_literal(rng.randint(1, 5), XSD + "integer"), graph)
            quad(doc, SCHEMA + "mentions", f"<{e['iri']}>", graph)
        offset = 0
        for name, s, o, r in facts:
            h = hashlib.sha256(f"{d}-{r}".encode()).hexdigest()[:16]
            a, ev = f"{ID}assertion-{h}", f"{ID}evidence-{h}"
            sentence = f"{s['label']} {name} {o['label']}, the article says in sentence {r} of document {d}."
            quad(s["iri"], TG + name, f"<{o['iri']}>", graph)
            quad(a, RDF + "type", f"<{TG}Assertion>", graph)
            quad(a, RDF + "subject", f"<{s['iri']}>", graph)
            quad(a, RDF + "predicate", f"<{TG}{name}>", graph)
            quad(a, RDF + "object", f"<{o['iri']}>", graph)
            if name == "holdsPosition":
                quad(a, TG + "role", nt_literal(rng.choice(ROLES)), graph)
            quad(a, TG + "confidence", nt_literal("0.85", XSD + "decimal"), graph)
            quad(a, TG + "rule", nt_literal(f"bench.{name}"), graph)
            quad(a, PROV + "wasDerivedFrom", f"<{ev}>", graph)
            quad(a, PROV + "wasGeneratedBy", f"<{run}>", graph)
            quad(ev, RDF + "type", f"<{OA}SpecificResource>", graph)
            quad(ev, OA + "hasSource", f"<{doc}>", graph)
            quad(ev, OA + "hasSelector", f"<{ev}-position>", graph)
            quad(ev, OA + "hasSelector", f"<{ev}-quote>", graph)
            quad(f"{ev}-position", RDF + "type", f"<{OA}TextPositionSelector>", graph)
            quad(f"{ev}-position", OA + "start", nt_literal(offset, XSD + "integer"), graph)
            quad(f"{ev}-position", OA + "end", nt_literal(offset + len(sentence), XSD + "integer"), graph)
            quad(f"{ev}-quote", RDF + "type", f"<{OA}TextQuoteSelector>", graph)
            quad(f"{ev}-quote", OA + "exact", nt_literal(sentence), graph)
            offset += len(sentence) + 1
    out.close()
    # parameters: mid-popularity entities, so that the queries do real work but do not start at the biggest hub
    company = entities["company"][len(entities["company"]) // 20]
    # two people with posts in the same organisation: linked in 2 hops (or fewer), so shortest-link has rows
    by_org: dict[str, list[dict]] = {}
    for person, org in posts:
        by_org.setdefault(org["iri"], []).append(person)
    shared = sorted((k for k, v in by_org.items() if len({p["iri"] for p in v}) >= 2), key=lambda k: len(by_org[k]))
    people = sorted({p["iri"]: p for p in by_org[shared[len(shared) // 2]]}.values(), key=lambda p: p["iri"])
    person_a, person_b = people[0], people[-1]
    params = {
        "entity": {"name": company["label"]},
        "posts": {"organization": company["label"]},
        "shortest-link": {"from": person_a["label"], "to": person_b["label"]},
        "near-bodies": {"body": entities["party"][len(entities["party"]) // 2]["label"], "maxHops": 2},
        "ownership-chains": {"owner": owners[len(owners) // 2]["label"]},
        "events": {"event": entities["event"][len(entities["event"]) // 20]["label"]},
        "document-facts": {"document": doc_paths[len(doc_paths) // 2]},
        "entities": {"type": {"iri": TG + "StateOwnedEnterprise"}},
    }
    return {"quads": count, "documents": docs, "entities": sum(sizes.values()), "params": params}


# --- the engines (each in a child process) -----------------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_engine(engine: str, data: Path, params: dict, repeat: int, budget: float, limit: float, work: Path) -> dict:
    from graph.query import library

    queries = library()
    base_rss = peak_rss_mb()
    started = time.perf_counter()
    if engine.startswith("oxigraph"):
        import pyoxigraph as ox

        from graph.query import run_query, to_term

        store_dir = work / f"store-{engine}"
        store = ox.Store(str(store_dir))
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
        union = engine == "oxigraph-union-option"
        if not union:
            store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        store.flush()
        load = time.perf_counter() - started
        size = sum(f.stat().st_size for f in store_dir.rglob("*") if f.is_file())

        def execute(q, p):
            values = {k: ox.NamedNode(v["iri"]) if isinstance(v, dict) else to_term(v) for k, v in p.items()}
            if union:  # the option, not the stored union: a triple counts once per graph that holds it
                results = store.query(
                    q.text,
                    use_default_graph_as_union=True,
                    substitutions={ox.Variable(k): v for k, v in values.items()},
                )
                return sum(1 for _ in results)
            return len(run_query(store, q.text, params=values))
    else:
        from rdflib import Dataset, Literal, URIRef

        from ontology import PREFIXES

        ds = Dataset(default_union=True)
        ds.parse(str(data), format="nquads")
        load = time.perf_counter() - started
        size = 0

        def execute(q, p):
            bindings = {k: URIRef(v["iri"]) if isinstance(v, dict) else Literal(v) for k, v in p.items()}
            return sum(1 for _ in ds.query(q.text, initNs=PREFIXES, initBindings=bindings))

    after_load_rss = peak_rss_mb()
    results = {}

    def stop(signum, frame):
        raise TimeoutError

    signal.signal(signal.SIGALRM, stop)
    for q in queries:
        p = params.get(q.name, {})
        times, rows, stopped = [], None, False
        for i in range(repeat):
            t = time.perf_counter()
            if engine == "rdflib":  # pure Python: an alarm can stop it (Oxigraph runs in native code)
                signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                rows = execute(q, p)
            except TimeoutError:
                stopped = True
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            times.append(time.perf_counter() - t)
            if stopped or (i == 0 and times[0] > budget):
                break
        median = limit if stopped else statistics.median(times)
        results[q.name] = {"median": median, "runs": len(times), "rows": rows, "stopped": stopped}
        shown = f"> {limit:.0f} s, stopped" if stopped else f"{median * 1000:10.1f} ms  {rows} rows"
        print(f"  {engine:<22} {q.name:<18} {shown}", file=sys.stderr)
    return {
        "load_s": load,
        "rss_base_mb": base_rss,
        "rss_after_load_mb": after_load_rss,
        "rss_peak_mb": peak_rss_mb(),
        "disk_mb": size / 1e6,
        "queries": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000, help="Approximate size of the graph (quads).")
    parser.add_argument("--repeat", type=int, default=3, help="Runs of each query on each engine (median).")
    parser.add_argument("--budget", type=float, default=20.0, help="A first run slower than this is not repeated.")
    parser.add_argument(
        "--limit", type=float, default=30.0, help="Stop an rdflib query after this many seconds (a lower bound)."
    )
    parser.add_argument("--seed", type=int, default=7, help="Seed of the generator.")
    parser.add_argument("--union-option", action="store_true", help="Also time use_default_graph_as_union.")
    parser.add_argument("--keep", type=Path, default=None, help="Write the data here and keep it.")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--params", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        params = json.loads(args.params)
        report = run_engine(args.child, args.data, params, args.repeat, args.budget, args.limit, args.work)
        print(json.dumps(report))
        return

    work = Path(tempfile.mkdtemp(prefix="tiegraph-bench-"))
    try:
        data = (args.keep or work) / "bench.nq"
        data.parent.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        info = generate(args.triples, args.seed, data)
        print(
            f"graph: {info['quads']:,} quads, {info['documents']:,} documents (named graphs), "
            f"{info['entities']:,} entities, 17 relation types; generated in {time.perf_counter() - t:.1f} s "
            f"({data.stat().st_size / 1e6:.0f} MB of N-Quads)"
        )
        engines = ["oxigraph", "rdflib"] + (["oxigraph-union-option"] if args.union_option else [])
        reports = {}
        for engine in engines:
            cmd = [
                sys.executable, __file__, "--child", engine, "--data", str(data), "--params",
                json.dumps(info["params"]), "--repeat", str(args.repeat), "--budget", str(args.budget),
                "--limit", str(args.limit),
                "--work", str(work),
            ]  # fmt: skip
            run = subprocess.run(cmd, capture_output=False, stdout=subprocess.PIPE, text=True, check=True)
            reports[engine] = json.loads(run.stdout.strip().splitlines()[-1])
        ox, rl = reports["oxigraph"], reports["rdflib"]
        print(f"\n{'query':<18} {'rows':>14} {'oxigraph ms':>12} {'rdflib ms':>12} {'speedup':>9}")
        speedups = []
        for name, o in ox["queries"].items():
            r = rl["queries"][name]
            speedup = r["median"] / o["median"]
            speedups.append(speedup)
            if r["stopped"]:
                rows, rl_ms, sp = f"{o['rows']}", f">{r['median'] * 1000:.0f}", f"≥{speedup:.1f}×"
                note = " (rdflib stopped)"
            else:
                rows = f"{o['rows']}" if o["rows"] == r["rows"] else f"{o['rows']}≠{r['rows']}"
                rl_ms, sp = f"{r['median'] * 1000:.1f}", f"{speedup:.1f}×"
                note = "" if r["runs"] == args.repeat else f" (rdflib: {r['runs']} run)"
            print(f"{name:<18} {rows:>14} {o['median'] * 1000:>12.1f} {rl_ms:>12} {sp:>9}{note}")
        print(
            f"\nload: oxigraph {ox['load_s']:.1f} s (bulk load + union copy; store {ox['disk_mb']:.0f} MB on disk), "
            f"rdflib {rl['load_s']:.1f} s"
        )
        print(
            f"peak RSS: oxigraph {ox['rss_peak_mb']:.0f} MB, rdflib {rl['rss_peak_mb']:.0f} MB "
            f"(each process, baseline after imports {ox['rss_base_mb']:.0f} / {rl['rss_base_mb']:.0f} MB)"
        )
        if "oxigraph-union-option" in reports:
            u = reports["oxigraph-union-option"]
            per = ", ".join(f"{n} {q['median'] * 1000:.1f} ms ({q['rows']} rows)" for n, q in u["queries"].items())
            print(
                f"union option instead of the copy: load {u['load_s']:.1f} s, store {u['disk_mb']:.0f} MB, "
                f"peak RSS {u['rss_peak_mb']:.0f} MB; {per}"
            )
        mismatched = [
            n
            for n, o in ox["queries"].items()
            if not rl["queries"][n]["stopped"] and o["rows"] != rl["queries"][n]["rows"]
        ]
        if any(q["stopped"] for q in rl["queries"].values()):
            print(
                f"rdflib queries stopped after {args.limit:g} s count with that time: their speedups are lower bounds"
            )
        if mismatched:
            print(f"warning: the engines disagree on the number of rows of {', '.join(mismatched)}")
        print(f"speedup over rdflib: {statistics.median(speedups):.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
