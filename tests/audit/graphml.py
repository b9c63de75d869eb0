"""Reads a GraphML file with networkx, the way a data scientist would, and prints what it
found as JSON: the counts, and the attributes of the node and edge named on the command line.

    python graphml.py FILE NODE_ID EDGE_ID
"""

import json
import sys

import networkx as nx

path, node, edge = sys.argv[1:4]
graph = nx.read_graphml(path)
# Parallel edges (two claims of one fact) make a multigraph, whose edges are keyed by their id.
if graph.is_multigraph():
    edges = {key: (a, b, data) for a, b, key, data in graph.edges(keys=True, data=True)}
else:
    edges = {data.get("id"): (a, b, data) for a, b, data in graph.edges(data=True)}
a, b, data = edges[edge]
print(
    json.dumps(
        {
            "networkx": nx.__version__,
            "directed": graph.is_directed(),
            "multigraph": graph.is_multigraph(),
            "nodes": graph.number_of_nodes(),
            "edges": graph.number_of_edges(),
            "node": graph.nodes[node],
            "edge": {"source": a, "target": b, **data},
        }
    )
)
