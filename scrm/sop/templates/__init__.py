"""SOP templates (标准群SOP模板): YAML read with line numbers, checked, resolved and published as
versions.
"""
