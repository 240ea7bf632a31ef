//! Staff permissions: each permission is allowed, denied, or needs a manager's approval (a
//! manager enters their PIN for that one action and is recorded as the approver).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// Something a staff member may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    Sell,
    ApplyDiscount,
    /// A line or order discount above the role's discount limit.
    DiscountAboveLimit,
    PriceOverride,
    VoidSale,
    Refund,
    RefundWithoutReceipt,
    RefundToDifferentTender,
    CashInOut,
    OpenCloseShift,
    ManageCustomers,
    IssueGiftCard,
    AdjustStoreCredit,
    ManageCatalog,
    ManageStock,
    StockWriteOff,
    ManageStaff,
    ViewReports,
    /// Closing a shift whose counted cash differs from the expected by more than the store's
    /// approval threshold.
    ApproveCashVariance,
}

impl Permission {
    pub const ALL: [Permission; 19] = [
        Self::Sell,
        Self::ApplyDiscount,
        Self::DiscountAboveLimit,
        Self::PriceOverride,
        Self::VoidSale,
        Self::Refund,
        Self::RefundWithoutReceipt,
        Self::RefundToDifferentTender,
        Self::CashInOut,
        Self::OpenCloseShift,
        Self::ManageCustomers,
        Self::IssueGiftCard,
        Self::AdjustStoreCredit,
        Self::ManageCatalog,
        Self::ManageStock,
        Self::StockWriteOff,
        Self::ManageStaff,
        Self::ViewReports,
        Self::ApproveCashVariance,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Sell => "sell",
            Self::ApplyDiscount => "apply_discount",
            Self::DiscountAboveLimit => "discount_above_limit",
            Self::PriceOverride => "price_override",
            Self::VoidSale => "void_sale",
            Self::Refund => "refund",
            Self::RefundWithoutReceipt => "refund_without_receipt",
            Self::RefundToDifferentTender => "refund_to_different_tender",
            Self::CashInOut => "cash_in_out",
            Self::OpenCloseShift => "open_close_shift",
            Self::ManageCustomers => "manage_customers",
            Self::IssueGiftCard => "issue_gift_card",
            Self::AdjustStoreCredit => "adjust_store_credit",
            Self::ManageCatalog => "manage_catalog",
            Self::ManageStock => "manage_stock",
            Self::StockWriteOff => "stock_write_off",
            Self::ManageStaff => "manage_staff",
            Self::ViewReports => "view_reports",
            Self::ApproveCashVariance => "approve_cash_variance",
        }
    }

    pub fn parse(text: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == text.trim())
            .ok_or_else(|| {
                FieldError::new(
                    "permission",
                    "invalid_permission",
                    format!("'{text}' is not a permission"),
                )
            })
    }
}

/// What a role says about one permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grant {
    Allow,
    Deny,
    Approval,
}

impl Grant {
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "allow" => Ok(Self::Allow),
            "deny" => Ok(Self::Deny),
            "approval" | "manager_approval" => Ok(Self::Approval),
            other => Err(FieldError::new(
                "grant",
                "invalid_grant",
                format!("'{other}' is not allow, deny or approval"),
            )),
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
            Self::Approval => "approval",
        }
    }
}

/// A named, editable set of grants. Missing permissions are denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub code: String,
    pub name: String,
    pub grants: BTreeMap<Permission, Grant>,
    /// Largest discount (basis points of the discounted amount) allowed without
    /// `DiscountAboveLimit`.
    pub discount_limit_bp: u32,
}

impl Role {
    pub fn grant(&self, p: Permission) -> Grant {
        self.grants.get(&p).copied().unwrap_or(Grant::Deny)
    }

    /// The roles every new store starts with.
    pub fn defaults() -> Vec<Role> {
        use Grant::*;
        use Permission as P;
        let all = |g: Grant| {
            Permission::ALL
                .iter()
                .map(|p| (*p, g))
                .collect::<BTreeMap<_, _>>()
        };
        let mut manager = all(Allow);
        manager.insert(P::ManageStaff, Deny);
        let mut cashier = all(Deny);
        for p in [
            P::Sell,
            P::ApplyDiscount,
            P::Refund,
            P::OpenCloseShift,
            P::ManageCustomers,
            P::CashInOut,
            P::ManageStock,
        ] {
            cashier.insert(p, Allow);
        }
        for p in [
            P::DiscountAboveLimit,
            P::PriceOverride,
            P::VoidSale,
            P::RefundWithoutReceipt,
            P::RefundToDifferentTender,
            P::IssueGiftCard,
            P::AdjustStoreCredit,
            P::StockWriteOff,
            P::ApproveCashVariance,
        ] {
            cashier.insert(p, Approval);
        }
        let mut analyst = all(Deny);
        analyst.insert(P::ViewReports, Allow);
        vec![
            Role {
                code: "owner".into(),
                name: "Owner".into(),
                grants: all(Allow),
                discount_limit_bp: 10_000,
            },
            Role {
                code: "manager".into(),
                name: "Manager".into(),
                grants: manager,
                discount_limit_bp: 10_000,
            },
            Role {
                code: "cashier".into(),
                name: "Cashier".into(),
                grants: cashier,
                discount_limit_bp: 1_000,
            },
            Role {
                code: "analyst".into(),
                name: "Back-office analyst".into(),
                grants: analyst,
                discount_limit_bp: 0,
            },
        ]
    }
}

/// Checks a PIN's shape: 4 to 8 digits.
pub fn check_pin(pin: &str) -> Result<(), FieldError> {
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new(
            "pin",
            "invalid_pin",
            "a PIN is 4 to 8 digits",
        ));
    }
    Ok(())
}

/// Failed PIN attempts before a staff member is locked out, and for how long.
pub const PIN_MAX_FAILURES: i64 = 5;
pub const PIN_LOCKOUT_MS: i64 = 5 * 60 * 1000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_roles() {
        let roles = Role::defaults();
        let get = |c: &str| roles.iter().find(|r| r.code == c).unwrap();
        assert_eq!(get("owner").grant(Permission::ManageStaff), Grant::Allow);
        assert_eq!(get("cashier").grant(Permission::Sell), Grant::Allow);
        assert_eq!(get("cashier").grant(Permission::VoidSale), Grant::Approval);
        assert_eq!(get("cashier").grant(Permission::ManageStaff), Grant::Deny);
        assert_eq!(get("analyst").grant(Permission::Sell), Grant::Deny);
        assert_eq!(get("analyst").grant(Permission::ViewReports), Grant::Allow);
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()).unwrap(), p);
        }
    }

    #[test]
    fn pins() {
        assert!(check_pin("1234").is_ok());
        assert!(check_pin("12345678").is_ok());
        assert_eq!(check_pin("123").unwrap_err().field, "pin");
        assert!(check_pin("12a4").is_err());
        assert!(check_pin("123456789").is_err());
    }
}
