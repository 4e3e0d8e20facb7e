"""What-if staffing scenarios for service planners (more FTE, leave, ASYE cohorts,
demand growth, restructures), built on ``allocator.solve.allocate``.

Not built yet: this package is reserved for the planning issue. Until then a
planner can vary the inputs by hand: another policy (``--policy``), a worker on
leave (``--release``), rebalancing (``--rebalance``), or generated authorities
(``caseload example``).
"""
