"""Electronic health declarations: movement, entry into the province, periodic symptoms; their QR and risk rules."""
