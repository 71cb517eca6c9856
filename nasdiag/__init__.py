"""nasdiag: tells whether a neural architecture search can be trusted.

It measures evaluation noise across seeds, proxy-vs-target rank correlation and search-space
coverage against known-good baselines, and gives each a verdict with a fix.
"""

__version__ = "0.1.0"
