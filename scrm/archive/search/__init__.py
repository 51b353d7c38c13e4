"""Archive search (存档检索): the index kept beside the archive, queries, plans, highlighting,
conversations.
"""
