//! Discrete Bayesian networks: a network read from YAML (nodes with named
//! states, parents and conditional probability tables), exact inference by
//! enumeration and by variable elimination, Gibbs sampling, and Markov
//! blankets. Terminal-free.
//!
//! The file format is documented at the top of the bundled
//! `datasets/bayesnet_alarm.yaml`. Every error names the file and, where
//! there is one, the line and column (YAML syntax) or the node whose table
//! is wrong (shape, rows not summing to 1, unknown parent, cycle).

pub mod infer;

use std::fmt;
use std::path::Path;

use serde::Deserialize;

pub use infer::{
    enumerate, gibbs, markov_blanket, variable_elimination, GibbsOptions, GibbsRun, VeRun,
};

/// How far a CPT row's sum may be from 1.
pub const SUM_TOLERANCE: f64 = 1e-6;

/// A problem with a network file or a query: where and what.
#[derive(Debug, Clone, PartialEq)]
pub struct NetError {
    /// The file (a path as given or the bundled name); empty for a query
    /// that is not about a file.
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl NetError {
    fn whole(file: &str, message: impl Into<String>) -> NetError {
        NetError {
            file: file.to_string(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// An error about a query (evidence, node names), not a file.
    pub fn query(message: impl Into<String>) -> NetError {
        NetError::whole("", message)
    }
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.file.is_empty(), self.line, self.column) {
            (true, _, _) => write!(f, "{}", self.message),
            (false, Some(l), Some(c)) => write!(f, "{}:{l}:{c}: {}", self.file, self.message),
            (false, Some(l), None) => write!(f, "{}:{l}: {}", self.file, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for NetError {}

/// One discrete variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    pub states: Vec<String>,
    /// Indices of the parents, in the order of the CPT rows.
    pub parents: Vec<usize>,
    /// Row-major `rows × states.len()`; rows in the order of the parents'
    /// state combinations, the last parent changing fastest.
    pub cpt: Vec<f64>,
}

/// A Bayesian network: variables in topological order (every parent before
/// its children).
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    pub name: String,
    pub description: String,
    pub vars: Vec<Variable>,
}

/// An assignment of some variables: `(variable, state)` pairs.
pub type Evidence = Vec<(usize, usize)>;

impl Network {
    /// The index of the variable called `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.vars.iter().position(|v| v.name == name)
    }

    /// The index of `name`, or an error listing the variables.
    pub fn var(&self, name: &str) -> Result<usize, NetError> {
        self.index(name).ok_or_else(|| {
            let names: Vec<&str> = self.vars.iter().map(|v| v.name.as_str()).collect();
            NetError::query(format!(
                "no variable `{name}` in network `{}`; it has: {}",
                self.name,
                names.join(", ")
            ))
        })
    }

    /// The index of state `state` of variable `v`.
    pub fn state(&self, v: usize, state: &str) -> Result<usize, NetError> {
        let var = &self.vars[v];
        var.states.iter().position(|s| s == state).ok_or_else(|| {
            NetError::query(format!(
                "`{}` has no state `{state}`; its states are: {}",
                var.name,
                var.states.join(", ")
            ))
        })
    }

    /// `A=x,B=y` (empty: no evidence) as variable and state indices.
    pub fn parse_evidence(&self, text: &str) -> Result<Evidence, NetError> {
        let mut out: Evidence = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((name, state)) = part.split_once('=') else {
                return Err(NetError::query(format!(
                    "evidence `{part}` is not NAME=STATE (e.g. JohnCalls=true)"
                )));
            };
            let v = self.var(name.trim())?;
            let s = self.state(v, state.trim())?;
            if let Some(&(_, before)) = out.iter().find(|(w, _)| *w == v) {
                if before != s {
                    return Err(NetError::query(format!(
                        "evidence gives `{}` two different states",
                        self.vars[v].name
                    )));
                }
                continue;
            }
            out.push((v, s));
        }
        Ok(out)
    }

    /// The children of variable `v`.
    pub fn children(&self, v: usize) -> Vec<usize> {
        (0..self.vars.len())
            .filter(|&c| self.vars[c].parents.contains(&v))
            .collect()
    }

    /// The CPT row of `v` for the parents' states in `assignment`
    /// (indexed by variable).
    pub fn row(&self, v: usize, assignment: &[usize]) -> usize {
        let var = &self.vars[v];
        let mut row = 0;
        for &p in &var.parents {
            row = row * self.vars[p].states.len() + assignment[p];
        }
        row
    }

    /// `P(v = state | parents as in assignment)`.
    pub fn prob(&self, v: usize, state: usize, assignment: &[usize]) -> f64 {
        let k = self.vars[v].states.len();
        self.vars[v].cpt[self.row(v, assignment) * k + state]
    }

    /// The bundled alarm network.
    pub fn alarm() -> Result<Network, NetError> {
        load("alarm")
    }
}

/// The bundled networks (`--net NAME`) and their files.
pub const BUNDLED: &[(&str, &str)] = &[("alarm", "bayesnet_alarm.yaml")];

/// A bundled network by name, else a file path.
pub fn load(name_or_path: &str) -> Result<Network, NetError> {
    if let Some((_, file)) = BUNDLED.iter().find(|(n, _)| *n == name_or_path) {
        let bytes = crate::data::bundled_file(file)
            .ok_or_else(|| NetError::whole(file, "bundled file is missing from this build"))?;
        let text = std::str::from_utf8(bytes)
            .map_err(|_| NetError::whole(file, "bundled file is not UTF-8"))?;
        return parse(text, file);
    }
    let path = Path::new(name_or_path);
    let bytes = std::fs::read(path).map_err(|e| {
        let names: Vec<&str> = BUNDLED.iter().map(|(n, _)| *n).collect();
        NetError::whole(
            name_or_path,
            format!(
                "cannot read ({e}); not a bundled network either (bundled: {})",
                names.join(", ")
            ),
        )
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => parse(&text, name_or_path),
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let text = String::from_utf8_lossy(valid);
            Err(NetError {
                file: name_or_path.to_string(),
                line: Some(text.matches('\n').count() + 1),
                column: Some(text.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1),
                message: "not UTF-8 text (expected a UTF-8 YAML file)".into(),
            })
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    nodes: Vec<NodeFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NodeFile {
    name: String,
    states: Vec<serde_yaml::Value>,
    #[serde(default)]
    parents: Vec<String>,
    cpt: serde_yaml::Value,
}

/// The line and column of `- name: NODE` (or `name: NODE`) in the text, so
/// that a table error points at its node.
fn node_position(text: &str, node: &str) -> (Option<usize>, Option<usize>) {
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        let t = t.strip_prefix('-').map_or(t, str::trim_start);
        if let Some(rest) = t.strip_prefix("name:") {
            let v = rest.split('#').next().unwrap_or("").trim();
            let v = v.trim_matches(|c| c == '"' || c == '\'');
            if v == node {
                let col = line
                    .find("name:")
                    .map_or(1, |c| line[..c].chars().count() + 1);
                return (Some(i + 1), Some(col));
            }
        }
    }
    (None, None)
}

fn scalar_text(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::String(s) => Some(s.clone()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(v: &serde_yaml::Value) -> Option<f64> {
    match v {
        serde_yaml::Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// Parse a network; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<Network, NetError> {
    let doc: NetFile = serde_yaml::from_str(text).map_err(|e| {
        let loc = e.location();
        NetError {
            file: file.to_string(),
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message: e
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or("")
                .to_string(),
        }
    })?;
    let at = |node: &str, message: String| {
        let (line, column) = node_position(text, node);
        NetError {
            file: file.to_string(),
            line,
            column,
            message,
        }
    };
    if doc.nodes.is_empty() {
        return Err(NetError::whole(
            file,
            "`nodes` is empty: a network needs at least one variable",
        ));
    }
    // Names, states.
    let mut names: Vec<&str> = Vec::new();
    for n in &doc.nodes {
        if n.name.trim().is_empty() {
            return Err(NetError::whole(file, "a node has an empty name"));
        }
        if names.contains(&n.name.as_str()) {
            return Err(at(&n.name, format!("node `{}` is defined twice", n.name)));
        }
        names.push(&n.name);
    }
    let mut states: Vec<Vec<String>> = Vec::new();
    for n in &doc.nodes {
        let mut s = Vec::new();
        for v in &n.states {
            let Some(t) = scalar_text(v) else {
                return Err(at(
                    &n.name,
                    format!("node `{}`: a state must be a plain name", n.name),
                ));
            };
            if s.contains(&t) {
                return Err(at(
                    &n.name,
                    format!("node `{}`: state `{t}` is listed twice", n.name),
                ));
            }
            s.push(t);
        }
        if s.len() < 2 {
            return Err(at(
                &n.name,
                format!(
                    "node `{}` needs at least two states, has {}",
                    n.name,
                    s.len()
                ),
            ));
        }
        states.push(s);
    }
    // Parents.
    let mut parents: Vec<Vec<usize>> = Vec::new();
    for n in &doc.nodes {
        let mut ps = Vec::new();
        for p in &n.parents {
            let Some(i) = names.iter().position(|x| x == p) else {
                return Err(at(
                    &n.name,
                    format!(
                        "node `{}`: parent `{p}` is not a node of this network",
                        n.name
                    ),
                ));
            };
            if ps.contains(&i) {
                return Err(at(
                    &n.name,
                    format!("node `{}`: parent `{p}` is listed twice", n.name),
                ));
            }
            if p == &n.name {
                return Err(at(
                    &n.name,
                    format!("node `{}` is its own parent (a cycle)", n.name),
                ));
            }
            ps.push(i);
        }
        parents.push(ps);
    }
    // Topological order (Kahn); what is left is on a cycle.
    let k = doc.nodes.len();
    let mut order: Vec<usize> = Vec::with_capacity(k);
    let mut placed = vec![false; k];
    while order.len() < k {
        let next = (0..k).find(|&i| !placed[i] && parents[i].iter().all(|&p| placed[p]));
        match next {
            Some(i) => {
                placed[i] = true;
                order.push(i);
            }
            None => {
                let cycle = find_cycle(&parents, &placed);
                let names_on: Vec<&str> = cycle.iter().map(|&i| names[i]).collect();
                return Err(at(
                    names_on.first().copied().unwrap_or(""),
                    format!(
                        "the parents form a cycle: {} (a Bayesian network must be acyclic)",
                        names_on.join(" → ")
                    ),
                ));
            }
        }
    }
    // CPTs.
    let mut cpts: Vec<Vec<f64>> = Vec::new();
    for (i, n) in doc.nodes.iter().enumerate() {
        let ks = states[i].len();
        let rows_expected: usize = parents[i].iter().map(|&p| states[p].len()).product();
        let rows: Vec<Vec<serde_yaml::Value>> = match &n.cpt {
            serde_yaml::Value::Sequence(seq) if seq.iter().all(|x| x.is_sequence()) => seq
                .iter()
                .map(|r| r.as_sequence().cloned().unwrap_or_default())
                .collect(),
            serde_yaml::Value::Sequence(seq) if rows_expected == 1 => vec![seq.clone()],
            _ => {
                return Err(at(
                    &n.name,
                    format!(
                        "node `{}`: `cpt` must be a list of {rows_expected} row(s) of {ks} probabilities",
                        n.name
                    ),
                ))
            }
        };
        if rows.len() != rows_expected {
            let combos = if parents[i].is_empty() {
                String::from("a root has one row")
            } else {
                let parts: Vec<String> = parents[i]
                    .iter()
                    .map(|&p| format!("{} ({})", names[p], states[p].len()))
                    .collect();
                format!("one per combination of {}", parts.join(" × "))
            };
            return Err(at(
                &n.name,
                format!(
                    "node `{}`: the CPT has {} row(s), expected {rows_expected} ({combos})",
                    n.name,
                    rows.len()
                ),
            ));
        }
        let mut flat = Vec::with_capacity(rows_expected * ks);
        for (r, row) in rows.iter().enumerate() {
            if row.len() != ks {
                return Err(at(
                    &n.name,
                    format!(
                        "node `{}`: CPT row {} has {} value(s), expected {ks} (one per state: {})",
                        n.name,
                        r + 1,
                        row.len(),
                        states[i].join(", ")
                    ),
                ));
            }
            let mut sum = 0.0;
            for v in row {
                let Some(x) = number(v) else {
                    return Err(at(
                        &n.name,
                        format!(
                            "node `{}`: CPT row {} holds a value that is not a number",
                            n.name,
                            r + 1
                        ),
                    ));
                };
                if !(0.0..=1.0).contains(&x) || !x.is_finite() {
                    return Err(at(
                        &n.name,
                        format!(
                            "node `{}`: CPT row {} holds {x}, not a probability in [0, 1]",
                            n.name,
                            r + 1
                        ),
                    ));
                }
                sum += x;
                flat.push(x);
            }
            if (sum - 1.0).abs() > SUM_TOLERANCE {
                return Err(at(
                    &n.name,
                    format!(
                        "node `{}`: CPT row {}{} sums to {sum}, not 1",
                        n.name,
                        r + 1,
                        row_label(&parents[i], &states, &names, r)
                    ),
                ));
            }
        }
        cpts.push(flat);
    }
    // Renumber in topological order.
    let mut new_index = vec![0; k];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let vars = order
        .iter()
        .map(|&old| Variable {
            name: names[old].to_string(),
            states: states[old].clone(),
            parents: parents[old].iter().map(|&p| new_index[p]).collect(),
            cpt: cpts[old].clone(),
        })
        .collect();
    Ok(Network {
        name: doc.name.unwrap_or_else(|| {
            Path::new(file)
                .file_stem()
                .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned())
        }),
        description: doc.description.unwrap_or_default(),
        vars,
    })
}

/// ` (A=x, B=y)`: the parents' states of CPT row `r`.
fn row_label(parents: &[usize], states: &[Vec<String>], names: &[&str], r: usize) -> String {
    if parents.is_empty() {
        return String::new();
    }
    let mut rest = r;
    let mut parts = Vec::new();
    for &p in parents.iter().rev() {
        let k = states[p].len();
        parts.push(format!("{}={}", names[p], states[p][rest % k]));
        rest /= k;
    }
    parts.reverse();
    format!(" ({})", parts.join(", "))
}

/// A cycle among the unplaced nodes (each has an unplaced parent).
fn find_cycle(parents: &[Vec<usize>], placed: &[bool]) -> Vec<usize> {
    let Some(start) = (0..parents.len()).find(|&i| !placed[i]) else {
        return Vec::new();
    };
    let mut path = vec![start];
    let mut cur = start;
    loop {
        let Some(&next) = parents[cur].iter().find(|&&p| !placed[p]) else {
            return path;
        };
        if let Some(pos) = path.iter().position(|&x| x == next) {
            // path[pos..] is the cycle walking child → parent; print it
            // parent → child.
            let mut cyc: Vec<usize> = path[pos..].to_vec();
            cyc.reverse();
            cyc.push(cyc[0]);
            return cyc;
        }
        path.push(next);
        cur = next;
    }
}

#[cfg(test)]
mod tests;
