//! Trace and span identifiers as the Agno tables store them: lowercase hex strings of 32 and
//! 16 characters. They never pass through numbers, so no precision is lost anywhere (JS
//! included). Parsing is lenient about case and surrounding whitespace, strict about content.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why an identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdError {
    pub kind: &'static str,
    pub value: String,
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.value.chars().take(80).collect();
        write!(
            f,
            "invalid {}: {:?} (expected {} lowercase hex characters)",
            self.kind,
            shown,
            if self.kind == "trace id" { 32 } else { 16 }
        )
    }
}

impl std::error::Error for IdError {}

fn normalize_hex(value: &str, len: usize, kind: &'static str) -> Result<String, IdError> {
    let v = value.trim();
    if v.len() == len && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(v.to_ascii_lowercase())
    } else {
        Err(IdError { kind, value: value.to_string() })
    }
}

/// Lowercase hex of a 128-bit trace id, as Agno writes `format(trace_id, "032x")`.
pub fn trace_id_hex(id: u128) -> String {
    format!("{id:032x}")
}

/// Lowercase hex of a 64-bit span id, as Agno writes `format(span_id, "016x")`.
pub fn span_id_hex(id: u64) -> String {
    format!("{id:016x}")
}

macro_rules! hex_id {
    ($name:ident, $len:expr, $kind:expr) => {
        #[doc = concat!("A ", $kind, ": ", stringify!($len), " lowercase hex characters.")]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Validates and lowercases.
            pub fn parse(value: &str) -> Result<Self, IdError> {
                normalize_hex(value, $len, $kind).map(Self)
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}

hex_id!(TraceId, 32, "trace id");
hex_id!(SpanId, 16, "span id");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_lowercased_and_validated() {
        let t = TraceId::parse(" B97C7A002346F10EB1AA407560873ED1 ").unwrap();
        assert_eq!(t.as_str(), "b97c7a002346f10eb1aa407560873ed1");
        assert!(TraceId::parse("xyz").is_err());
        assert!(SpanId::parse("9ccfd7b92d6d10e5").is_ok());
        assert!(SpanId::parse("9ccfd7b92d6d10e").is_err());
        let e = SpanId::parse("nothex!!nothex!!").unwrap_err().to_string();
        assert!(e.contains("span id") && e.contains("16"), "{e}");
    }

    #[test]
    fn hex_formatting_matches_agno() {
        assert_eq!(trace_id_hex(0xabc), "00000000000000000000000000000abc");
        assert_eq!(span_id_hex(u64::MAX), "ffffffffffffffff");
    }
}
