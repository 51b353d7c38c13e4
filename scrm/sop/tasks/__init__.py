"""SOP tasks: when steps are due, materialising them as task rows, carrying them out, results
and to-dos.
"""
