"""Running SOP templates on customer groups: selecting groups, assigning, pausing and resuming."""
