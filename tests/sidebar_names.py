"""Who is who in the sidebar's bank (the ``sidebar_bank`` fixture of tests/conftest.py, which
the sidebar tests and the sidebar in a real browser share)."""

LIN, WANG, ZHAO_BJ, LEAD, HQ = "lin.xiaomei", "wang.jianguo", "zhao.bj", "chen.hang", "zong.yy"
CUSTOMER = "wmSidebarWangJianguo01"  # 王建國🌸, served by 林小美 (remark 王总) and 王建国
SECOND = "wmSidebarZhangAyi00002"  # 张阿姨, served by 林小美 only
BEIJING_CUSTOMER = "wmSidebarLiNvshi000003"  # 李女士, served by 北京's RM only
SOP_TEXT = "各位早上好☀️ 今日市场速递：债市小幅波动。理财非存款，产品有风险，投资须谨慎。"
