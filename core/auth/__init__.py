"""Built-in module: staff accounts, 等保-grade login (server-side sessions, lockout, TOTP,
password policy, security headers), online users, and platform operators.

See docs/decisions.md, "Identity (issue #3)".
"""
