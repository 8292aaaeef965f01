// The query page of `tiegraph serve`: library queries, parameters, a results table. No dependencies.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const prefixes = {
    tg: "https://w3id.org/tiegraph/ontology#", id: "https://w3id.org/tiegraph/id/",
    rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#", rdfs: "http://www.w3.org/2000/01/rdf-schema#",
    xsd: "http://www.w3.org/2001/XMLSchema#", skos: "http://www.w3.org/2004/02/skos/core#",
    schema: "https://schema.org/", prov: "http://www.w3.org/ns/prov#", oa: "http://www.w3.org/ns/oa#",
  };
  let library = [];

  function compact(iri) {
    for (const [p, ns] of Object.entries(prefixes)) {
      if (iri.startsWith(ns)) return p + ":" + iri.slice(ns.length);
    }
    return iri;
  }

  function form(format) {
    const data = new URLSearchParams();
    data.set("query", $("sparql").value);
    if (format) data.set("format", format);
    for (const input of $("params").querySelectorAll("input")) {
      if (input.value.trim()) data.set("param." + input.name, input.value.trim());
    }
    return data;
  }

  function showParams(query) {
    const box = $("params");
    box.textContent = "";
    for (const p of (query ? query.params : [])) {
      const label = document.createElement("label");
      label.textContent = p.name + (p.required ? " (required) " : " ");
      const input = document.createElement("input");
      input.name = p.name;
      input.title = p.description;
      input.placeholder = p.description;
      label.appendChild(input);
      box.appendChild(label);
    }
  }

  function cell(term) {
    const td = document.createElement("td");
    if (!term) return td;
    if (term.type === "uri") {
      td.textContent = compact(term.value);
      td.title = term.value;
    } else {
      td.textContent = term.value;
      if (term.datatype) td.title = compact(term.datatype);
    }
    return td;
  }

  function render(json) {
    const out = $("results");
    out.textContent = "";
    if ("boolean" in json) {
      out.textContent = json.boolean ? "true" : "false";
      return 1;
    }
    const vars = json.head.vars;
    const table = document.createElement("table");
    const head = table.createTHead().insertRow();
    for (const v of vars) {
      const th = document.createElement("th");
      th.textContent = v;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const b of json.results.bindings) {
      const row = body.insertRow();
      for (const v of vars) row.appendChild(cell(b[v]));
    }
    out.appendChild(table);
    return json.results.bindings.length;
  }

  async function run() {
    const status = $("status");
    status.className = "";
    status.textContent = "running…";
    const started = performance.now();
    try {
      const response = await fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded",
                   "Accept": "application/sparql-results+json, text/turtle" },
        body: form(""),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(text);
      let count;
      if ((response.headers.get("Content-Type") || "").includes("turtle")) {
        const pre = document.createElement("pre");
        pre.id = "graph";
        pre.textContent = text;
        $("results").replaceChildren(pre);
        count = text.split("\n").length;
      } else {
        count = render(JSON.parse(text));
      }
      const cut = response.headers.get("X-Tiegraph-Truncated");
      status.textContent = `${count} result(s) in ${Math.round(performance.now() - started)} ms` +
        (cut ? ` (${cut})` : "");
    } catch (error) {
      status.className = "error";
      status.textContent = error.message;
    }
  }

  for (const format of ["csv", "tsv", "json", "xml", "turtle"]) {
    $(format).addEventListener("click", (event) => {
      event.currentTarget.href = "/sparql?" + form(format).toString();
    });
  }
  $("run").addEventListener("click", run);
  $("sparql").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) run();
  });
  $("library").addEventListener("change", () => {
    const query = library.find((q) => q.name === $("library").value);
    $("answers").textContent = query ? query.answers : "";
    if (query) $("sparql").value = query.text;
    showParams(query);
  });
  // /query?query=... opens the page with that query and runs it (links to a query can be shared)
  const given = new URLSearchParams(location.search).get("query");
  if (given) {
    $("sparql").value = given;
    run();
  }
  fetch("/queries.json").then((r) => r.json()).then((items) => {
    library = items;
    for (const q of items) {
      const option = document.createElement("option");
      option.value = q.name;
      option.textContent = q.name;
      $("library").appendChild(option);
    }
  });
})();
