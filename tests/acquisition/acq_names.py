"""Who is who in the acquisition tests' bank (see conftest.py)."""

HQ = "zong.yunying"
LEAD = "chen.hang"
RM1, RM2 = "lin.xiaomei", "wang.jianguo"
BJ_RM = "zhao.bj"
ASSISTANT = "zhou.zhuli"
SHANGHAI, LUJIAZUI, BEIJING = 2, 3, 4
