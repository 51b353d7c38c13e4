"""Who is who, and when, in the dashboards' bank (the ``dashboard_bank`` fixture of
tests/conftest.py, which the dashboards tests and the console in a real browser share)."""

from datetime import date, timedelta

D1 = date(2026, 3, 2)  # a Monday
D2 = D1 + timedelta(days=1)
BEFORE = D1 - timedelta(days=30)

# Customers (external userids).
WANG, LI, ZHANG = "wmWangXianSheng01", "wmLiNvShi02", "wmZhangXianSheng03"
ZHAO_C, SUN_C, HALF, MOVED = "wmZhaoNvShi04", "wmSunXianSheng05", "wmBanJia06", "wmZhuanJie07"

#: The lexicon hit a warned chat of the bank's archive carries.
HIT = [{"kind": "lexicon", "category": "收益承诺", "term": "保本保收益", "action": "warn"}]
