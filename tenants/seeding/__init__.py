"""``fatong seed-scale``: fill a database as a national deployment's would be (issue #8).

One *template* county is built through the real workflows: each enabled plugin's
``scale_template`` hook (its ``demo_data`` when it has none) makes a busy county's records
for the requested years, so numbers, histories and deadlines are what staff would produce.
Every tenant table is then copied from the template to the other counties on the database
server (``INSERT … SELECT`` over a batch of tenant ids; on PostgreSQL in several worker
processes), except the people registry: ID and phone numbers are encrypted per tenant
(``core.crypto``), so those rows are re-encrypted in the workers, with each county's own
region code in its residents' ID numbers, and sent with ``COPY``.

Only an empty database (no tenants) is seeded: the command never mixes synthetic counties
with real ones. The copies carry no audit history: the seeding is one platform audit event.
See docs/scaling.md ("Seeding a national database").
"""

from tenants.seeding.counties import SeededCounty, counties_for
from tenants.seeding.run import SeedReport, seed_scale

__all__ = ["SeedReport", "SeededCounty", "counties_for", "seed_scale"]
