"""Full synchronisation with WeCom: pull everything, reconcile, resume after a failure."""
