"""The config: the TOML file's model, its loading and validation, the plugin sections, secrets and
durations.
"""
