"""digest: turn news feeds into a curated newsletter."""

__version__ = "0.1.0"
