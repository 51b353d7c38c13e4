"""Group-operation metrics (群运营指标): one row per group per day, and rollups over ranges."""
