"""`graphmem ui`: a local web viewer over the GraphMem API (see docs/ui.md)."""
