"""Storage: the schema, the store and its bulk writes, retention, and the tables people and the daemon write
beside incidents.
"""
