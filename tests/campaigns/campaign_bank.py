"""Who is who in the campaigns tests' bank (shared by conftest and the tests)."""

ARCHIVE_SECRET = "archive-secret-for-tests-only-000000000015"
A, B, C = "lin.xiaomei", "wang.jianguo", "zhao.bj"  # 上海分行, its 陆家嘴支行, 北京分行
HQ, LEAD = "zong.yunying", "chen.hang"

# external_userid: (name, RMs in the order they added the customer, tier, types, tags)
CUSTOMERS = {
    "wmZhangWei001": ("张伟", [A], "gold", ["payroll"], ["代发客户"]),
    "wmLiNa000002": ("李娜🌸", [A], "platinum", ["payroll", "wealth"], ["代发客户", "稳健理财"]),
    "wmWangFang03": ("王芳", [A], "diamond", ["payroll"], ["代发客户"]),
    "wmLiuYang004": ("劉洋", [A], "gold", ["payroll"], ["代发客户"]),
    "wmChenJing05": ("陈静", [B], "gold", ["payroll"], ["代发客户"]),
    "wmYangLei006": ("杨磊", [B], "private", ["payroll", "mortgage"], ["代发客户"]),
    "wmZhaoMin007": ("赵敏", [B], "mass", ["payroll"], ["代发客户"]),
    "wmHuangQ0008": ("黄强", [A], "gold", ["mortgage"], ["按揭客户"]),
    "wmZhouJie009": ("周杰", [C], "gold", ["payroll"], ["代发客户"]),
    "wmWuTing0010": ("吴婷（Ｗ）", [B, A], "gold", ["payroll"], ["代发客户"]),
    "wmNoBind0011": ("钱多多", [A], None, [], []),
    "wmSunLi00012": ("孙丽", [A], "gold", ["payroll"], ["代发客户"]),
}
PAYROLL_GOLD_SHANGHAI = {"customer_types": ["代发"], "min_tier": "金卡客户", "department_id": 2}
