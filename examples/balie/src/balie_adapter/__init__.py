"""A Klantinteracties façade adapter for Balie, a front-desk application with a small JSON API.

The worked example of docs/adapters.md: installed next to the façade, it is found as source
kind ``balie`` through the entry point in its pyproject.toml, and its tests run the façade's
conformance kit against a stand-in of Balie's API.
"""
