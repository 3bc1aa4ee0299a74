"""The rule registry: one record per rule, everything else derived from the records.

`accountability.rules.registry.REGISTRY` holds every rule in order; `model` defines the
record; `conditions` the conditions several rules share; `parameters` the unit and
range of every rulebook parameter.  This module imports nothing, so the rulebook can
read the parameter specs without loading the rules.
"""
