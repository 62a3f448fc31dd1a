"""Incidents: what one story remembers (state), how posts join it (grouping), how alarming it is
(assessment) and the brand's pulse it is judged against.
"""
