"""Forms of the mediation pages, one module per subject."""
