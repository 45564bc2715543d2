"""The ingest benchmark: real articles damaged at random, and the figures issue 13 asks for."""
