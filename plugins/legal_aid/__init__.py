"""法律援助: the legal aid line (法律援助法 2021); rules first, pages to follow."""
