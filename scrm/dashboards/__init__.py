"""Branch-lead dashboards (分行看板): group operations by bank → branch → sub-branch → RM →
group, with trends, leaderboards and CSV downloads."""
