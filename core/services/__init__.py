"""Services: module-level, keyword-only functions; each write is one transaction with its events."""
