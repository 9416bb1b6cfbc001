"""Deduplication: report assembly, text similarity and signatures, incident clustering."""
