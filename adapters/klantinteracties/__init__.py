"""A Klantinteracties API (Open Klant 2.x, or another façade) as a source (docs/decisions/0009)."""
