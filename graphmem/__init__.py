"""graphmem: memory for coding agents, anchored to a graph of the code it is about."""

from graphmem.errors import GraphMemError

__all__ = ["GraphMemError", "__version__"]
__version__ = "0.1.0"
