"""Seed data of the local ZGW server used by the demo (built on recorded real responses)."""
