"""Signing in and out: WeCom OAuth (sidebar), WeCom web login and local accounts (console),
sessions.
"""
