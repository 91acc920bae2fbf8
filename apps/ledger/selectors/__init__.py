"""Reads of the special account: balances and reconciliation (accounts), and what the ledger
pages, the API and the home panels show (dashboards)."""
