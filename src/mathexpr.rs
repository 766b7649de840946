//! Small expressions a learner types for a hidden derivation step, and
//! their numeric equivalence: both sides are evaluated at random points of
//! the card's declared variable ranges, so `2*x*y`, `2yx` and `2 x y` are the
//! same answer and `x^2 y` is not.
//!
//! Our own code: the job is a few hundred lines (a Pratt-style parser with
//! implicit multiplication, a LaTeX front end, and a sampler), while the
//! symbolic-algebra crates are large and would still need the LaTeX reading
//! and the sampling written around them.
//!
//! Syntax: numbers, variables, `+ - * / ^`, parentheses, implicit
//! multiplication, the functions `exp log ln sqrt abs sigma tanh sin cos`
//! (`log` is natural; `sigma(z) = 1/(1+e^-z)`), the constants `pi` and `e`.
//! A variable is a letter with an optional subscript (`x`, `w_j`, `x_1`,
//! `alpha_t`) or a Greek name; `sigma` is a variable unless followed by `(`.
//! LaTeX input is read too: `\frac{a}{b}`, `\sqrt{x}`, `\cdot`, `\times`,
//! `\exp`, `\log`, `\sigma`, `x^{2}`, `w_{j}`, `\left(`, Greek letters and
//! their Unicode forms.

use std::collections::BTreeMap;
use std::fmt;

use rand::Rng as _;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(f64),
    Var(String),
    Neg(Box<Expr>),
    Call(Func, Box<Expr>),
    Bin(Op, Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Exp,
    Log,
    Sqrt,
    Abs,
    Sigma,
    Tanh,
    Sin,
    Cos,
}

impl Func {
    fn from_name(s: &str) -> Option<Func> {
        Some(match s {
            "exp" => Func::Exp,
            "log" | "ln" => Func::Log,
            "sqrt" => Func::Sqrt,
            "abs" => Func::Abs,
            "sigma" => Func::Sigma,
            "tanh" => Func::Tanh,
            "sin" => Func::Sin,
            "cos" => Func::Cos,
            _ => return None,
        })
    }

    fn apply(self, x: f64) -> f64 {
        match self {
            Func::Exp => x.exp(),
            Func::Log => x.ln(),
            Func::Sqrt => x.sqrt(),
            Func::Abs => x.abs(),
            Func::Sigma => 1.0 / (1.0 + (-x).exp()),
            Func::Tanh => x.tanh(),
            Func::Sin => x.sin(),
            Func::Cos => x.cos(),
        }
    }
}

/// Why an expression could not be read, with the character position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {at})")]
pub struct ParseError {
    pub at: usize,
    pub message: String,
}

const FUNCS: &[&str] = &[
    "sqrt", "sigma", "tanh", "exp", "log", "abs", "sin", "cos", "ln",
];
const GREEK: &[&str] = &[
    "epsilon", "lambda", "alpha", "gamma", "delta", "theta", "omega", "sigma", "beta", "eta",
    "rho", "tau", "phi", "psi", "mu", "nu",
];
const CONSTS: &[&str] = &["pi", "e"];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    Op(char),
}

/// Split a run of letters into names: function, Greek and constant words
/// first (longest first), single letters otherwise; a `_sub` attaches to the
/// last name.
fn split_name(run: &str, sub: Option<&str>, out: &mut Vec<(usize, Tok)>, at: usize) {
    let mut words: Vec<&str> = FUNCS.iter().chain(GREEK).chain(CONSTS).copied().collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let mut i = 0;
    let start = out.len();
    while i < run.len() {
        let rest = &run[i..];
        let w: &str = words
            .iter()
            .find(|w| rest.starts_with(**w))
            .copied()
            .unwrap_or_else(|| &rest[..rest.chars().next().map_or(1, char::len_utf8)]);
        out.push((at + i, Tok::Name(w.to_string())));
        i += w.len();
    }
    if let Some(sub) = sub {
        if out.len() > start {
            if let Some((_, Tok::Name(last))) = out.last_mut() {
                last.push('_');
                last.push_str(sub);
            }
        }
    }
}

fn tokenize(s: &str) -> Result<Vec<(usize, Tok)>, ParseError> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let mut j = i;
            while j < chars.len() && (chars[j].1.is_ascii_digit() || chars[j].1 == '.') {
                j += 1;
            }
            // An exponent: 1e-3 (but not `2e` followed by a name: that is 2·e).
            if j < chars.len() && (chars[j].1 == 'e' || chars[j].1 == 'E') {
                let mut k = j + 1;
                if k < chars.len() && (chars[k].1 == '-' || chars[k].1 == '+') {
                    k += 1;
                }
                if k < chars.len() && chars[k].1.is_ascii_digit() {
                    while k < chars.len() && chars[k].1.is_ascii_digit() {
                        k += 1;
                    }
                    j = k;
                }
            }
            let end = chars.get(j).map_or(s.len(), |c| c.0);
            let text = &s[at..end];
            let v: f64 = text.parse().map_err(|_| ParseError {
                at,
                message: format!("`{text}` is not a number"),
            })?;
            out.push((at, Tok::Num(v)));
            i = j;
        } else if c.is_ascii_alphabetic() {
            let mut j = i;
            while j < chars.len() && chars[j].1.is_ascii_alphabetic() {
                j += 1;
            }
            let end = chars.get(j).map_or(s.len(), |c| c.0);
            let run = &s[at..end];
            let mut sub = None;
            if j < chars.len() && chars[j].1 == '_' {
                let mut k = j + 1;
                while k < chars.len() && chars[k].1.is_ascii_alphanumeric() {
                    k += 1;
                }
                if k == j + 1 {
                    return Err(ParseError {
                        at: chars[j].0,
                        message: "`_` needs a subscript".into(),
                    });
                }
                let sub_end = chars.get(k).map_or(s.len(), |c| c.0);
                sub = Some(&s[chars[j + 1].0..sub_end]);
                j = k;
            }
            split_name(run, sub, &mut out, at);
            i = j;
        } else if "+-*/^()".contains(c) {
            out.push((at, Tok::Op(c)));
            i += 1;
        } else {
            return Err(ParseError {
                at,
                message: format!("unexpected `{c}`"),
            });
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(usize, Tok)>,
    i: usize,
    len: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.1)
    }
    fn at(&self) -> usize {
        self.toks.get(self.i).map_or(self.len, |t| t.0)
    }
    fn err(&self, message: impl Into<String>) -> ParseError {
        ParseError {
            at: self.at(),
            message: message.into(),
        }
    }
    fn is_op(&self, c: char) -> bool {
        self.peek() == Some(&Tok::Op(c))
    }
    fn sum(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.product()?;
        loop {
            let op = if self.is_op('+') {
                Op::Add
            } else if self.is_op('-') {
                Op::Sub
            } else {
                return Ok(e);
            };
            self.i += 1;
            let r = self.product()?;
            e = Expr::Bin(op, Box::new(e), Box::new(r));
        }
    }
    fn product(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.unary()?;
        loop {
            if self.is_op('*') || self.is_op('/') {
                let op = if self.is_op('*') { Op::Mul } else { Op::Div };
                self.i += 1;
                let r = self.unary()?;
                e = Expr::Bin(op, Box::new(e), Box::new(r));
            } else if matches!(self.peek(), Some(Tok::Num(_) | Tok::Name(_) | Tok::Op('('))) {
                // Implicit multiplication: `2x`, `(a+b)(a-b)`, `x y`.
                let r = self.power()?;
                e = Expr::Bin(Op::Mul, Box::new(e), Box::new(r));
            } else {
                return Ok(e);
            }
        }
    }
    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.is_op('-') {
            self.i += 1;
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        if self.is_op('+') {
            self.i += 1;
            return self.unary();
        }
        self.power()
    }
    fn power(&mut self) -> Result<Expr, ParseError> {
        let base = self.atom()?;
        if self.is_op('^') {
            self.i += 1;
            let ex = self.unary()?;
            return Ok(Expr::Bin(Op::Pow, Box::new(base), Box::new(ex)));
        }
        Ok(base)
    }
    fn close(&mut self) -> Result<(), ParseError> {
        if self.is_op(')') {
            self.i += 1;
            Ok(())
        } else {
            Err(self.err("missing `)`"))
        }
    }
    fn atom(&mut self) -> Result<Expr, ParseError> {
        let Some(tok) = self.peek().cloned() else {
            return Err(self.err("the expression ends too early"));
        };
        self.i += 1;
        match tok {
            Tok::Num(v) => Ok(Expr::Num(v)),
            Tok::Name(n) => {
                if let Some(f) = Func::from_name(&n) {
                    if self.is_op('(') {
                        self.i += 1;
                        let arg = self.sum()?;
                        self.close()?;
                        return Ok(Expr::Call(f, Box::new(arg)));
                    }
                    if n != "sigma" {
                        self.i -= 1;
                        return Err(self.err(format!("`{n}` needs its argument in parentheses")));
                    }
                }
                Ok(match n.as_str() {
                    "pi" => Expr::Num(std::f64::consts::PI),
                    "e" => Expr::Num(std::f64::consts::E),
                    _ => Expr::Var(n),
                })
            }
            Tok::Op('(') => {
                let e = self.sum()?;
                self.close()?;
                Ok(e)
            }
            Tok::Op(c) => {
                self.i -= 1;
                Err(self.err(format!("unexpected `{c}`")))
            }
        }
    }
}

/// Rewrite the LaTeX a learner may type (or a card stores) into the plain
/// syntax: `\frac{a}{b}` -> `((a)/(b))`, `\sqrt{x}` -> `sqrt(x)`, braces of
/// `^{..}` and `_{..}` -> parentheses / a plain subscript, commands -> names.
pub fn from_latex(s: &str) -> String {
    let mut t = s.trim().trim_matches('$').to_string();
    for (a, b) in [
        ("\\left", ""),
        ("\\right", ""),
        ("\\cdot", "*"),
        ("\\times", "*"),
        ("\\,", " "),
        ("\\;", " "),
        ("\\!", ""),
        ("\u{2212}", "-"),
        ("·", "*"),
        ("×", "*"),
        ("√", "sqrt"),
    ] {
        t = t.replace(a, b);
    }
    for (g, name) in [
        ('α', "alpha"),
        ('β', "beta"),
        ('γ', "gamma"),
        ('δ', "delta"),
        ('ε', "epsilon"),
        ('η', "eta"),
        ('θ', "theta"),
        ('λ', "lambda"),
        ('μ', "mu"),
        ('ν', "nu"),
        ('ρ', "rho"),
        ('σ', "sigma"),
        ('τ', "tau"),
        ('φ', "phi"),
        ('ψ', "psi"),
        ('ω', "omega"),
        ('π', "pi"),
    ] {
        t = t.replace(g, &format!(" {name} "));
    }
    let mut out = String::with_capacity(t.len());
    let chars: Vec<char> = t.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            let mut j = i + 1;
            while j < chars.len() && chars[j].is_ascii_alphabetic() {
                j += 1;
            }
            let cmd: String = chars[i + 1..j].iter().collect();
            i = j;
            match cmd.as_str() {
                "frac" | "dfrac" | "tfrac" => {
                    let (num, k) = group(&chars, i);
                    let (den, k) = group(&chars, k);
                    out.push_str(&format!("(({})/({}))", from_latex(&num), from_latex(&den)));
                    i = k;
                }
                "sqrt" => {
                    let (arg, k) = group(&chars, i);
                    out.push_str(&format!("sqrt({})", from_latex(&arg)));
                    i = k;
                }
                "mathrm" | "text" | "operatorname" | "mathit" => {
                    let (arg, k) = group(&chars, i);
                    out.push(' ');
                    out.push_str(&arg);
                    out.push(' ');
                    i = k;
                }
                other => {
                    out.push(' ');
                    out.push_str(other);
                    out.push(' ');
                }
            }
        } else if (c == '^' || c == '_') && chars.get(i + 1) == Some(&'{') {
            let (arg, k) = group(&chars, i + 1);
            if c == '^' {
                out.push_str(&format!("^({})", from_latex(&arg)));
            } else {
                out.push('_');
                out.extend(arg.chars().filter(char::is_ascii_alphanumeric));
            }
            i = k;
        } else if c == '{' {
            out.push('(');
            i += 1;
        } else if c == '}' {
            out.push(')');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The text of the brace group starting at `i` (or the single character
/// there), and the index after it.
fn group(chars: &[char], mut i: usize) -> (String, usize) {
    while i < chars.len() && chars[i] == ' ' {
        i += 1;
    }
    if chars.get(i) != Some(&'{') {
        return (chars.get(i).map(char::to_string).unwrap_or_default(), i + 1);
    }
    let mut depth = 0;
    let start = i + 1;
    while i < chars.len() {
        match chars[i] {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return (chars[start..i].iter().collect(), i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    (
        chars[start.min(chars.len())..].iter().collect(),
        chars.len(),
    )
}

/// Parse plain or LaTeX input.
pub fn parse(input: &str) -> Result<Expr, ParseError> {
    let plain = from_latex(input);
    let toks = tokenize(&plain)?;
    if toks.is_empty() {
        return Err(ParseError {
            at: 0,
            message: "empty expression".into(),
        });
    }
    let mut p = Parser {
        toks,
        i: 0,
        len: plain.len(),
    };
    let e = p.sum()?;
    if p.i < p.toks.len() {
        return Err(p.err("unexpected text after the expression"));
    }
    Ok(e)
}

impl Expr {
    /// Every variable, sorted.
    pub fn variables(&self) -> Vec<String> {
        fn walk(e: &Expr, acc: &mut std::collections::BTreeSet<String>) {
            match e {
                Expr::Num(_) => {}
                Expr::Var(v) => {
                    acc.insert(v.clone());
                }
                Expr::Neg(a) | Expr::Call(_, a) => walk(a, acc),
                Expr::Bin(_, a, b) => {
                    walk(a, acc);
                    walk(b, acc);
                }
            }
        }
        let mut acc = std::collections::BTreeSet::new();
        walk(self, &mut acc);
        acc.into_iter().collect()
    }

    /// The value at `env` (NaN if a variable is missing).
    pub fn eval(&self, env: &BTreeMap<String, f64>) -> f64 {
        match self {
            Expr::Num(v) => *v,
            Expr::Var(v) => env.get(v).copied().unwrap_or(f64::NAN),
            Expr::Neg(a) => -a.eval(env),
            Expr::Call(f, a) => f.apply(a.eval(env)),
            Expr::Bin(op, a, b) => {
                let (x, y) = (a.eval(env), b.eval(env));
                match op {
                    Op::Add => x + y,
                    Op::Sub => x - y,
                    Op::Mul => x * y,
                    Op::Div => x / y,
                    Op::Pow => x.powf(y),
                }
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Num(v) => write!(f, "{v}"),
            Expr::Var(v) => write!(f, "{v}"),
            Expr::Neg(a) => write!(f, "-({a})"),
            Expr::Call(func, a) => write!(f, "{func:?}({a})"),
            Expr::Bin(op, a, b) => {
                let o = match op {
                    Op::Add => "+",
                    Op::Sub => "-",
                    Op::Mul => "*",
                    Op::Div => "/",
                    Op::Pow => "^",
                };
                write!(f, "({a} {o} {b})")
            }
        }
    }
}

/// The verdict on a typed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Equal to the expected expression at every sampled point.
    Equivalent,
    /// Differs at this point (the variables, the expected and typed values).
    Differs {
        at: BTreeMap<String, f64>,
        expected: f64,
        got: f64,
    },
    /// Uses a variable the step does not have.
    UnknownVariable { name: String, known: Vec<String> },
    /// Not an expression.
    Unreadable(ParseError),
    /// Neither side could be evaluated at enough points to judge.
    Undecided,
}

/// Compare `typed` with `expected` at `points` random points of `ranges`
/// (seeded, so the verdict is reproducible). Values agree when
/// `|a - b| <= 1e-6 * max(1, |a|, |b|)`.
pub fn equivalent(
    expected: &Expr,
    typed: &str,
    ranges: &BTreeMap<String, (f64, f64)>,
    points: usize,
    seed: u64,
) -> Verdict {
    let got = match parse(typed) {
        Ok(e) => e,
        Err(e) => return Verdict::Unreadable(e),
    };
    let known: Vec<String> = ranges.keys().cloned().collect();
    if let Some(name) = got
        .variables()
        .into_iter()
        .find(|v| !ranges.contains_key(v))
    {
        return Verdict::UnknownVariable { name, known };
    }
    let mut rng = crate::rng::rng(seed);
    let mut compared = 0;
    for _ in 0..points * 4 {
        if compared == points {
            break;
        }
        let env: BTreeMap<String, f64> = ranges
            .iter()
            .map(|(k, &(lo, hi))| {
                let v = if hi > lo { rng.gen_range(lo..=hi) } else { lo };
                (k.clone(), v)
            })
            .collect();
        let (a, b) = (expected.eval(&env), got.eval(&env));
        if !a.is_finite() {
            continue;
        }
        if !b.is_finite() || (a - b).abs() > 1e-6 * a.abs().max(b.abs()).max(1.0) {
            return Verdict::Differs {
                at: env,
                expected: a,
                got: b,
            };
        }
        compared += 1;
    }
    if compared == 0 {
        Verdict::Undecided
    } else {
        Verdict::Equivalent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(v: &[(&str, f64, f64)]) -> BTreeMap<String, (f64, f64)> {
        v.iter()
            .map(|(k, a, b)| (k.to_string(), (*a, *b)))
            .collect()
    }

    fn same(expected: &str, typed: &str, r: &[(&str, f64, f64)]) -> bool {
        let e = parse(expected).expect("expected parses");
        matches!(
            equivalent(&e, typed, &ranges(r), 30, 7),
            Verdict::Equivalent
        )
    }

    #[test]
    fn implicit_multiplication_and_precedence() {
        let xy = [("x", -3.0, 3.0), ("y", -3.0, 3.0)];
        assert!(same("2*x*y", "2yx", &xy));
        assert!(same("2*x*y", "2 x y", &xy));
        assert!(same("2*x*y", "x(2y)", &xy));
        assert!(!same("2*x*y", "x^2 y", &xy));
        assert!(same("(x+y)*(x-y)", "x^2 - y^2", &xy));
        assert!(same("-x^2", "-(x^2)", &xy));
        assert!(!same("-x^2", "(-x)^2", &xy));
        assert!(same("2x^2", "2*(x^2)", &xy));
    }

    #[test]
    fn functions_constants_and_subscripts() {
        let z = [("z", -4.0, 4.0)];
        assert!(same("sigma(z)(1-sigma(z))", "exp(-z)/(1+exp(-z))^2", &z));
        assert!(same("1/(1+e^(-z))", "sigma(z)", &z));
        assert!(!same("sigma(z)", "sigma(-z)", &z));
        let r = [("p", 0.01, 0.99), ("y", 0.0, 1.0), ("x_j", -3.0, 3.0)];
        assert!(same("(p - y)*x_j", "x_j p - x_j y", &r));
        assert!(!same("(p - y)*x_j", "(y - p) x_j", &r));
        let g = [("sigma", 0.1, 3.0), ("mu", -2.0, 2.0)];
        assert!(same("sigma^2 + mu", "mu + sigma sigma", &g));
        let a = [("alpha_t", 0.1, 2.0), ("x", 0.1, 5.0)];
        assert!(same("alpha_t log(x)", "log(x^alpha_t)", &a));
        assert!(same("alpha_t ln(x)", "alpha_t log(x)", &a));
    }

    #[test]
    fn latex_input_is_read() {
        let r = [("x", 0.5, 3.0), ("y", 0.5, 3.0), ("n", 1.0, 9.0)];
        assert!(same("x/y", "\\frac{x}{y}", &r));
        assert!(same("sqrt(x)/n", "\\frac{\\sqrt{x}}{n}", &r));
        assert!(same("x^(n+1)", "x^{n+1}", &r));
        assert!(same("2*x*y", "2 x \\cdot y", &r));
        assert!(same("exp(-x)", "\\exp\\left(-x\\right)", &r));
        assert!(same("x*y", "x·y", &r));
        let s = [("sigma", 0.5, 2.0), ("z", -2.0, 2.0)];
        assert!(same("sigma^2", "\\sigma^{2}", &s));
        assert!(same("sigma^2", "σ^2", &s));
        let w = [("w_j", -1.0, 1.0), ("lambda", 0.1, 1.0)];
        assert!(same("lambda w_j", "\\lambda w_{j}", &w));
        assert!(same("lambda w_j", "λ w_j", &w));
    }

    #[test]
    fn unknown_variables_and_bad_input_are_reported() {
        let e = parse("x + y").expect("parses");
        let r = ranges(&[("x", 0.0, 1.0), ("y", 0.0, 1.0)]);
        match equivalent(&e, "x + z", &r, 10, 1) {
            Verdict::UnknownVariable { name, known } => {
                assert_eq!(name, "z");
                assert_eq!(known, vec!["x".to_string(), "y".to_string()]);
            }
            v => panic!("{v:?}"),
        }
        assert!(matches!(
            equivalent(&e, "x + (y", &r, 10, 1),
            Verdict::Unreadable(ParseError { .. })
        ));
        assert!(matches!(
            equivalent(&e, "x + ", &r, 10, 1),
            Verdict::Unreadable(_)
        ));
        assert!(matches!(
            equivalent(&e, "x $ y", &r, 10, 1),
            Verdict::Unreadable(_)
        ));
        assert!(parse("exp x").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn numbers_with_exponents_and_the_constant_e() {
        let r = ranges(&[("x", 1.0, 2.0)]);
        let e = parse("1e-3 x").expect("parses");
        assert!(matches!(
            equivalent(&e, "0.001*x", &r, 10, 1),
            Verdict::Equivalent
        ));
        let e = parse("2e").expect("2·e");
        assert!((e.eval(&BTreeMap::new()) - 2.0 * std::f64::consts::E).abs() < 1e-12);
    }

    #[test]
    fn a_differing_point_is_reported_with_both_values() {
        let e = parse("x^2").expect("parses");
        let r = ranges(&[("x", 1.0, 2.0)]);
        match equivalent(&e, "2x", &r, 10, 3) {
            Verdict::Differs { at, expected, got } => {
                let x = at["x"];
                assert!((expected - x * x).abs() < 1e-12 && (got - 2.0 * x).abs() < 1e-12);
            }
            v => panic!("{v:?}"),
        }
    }
}
