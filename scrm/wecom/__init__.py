"""The WeCom gateway: the only package that imports wechatpy.

- :mod:`scrm.wecom.client` — one client per secret, shared tokens, bounded retries;
- :mod:`scrm.wecom.errors` — every WeCom error as one typed exception;
- :mod:`scrm.wecom.callbacks` — callback signature, decryption and event parsing;
- :mod:`scrm.wecom.endpoints.reads` — typed calls for the endpoints scrm uses;
- :mod:`scrm.wecom.simulator` — the local fake WeCom for the demo and tests.
"""
