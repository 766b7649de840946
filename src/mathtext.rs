//! LaTeX subset -> Unicode text for a terminal.
//!
//! Our own small converter: the crates that exist either mangle `\log`, ignore
//! `\frac`, or fail on `\mathbb` (see the project's crate notes), and notes need
//! every formula to come out readable. The design is a tiny recursive-descent
//! parser over characters: commands, `{}` groups, `^`/`_` scripts. Scripts use
//! Unicode super/subscript characters when every character has one, otherwise
//! fall back to `^x` / `^(…)`. Unknown commands never fail: they render as their
//! name and are reported in [`Rendered::unknown`] so `mlwb check` can flag them.

/// The result of rendering one formula.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// Commands we do not know (without the backslash), in order of appearance.
    pub unknown: Vec<String>,
    /// Structural problems (unbalanced braces, a command missing its argument).
    pub problems: Vec<String>,
}

/// Render a LaTeX math fragment (without `$` delimiters) to Unicode.
pub fn render(tex: &str) -> Rendered {
    let mut p = Parser::new(tex, false);
    let mut raw = p.seq(false);
    if p.fell_sup {
        // A superscript label could not be set in Unicode (`W^Q`): set
        // every label the same way (`W^Q`, `W^K`, not `W^Q` next to `Wᴷ`),
        // so like symbols look alike.
        p = Parser::new(tex, true);
        raw = p.seq(false);
    }
    if p.pos < p.chars.len() {
        // Only an unmatched `}` stops the top-level sequence early.
        p.problems.push("unmatched '}'".to_string());
    }
    Rendered {
        text: tidy(&raw),
        unknown: p.unknown,
        problems: p.problems,
    }
}

/// Convenience: the rendered text only.
pub fn to_unicode(tex: &str) -> String {
    render(tex).text
}

/// Marks "a function name ended here": becomes a space when a letter follows.
const FN_END: char = '\u{E000}';
/// Marks "an opening delimiter": spaces after it are dropped.
const OPEN: char = '\u{E001}';
/// Marks "a closing delimiter": spaces before it are dropped.
const CLOSE: char = '\u{E002}';

struct Parser {
    chars: Vec<char>,
    pos: usize,
    unknown: Vec<String>,
    problems: Vec<String>,
    /// Write superscript labels (`^Q`, `^K`) with the caret throughout.
    caret_sup: bool,
    /// A superscript label had no Unicode form.
    fell_sup: bool,
}

impl Parser {
    fn new(tex: &str, caret_sup: bool) -> Parser {
        Parser {
            chars: tex.chars().collect(),
            pos: 0,
            unknown: Vec::new(),
            problems: Vec::new(),
            caret_sup,
            fell_sup: false,
        }
    }

    /// A script, honouring and recording the lettered-script fallback.
    /// Only superscripts that are a short name (`Q`, `K`, `V`, `T`) take
    /// part: those are the labels (`W^Q`, `W^K`) that must look alike;
    /// subscripts lack most letters in Unicode (`∇_w`), so making every
    /// subscript follow one would spoil the rest (`z_i` for `zᵢ`).
    fn script(&mut self, arg: &str, sup: bool) -> String {
        let t = tidy(arg);
        let label = sup && {
            let t = t.trim();
            !t.is_empty()
                && t.chars().count() <= 3
                && t.chars().all(|c| c.is_ascii_alphabetic() || is_greek(c))
        };
        if label && self.caret_sup {
            return caret_script(arg, sup);
        }
        let out = script(arg, sup);
        if label && out.starts_with('^') {
            self.fell_sup = true;
        }
        out
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    /// Parse items until end of input, or until a `}` when `in_group`.
    fn seq(&mut self, in_group: bool) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if c == '}' {
                if in_group {
                    return out;
                }
                break;
            }
            self.item(&mut out);
        }
        if in_group {
            self.problems.push("unclosed '{'".to_string());
        }
        out
    }

    /// One item appended to `out`.
    fn item(&mut self, out: &mut String) {
        let Some(c) = self.peek() else { return };
        match c {
            '^' | '_' => {
                self.pos += 1;
                let arg = self.argument();
                let set = self.script(&arg, c == '^');
                out.push_str(&set);
            }
            '{' => {
                self.pos += 1;
                let inner = self.seq(true);
                if self.peek() == Some('}') {
                    self.pos += 1;
                }
                out.push_str(&inner);
            }
            '\\' => {
                self.pos += 1;
                self.command(out);
            }
            '-' => {
                self.pos += 1;
                out.push('−');
            }
            '~' => {
                self.pos += 1;
                out.push(' ');
            }
            '&' => {
                self.pos += 1;
            }
            '\'' => {
                self.pos += 1;
                out.push('′');
            }
            c if c.is_whitespace() => {
                self.pos += 1;
                out.push(' ');
            }
            c => {
                self.pos += 1;
                out.push(c);
            }
        }
    }

    /// The argument of a script or command: a `{group}`, a command, or one char.
    fn argument(&mut self) -> String {
        while self.peek().is_some_and(|c| c == ' ') {
            self.pos += 1;
        }
        match self.peek() {
            None | Some('}') => {
                self.problems.push("missing argument".to_string());
                String::new()
            }
            Some('{') => {
                self.pos += 1;
                let inner = self.seq(true);
                if self.peek() == Some('}') {
                    self.pos += 1;
                }
                inner
            }
            Some(_) => {
                let mut s = String::new();
                self.item(&mut s);
                s
            }
        }
    }

    /// Raw text of a `{group}` (for `\text{…}`), braces balanced, no parsing.
    fn raw_group(&mut self) -> String {
        if self.peek() != Some('{') {
            return self.argument();
        }
        self.pos += 1;
        let mut depth = 1;
        let mut s = String::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return s;
                    }
                }
                '\\' => {
                    // Keep escaped characters such as \_ or \% literal.
                    if let Some(n) = self.peek() {
                        if !n.is_ascii_alphabetic() {
                            self.pos += 1;
                            s.push(n);
                            continue;
                        }
                    }
                }
                _ => {}
            }
            s.push(c);
        }
        self.problems.push("unclosed '{'".to_string());
        s
    }

    fn command(&mut self, out: &mut String) {
        let Some(first) = self.peek() else {
            self.problems.push("lone backslash at end".to_string());
            return;
        };
        if !first.is_ascii_alphabetic() {
            self.pos += 1;
            match first {
                ',' | ':' | ';' | ' ' => out.push(' '),
                '!' => {}
                '{' => out.push('{'),
                '}' => out.push('}'),
                '|' => out.push('‖'),
                '\\' => out.push_str("; "),
                c => out.push(c), // \% \# \_ \& \$
            }
            return;
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if let Some(sym) = symbol(&name) {
            out.push_str(sym);
            return;
        }
        if FUNCTIONS.contains(&name.as_str()) {
            out.push_str(&name);
            out.push(FN_END);
            return;
        }
        match name.as_str() {
            "frac" | "dfrac" | "tfrac" => {
                let num = self.argument();
                let den = self.argument();
                out.push_str(&wrap_num(&tidy_frac(&num)));
                out.push('/');
                out.push_str(&wrap(&tidy_frac(&den)));
            }
            "binom" => {
                let n = self.argument();
                let k = self.argument();
                out.push_str(&format!("C({},{})", tidy(&n), tidy(&k)));
            }
            "sqrt" => {
                let mut index = String::new();
                if self.peek() == Some('[') {
                    self.pos += 1;
                    while let Some(c) = self.peek() {
                        self.pos += 1;
                        if c == ']' {
                            break;
                        }
                        index.push(c);
                    }
                }
                let arg = tidy(&self.argument());
                if !index.is_empty() {
                    out.push_str(&script(&index, true));
                }
                out.push('√');
                out.push_str(&wrap(&arg));
            }
            "text" | "mathrm" | "textrm" | "textit" | "textbf" | "mbox" => {
                out.push_str(&self.raw_group());
            }
            "operatorname" => {
                out.push_str(&self.raw_group());
                out.push(FN_END);
            }
            "mathbf" | "boldsymbol" | "bm" | "mathit" | "mathsf" | "mathtt" => {
                let arg = self.argument();
                out.push_str(&arg);
            }
            "mathbb" => {
                let arg = self.argument();
                out.extend(arg.chars().map(double_struck));
            }
            "mathcal" | "mathscr" => {
                let arg = self.argument();
                out.extend(arg.chars().map(script_letter));
            }
            "hat" | "widehat" => self.accent(out, '\u{0302}'),
            "bar" | "overline" => self.accent(out, '\u{0305}'),
            "tilde" | "widetilde" => self.accent(out, '\u{0303}'),
            "vec" => self.accent(out, '\u{20D7}'),
            "dot" => self.accent(out, '\u{0307}'),
            "ddot" => self.accent(out, '\u{0308}'),
            "underline" => {
                let arg = self.argument();
                out.push_str(&arg);
            }
            // Sizing and spacing commands that carry no meaning in plain text.
            "left" | "right" | "big" | "Big" | "bigg" | "Bigg" | "bigl" | "bigr" | "Bigl"
            | "Bigr" | "displaystyle" | "textstyle" | "limits" | "nolimits" => {
                if matches!(name.as_str(), "left" | "right") && self.peek() == Some('.') {
                    self.pos += 1;
                }
            }
            "quad" => out.push_str("  "),
            "qquad" => out.push_str("    "),
            _ => {
                self.unknown.push(name.clone());
                out.push_str(&name);
            }
        }
    }

    /// Put a combining accent on the argument: on the single character, or on
    /// every character for bars (an overline) and on the last one otherwise.
    fn accent(&mut self, out: &mut String, mark: char) {
        let arg = tidy(&self.argument());
        let n = arg.chars().count();
        for (i, c) in arg.chars().enumerate() {
            out.push(c);
            if mark == '\u{0305}' || i + 1 == n {
                out.push(mark);
            }
        }
    }
}

const FUNCTIONS: &[&str] = &[
    "log", "ln", "exp", "max", "min", "arg", "sup", "inf", "lim", "sin", "cos", "tan", "tanh",
    "sinh", "cosh", "det", "dim", "ker", "Pr", "gcd", "deg", "argmax", "argmin",
];

fn symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        // Greek
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "delta" => "δ",
        "epsilon" => "ϵ",
        "varepsilon" => "ε",
        "zeta" => "ζ",
        "eta" => "η",
        "theta" => "θ",
        "vartheta" => "ϑ",
        "iota" => "ι",
        "kappa" => "κ",
        "lambda" => "λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "pi" => "π",
        "rho" => "ρ",
        "sigma" => "σ",
        "tau" => "τ",
        "upsilon" => "υ",
        "phi" => "ϕ",
        "varphi" => "φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Gamma" => "Γ",
        "Delta" => "Δ",
        "Theta" => "Θ",
        "Lambda" => "Λ",
        "Xi" => "Ξ",
        "Pi" => "Π",
        "Sigma" => "Σ",
        "Upsilon" => "Υ",
        "Phi" => "Φ",
        "Psi" => "Ψ",
        "Omega" => "Ω",
        // Big operators and calculus
        "sum" => "∑",
        "prod" => "∏",
        "int" => "∫",
        "oint" => "∮",
        "partial" => "∂",
        "nabla" => "∇",
        "infty" => "∞",
        // Binary operators
        "cdot" => "·",
        "times" => "×",
        "div" => "÷",
        "pm" => "±",
        "mp" => "∓",
        "circ" => "∘",
        "odot" => "⊙",
        "otimes" => "⊗",
        "oplus" => "⊕",
        "ast" => "∗",
        "star" => "⋆",
        "setminus" => "∖",
        "cup" => "∪",
        "cap" => "∩",
        "land" | "wedge" => "∧",
        "lor" | "vee" => "∨",
        // Relations
        "le" | "leq" => "≤",
        "ge" | "geq" => "≥",
        "ne" | "neq" => "≠",
        "approx" => "≈",
        "equiv" => "≡",
        "sim" => "∼",
        "simeq" => "≃",
        "cong" => "≅",
        "propto" => "∝",
        "in" => "∈",
        "notin" => "∉",
        "ni" => "∋",
        "subset" => "⊂",
        "subseteq" => "⊆",
        "supset" => "⊃",
        "supseteq" => "⊇",
        "ll" => "≪",
        "gg" => "≫",
        "perp" => "⊥",
        "parallel" => "∥",
        "mid" => "|",
        "models" => "⊨",
        // Arrows
        "to" | "rightarrow" => "→",
        "leftarrow" | "gets" => "←",
        "Rightarrow" | "implies" => "⇒",
        "Leftarrow" => "⇐",
        "leftrightarrow" => "↔",
        "Leftrightarrow" | "iff" => "⇔",
        "mapsto" => "↦",
        "uparrow" => "↑",
        "downarrow" => "↓",
        // Delimiters
        "lfloor" => "⌊\u{E001}",
        "rfloor" => "\u{E002}⌋",
        "lceil" => "⌈\u{E001}",
        "rceil" => "\u{E002}⌉",
        "langle" => "⟨\u{E001}",
        "rangle" => "\u{E002}⟩",
        "lVert" => "‖\u{E001}",
        "rVert" => "\u{E002}‖",
        "Vert" => "‖",
        "lvert" => "|\u{E001}",
        "rvert" => "\u{E002}|",
        "vert" => "|",
        "lbrace" => "{",
        "rbrace" => "}",
        // Dots, logic, misc
        "ldots" | "dots" => "…",
        "cdots" => "⋯",
        "vdots" => "⋮",
        "ddots" => "⋱",
        "forall" => "∀",
        "exists" => "∃",
        "neg" | "lnot" => "¬",
        "top" => "⊤",
        "bot" => "⊥",
        "prime" => "′",
        "emptyset" | "varnothing" => "∅",
        "ell" => "ℓ",
        "hbar" => "ℏ",
        "angle" => "∠",
        "triangleq" => "≜",
        "dagger" => "†",
        _ => return None,
    })
}

fn double_struck(c: char) -> char {
    match c {
        'R' => 'ℝ',
        'N' => 'ℕ',
        'Z' => 'ℤ',
        'Q' => 'ℚ',
        'C' => 'ℂ',
        'P' => 'ℙ',
        'H' => 'ℍ',
        'E' => '𝔼',
        '1' => '𝟙',
        c => c,
    }
}

fn script_letter(c: char) -> char {
    // Letters with a script form in the Letterlike Symbols block, which
    // terminal fonts cover far better than the Mathematical Alphanumerics.
    match c {
        'L' => 'ℒ',
        'H' => 'ℋ',
        'F' => 'ℱ',
        'B' => 'ℬ',
        'E' => 'ℰ',
        'M' => 'ℳ',
        'R' => 'ℛ',
        'I' => 'ℐ',
        c => c,
    }
}

fn superscript(c: char) -> Option<char> {
    Some(match c {
        '0' => '⁰',
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        '4' => '⁴',
        '5' => '⁵',
        '6' => '⁶',
        '7' => '⁷',
        '8' => '⁸',
        '9' => '⁹',
        '+' => '⁺',
        '-' | '−' => '⁻',
        '=' => '⁼',
        '(' => '⁽',
        ')' => '⁾',
        'a' => 'ᵃ',
        'b' => 'ᵇ',
        'c' => 'ᶜ',
        'd' => 'ᵈ',
        'e' => 'ᵉ',
        'f' => 'ᶠ',
        'g' => 'ᵍ',
        'h' => 'ʰ',
        'i' => 'ⁱ',
        'j' => 'ʲ',
        'k' => 'ᵏ',
        'l' => 'ˡ',
        'm' => 'ᵐ',
        'n' => 'ⁿ',
        'o' => 'ᵒ',
        'p' => 'ᵖ',
        'r' => 'ʳ',
        's' => 'ˢ',
        't' => 'ᵗ',
        'u' => 'ᵘ',
        'v' => 'ᵛ',
        'w' => 'ʷ',
        'x' => 'ˣ',
        'y' => 'ʸ',
        'z' => 'ᶻ',
        'A' => 'ᴬ',
        'B' => 'ᴮ',
        'D' => 'ᴰ',
        'E' => 'ᴱ',
        'G' => 'ᴳ',
        'H' => 'ᴴ',
        'I' => 'ᴵ',
        'J' => 'ᴶ',
        'K' => 'ᴷ',
        'L' => 'ᴸ',
        'M' => 'ᴹ',
        'N' => 'ᴺ',
        'O' => 'ᴼ',
        'P' => 'ᴾ',
        'R' => 'ᴿ',
        'T' | '⊤' => 'ᵀ',
        'U' => 'ᵁ',
        'V' => 'ⱽ',
        'W' => 'ᵂ',
        'α' => 'ᵅ',
        'β' => 'ᵝ',
        'γ' => 'ᵞ',
        'δ' => 'ᵟ',
        'θ' => 'ᶿ',
        'φ' | 'ϕ' => 'ᵠ',
        'χ' => 'ᵡ',
        '′' => '′',
        '*' | '∗' => '*',
        ',' => ',',
        _ => return None,
    })
}

fn subscript(c: char) -> Option<char> {
    Some(match c {
        '0' => '₀',
        '1' => '₁',
        '2' => '₂',
        '3' => '₃',
        '4' => '₄',
        '5' => '₅',
        '6' => '₆',
        '7' => '₇',
        '8' => '₈',
        '9' => '₉',
        '+' => '₊',
        '-' | '−' => '₋',
        '=' => '₌',
        '(' => '₍',
        ')' => '₎',
        'a' => 'ₐ',
        'e' => 'ₑ',
        'h' => 'ₕ',
        'i' => 'ᵢ',
        'j' => 'ⱼ',
        'k' => 'ₖ',
        'l' => 'ₗ',
        'm' => 'ₘ',
        'n' => 'ₙ',
        'o' => 'ₒ',
        'p' => 'ₚ',
        'r' => 'ᵣ',
        's' => 'ₛ',
        't' => 'ₜ',
        'u' => 'ᵤ',
        'v' => 'ᵥ',
        'x' => 'ₓ',
        'β' => 'ᵦ',
        'γ' => 'ᵧ',
        'ρ' => 'ᵨ',
        'φ' | 'ϕ' => 'ᵩ',
        'χ' => 'ᵪ',
        ',' => ',',
        _ => return None,
    })
}

/// A script (`^` when `sup`, else `_`) of already-rendered text.
fn script(arg: &str, sup: bool) -> String {
    let arg = tidy(arg);
    let arg = arg.trim();
    if arg.is_empty() {
        return String::new();
    }
    let map = if sup { superscript } else { subscript };
    let compact: String = arg.chars().filter(|c| !c.is_whitespace()).collect();
    if let Some(s) = compact.chars().map(map).collect::<Option<String>>() {
        return s;
    }
    caret_script(arg, sup)
}

/// A script written with its mark: `^Q`, `_(T+1)`.
fn caret_script(arg: &str, sup: bool) -> String {
    let arg = tidy(arg);
    let arg = arg.trim();
    if arg.is_empty() {
        return String::new();
    }
    let mark = if sup { '^' } else { '_' };
    if arg.chars().count() == 1 {
        format!("{mark}{arg}")
    } else {
        format!("{mark}({arg})")
    }
}

/// Characters that separate terms when they appear outside parentheses.
const OPERATORS: &str = "+−-±∓=<>≤≥≈≠/·×,;|→∈";

/// Does `s` have a space or an operator outside any brackets?
fn has_top_level_operator(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' | '[' | '{' | '⟨' => depth += 1,
            ')' | ']' | '}' | '⟩' => depth -= 1,
            c if depth == 0 && (c.is_whitespace() || OPERATORS.contains(c)) => return true,
            _ => {}
        }
    }
    false
}

/// A single factor: a name with at most one bracket group, at the end
/// (`x`, `√dₖ`, `q(x)`), so that `a/q(x)` cannot be misread.
fn is_atom(s: &str) -> bool {
    if has_top_level_operator(s) {
        return false;
    }
    match s.find('(') {
        None => true,
        Some(open) => s[open..].starts_with('(') && balanced_outer(&s[open..]),
    }
}

/// Parenthesise a fraction's numerator unless it is one product of factors.
fn wrap_num(s: &str) -> String {
    let s = s.trim();
    if has_top_level_operator(s) && !(s.starts_with('(') && balanced_outer(s)) {
        format!("({s})")
    } else {
        s.to_string()
    }
}

/// Parenthesise a denominator (or a root's argument) unless it is one factor.
fn wrap(s: &str) -> String {
    let s = s.trim();
    // A number times a name (`2n`, `2σ²`) is a product: `1/2n` would read
    // as (1/2)n, so it gets brackets.
    let coefficient =
        s.starts_with(|c: char| c.is_ascii_digit()) && s.chars().any(|c| c.is_alphabetic());
    if coefficient {
        return format!("({s})");
    }
    if is_atom(s) || (s.starts_with('(') && balanced_outer(s)) {
        s.to_string()
    } else {
        format!("({s})")
    }
}

/// True when the first `(` of `s` closes at its last character.
fn balanced_outer(s: &str) -> bool {
    let mut depth = 0i32;
    let n = s.chars().count();
    for (i, c) in s.chars().enumerate() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 && i + 1 != n {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// Resolve function-name markers and collapse runs of spaces.
fn tidy(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == FN_END {
            let next = chars[i + 1..].iter().find(|&&n| n != FN_END);
            if next.is_some_and(|n| n.is_alphanumeric() || is_greek(*n) || *n == '∂') {
                out.push(' ');
            }
            continue;
        }
        if c == OPEN {
            continue;
        }
        if c == CLOSE {
            while out.ends_with(' ') {
                out.pop();
            }
            continue;
        }
        if c == ' ' && (out.ends_with(' ') || out.is_empty() || chars[..i].last() == Some(&OPEN)) {
            continue;
        }
        if c == ' ' && i > 0 && chars[..i].iter().rev().find(|&&p| p != ' ') == Some(&OPEN) {
            continue;
        }
        out.push(c);
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Tidy a fraction part; `∂ L` becomes `∂L` so `∂L/∂w` needs no brackets.
fn tidy_frac(s: &str) -> String {
    let t = tidy(s);
    let chars: Vec<char> = t.chars().collect();
    let mut out = String::with_capacity(t.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            // Drop the space in `∂ L` and `∂² L`.
            let before = chars[..i]
                .iter()
                .rev()
                .skip_while(|&&p| superscript_char(p));
            if before.clone().next() == Some(&'∂') {
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn superscript_char(c: char) -> bool {
    "⁰¹²³⁴⁵⁶⁷⁸⁹ⁿ".contains(c)
}

fn is_greek(c: char) -> bool {
    ('\u{0370}'..='\u{03FF}').contains(&c)
}

/// Render text that mixes prose with `$…$` inline and `$$…$$` display math.
/// Returns the pieces in order: `(is_math, text)`.
pub fn split_inline(text: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        let display = rest[start..].starts_with("$$");
        let delim = if display { "$$" } else { "$" };
        let after = &rest[start + delim.len()..];
        let Some(end) = after.find(delim) else { break };
        if start > 0 {
            out.push((false, rest[..start].to_string()));
        }
        out.push((true, to_unicode(&after[..end])));
        rest = &after[end + delim.len()..];
    }
    if !rest.is_empty() {
        out.push((false, rest.to_string()));
    }
    out
}

/// Every math fragment of a text (the TeX inside the dollars), for checking.
/// Err with the byte offset of an unclosed `$`.
pub fn math_fragments(text: &str) -> Result<Vec<&str>, usize> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut rest = text;
    while let Some(start) = rest.find('$') {
        let display = rest[start..].starts_with("$$");
        let delim = if display { "$$" } else { "$" };
        let after = &rest[start + delim.len()..];
        let Some(end) = after.find(delim) else {
            return Err(offset + start);
        };
        out.push(&after[..end]);
        let consumed = start + delim.len() + end + delim.len();
        offset += consumed;
        rest = &rest[consumed..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, &str)] = &[
            // the map's information-theory identities
            (
                r"I(X;Y) = H(X) + H(Y) - H(X,Y)",
                "I(X;Y) = H(X) + H(Y) − H(X,Y)",
            ),
            (r"I(X;Y) = H(Y) - H(Y \mid X)", "I(X;Y) = H(Y) − H(Y | X)"),
            // conv output size
            (
                r"\left\lfloor \frac{N + 2P - K}{S} \right\rfloor + 1",
                "⌊(N + 2P − K)/S⌋ + 1",
            ),
            (r"\lfloor (N+2P-K)/S \rfloor + 1", "⌊(N+2P−K)/S⌋ + 1"),
            // greek, scripts
            (r"\alpha + \beta^2", "α + β²"),
            (r"x_i^T x_j", "xᵢᵀ xⱼ"),
            (r"w^\top x + b", "wᵀ x + b"),
            (r"a_{ij}", "aᵢⱼ"),
            (r"h_{t-1}", "hₜ₋₁"),
            (r"\sum_{i=1}^{n} x_i", "∑ᵢ₌₁ⁿ xᵢ"),
            (r"\prod_{t=1}^{T} p_t", "∏ₜ₌₁ᵀ pₜ"),
            (r"e^{-x}", "e⁻ˣ"),
            (r"A^{-1}", "A⁻¹"),
            (r"x^{2i/d}", "x^(2i/d)"),
            (r"\sum_y f(y)", "∑_y f(y)"),
            // one lettered superscript without a Unicode form: all alike
            (r"W_i^Q, W_i^K, W_i^V", "Wᵢ^Q, Wᵢ^K, Wᵢ^V"),
            (r"W^K x^2", "Wᴷ x²"),
            (r"y_{T+1} = x_t", "y_(T+1) = xₜ"),
            (r"\nabla_w L = \sum_i z_i", "∇_w L = ∑ᵢ zᵢ"),
            (r"e^{z_i} + x^T", "e^(zᵢ) + xᵀ"),
            (r"\delta_t(j)", "δₜ(j)"),
            (r"\alpha_{t}(j)", "αₜ(j)"),
            // fractions
            (r"\frac{1}{2}", "1/2"),
            (r"\frac{1}{2n}", "1/(2n)"),
            (r"\frac{(x-\mu)^2}{2\sigma^2}", "(x−μ)²/(2σ²)"),
            (r"\frac{1}{10}", "1/10"),
            (r"\frac{a+b}{c}", "(a+b)/c"),
            (r"\frac{\partial L}{\partial w}", "∂L/∂w"),
            (r"\frac{\partial L}{\partial w_i}", "∂L/∂wᵢ"),
            (r"\frac{\partial^2 L}{\partial w \partial b}", "∂²L/(∂w ∂b)"),
            (r"\frac{p(x,y)}{p(x)p(y)}", "p(x,y)/(p(x)p(y))"),
            (r"\frac{p(x)}{q(x)}", "p(x)/q(x)"),
            (r"\frac{e^{z_i}}{\sum_j e^{z_j}}", "e^(zᵢ)/(∑ⱼ e^(zⱼ))"),
            (r"\frac{1}{1 + e^{-z}}", "1/(1 + e⁻ᶻ)"),
            (r"\frac{n!}{k!(n-k)!}", "n!/(k!(n−k)!)"),
            (r"\frac{QK^T}{\sqrt{d_k}}", "QKᵀ/√dₖ"),
            (r"\sqrt{x + 1}", "√(x + 1)"),
            (r"\sqrt[3]{x}", "³√x"),
            // functions get a space only before a letter
            (r"\log p(x)", "log p(x)"),
            (r"\log(x)", "log(x)"),
            (r"\exp(-x)", "exp(−x)"),
            (r"\arg\max_{y} p(y)", "arg max_y p(y)"),
            (r"\operatorname{softmax}(z)", "softmax(z)"),
            (r"\operatorname{KL} q", "KL q"),
            // relations, arrows, norms
            (r"a \le b \ge c \ne d \approx e", "a ≤ b ≥ c ≠ d ≈ e"),
            (r"x \in \mathbb{R}^n", "x ∈ ℝⁿ"),
            (r"\theta \to \infty", "θ → ∞"),
            (r"\lVert w \rVert^2", "‖w‖²"),
            (r"\langle q, k \rangle", "⟨q, k⟩"),
            (r"\|w\|_2", "‖w‖₂"),
            (r"\mathcal{L}(\theta)", "ℒ(θ)"),
            (r"\mathbb{E}_{q}[x]", "𝔼_q[x]"),
            // hats, bars, text
            (r"\hat{y}", "y\u{302}"),
            (r"\bar{x}", "x\u{305}"),
            (r"\hat{\theta}", "θ\u{302}"),
            (r"\text{if } x > 0", "if x > 0"),
            (r"\mathrm{KL}(p \| q)", "KL(p ‖ q)"),
            (r"\binom{n}{k}", "C(n,k)"),
            (r"\{1, \ldots, K\}", "{1, …, K}"),
            (r"a \cdot b \times c", "a · b × c"),
            (r"f_k(y_{t-1}, y_t, x, t)", "fₖ(yₜ₋₁, yₜ, x, t)"),
            (
                r"c_t = f_t \odot c_{t-1} + i_t \odot g_t",
                "cₜ = fₜ ⊙ cₜ₋₁ + iₜ ⊙ gₜ",
            ),
        ];
        for (tex, want) in cases {
            let r = render(tex);
            assert_eq!(&r.text, want, "rendering {tex}");
            assert!(r.unknown.is_empty(), "{tex}: unknown {:?}", r.unknown);
            assert!(r.problems.is_empty(), "{tex}: problems {:?}", r.problems);
        }
    }

    #[test]
    fn unknown_commands_degrade_to_text() {
        let r = render(r"\foo{x} + \bar{y}");
        assert_eq!(r.text, "foox + y\u{305}");
        assert_eq!(r.unknown, vec!["foo".to_string()]);
    }

    #[test]
    fn broken_input_never_panics() {
        for tex in [
            "",
            "\\",
            "{",
            "}",
            "^",
            "_",
            "x^",
            "\\frac",
            "\\frac{a}",
            "\\sqrt[",
            "{{{",
            "}}}",
            "\\left",
            "a_{",
            "\\text{",
            "\\hat",
            "$",
            "\\\\",
        ] {
            let r = render(tex);
            let _ = r.text;
        }
        assert!(!render("{a").problems.is_empty());
        assert!(!render("a}").problems.is_empty());
        assert!(!render(r"\frac{a}").problems.is_empty());
    }

    #[test]
    fn inline_split() {
        let parts = split_inline("Entropy $H(X) = -\\sum_x p(x) \\log p(x)$ is ≥ 0.");
        assert_eq!(
            parts,
            vec![
                (false, "Entropy ".to_string()),
                (true, "H(X) = −∑ₓ p(x) log p(x)".to_string()),
                (false, " is ≥ 0.".to_string()),
            ]
        );
        assert_eq!(math_fragments("a $x$ b $$y$$").unwrap(), vec!["x", "y"]);
        assert_eq!(math_fragments("a $x$ b $y"), Err(8));
    }
}
