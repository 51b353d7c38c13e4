"""Review cases (合规复核): opening cases, the queue, the workflow, SLA ageing, bulk false
positives.
"""
