"""The lexicon (词库): the files compliance officers edit, the active version and hot reload,
versions kept for diffs, WeCom's intercept rules.
"""
