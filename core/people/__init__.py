"""The people registry (当事人): one record per person, shared by every service line."""
