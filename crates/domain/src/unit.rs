//! Units goods are sold in: pieces, or a measure (kg, g, m, l) with a price per unit.
//!
//! Every quantity in Backroom — cart lines, order and return lines, the stock ledger, levels,
//! transfers and counts — is a whole number of the variant's *stock unit*: one piece, or a
//! thousandth of the measure (a gram of a kg product, a millimetre of a metre, a millilitre of a
//! litre, a milligram of a g product). So 0.5 kg of cheese is quantity 500, the ledger moves 500
//! and nothing anywhere needs a float or a second quantity column. Prices stay per unit of
//! measure (24.90 per kg); a line's amount is `quantity × price ÷ 1000`, rounded half away from
//! zero once per line: 0.5 kg at 24.90/kg is 12.45.
//!
//! Quantities of pieces stay whole: "1.5" of a piece is an error, never rounded.

use serde::{Deserialize, Serialize};

use crate::money::{div_round_half_away, format_minor, parse_minor};
use crate::FieldError;

/// The unit a variant is sold and stocked in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum SaleUnit {
    /// Whole pieces (the default).
    #[default]
    #[serde(rename = "pcs")]
    Piece,
    #[serde(rename = "kg")]
    Kilogram,
    #[serde(rename = "g")]
    Gram,
    #[serde(rename = "m")]
    Metre,
    #[serde(rename = "l")]
    Litre,
}

/// Decimal places a measured quantity is typed with (thousandths of the unit).
const MEASURE_DIGITS: u32 = 3;

impl SaleUnit {
    /// `pcs` (also blank, `piece`, `ea`), `kg`, `g`, `m` or `l`.
    pub fn parse(text: &str, field: &str) -> Result<Self, FieldError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "" | "pcs" | "pc" | "piece" | "pieces" | "ea" | "each" | "unit" => Ok(Self::Piece),
            "kg" => Ok(Self::Kilogram),
            "g" => Ok(Self::Gram),
            "m" => Ok(Self::Metre),
            "l" => Ok(Self::Litre),
            other => Err(FieldError::new(
                field,
                "invalid_unit",
                format!("'{other}' is not a unit (pcs, kg, g, m, l)"),
            )),
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Piece => "pcs",
            Self::Kilogram => "kg",
            Self::Gram => "g",
            Self::Metre => "m",
            Self::Litre => "l",
        }
    }

    /// Whether this is a measure (sold in decimal quantities) rather than pieces.
    pub fn is_measure(&self) -> bool {
        *self != Self::Piece
    }

    /// Stock units per unit of sale: 1 for pieces, 1000 for a measure.
    pub fn scale(&self) -> i64 {
        if self.is_measure() {
            1000
        } else {
            1
        }
    }

    /// Typed quantity text in stock units: `"0.5"` kg → 500, `"3"` pcs → 3. A measure takes up
    /// to three decimals; pieces must be whole. Errors name `field`.
    pub fn parse_quantity(&self, text: &str, field: &str) -> Result<i64, FieldError> {
        if self.is_measure() {
            parse_minor(text, MEASURE_DIGITS, field).map_err(|e| {
                FieldError::new(
                    field,
                    e.code,
                    format!(
                        "'{}' is not a quantity in {} (up to three decimals, e.g. 0.5)",
                        text.trim(),
                        self.as_str()
                    ),
                )
            })
        } else {
            text.trim().parse::<i64>().map_err(|_| {
                FieldError::new(
                    field,
                    "not_whole",
                    format!("'{}' is not a whole number of pieces", text.trim()),
                )
            })
        }
    }

    /// A quantity in stock units as people read it, without the unit: 500 → `0.5` for kg,
    /// 3 → `3` for pieces.
    pub fn format_quantity(&self, quantity: i64) -> String {
        if !self.is_measure() {
            return quantity.to_string();
        }
        let text = format_minor(quantity, MEASURE_DIGITS);
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }

    /// A quantity with its unit: `0.5 kg`, `3` (pieces print bare).
    pub fn label(&self, quantity: i64) -> String {
        if self.is_measure() {
            format!("{} {}", self.format_quantity(quantity), self.as_str())
        } else {
            self.format_quantity(quantity)
        }
    }

    /// `quantity` stock units at `unit_price` minor units per unit of sale, rounded half away
    /// from zero; `None` beyond what an amount can hold.
    pub fn amount(&self, quantity: i64, unit_price: i64) -> Option<i64> {
        let exact = i128::from(quantity) * i128::from(unit_price);
        i64::try_from(div_round_half_away(exact, i128::from(self.scale()))).ok()
    }

    /// The quantity a weight-embedded label (grams) stands for in this unit: the grams
    /// themselves for kg, milligrams for g; `None` for units a weight cannot measure.
    pub fn from_grams(&self, grams: i64) -> Option<i64> {
        match self {
            Self::Kilogram => Some(grams),
            Self::Gram => grams.checked_mul(1000),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighed_and_measured_quantities() {
        // (unit, typed, stock units, printed, amount at the price per unit)
        let cases = [
            (SaleUnit::Kilogram, "0.5", 500, "0.5 kg", 2_490, 1_245),
            (SaleUnit::Kilogram, "1.234", 1_234, "1.234 kg", 2_490, 3_073),
            (SaleUnit::Kilogram, "2", 2_000, "2 kg", 2_490, 4_980),
            (SaleUnit::Gram, "250", 250_000, "250 g", 3, 750),
            (SaleUnit::Metre, "1.75", 1_750, "1.75 m", 1_299, 2_273),
            (SaleUnit::Litre, "0.33", 330, "0.33 l", 450, 149),
            (SaleUnit::Piece, "3", 3, "3", 499, 1_497),
        ];
        for (unit, typed, qty, printed, price, amount) in cases {
            assert_eq!(
                unit.parse_quantity(typed, "quantity").unwrap(),
                qty,
                "{typed} {unit:?}"
            );
            assert_eq!(unit.label(qty), printed);
            assert_eq!(
                unit.amount(qty, price),
                Some(amount),
                "{printed} at {price}"
            );
        }
    }

    #[test]
    fn pieces_stay_whole_and_measures_take_three_decimals() {
        let e = SaleUnit::Piece
            .parse_quantity("1.5", "lines[0].quantity")
            .unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("lines[0].quantity", "not_whole")
        );
        let e = SaleUnit::Kilogram
            .parse_quantity("0.0005", "quantity")
            .unwrap_err();
        assert_eq!(e.field, "quantity");
        assert!(e.message.contains("kg"), "{}", e.message);
        assert!(SaleUnit::Kilogram
            .parse_quantity("abc", "quantity")
            .is_err());
        assert_eq!(SaleUnit::parse("KG", "unit").unwrap(), SaleUnit::Kilogram);
        assert_eq!(SaleUnit::parse("", "unit").unwrap(), SaleUnit::Piece);
        assert_eq!(
            SaleUnit::parse("lb", "unit").unwrap_err().code,
            "invalid_unit"
        );
    }

    #[test]
    fn weight_labels_measure_kg_and_g_only() {
        assert_eq!(SaleUnit::Kilogram.from_grams(1_250), Some(1_250));
        assert_eq!(SaleUnit::Gram.from_grams(1_250), Some(1_250_000));
        assert_eq!(SaleUnit::Metre.from_grams(1_250), None);
        assert_eq!(SaleUnit::Piece.from_grams(1_250), None);
    }
}
