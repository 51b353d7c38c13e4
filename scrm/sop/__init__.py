"""Group operations: SOP templates (标准群SOP), assignments to groups, role holders, tasks."""
