"""The spec file: the whole setup (host, bhyve jails, their guests) in one TOML file."""
