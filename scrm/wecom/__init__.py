"""The WeCom gateway: the only package that imports wechatpy.

- :mod:`scrm.wecom.client` — one client per secret, shared tokens, bounded retries;
- :mod:`scrm.wecom.errors` — every WeCom error as one typed exception;
- :mod:`scrm.wecom.callbacks` — callback signature, decryption and event parsing;
- :mod:`scrm.wecom.endpoints.reads` — typed calls for the endpoints scrm uses.

The local fake WeCom beside them is for the demo and the tests only: nothing here imports it.
"""
