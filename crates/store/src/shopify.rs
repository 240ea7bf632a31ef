//! Shopify product CSV import/export and the multi-location inventory CSV import.
