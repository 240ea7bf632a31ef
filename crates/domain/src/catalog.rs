//! Catalog vocabulary: SKUs, handles, product status, typed attributes, category paths.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// A stock-keeping unit: unique per live variant, 1–255 characters (Shopify's limit), trimmed;
/// spaces inside are kept (`RING 7 SLV` is a real SKU), control characters are refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sku(String);

/// Drops the apostrophe a spreadsheet or Shopify's export puts before a number to keep it text
/// (`'42248509259858`): it is never part of a SKU or a code. Also trims.
pub fn strip_text_marker(text: &str) -> &str {
    let t = text.trim();
    t.strip_prefix('\'').unwrap_or(t).trim()
}

/// The longest SKU Shopify accepts, in characters.
pub const SKU_MAX_CHARS: usize = 255;

impl Sku {
    /// Errors (field `sku`): `required`, `too_long` (over 255 characters), `invalid_sku`
    /// (a control character such as a tab or a line break).
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let t = strip_text_marker(text);
        if t.is_empty() {
            return Err(FieldError::new("sku", "required", "SKU is required"));
        }
        if t.chars().count() > SKU_MAX_CHARS {
            return Err(FieldError::new(
                "sku",
                "too_long",
                format!("SKU is longer than {SKU_MAX_CHARS} characters"),
            ));
        }
        if t.chars().any(char::is_control) {
            return Err(FieldError::new(
                "sku",
                "invalid_sku",
                format!(
                    "SKU '{}' contains a tab, line break or other control character",
                    t.escape_debug()
                ),
            ));
        }
        Ok(Sku(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sku {
    type Error = FieldError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Sku::parse(&value)
    }
}

impl From<Sku> for String {
    fn from(s: Sku) -> String {
        s.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A product handle (Shopify's URL handle), an opaque key: any Unicode text of 1–255 characters
/// without whitespace or control characters (`silver-ring-tm™`, emoji included), folded to
/// lower case as Shopify does.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Handle(String);

impl Handle {
    /// Accepts a handle as written; upper case is folded. Errors (field `handle`): `required`,
    /// `too_long`, `invalid_handle` (whitespace or a control character inside).
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let t = text.trim().to_lowercase();
        if t.is_empty() {
            return Err(FieldError::new("handle", "required", "handle is required"));
        }
        if t.chars().count() > 255 {
            return Err(FieldError::new(
                "handle",
                "too_long",
                "handle is longer than 255 characters",
            ));
        }
        if t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(FieldError::new(
                "handle",
                "invalid_handle",
                format!(
                    "handle '{}' contains a space or a control character",
                    t.escape_debug()
                ),
            ));
        }
        Ok(Handle(t))
    }

    /// Derives a handle from a title the way Shopify does: lower case, runs of other
    /// characters become one dash.
    pub fn from_title(title: &str) -> Result<Self, FieldError> {
        let mut out = String::new();
        for c in title.trim().to_lowercase().chars() {
            if c.is_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        while out.ends_with('-') {
            out.pop();
        }
        Handle::parse(&out).map_err(|e| e.at("title"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a product can be sold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    #[default]
    Active,
    Draft,
    Archived,
    /// Shopify's `unlisted`: sellable, hidden from the online store's search and collections.
    Unlisted,
}

impl ProductStatus {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "active" | "" => Ok(Self::Active),
            "draft" => Ok(Self::Draft),
            "archived" => Ok(Self::Archived),
            "unlisted" => Ok(Self::Unlisted),
            other => Err(FieldError::new(
                "status",
                "invalid_status",
                format!("'{other}' is not a product status (active, draft, archived, unlisted)"),
            )),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Draft => "draft",
            Self::Archived => "archived",
            Self::Unlisted => "unlisted",
        }
    }
}

/// What happens when a tracked variant runs out: refuse to sell, or keep selling (backorder).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum InventoryPolicy {
    #[default]
    Deny,
    Continue,
}

impl InventoryPolicy {
    /// Accepts Shopify's `deny`/`continue` and the TRUE/FALSE seen in third-party exports.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "deny" | "" | "false" => Ok(Self::Deny),
            "continue" | "true" => Ok(Self::Continue),
            other => Err(FieldError::new(
                "inventory_policy",
                "invalid_policy",
                format!("'{other}' is not an inventory policy (deny, continue)"),
            )),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Deny => "deny",
            Self::Continue => "continue",
        }
    }
}

/// The type of a typed product attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttributeKind {
    Text,
    Number,
    Boolean,
    Select,
    Date,
}

impl AttributeKind {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "number" => Ok(Self::Number),
            "boolean" | "bool" => Ok(Self::Boolean),
            "select" => Ok(Self::Select),
            "date" => Ok(Self::Date),
            other => Err(FieldError::new(
                "kind",
                "invalid_kind",
                format!("'{other}' is not an attribute kind (text, number, boolean, select, date)"),
            )),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Select => "select",
            Self::Date => "date",
        }
    }

    /// Validates and canonicalises a raw value for this kind. `options` is the allowed set for
    /// `Select`. Numbers are kept as decimal text (never floats); dates as `YYYY-MM-DD`.
    pub fn canonical_value(
        &self,
        raw: &str,
        options: &[String],
        field: &str,
    ) -> Result<String, FieldError> {
        let v = raw.trim();
        let bad = |why: String| FieldError::new(field, "invalid_value", why);
        match self {
            Self::Text => Ok(v.to_string()),
            Self::Number => {
                let (neg, rest) = v.strip_prefix('-').map_or((false, v), |r| (true, r));
                let ok = !rest.is_empty()
                    && rest.split_once('.').map_or(
                        rest.bytes().all(|b| b.is_ascii_digit()),
                        |(i, f)| {
                            !i.is_empty()
                                && !f.is_empty()
                                && (i.bytes().chain(f.bytes())).all(|b| b.is_ascii_digit())
                        },
                    );
                if ok {
                    Ok(format!("{}{rest}", if neg { "-" } else { "" }))
                } else {
                    Err(bad(format!("'{v}' is not a number")))
                }
            }
            Self::Boolean => match v.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => Ok("true".into()),
                "false" | "no" | "0" => Ok("false".into()),
                _ => Err(bad(format!("'{v}' is not true or false"))),
            },
            Self::Select => options
                .iter()
                .find(|o| o.eq_ignore_ascii_case(v))
                .cloned()
                .ok_or_else(|| bad(format!("'{v}' is not one of: {}", options.join(", ")))),
            Self::Date => {
                let parts: Vec<&str> = v.split('-').collect();
                let valid = parts.len() == 3
                    && parts[0].len() == 4
                    && parts[1].len() == 2
                    && parts[2].len() == 2
                    && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
                    && {
                        let y: u32 = parts[0].parse().unwrap_or(0);
                        let m: u32 = parts[1].parse().unwrap_or(0);
                        let d: u32 = parts[2].parse().unwrap_or(0);
                        (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
                    };
                if valid {
                    Ok(v.to_string())
                } else {
                    Err(bad(format!("'{v}' is not a date (YYYY-MM-DD)")))
                }
            }
        }
    }
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        _ => 28,
    }
}

/// Splits a category path such as `Apparel > Shirts > T-shirts` into its names.
pub fn category_path(text: &str) -> Result<Vec<String>, FieldError> {
    let parts: Vec<String> = text.split('>').map(|p| p.trim().to_string()).collect();
    if parts.iter().any(String::is_empty) {
        return Err(FieldError::new(
            "category",
            "invalid_category",
            format!("'{text}' has an empty level"),
        ));
    }
    Ok(parts)
}

/// A weight read from text, in milligrams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weight {
    pub mg: i64,
    /// The text had more than three decimals of a gram and was rounded (half away from zero)
    /// to the milligram.
    pub rounded: bool,
}

/// Parses a non-negative weight in grams written as decimal text (`120`, `2.65`,
/// `120.407806375`: Shopify writes fractional grams when weights were entered in ounces or
/// pounds) to whole milligrams; digits beyond the milligram are rounded and flagged, never
/// dropped silently. Up to 1,000,000,000 g. Error `invalid_weight` names `field`.
pub fn parse_weight_grams(text: &str, field: &str) -> Result<Weight, FieldError> {
    let t = text.trim();
    let bad = || {
        FieldError::new(
            field,
            "invalid_weight",
            format!("'{t}' is not a weight in grams (a number such as 120 or 2.65)"),
        )
    };
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || int.len() > 10
    {
        return Err(bad());
    }
    let grams: i64 = if int.is_empty() {
        0
    } else {
        int.parse().map_err(|_| bad())?
    };
    if grams > 1_000_000_000 {
        return Err(bad());
    }
    let mut mg = grams * 1000;
    let digits: Vec<i64> = frac.bytes().map(|b| i64::from(b - b'0')).collect();
    for (i, d) in digits.iter().take(3).enumerate() {
        mg += d * [100, 10, 1][i];
    }
    let rest = digits.get(3..).unwrap_or(&[]);
    let rounded = rest.iter().any(|d| *d != 0);
    if rest.first().is_some_and(|d| *d >= 5) {
        mg += 1;
    }
    Ok(Weight { mg, rounded })
}

/// Milligrams as grams text with no trailing zeros (`120408` → `120.408`, `240000` → `240`).
pub fn format_grams(mg: i64) -> String {
    let (g, rest) = (mg / 1000, (mg % 1000).abs());
    if rest == 0 {
        g.to_string()
    } else {
        format!("{g}.{rest:03}").trim_end_matches('0').to_string()
    }
}

/// Parses a TRUE/FALSE cell (case-insensitive; blank is `default`).
pub fn parse_bool(text: &str, default: bool, field: &str) -> Result<bool, FieldError> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Ok(default),
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        other => Err(FieldError::new(
            field,
            "invalid_boolean",
            format!("'{other}' is not TRUE or FALSE"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sku_rules() {
        assert_eq!(Sku::parse("  TSH-RED-M ").unwrap().as_str(), "TSH-RED-M");
        assert_eq!(Sku::parse("").unwrap_err().code, "required");
        assert_eq!(Sku::parse("RING 7 SLV").unwrap().as_str(), "RING 7 SLV");
        assert_eq!(
            Sku::parse("'42248509259858").unwrap().as_str(),
            "42248509259858",
            "a spreadsheet's text marker is not part of the SKU"
        );
        assert_eq!(Sku::parse("A\tB").unwrap_err().code, "invalid_sku");
        assert!(Sku::parse(&"x".repeat(255)).is_ok(), "Shopify allows 255");
        assert_eq!(Sku::parse(&"x".repeat(256)).unwrap_err().code, "too_long");
    }

    #[test]
    fn handles_from_titles() {
        let cases = [
            ("Classic Tee", "classic-tee"),
            ("  Crème Brûlée!! 250g ", "crème-brûlée-250g"),
            ("A/B & C", "a-b-c"),
        ];
        for (title, want) in cases {
            assert_eq!(
                Handle::from_title(title).unwrap().as_str(),
                want,
                "handle of {title:?}"
            );
        }
        assert_eq!(Handle::from_title("!!!").unwrap_err().field, "title");
        assert_eq!(
            Handle::parse("Has Space").unwrap_err().code,
            "invalid_handle"
        );
        for opaque in ["silver-ring-tm™", "bougie-🕯️", "crème_brûlée.v2", "a/b"] {
            assert!(
                Handle::parse(opaque).is_ok(),
                "{opaque} is a handle Shopify exports"
            );
        }
    }

    #[test]
    fn weights_keep_the_milligram_and_say_when_they_round() {
        let cases = [
            ("120", 120_000, false),
            ("2.6", 2_600, false),
            ("2.65", 2_650, false),
            ("120.407806375", 120_408, true),
            ("0.0004", 0, true),
            ("240.0", 240_000, false),
            (".5", 500, false),
        ];
        for (text, mg, rounded) in cases {
            assert_eq!(
                parse_weight_grams(text, "grams").unwrap(),
                Weight { mg, rounded },
                "weight {text}"
            );
        }
        for bad in ["", "-1", "1e3", "12 g", "1.2.3", "99999999999"] {
            assert_eq!(
                parse_weight_grams(bad, "grams").unwrap_err().field,
                "grams",
                "{bad:?} is refused naming the column"
            );
        }
        assert_eq!(format_grams(120_408), "120.408");
        assert_eq!(format_grams(2_600), "2.6");
        assert_eq!(format_grams(240_000), "240");
    }

    #[test]
    fn typed_attribute_values() {
        let opts = vec!["Cotton".to_string(), "Wool".to_string()];
        let cases: &[(AttributeKind, &str, Result<&str, ()>)] = &[
            (AttributeKind::Number, "12.5", Ok("12.5")),
            (AttributeKind::Number, "-3", Ok("-3")),
            (AttributeKind::Number, "1e3", Err(())),
            (AttributeKind::Number, "1.", Err(())),
            (AttributeKind::Boolean, "Yes", Ok("true")),
            (AttributeKind::Boolean, "maybe", Err(())),
            (AttributeKind::Select, "cotton", Ok("Cotton")),
            (AttributeKind::Select, "silk", Err(())),
            (AttributeKind::Date, "2024-02-29", Ok("2024-02-29")),
            (AttributeKind::Date, "2023-02-29", Err(())),
            (AttributeKind::Date, "2024-13-01", Err(())),
            (AttributeKind::Text, " anything ", Ok("anything")),
        ];
        for (kind, raw, want) in cases {
            let got = kind.canonical_value(raw, &opts, "material");
            match want {
                Ok(w) => assert_eq!(got.as_deref(), Ok(*w), "{kind:?} {raw:?}"),
                Err(()) => assert_eq!(
                    got.unwrap_err().field,
                    "material",
                    "{kind:?} {raw:?} must fail naming the field"
                ),
            }
        }
    }

    #[test]
    fn statuses_and_policies_accept_shopify_spellings() {
        assert_eq!(
            ProductStatus::parse("Active").unwrap(),
            ProductStatus::Active
        );
        assert_eq!(
            ProductStatus::parse("ARCHIVED").unwrap(),
            ProductStatus::Archived
        );
        assert!(ProductStatus::parse("published").is_err());
        assert_eq!(
            InventoryPolicy::parse("CONTINUE").unwrap(),
            InventoryPolicy::Continue
        );
        assert_eq!(
            InventoryPolicy::parse("TRUE").unwrap(),
            InventoryPolicy::Continue
        );
        assert_eq!(
            InventoryPolicy::parse("deny").unwrap(),
            InventoryPolicy::Deny
        );
    }

    #[test]
    fn category_paths() {
        assert_eq!(
            category_path("Apparel > Shirts").unwrap(),
            vec!["Apparel", "Shirts"]
        );
        assert!(category_path("Apparel >> Shirts").is_err());
    }
}
