"""Customer moments (客户朋友圈): HQ's central posts, RMs publishing them, engagement."""
