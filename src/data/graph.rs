//! Graph data: an edge list (`source,target[,weight]`, nodes numbered from 0)
//! and a node-label file (`node,target`), as the bundled `karate` set is
//! stored. Undirected; duplicate edges and self-loops are refused with the
//! line that holds them.

use super::manifest::{bundled_file, manifest, DatasetKind};
use super::table::{sort_classes, DataError};

/// An undirected graph with one class label per node.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphData {
    pub name: String,
    pub n_nodes: usize,
    /// Each undirected edge once, `(u, v, weight)` with `u < v`.
    pub edges: Vec<(usize, usize, f64)>,
    /// Class index of each node.
    pub labels: Vec<usize>,
    pub classes: Vec<String>,
}

impl GraphData {
    /// Neighbour lists (sorted), ignoring weights.
    pub fn neighbours(&self) -> Vec<Vec<usize>> {
        let mut adj = vec![Vec::new(); self.n_nodes];
        for &(u, v, _) in &self.edges {
            adj[u].push(v);
            adj[v].push(u);
        }
        for a in &mut adj {
            a.sort_unstable();
        }
        adj
    }

    /// Index of a class by name.
    pub fn class_index(&self, name: &str) -> Option<usize> {
        self.classes.iter().position(|c| c == name)
    }
}

/// Load a bundled graph dataset by name (`karate`).
pub fn load_graph(name: &str) -> Result<GraphData, DataError> {
    let Some(info) = manifest().iter().find(|d| d.name == name) else {
        let graphs: Vec<&str> = manifest()
            .iter()
            .filter(|d| d.kind == DatasetKind::Graph)
            .map(|d| d.name.as_str())
            .collect();
        return Err(DataError::file(
            name,
            format!(
                "not a bundled graph dataset (bundled: {})",
                graphs.join(", ")
            ),
        ));
    };
    if info.kind != DatasetKind::Graph {
        return Err(DataError::file(
            &info.file,
            format!("dataset `{name}` is {} data, not a graph", info.kind),
        ));
    }
    let Some(labels_file) = info.test_file.as_deref() else {
        return Err(DataError::file(
            &info.file,
            "the manifest names no label file",
        ));
    };
    let get = |f: &str| {
        bundled_file(f)
            .ok_or_else(|| DataError::file(f, "bundled file is missing from this build"))
            .and_then(|b| {
                std::str::from_utf8(b).map_err(|e| DataError::file(f, format!("not UTF-8: {e}")))
            })
    };
    parse_graph(
        name,
        &format!("datasets/{}", info.file),
        get(&info.file)?,
        &format!("datasets/{labels_file}"),
        get(labels_file)?,
    )
}

fn at(file: &str, line: usize, col: usize, col_name: &str, msg: impl Into<String>) -> DataError {
    DataError {
        file: file.to_string(),
        line: Some(line),
        column: Some((col, col_name.to_string())),
        message: msg.into(),
    }
}

fn at_line(file: &str, line: usize, msg: impl Into<String>) -> DataError {
    DataError {
        file: file.to_string(),
        line: Some(line),
        column: None,
        message: msg.into(),
    }
}

/// Parse an edge list and a label file (both CSV with a header line).
pub fn parse_graph(
    name: &str,
    edges_file: &str,
    edges_text: &str,
    labels_file: &str,
    labels_text: &str,
) -> Result<GraphData, DataError> {
    // Labels first: they fix the number of nodes.
    let mut node_class: Vec<(usize, String)> = Vec::new();
    for (i, line) in labels_text.lines().enumerate().skip(1) {
        let ln = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != 2 {
            return Err(at_line(
                labels_file,
                ln,
                format!("expected 2 fields (node,target), found {}", f.len()),
            ));
        }
        let node: usize = f[0].parse().map_err(|_| {
            at(
                labels_file,
                ln,
                1,
                "node",
                format!("`{}` is not a node number", f[0]),
            )
        })?;
        node_class.push((node, f[1].to_string()));
    }
    let n = node_class.len();
    if n < 2 {
        return Err(DataError::file(
            labels_file,
            "a graph needs at least 2 labelled nodes",
        ));
    }
    let mut classes: Vec<String> = Vec::new();
    for (_, c) in &node_class {
        if !classes.contains(c) {
            classes.push(c.clone());
        }
    }
    sort_classes(&mut classes);
    let mut labels = vec![usize::MAX; n];
    for (k, (node, c)) in node_class.iter().enumerate() {
        if *node >= n {
            return Err(at(
                labels_file,
                k + 2,
                1,
                "node",
                format!("node {node} is out of range: {n} labelled nodes must be numbered 0..{n}"),
            ));
        }
        if labels[*node] != usize::MAX {
            return Err(at(
                labels_file,
                k + 2,
                1,
                "node",
                format!("node {node} is labelled twice"),
            ));
        }
        labels[*node] = classes.iter().position(|x| x == c).unwrap_or(0);
    }
    let mut edges: Vec<(usize, usize, f64)> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (i, line) in edges_text.lines().enumerate().skip(1) {
        let ln = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != 2 && f.len() != 3 {
            return Err(at_line(
                edges_file,
                ln,
                format!(
                    "expected 2 or 3 fields (source,target[,weight]), found {}",
                    f.len()
                ),
            ));
        }
        let node = |k: usize, col: &str| -> Result<usize, DataError> {
            let v: usize = f[k].parse().map_err(|_| {
                at(
                    edges_file,
                    ln,
                    k + 1,
                    col,
                    format!("`{}` is not a node number", f[k]),
                )
            })?;
            if v >= n {
                return Err(at(
                    edges_file,
                    ln,
                    k + 1,
                    col,
                    format!("node {v} has no label (labelled nodes: 0..{n})"),
                ));
            }
            Ok(v)
        };
        let (a, b) = (node(0, "source")?, node(1, "target")?);
        let w = match f.get(2) {
            Some(s) => s
                .parse::<f64>()
                .ok()
                .filter(|w| w.is_finite() && *w > 0.0)
                .ok_or_else(|| {
                    at(
                        edges_file,
                        ln,
                        3,
                        "weight",
                        format!("`{s}` is not a positive number"),
                    )
                })?,
            None => 1.0,
        };
        if a == b {
            return Err(at_line(edges_file, ln, format!("self-loop on node {a}")));
        }
        let (u, v) = (a.min(b), a.max(b));
        if !seen.insert((u, v)) {
            return Err(at_line(
                edges_file,
                ln,
                format!("edge {u}–{v} is listed twice"),
            ));
        }
        edges.push((u, v, w));
    }
    if edges.is_empty() {
        return Err(DataError::file(edges_file, "no edges"));
    }
    Ok(GraphData {
        name: name.to_string(),
        n_nodes: n,
        edges,
        labels,
        classes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn karate_loads_with_its_two_factions() {
        let g = load_graph("karate").unwrap();
        assert_eq!(g.n_nodes, 34);
        assert_eq!(g.edges.len(), 78);
        assert_eq!(g.classes, vec!["Mr. Hi".to_string(), "Officer".to_string()]);
        let hi = g.labels.iter().filter(|&&c| c == 0).count();
        assert_eq!(hi, 17);
        assert_eq!(g.labels[0], 0);
        assert_eq!(g.labels[33], 1);
        assert_eq!(g.neighbours()[0].len(), 16);
    }

    #[test]
    fn bad_files_name_the_line_and_column() {
        let labels = "node,target\n0,a\n1,b\n2,a\n";
        let e =
            parse_graph("t", "e.csv", "source,target\n0,1\n1,x\n", "l.csv", labels).unwrap_err();
        assert_eq!(
            e.to_string(),
            "e.csv:3:2: column `target`: `x` is not a node number"
        );
        let e =
            parse_graph("t", "e.csv", "source,target\n0,1\n1,0\n", "l.csv", labels).unwrap_err();
        assert_eq!(e.to_string(), "e.csv:3: edge 0–1 is listed twice");
        let e = parse_graph("t", "e.csv", "source,target\n0,7\n", "l.csv", labels).unwrap_err();
        assert!(e.to_string().contains("node 7 has no label"), "{e}");
        let e = parse_graph(
            "t",
            "e.csv",
            "source,target\n0,1\n",
            "l.csv",
            "node,target\n0,a\n5,b\n",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("l.csv:3:1:"), "{e}");
        assert!(load_graph("iris").is_err());
    }
}
