"""The bank's organisation: departments (HQ → branch → sub-branch) and staff with roles."""
