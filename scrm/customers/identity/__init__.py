"""机构内身份认证: bank customer records (客户号) and the binding of WeCom contacts to them."""
