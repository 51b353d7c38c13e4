"""Who is who in the campaigns tests' bank (the ``bank`` fixture of conftest.py)."""

A, B, C = "lin.xiaomei", "wang.jianguo", "zhao.bj"  # 上海分行, its 陆家嘴支行, 北京分行
HQ, LEAD = "zong.yunying", "chen.hang"

PAYROLL_GOLD_SHANGHAI = {"customer_types": ["代发"], "min_tier": "金卡客户", "department_id": 2}
