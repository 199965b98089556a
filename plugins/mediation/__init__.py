"""人民调解: the people's mediation line (人民调解法 2010), a bundled Fatong plugin."""
