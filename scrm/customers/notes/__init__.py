"""RM notes on a customer (跟进记录) and the remark in WeCom (客户备注)."""
