"""Who is who in the customer-profile tests' bank (the ``profile_bank`` fixture)."""

LIN, WANG, ZHAO_BJ, LEAD, HQ = "lin.xiaomei", "wang.jianguo", "zhao.bj", "chen.hang", "zong.yy"
CUSTOMER = "wmProfileWangJianguo01"  # 王建國🌸, served by 林小美 and 王建国
BEIJING_CUSTOMER = "wmProfileLiNvshi000002"  # 李女士, served by 北京's RM only
LOCKED = "资产等级"  # set by the bank's systems, not by RMs
