"""Karate-club reference figures from networkx and NumPy for the `gcn` lab
(src/labs/gcn.rs tests): degrees, the faction of every member and the GCN's
normalised adjacency D^-1/2 (A + I) D^-1/2 of the unweighted graph.

Run: python3 -m venv /tmp/venv-x && /tmp/venv-x/bin/pip install -r
tests/reference/requirements-graph.txt && /tmp/venv-x/bin/python
tests/reference/make_graph_reference.py
"""
import json
import os

import networkx as nx
import numpy as np

g = nx.karate_club_graph()
n = g.number_of_nodes()
a = nx.to_numpy_array(g, nodelist=range(n), weight=None)
a_hat = a + np.eye(n)
d = a_hat.sum(axis=1)
norm = a_hat / np.sqrt(np.outer(d, d))
out = {
    "nodes": n,
    "edges": g.number_of_edges(),
    "degrees": [int(g.degree(i)) for i in range(n)],
    "club": [g.nodes[i]["club"] for i in range(n)],
    "density": nx.density(g),
    "normalised_adjacency": norm.tolist(),
    "networkx": nx.__version__,
    "numpy": np.__version__,
}
path = os.path.join(os.path.dirname(__file__), "graph_reference.json")
with open(path, "w") as f:
    json.dump(out, f)
print(n, out["edges"], out["density"], norm.sum())
