//! The `calculator` tool: a small recursive-descent parser and evaluator for arithmetic
//! (`+ - * / % ^`, parentheses, unary minus, `sqrt abs ln log exp sin cos tan floor ceil
//! round`, constants `pi` and `e`). Division by zero, domain errors and bad syntax are tool
//! errors with a position, returned to the model like any tool error.

use futures::future::BoxFuture;
use serde_json::{Value, json};

use super::{Tool, ToolContext, ToolError, str_arg};

#[derive(Debug, Clone, PartialEq)]
pub enum CalcError {
    DivisionByZero,
    Domain(String),
    Syntax(String),
}

impl CalcError {
    fn into_tool_error(self) -> ToolError {
        match self {
            CalcError::DivisionByZero => ToolError::new("ZeroDivisionError", "division by zero"),
            CalcError::Domain(m) => ToolError::new("ValueError", m),
            CalcError::Syntax(m) => ToolError::new("SyntaxError", m),
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        while let Some(c) = self.peek_char() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn peek_char(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_ws();
        self.peek_char()
    }

    fn eat(&mut self, s: &str) -> bool {
        self.skip_ws();
        if self.src[self.pos..].starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, CalcError> {
        let at = self.src[..self.pos].chars().count() + 1;
        match self.peek_char() {
            Some(c) => Err(CalcError::Syntax(format!("{what}: unexpected `{c}` at position {at}"))),
            None => Err(CalcError::Syntax(format!("{what}: unexpected end of expression"))),
        }
    }

    fn expr(&mut self) -> Result<f64, CalcError> {
        let mut v = self.term()?;
        loop {
            if self.eat("+") {
                v += self.term()?;
            } else if self.eat("-") {
                v -= self.term()?;
            } else {
                return Ok(v);
            }
        }
    }

    fn term(&mut self) -> Result<f64, CalcError> {
        let mut v = self.unary()?;
        loop {
            if self.src[self.pos..].trim_start().starts_with("**") {
                return Ok(v);
            }
            if self.eat("*") || self.eat("×") {
                v *= self.unary()?;
            } else if self.eat("/") || self.eat("÷") {
                let d = self.unary()?;
                if d == 0.0 {
                    return Err(CalcError::DivisionByZero);
                }
                v /= d;
            } else if self.eat("%") {
                let d = self.unary()?;
                if d == 0.0 {
                    return Err(CalcError::DivisionByZero);
                }
                v %= d;
            } else {
                return Ok(v);
            }
        }
    }

    fn unary(&mut self) -> Result<f64, CalcError> {
        if self.eat("-") {
            return Ok(-self.unary()?);
        }
        if self.eat("+") {
            return self.unary();
        }
        self.power()
    }

    fn power(&mut self) -> Result<f64, CalcError> {
        let base = self.primary()?;
        if self.eat("^") || self.eat("**") {
            let exp = self.unary()?;
            if base == 0.0 && exp < 0.0 {
                return Err(CalcError::DivisionByZero);
            }
            return Ok(base.powf(exp));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<f64, CalcError> {
        match self.peek() {
            Some('(') => {
                self.pos += 1;
                let v = self.expr()?;
                if !self.eat(")") {
                    return self.err("missing `)`");
                }
                Ok(v)
            }
            Some(c) if c.is_ascii_digit() || c == '.' => self.number(),
            Some(c) if c.is_alphabetic() => self.ident(),
            _ => self.err("expected a number"),
        }
    }

    fn number(&mut self) -> Result<f64, CalcError> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        while self.pos < bytes.len() && (bytes[self.pos].is_ascii_digit() || bytes[self.pos] == b'.') {
            self.pos += 1;
        }
        if self.pos < bytes.len() && matches!(bytes[self.pos], b'e' | b'E') {
            let save = self.pos;
            self.pos += 1;
            if self.pos < bytes.len() && matches!(bytes[self.pos], b'+' | b'-') {
                self.pos += 1;
            }
            let digits = self.pos;
            while self.pos < bytes.len() && bytes[self.pos].is_ascii_digit() {
                self.pos += 1;
            }
            if self.pos == digits {
                self.pos = save; // not an exponent: the `e` is left to the next token
            }
        }
        let text = &self.src[start..self.pos];
        text.parse::<f64>().map_err(|_| CalcError::Syntax(format!("`{text}` is not a number")))
    }

    fn ident(&mut self) -> Result<f64, CalcError> {
        let start = self.pos;
        while let Some(c) = self.peek_char() {
            if c.is_alphanumeric() || c == '_' {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        let name = self.src[start..self.pos].to_ascii_lowercase();
        match name.as_str() {
            "pi" | "π" => return Ok(std::f64::consts::PI),
            "e" => return Ok(std::f64::consts::E),
            _ => {}
        }
        if !self.eat("(") {
            return Err(CalcError::Syntax(format!("unknown name `{name}` (constants: pi, e)")));
        }
        let x = self.expr()?;
        if !self.eat(")") {
            return self.err(&format!("missing `)` after {name}("));
        }
        apply(&name, x)
    }
}

fn apply(name: &str, x: f64) -> Result<f64, CalcError> {
    let domain = |m: &str| Err(CalcError::Domain(m.to_owned()));
    Ok(match name {
        "sqrt" if x < 0.0 => return domain("square root of a negative number"),
        "sqrt" => x.sqrt(),
        "abs" => x.abs(),
        "ln" | "log" | "log10" if x <= 0.0 => return domain("logarithm of a non-positive number"),
        "ln" => x.ln(),
        "log" | "log10" => x.log10(),
        "exp" => x.exp(),
        "sin" => x.sin(),
        "cos" => x.cos(),
        "tan" => x.tan(),
        "floor" => x.floor(),
        "ceil" => x.ceil(),
        "round" => x.round(),
        _ => {
            return Err(CalcError::Syntax(format!(
                "unknown function `{name}` (sqrt, abs, ln, log, exp, sin, cos, tan, floor, ceil, round)"
            )));
        }
    })
}

/// Evaluates an arithmetic expression.
pub fn evaluate(src: &str) -> Result<f64, CalcError> {
    let mut p = Parser { src, pos: 0 };
    if p.peek().is_none() {
        return Err(CalcError::Syntax("empty expression".into()));
    }
    let v = p.expr()?;
    if p.peek().is_some() {
        return p.err("trailing input");
    }
    if !v.is_finite() {
        return Err(CalcError::Domain("the result is not a finite number".into()));
    }
    Ok(v)
}

/// Integers print without a fraction; others with up to 12 significant digits.
pub fn format_number(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let s = format!("{:.*}", (11 - v.abs().log10().floor() as i32).clamp(0, 15) as usize, v);
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_owned() } else { s };
    if s == "-0" { "0".into() } else { s }
}

pub struct Calculator {
    description: String,
    schema: Value,
}

impl Calculator {
    pub fn new(description: Option<String>) -> Calculator {
        Calculator {
            description: description.unwrap_or_else(|| {
                "Evaluate an arithmetic expression: + - * / % ^, parentheses, sqrt, abs, ln, log, exp, sin, cos, tan, pi, e."
                    .into()
            }),
            schema: json!({"type": "object", "properties": {"expression": {"type": "string",
                "description": "The expression, e.g. \"(2 + 3) * sqrt(16)\"."}}, "required": ["expression"]}),
        }
    }
}

impl Tool for Calculator {
    fn name(&self) -> &str {
        "calculator"
    }
    fn description(&self) -> &str {
        &self.description
    }
    fn parameters(&self) -> &Value {
        &self.schema
    }
    fn call<'a>(&'a self, args: Value, _ctx: &'a ToolContext) -> BoxFuture<'a, Result<String, ToolError>> {
        Box::pin(async move {
            let expr = str_arg(&args, "expression")?;
            evaluate(expr).map(format_number).map_err(CalcError::into_tool_error)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_associativity_and_functions() {
        let ok = |s: &str| evaluate(s).unwrap_or_else(|e| panic!("{s}: {e:?}"));
        assert_eq!(ok("1 + 2 * 3"), 7.0);
        assert_eq!(ok("(1 + 2) * 3"), 9.0);
        assert_eq!(ok("2 ^ 3 ^ 2"), 512.0);
        assert_eq!(ok("2 ** 3"), 8.0);
        assert_eq!(ok("-2 ^ 2"), -4.0);
        assert_eq!(ok("2 ^ -1"), 0.5);
        assert_eq!(ok("--3"), 3.0);
        assert_eq!(ok("10 - 4 - 3"), 3.0);
        assert_eq!(ok("sqrt(16) + abs(-2)"), 6.0);
        assert_eq!(ok("log(1000)"), 3.0);
        assert!((ok("ln(e)") - 1.0).abs() < 1e-12);
        assert!(ok("cos(pi)") + 1.0 < 1e-12);
        assert_eq!(ok("1.5e3 / 3"), 500.0);
        assert_eq!(ok("7 % 4"), 3.0);
    }

    #[test]
    fn errors_are_clear() {
        assert_eq!(evaluate("1 / 0"), Err(CalcError::DivisionByZero));
        assert_eq!(evaluate("1 / (2 - 2)"), Err(CalcError::DivisionByZero));
        assert_eq!(evaluate("sqrt(-1)"), Err(CalcError::Domain("square root of a negative number".into())));
        let syntax = |s: &str| match evaluate(s) {
            Err(CalcError::Syntax(m)) => m,
            other => panic!("{s}: {other:?}"),
        };
        assert_eq!(syntax("1 +"), "expected a number: unexpected end of expression");
        assert_eq!(syntax("(1 + 2"), "missing `)`: unexpected end of expression");
        assert_eq!(syntax("1 + 2)"), "trailing input: unexpected `)` at position 6");
        assert!(syntax("foo(2)").contains("unknown function `foo`"));
        assert!(syntax("x + 1").contains("unknown name `x`"));
        assert_eq!(syntax(""), "empty expression");
    }

    #[test]
    fn numbers_format_plainly() {
        assert_eq!(format_number(8.0), "8");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(1.0 / 3.0), "0.333333333333");
        assert_eq!(format_number(-2.5), "-2.5");
    }
}
