"""Typed wrappers of WeCom's server API, one module per API family. Only scrm.wecom imports
wechatpy.
"""
