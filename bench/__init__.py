"""Sparekey's benchmark: `python -m bench` (or `make bench`, `make bench QUICK=1`).

It measures Sparekey against the ceiling of its own stack (a bare Django view behind the same
server command, workers and settings), on SQLite and on PostgreSQL, and prints one table.
Everything it starts (servers, databases, a temporary data directory) it also stops and removes.
"""
