"""Spreadsheet readers and templates: rosters, sign-in sheets and online exports, results."""
