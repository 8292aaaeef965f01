"""Benchmark: writing graph.trig and graph.ttl with rdflib (what a build does) or with pyoxigraph.

    python bench/serialize.py [--triples 200000]

Builds the rdflib Dataset a build would hold (the generator of bench/sparql.py), then times:

* rdflib: ``graph.rdf.serialize_trig`` and the union graph's Turtle, exactly as ``graph.api.write_outputs``;
* pyoxigraph: the same quads converted to pyoxigraph terms, sorted (so that the bytes are the same on
  every run), and serialised as TriG and Turtle with the same prefixes.

It prints both times and whether two pyoxigraph runs gave identical bytes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def to_ox(term):
    import pyoxigraph as ox
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)) if term.datatype else None)
    return ox.DefaultGraph()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=200_000)
    args = parser.parse_args()

    import pyoxigraph as ox
    from rdflib import Dataset, Graph
    from sparql import generate

    from graph.rdf import serialize_trig
    from ontology import PREFIXES

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "g.nq"
        info = generate(args.triples, 7, data)
        ds = Dataset()
        ds.parse(data, format="nquads")
        for prefix, ns in PREFIXES.items():
            ds.bind(prefix, ns)
    print(f"{info['quads']:,} quads in {info['documents']:,} graphs")

    t = time.perf_counter()
    trig = serialize_trig(ds)
    rdflib_trig = time.perf_counter() - t
    t = time.perf_counter()
    union = Graph()
    for prefix, ns in PREFIXES.items():
        union.bind(prefix, ns)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    turtle = union.serialize(format="turtle", encoding="utf-8")
    rdflib_ttl = time.perf_counter() - t

    def oxigraph_run() -> tuple[bytes, bytes, float, float]:
        t = time.perf_counter()
        quads = sorted(
            (ox.Quad(to_ox(s), to_ox(p), to_ox(o), to_ox(g.identifier if hasattr(g, "identifier") else g))
             for s, p, o, g in ds.quads((None, None, None, None))),
            key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)),
        )  # fmt: skip
        out_trig = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIXES)
        t_trig = time.perf_counter() - t
        t = time.perf_counter()
        triples = sorted(
            {ox.Triple(q.subject, q.predicate, q.object) for q in quads},
            key=lambda x: (str(x.subject), str(x.predicate), str(x.object)),
        )
        out_ttl = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        return out_trig, out_ttl, t_trig, time.perf_counter() - t

    a_trig, a_ttl, ox_trig, ox_ttl = oxigraph_run()
    b_trig, b_ttl, _, _ = oxigraph_run()
    print(f"graph.trig: rdflib {rdflib_trig:.1f} s ({len(trig) / 1e6:.0f} MB), pyoxigraph {ox_trig:.1f} s")
    print(f"graph.ttl:  rdflib {rdflib_ttl:.1f} s ({len(turtle) / 1e6:.0f} MB), pyoxigraph {ox_ttl:.1f} s")
    print(f"pyoxigraph bytes identical across runs: {a_trig == b_trig and a_ttl == b_ttl}")


if __name__ == "__main__":
    main()
