"""Maillage shared library.

Everything here is plain Python except ``maillage_shared.nameko`` (dependency
providers and the service runner), which is the only module that imports Nameko.
"""
