"""Conversation-archive ingest (会话内容存档): where archived chats come from and how they are read
into the archive.
"""
