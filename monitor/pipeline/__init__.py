"""The one pipeline: a batch of observations matched, scored, grouped into incidents, assessed and written
back in one transaction.
"""
