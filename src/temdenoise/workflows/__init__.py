"""Workflows that chain the library's stages: the demo and the prepared GPU job."""
