"""Importers: other tools' guest definitions (vmrun.sh command lines) to validated specs."""
