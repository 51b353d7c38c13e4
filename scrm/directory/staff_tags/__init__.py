"""Directory tags (通讯录标签) mirrored from WeCom, and the staff a set of tags names."""
