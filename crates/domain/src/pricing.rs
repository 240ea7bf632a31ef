//! Which price is in force: a variant's base price, overridden by price lists scoped by date
//! range, customer group and location.
//!
//! Precedence, written down once:
//! 1. only rules whose window contains the moment (`starts_at <= at < ends_at`, open ends allowed),
//!    whose group is unset or equals the customer's, and whose location is unset or equals the
//!    sale's, apply;
//! 2. the most specific rule wins: group **and** location, then group, then location, then global;
//! 3. among equally specific rules, the higher `priority` wins; then the lower price (the
//!    customer never pays more than an equally ranked list says); then the list id, so the answer
//!    never depends on row order.
//!
//! With no applicable rule the base price applies.

use serde::{Deserialize, Serialize};

/// One price-list entry for one variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRule {
    pub list_id: String,
    pub price_minor: i64,
    /// Unix milliseconds, inclusive.
    pub starts_at: Option<i64>,
    /// Unix milliseconds, exclusive.
    pub ends_at: Option<i64>,
    pub customer_group: Option<String>,
    pub location: Option<String>,
    pub priority: i32,
}

/// Where and for whom a price is asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceContext {
    pub at: i64,
    pub customer_group: Option<String>,
    pub location: Option<String>,
}

/// The price in force and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedPrice {
    pub price_minor: i64,
    /// `None` when the base price applies.
    pub list_id: Option<String>,
}

impl PriceRule {
    fn applies(&self, ctx: &PriceContext) -> bool {
        self.starts_at.is_none_or(|s| s <= ctx.at)
            && self.ends_at.is_none_or(|e| ctx.at < e)
            && self
                .customer_group
                .as_ref()
                .is_none_or(|g| ctx.customer_group.as_ref() == Some(g))
            && self
                .location
                .as_ref()
                .is_none_or(|l| ctx.location.as_ref() == Some(l))
    }

    fn specificity(&self) -> u8 {
        u8::from(self.customer_group.is_some()) * 2 + u8::from(self.location.is_some())
    }
}

pub fn resolve_price(base_minor: i64, rules: &[PriceRule], ctx: &PriceContext) -> ResolvedPrice {
    rules
        .iter()
        .filter(|r| r.applies(ctx))
        .max_by(|a, b| {
            a.specificity()
                .cmp(&b.specificity())
                .then(a.priority.cmp(&b.priority))
                .then(b.price_minor.cmp(&a.price_minor))
                .then(b.list_id.cmp(&a.list_id))
        })
        .map_or(
            ResolvedPrice {
                price_minor: base_minor,
                list_id: None,
            },
            |r| ResolvedPrice {
                price_minor: r.price_minor,
                list_id: Some(r.list_id.clone()),
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, price: i64) -> PriceRule {
        PriceRule {
            list_id: id.into(),
            price_minor: price,
            starts_at: None,
            ends_at: None,
            customer_group: None,
            location: None,
            priority: 0,
        }
    }

    fn ctx(at: i64, group: Option<&str>, loc: Option<&str>) -> PriceContext {
        PriceContext {
            at,
            customer_group: group.map(Into::into),
            location: loc.map(Into::into),
        }
    }

    #[test]
    fn precedence_table() {
        let sale = PriceRule {
            starts_at: Some(100),
            ends_at: Some(200),
            ..rule("sale", 800)
        };
        let vip = PriceRule {
            customer_group: Some("vip".into()),
            ..rule("vip", 900)
        };
        let store = PriceRule {
            location: Some("S1".into()),
            ..rule("store", 950)
        };
        let vip_store = PriceRule {
            customer_group: Some("vip".into()),
            location: Some("S1".into()),
            ..rule("vip-s1", 990)
        };
        let rules = vec![sale.clone(), vip.clone(), store.clone(), vip_store.clone()];

        let cases: &[(&str, PriceContext, i64, Option<&str>)] = &[
            (
                "no rule applies before the sale window",
                ctx(50, None, None),
                1000,
                None,
            ),
            (
                "sale window start is inclusive",
                ctx(100, None, None),
                800,
                Some("sale"),
            ),
            (
                "sale window end is exclusive",
                ctx(200, None, None),
                1000,
                None,
            ),
            (
                "location beats global",
                ctx(150, None, Some("S1")),
                950,
                Some("store"),
            ),
            (
                "group beats location",
                ctx(150, Some("vip"), Some("S2")),
                900,
                Some("vip"),
            ),
            (
                "group+location beats everything",
                ctx(150, Some("vip"), Some("S1")),
                990,
                Some("vip-s1"),
            ),
            (
                "other group sees the global sale",
                ctx(150, Some("staff"), None),
                800,
                Some("sale"),
            ),
        ];
        for (why, c, want_price, want_list) in cases {
            let got = resolve_price(1000, &rules, c);
            assert_eq!(got.price_minor, *want_price, "{why}");
            assert_eq!(got.list_id.as_deref(), *want_list, "{why}");
        }
    }

    #[test]
    fn ties_break_by_priority_then_lowest_price_then_id() {
        let a = PriceRule {
            priority: 1,
            ..rule("a", 700)
        };
        let b = PriceRule {
            priority: 2,
            ..rule("b", 900)
        };
        assert_eq!(
            resolve_price(1000, &[a.clone(), b.clone()], &ctx(0, None, None))
                .list_id
                .as_deref(),
            Some("b")
        );
        let c = rule("c", 700);
        let d = rule("d", 600);
        assert_eq!(
            resolve_price(1000, &[c.clone(), d.clone()], &ctx(0, None, None)).price_minor,
            600
        );
        let e = rule("e", 600);
        // Same everything but id: order of input must not matter.
        let r1 = resolve_price(1000, &[d.clone(), e.clone()], &ctx(0, None, None));
        let r2 = resolve_price(1000, &[e, d], &ctx(0, None, None));
        assert_eq!(r1, r2, "resolution must not depend on row order");
    }
}
