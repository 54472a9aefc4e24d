"""The default business rules, as data (vn-default.json)."""
