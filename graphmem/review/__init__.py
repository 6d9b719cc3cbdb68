"""Change review: what a diff changes, what depends on it, and which memories it puts at stake.

`GraphMem.review` is the entry point; see docs/review.md.
"""
